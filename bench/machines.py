"""Preview of N Machines (the fleet example) from the state alone and with the examples' refresh.

    scripts/bootstrap && . scripts/env.sh && python bench/machines.py --size 8 --runs 3

The example's `Pulumi.yaml` says `options: refresh: always`: a plain `pulumi preview` reads every host
(one SSH connection and probe each) and every ClientConfig's files first. `--refresh=false` previews
from the state alone. Both run alternately on the same stack; medians and the median of the per-run
ratios are printed, with the SSH connections the providers' trace counted. No threshold is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pdm_sandbox import Sandbox  # noqa: E402

from bench.fleet import timed, trace_events  # noqa: E402
from tests.e2e.pulumi_cli import Stack  # noqa: E402

PROGRAM = (ROOT / "examples" / "fleet" / "__main__.py").read_text()


def measure(sandbox: Sandbox, n: int, runs: int, work: Path) -> dict[str, Any]:
    hosts = sandbox.start_many([None] * n)
    try:
        [key_path] = {h.key_path for h in hosts}  # the fleet example takes one key for every host
        trace = work / "trace.jsonl"
        env = {
            "PULUMI_DOCKER_MACHINE_TRACE": str(trace),
            "MACHINE_STORAGE_PATH": str(work / "store"),
            "DOCKER_CONFIG": str(work / "docker"),
        }
        stack = Stack(work / "fleet", PROGRAM, name="pdm-fleet", env=env, refresh_always=True)
        stack.config_set("private_key", Path(key_path).read_text(), secret=True)
        stack.config_set(
            "hosts", json.dumps([{"name": f"m{i}", "host": h.address} for i, h in enumerate(hosts)])
        )
        stack.up("--parallel", "16")
        plain, refreshed, ratios, conns = [], [], [], []
        for _ in range(runs):
            plain.append(timed(lambda: stack.preview("--refresh=false", "--expect-no-changes")))
            trace.unlink(missing_ok=True)
            refreshed.append(timed(lambda: stack.preview("--expect-no-changes")))
            conns.append(sum(e["event"] == "connect" for e in trace_events(trace)) / n)
            ratios.append(refreshed[-1] / plain[-1])
        stack.destroy()
        return {
            "n": n,
            "runs": runs,
            "preview_state_s": statistics.median(plain),
            "preview_refresh_s": statistics.median(refreshed),
            "ratio": statistics.median(ratios),
            "refresh_conns_per_host": statistics.median(conns),
            "samples": {"state": plain, "refresh": refreshed},
        }
    finally:
        sandbox.stop_many(h.name for h in hosts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=8, help="number of Machines (sandbox hosts)")
    parser.add_argument("--runs", type=int, default=3, help="previews of each kind (medians are reported)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    sandbox = Sandbox(stop_at_exit=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            r = measure(sandbox, args.size, args.runs, Path(tmp))
        finally:
            sandbox.down(owned_only=True)
    print(f"## Preview of {r['n']} Machines (medians of {r['runs']} runs)\n")
    print(
        "| N | preview --refresh=false s | preview (refresh: always) s | refresh/state | SSH conns per host |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| {r['n']} | {r['preview_state_s']:.2f} | {r['preview_refresh_s']:.2f} | {r['ratio']:.2f} "
        f"| {r['refresh_conns_per_host']:.1f} |"
    )
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
