"""Waiting for a booting host: sshd answers and accepts the key, and docker.service is active if expected."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from . import network
from .errors import HostBootError
from .host import Host
from .procs import alive

RootExec = Callable[[Host, str], subprocess.CompletedProcess[str]]


def wait_ready(host: Host, timeout: float, console: Path, root_exec: RootExec) -> None:
    """Poll until the host is usable; raise HostBootError (with the console tail) on timeout or failure."""
    deadline = time.monotonic() + timeout
    direct = "public" in host.networks
    phase = "TCP port 22"

    def fail(message: str) -> HostBootError:
        text = console.read_text(errors="replace") if console.exists() else "(no console log)"
        tail = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)[-3000:]
        return HostBootError(host.name, message, tail)

    def check() -> None:
        if not alive(host.pid):
            raise fail("systemd-nspawn exited during boot")
        if time.monotonic() > deadline:
            raise fail(f"not ready after {timeout:g} s (waiting for {phase})")

    while direct:
        check()
        try:
            socket.create_connection((host.address, host.port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    phase = "ssh login"
    while True:
        check()
        proc = _ssh(host, "true", direct)
        if proc.returncode == 0:
            break
        if "Host key verification failed" in proc.stderr or "IDENTIFICATION HAS CHANGED" in proc.stderr:
            raise fail(f"host key mismatch: {proc.stderr.strip()}")
        time.sleep(0.2)
    if host.variant != "docker":
        return
    phase = "docker.service" if host.init == "systemd" else "/etc/init.d/docker status"
    status_cmd, log_cmd = _DOCKER_STATE[host.init]
    while True:
        check()
        state = _ssh(host, status_cmd, direct).stdout.strip()
        if state == "active":
            return
        if state == "failed":
            status = root_exec(host, log_cmd)
            raise fail(f"docker failed:\n{status.stdout[-3000:]}")
        time.sleep(0.1)


# Per init system: a command printing active/failed/other for docker, and one showing why it failed.
_DOCKER_STATE = {
    "systemd": (
        "systemctl is-active docker",
        "systemctl status --no-pager -l docker; journalctl --no-pager -n 40 -u docker",
    ),
    "sysvinit": (
        "/etc/init.d/docker status >/dev/null 2>&1; case $? in 0) echo active;; 1) echo failed;; esac",
        "tail -n 40 /var/log/docker.log",
    ),
    "openrc": (
        "rc-service docker status >/dev/null 2>&1; case $? in 0) echo active;; 1|32) echo failed;; esac",
        "rc-status -a; tail -n 40 /var/log/docker.log",
    ),
}


def _ssh(host: Host, cmd: str, direct: bool) -> subprocess.CompletedProcess[str]:
    if direct:
        return host.ssh(cmd, timeout=30, options={"ConnectTimeout": "2"})
    # A host only on the private network is checked from inside its own namespace: no jump host needed.
    options = {"ConnectTimeout": "2", "ProxyJump": "none"}
    argv = ["ip", "netns", "exec", network.netns_name(host.name), *host.ssh_argv(options=options), cmd]
    return subprocess.run(argv, text=True, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
