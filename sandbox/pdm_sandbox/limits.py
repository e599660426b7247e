"""Kernel limits that many booted hosts share, checked before each host is reserved.

Every systemd (or OpenRC) host holds inotify instances of the machine's root user (systemd, journald,
logind, dbus, dockerd, containerd: 9 on a booted Debian 12 host, measured). The kernel's default of
128 per user stops the 14th or so host mid-boot ("Exiting PID 1"), a different one each time."""

from __future__ import annotations

from pathlib import Path

from .errors import SandboxError
from .shell import log

INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
PER_HOST = 16
"""inotify instances to allow for each host: what a booted host holds, with room for its boot."""
BASE = 128
"""What the machine itself may hold beside its test hosts (the kernel's default limit)."""
RAISE_FOR = 32
"""When it raises the limit, it raises it for at least this many hosts: one change, said once."""


def needed_instances(hosts: int) -> int:
    return BASE + PER_HOST * hosts


def ensure_inotify_instances(hosts: int, setting: Path = INOTIFY_INSTANCES) -> None:
    """Raise fs.inotify.max_user_instances for `hosts` running hosts, saying so; where it cannot be
    raised, fail naming the setting and the value to set."""
    need = needed_instances(hosts)
    have = int(setting.read_text())
    if have >= need:
        return
    raised = needed_instances(max(hosts, RAISE_FOR))
    try:
        setting.write_text(f"{raised}\n")
    except OSError as exc:
        raise SandboxError(
            f"fs.inotify.max_user_instances is {have}; {hosts} test hosts need {need}"
            f" (sysctl -w fs.inotify.max_user_instances={need}): {exc.strerror}"
        ) from exc
    fleet = max(hosts, RAISE_FOR)
    log(f"raised fs.inotify.max_user_instances from {have} to {raised}, for up to {fleet} test hosts")
