"""Booting a root with systemd-nspawn in a host's network namespace, finding and stopping those processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import sysvinit
from .procs import alive, all_pids, children, cmdline, terminate

# Popen objects of hosts started by this process, kept so they are reaped and never warned about.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def argv(name: str, root: Path, netns_path: str, data_dir: Path, init: str = "systemd") -> list[str]:
    """The systemd-nspawn command line (flags proven on this kind of machine; see docs notes). A sysvinit
    host runs its /sbin/init as the command (PID 1), an OpenRC host openrc-init (which runs the sysinit,
    boot and default runlevels): `-b` would boot a systemd binary when one is there."""
    pid1 = "/sbin/openrc-init" if init == "openrc" else "/sbin/init"
    boot, extra = (["-b"], []) if init == "systemd" else ([], [*sysvinit.NSPAWN_OPTIONS, pid1])
    return [
        "systemd-nspawn",
        *boot,
        "-D",
        str(root),
        "-M",
        name,
        "--register=no",
        "--keep-unit",
        f"--network-namespace-path={netns_path}",
        "--console=passive",
        "--capability=CAP_NET_ADMIN",
        "--system-call-filter=@keyring",
        f"--bind={data_dir}:/var/lib/docker",
        *extra,
    ]


def spawn(
    name: str, root: Path, netns_path: str, data_dir: Path, console_log: Path, init: str = "systemd"
) -> int:
    """Start the host in the background (own session, console to `console_log`); return the nspawn pid."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(console_log, "ab") as log:
        proc = subprocess.Popen(
            argv(name, root, netns_path, data_dir, init),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def is_ours(pid: int, hosts_dir: Path) -> bool:
    """Whether `pid` is a systemd-nspawn booting a root under `hosts_dir`."""
    args = cmdline(pid)
    prefix = str(hosts_dir).rstrip("/") + "/"
    return bool(args) and Path(args[0]).name == "systemd-nspawn" and any(a.startswith(prefix) for a in args)


def find_ours(hosts_dir: Path) -> list[int]:
    """Every live nspawn process booting a root under `hosts_dir` (recorded or not)."""
    return [pid for pid in all_pids() if is_ours(pid, hosts_dir) and alive(pid)]


def leader(pid: int) -> int | None:
    """The host's init (PID 1 in its namespace) below the nspawn process `pid`."""
    queue = [pid]
    while queue:
        current = queue.pop(0)
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        nspid = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
        if current != pid and len(nspid) > 1 and nspid[-1] == "1":
            return current
        queue += children(current)
    return None


def stop(pid: int, timeout: float = 20) -> bool:
    """SIGTERM (clean poweroff), SIGKILL after `timeout` s; True if it powered off cleanly."""
    clean = terminate(pid, timeout)
    proc = _CHILDREN.pop(pid, None)
    if proc is not None:
        proc.poll()
    return clean
