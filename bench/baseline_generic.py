"""What Docker Machine's generic driver does, step by step: one host after another, one ssh per step.

Used by bench/fleet.py as the sequential baseline. Certificates are made in-process (as Docker
Machine did in Go); every remote step is a separate OpenSSH connection, as with its external client.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pulumi_docker_machine.pki import issue

from tests.throwaway_pki import Authority, new_ca

DROPIN = "/etc/systemd/system/docker.service.d/10-machine.conf"
DROPIN_TEXT = """[Service]
ExecStart=
ExecStart=/usr/sbin/dockerd -H tcp://0.0.0.0:2376 -H unix:///var/run/docker.sock --tlsverify \\
  --tlscacert /etc/docker/ca.pem --tlscert /etc/docker/server.pem --tlskey /etc/docker/server-key.pem
"""


@dataclass(frozen=True)
class Target:
    address: str
    key_path: str
    user: str = "root"


def _ssh(target: Target, command: str, stdin: str | None = None) -> str:
    argv = [
        "ssh",
        "-i",
        target.key_path,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
        f"{target.user}@{target.address}",
        command,
    ]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=True, timeout=120).stdout


def provision(target: Target, ca: Authority, client_dir: Path) -> int:
    """Provision one host; returns how many ssh connections it took."""
    steps = 0

    def ssh(command: str, stdin: str | None = None) -> str:
        nonlocal steps
        steps += 1
        return _ssh(target, command, stdin)

    ssh("exit 0")  # wait for SSH
    ssh("cat /etc/os-release")  # detect the provisioner
    ssh("hostname")
    ssh("command -v docker")  # install if missing (present here)
    ssh("mkdir -p /etc/docker /etc/systemd/system/docker.service.d")
    cert_pem, private_key_pem = ca.issue(issue.LeafUsage.SERVER, target.address, [target.address])
    for path, content in (
        ("/etc/docker/ca.pem", ca.pem),
        ("/etc/docker/server.pem", cert_pem),
        ("/etc/docker/server-key.pem", private_key_pem),
        (DROPIN, DROPIN_TEXT),
    ):
        ssh(f"tee {path} >/dev/null", content)
    ssh("systemctl daemon-reload")
    ssh("systemctl -f restart docker")
    url = f"tcp://{target.address}:2376"
    for _ in range(100):  # wait for the daemon, then check it over TLS like `docker-machine` did
        proc = subprocess.run(
            [
                "docker",
                "--tlsverify",
                f"--tlscacert={client_dir}/ca.pem",
                f"--tlscert={client_dir}/cert.pem",
                f"--tlskey={client_dir}/key.pem",
                "-H",
                url,
                "version",
            ],
            capture_output=True,
            check=False,
            timeout=30,
        )
        if proc.returncode == 0:
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"{url} never answered: {proc.stderr.decode()}")
    return steps


def run(targets: Sequence[Target]) -> tuple[float, int]:
    """Provision every target in turn; returns (seconds, ssh connections)."""
    started = time.monotonic()
    ca = new_ca("baseline CA")
    client_pem, client_private_key_pem = ca.issue(issue.LeafUsage.CLIENT, "baseline")
    connections = 0
    with tempfile.TemporaryDirectory() as tmp:
        client_dir = Path(tmp)
        (client_dir / "ca.pem").write_text(ca.pem)
        (client_dir / "cert.pem").write_text(client_pem)
        (client_dir / "key.pem").write_text(client_private_key_pem)
        for target in targets:
            connections += provision(target, ca, client_dir)
    return time.monotonic() - started, connections


def undo(target: Target) -> None:
    """Remove what the baseline wrote and restart Docker on its own flags (not timed)."""
    _ssh(
        target,
        f"rm -f /etc/docker/ca.pem /etc/docker/server.pem /etc/docker/server-key.pem {DROPIN}"
        " && systemctl daemon-reload && systemctl restart docker",
    )
