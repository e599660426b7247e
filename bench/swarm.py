"""Swarm benchmark on sandbox hosts: a 5-node swarm (3 managers, 2 workers) with the swarm example.

    scripts/bootstrap && . scripts/env.sh && python bench/swarm.py --runs 3

Per run, on five fresh hosts with Docker preinstalled:
- cold up: one `pulumi up` from bare Docker hosts to a swarm (CA, certificates, five Machines, swarm);
- swarm up: hosts already provisioned as Machines, the `pulumi up` that adds the swarm;
- no-op up and preview --refresh of the swarm stack.
Prints medians in a Markdown table; asserts nothing (see docs/performance.md).
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
from pdm_sandbox.sandbox import HostRequest  # noqa: E402

from tests.e2e.pulumi_cli import Stack  # noqa: E402

PROGRAM = (ROOT / "examples" / "swarm" / "__main__.py").read_text()
NAMES = ("m1", "m2", "m3", "w1", "w2")
COLUMNS = ("cold_up", "swarm_up", "noop_up", "refresh_preview")


def timed(fn: Callable[[], Any]) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def stack_on(hosts: list[Any], work: Path, with_swarm: bool) -> Stack:
    env = {"MACHINE_STORAGE_PATH": str(work / "store"), "DOCKER_CONFIG": str(work / "docker")}
    stack = Stack(work / "stack", PROGRAM, name="swarm-bench", env=env)
    machines = [{"name": n, "host": h.address} for n, h in zip(NAMES, hosts, strict=True)]
    stack.config_set("machines", json.dumps(machines))
    stack.config_set("private_key", Path(hosts[0].key_path).read_text(), secret=True)
    set_swarm(stack, with_swarm)
    return stack


def set_swarm(stack: Stack, on: bool) -> None:
    stack.config_set("managers", json.dumps(list(NAMES[:3]) if on else []))
    stack.config_set("workers", json.dumps(list(NAMES[3:]) if on else []))


def one_run(sandbox: Sandbox, work: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    hosts = sandbox.start_many([HostRequest(None, "docker", "root", ("public",), None) for _ in NAMES])
    try:
        cold = stack_on(hosts, work / "cold", with_swarm=True)
        out["cold_up"] = timed(lambda: cold.up("--parallel", "16"))
        out["noop_up"] = timed(lambda: cold.up("--expect-no-changes"))
        out["refresh_preview"] = timed(lambda: cold.preview("--refresh", "--expect-no-changes"))
        cold.destroy()
        provisioned = stack_on(hosts, work / "provisioned", with_swarm=False)
        provisioned.up("--parallel", "16")
        set_swarm(provisioned, True)
        out["swarm_up"] = timed(lambda: provisioned.up("--parallel", "16"))
        provisioned.destroy()
    finally:
        sandbox.stop_many(h.name for h in hosts)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sandbox = Sandbox(stop_at_exit=True)
    sandbox.ensure_image("docker")
    runs = []
    with tempfile.TemporaryDirectory(prefix="swarm-bench-") as tmp:
        for i in range(args.runs):
            runs.append(one_run(sandbox, Path(tmp) / f"run{i}"))
            numbers = ", ".join(f"{k} {v:.2f} s" for k, v in runs[-1].items())
            print(f"run {i + 1}: {numbers}", file=sys.stderr)
    print("| nodes | " + " | ".join(f"{c} s" for c in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    medians = [statistics.median(r[c] for r in runs) for c in COLUMNS]
    print(f"| {len(NAMES)} | " + " | ".join(f"{m:.2f}" for m in medians) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
