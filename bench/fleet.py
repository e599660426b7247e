"""Fleet benchmarks on sandbox hosts: cold up, no-op up, preview, preview --refresh, vs a sequential baseline.

    scripts/bootstrap && . scripts/env.sh && python bench/fleet.py --sizes 1,4,8 --runs 3

Prints a Markdown table with medians over the runs and ratios taken in the same run; no thresholds
are asserted here (see docs/performance.md for the targets and the reading).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pdm_sandbox import Sandbox  # noqa: E402

from bench import baseline_generic, certs  # noqa: E402
from tests.e2e.pulumi_cli import Stack  # noqa: E402

PROGRAM = (ROOT / "tests" / "e2e" / "programs" / "hosts.py").read_text()
EMPTY = "import pulumi\n"
# One dynamic resource with no I/O: what starting the dynamic provider process costs a no-op up.
TRIVIAL = "from pulumi_docker_machine import DaemonConfig\nDaemonConfig('d')\n"


def timed(fn: Callable[[], Any]) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def trace_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def one_run(entries: list[dict[str, Any]], work: Path, tag: str) -> dict[str, float]:
    """One cold up, no-op up, preview and preview --refresh of the fleet stack, then destroy."""
    n = len(entries)
    trace = work / f"trace-{tag}.jsonl"
    env = {"PULUMI_DOCKER_MACHINE_TRACE": str(trace)}
    out: dict[str, float] = {}
    empty = Stack(work / f"empty-{tag}", EMPTY, name="empty", env=env)
    out["empty_up"] = timed(empty.up)
    trivial = Stack(work / f"trivial-{tag}", TRIVIAL, name="trivial", env=env)
    trivial.up()
    out["trivial_noop_up"] = timed(lambda: trivial.up("--expect-no-changes"))
    stack = Stack(work / f"fleet-{tag}", PROGRAM, name="fleet", env=env)
    stack.config_set("hosts", json.dumps(entries))
    out["cold_up"] = timed(lambda: stack.up("--parallel", "16"))
    out["maxrss_mb"] = max(e["maxrss_kb"] for e in trace_events(trace)) / 1024

    def phase(label: str, *args: str) -> list[dict[str, Any]]:
        trace.unlink(missing_ok=True)
        out[label] = timed(lambda: stack.run(*args))
        return trace_events(trace)

    def count(events: list[dict[str, Any]], kind: str) -> int:
        return sum(e["event"] == kind for e in events)

    out["noop_conns"] = count(
        phase("noop_up", "up", "--yes", "--skip-preview", "--expect-no-changes"), "connect"
    )
    out["preview_conns"] = count(phase("preview", "preview", "--expect-no-changes"), "connect")
    refresh = phase("refresh_preview", "preview", "--refresh", "--expect-no-changes")
    out["refresh_conns_per_host"] = count(refresh, "connect") / n
    out["refresh_cmds_per_host"] = count(refresh, "command") / n
    stack.destroy()
    return out


def measure_size(sandbox: Sandbox, n: int, runs: int, work: Path) -> dict[str, Any]:
    """Medians over `runs` of our stack and the baseline on the same `n` fresh hosts."""
    hosts = sandbox.start_many([None] * n)
    try:
        entries = [{"name": f"n{i}", "ip": h.address, "key_file": h.key_path} for i, h in enumerate(hosts)]
        targets = [baseline_generic.Target(h.address, h.key_path) for h in hosts]
        samples: list[dict[str, float]] = []
        for run in range(runs):
            sample = one_run(entries, work, f"{n}-{run}")
            sample["baseline"], sample["baseline_conns"] = baseline_generic.run(targets)
            for target in targets:
                baseline_generic.undo(target)
            sample["ours_over_baseline"] = sample["cold_up"] / sample["baseline"]
            sample["noop_over_empty"] = sample["noop_up"] / sample["empty_up"]
            samples.append(sample)
        result: dict[str, Any] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        result["n"] = n
        return result
    finally:
        sandbox.stop_many(h.name for h in hosts)


COLUMNS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("N", lambda r: f"{r['n']}"),
    ("empty up s", lambda r: f"{r['empty_up']:.2f}"),
    ("cold up s", lambda r: f"{r['cold_up']:.2f}"),
    ("ours share s", lambda r: f"{r['cold_up'] - r['empty_up']:.2f}"),
    ("baseline s", lambda r: f"{r['baseline']:.2f}"),
    ("ours/baseline", lambda r: f"{r['ours_over_baseline']:.2f}"),
    ("no-op up s", lambda r: f"{r['noop_up']:.2f}"),
    ("no-op/empty", lambda r: f"{r['noop_over_empty']:.2f}"),
    ("1 trivial resource no-op up s", lambda r: f"{r['trivial_noop_up']:.2f}"),
    ("preview s", lambda r: f"{r['preview']:.2f}"),
    ("SSH conns preview / no-op", lambda r: f"{r['preview_conns']:.0f} / {r['noop_conns']:.0f}"),
    ("preview --refresh s", lambda r: f"{r['refresh_preview']:.2f}"),
    (
        "refresh conns, cmds per host",
        lambda r: f"{r['refresh_conns_per_host']:.1f}, {r['refresh_cmds_per_host']:.1f}",
    ),
    ("baseline conns", lambda r: f"{r['baseline_conns']:.0f}"),
    ("provider peak MB", lambda r: f"{r['maxrss_mb']:.0f}"),
]


def table(results: list[dict[str, Any]]) -> str:
    """Markdown table; `cold up(N)/up(1)` is added when N=1 was measured."""
    columns = list(COLUMNS)
    one = next((r for r in results if r["n"] == 1), None)
    if one:
        columns.insert(3, ("up(N)/up(1)", lambda r: f"{r['cold_up'] / one['cold_up']:.2f}"))
    lines = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(f(r) for _, f in columns) + " |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,4,8", help="fleet sizes (comma separated)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (medians are reported)")
    parser.add_argument("--cert-seconds", type=float, default=1.0, help="time per key type for issuance rate")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--shared-sandbox",
        action="store_true",
        help="skip the sweep of leftover sandbox hosts (for use inside a pytest session)",
    )
    args = parser.parse_args(argv)
    sandbox = Sandbox(stop_at_exit=True)
    if not args.shared_sandbox:
        sandbox.cleanup_leftovers()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for n in (int(s) for s in args.sizes.split(",")):
                results.append(measure_size(sandbox, n, args.runs, Path(tmp)))
                print(f"[bench] N={n} done", file=sys.stderr)
        finally:
            sandbox.down(owned_only=True)
    print(f"## Fleet (medians of {args.runs} run(s))\n\n{table(results)}\n")
    rates = certs.issuance_rates(args.cert_seconds)
    print("## Certificate issuance (in-process, one core)\n\n| key type | certificates/s |\n|---|---|")
    for key_type, rate in rates.items():
        print(f"| {key_type} | {rate:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"fleet": results, "certs": rates}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
