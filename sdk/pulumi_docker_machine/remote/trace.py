"""Optional trace of remote work, for benchmarks and debugging.

When `PULUMI_DOCKER_MACHINE_TRACE` names a file, every SSH connection and command appends one
JSON line: {"event", "host", "step", "seconds", "ended", "pid", "maxrss_kb"} (`ended`: wall-clock time,
so `ended - seconds` is when it began). Nothing secret is written.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time

_lock = threading.Lock()


def record(event: str, host: str, step: str, started: float) -> None:
    """Append one event if tracing is on (a no-op otherwise)."""
    path = os.environ.get("PULUMI_DOCKER_MACHINE_TRACE")
    if not path:
        return
    line = {
        "event": event,
        "host": host,
        "step": step,
        "seconds": round(time.monotonic() - started, 4),
        "ended": round(time.time(), 4),
        "pid": os.getpid(),
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    with _lock, open(path, "a") as fh:
        fh.write(json.dumps(line) + "\n")
