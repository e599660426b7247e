"""Processes by pid: alive checks that see through zombies, command lines, and terminate-then-kill."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def cmdline(pid: int) -> list[str]:
    """The argv of `pid` ([] if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie; reaps it first if it is our child."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def start_time(pid: int) -> int | None:
    """When `pid` started (clock ticks since boot): with the pid, it names a process across pid reuse."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def all_pids() -> list[int]:
    """Every pid visible in /proc."""
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def children(pid: int) -> list[int]:
    """Direct children of `pid`."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def terminate(pid: int, timeout: float, sig: int = signal.SIGTERM) -> bool:
    """Send `sig`, wait up to `timeout` s, then SIGKILL; return True if it went away on `sig` alone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    for _ in range(100):
        if not alive(pid):
            break
        time.sleep(0.05)
    return False
