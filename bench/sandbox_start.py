"""How reliably the sandbox starts a fleet in one call: N starts of H hosts each, counted.

    scripts/bootstrap && . scripts/env.sh && python bench/sandbox_start.py --hosts 32 --starts 10
    python bench/sandbox_start.py --hosts 32 --starts 3 --inotify-limit 128 --no-raise   # as before

`--inotify-limit` sets fs.inotify.max_user_instances first (the kernel's default is 128);
`--no-raise` turns off the sandbox's own check, to measure what it prevents. Prints one line per
start and a summary; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pdm_sandbox import Sandbox, limits  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=32)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--inotify-limit", type=int, help="set fs.inotify.max_user_instances first")
    parser.add_argument("--no-raise", action="store_true", help="disable the sandbox's limit check")
    args = parser.parse_args()
    if args.inotify_limit:
        limits.INOTIFY_INSTANCES.write_text(f"{args.inotify_limit}\n")
    if args.no_raise:
        limits.ensure_inotify_instances = lambda hosts, setting=limits.INOTIFY_INSTANCES: None
    sandbox = Sandbox(stop_at_exit=True)
    failed = 0
    for start in range(1, args.starts + 1):
        began = time.monotonic()
        try:
            hosts = sandbox.start_many([None] * args.hosts)
        except Exception as exc:  # a failed start is what this counts
            failed += 1
            print(
                f"start {start}: FAILED after {time.monotonic() - began:.0f} s: {str(exc)[:160]}", flush=True
            )
            continue
        print(f"start {start}: {len(hosts)} hosts up in {time.monotonic() - began:.0f} s", flush=True)
        sandbox.stop_many(h.name for h in hosts)
    limit = limits.INOTIFY_INSTANCES.read_text().strip()
    print(
        f"{args.starts - failed} of {args.starts} starts of {args.hosts} hosts succeeded ({failed} failed);"
        f" fs.inotify.max_user_instances now {limit}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
