"""The sandbox's SSH client files: its one key pair, an ssh_config with an entry per host, known_hosts."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .shell import run

CLIENT_OPTIONS = {
    "IdentitiesOnly": "yes",
    "GlobalKnownHostsFile": "/dev/null",
    "StrictHostKeyChecking": "yes",
    "UpdateHostKeys": "no",
    "CheckHostIP": "no",
    "HostKeyAlgorithms": "ssh-ed25519",
    "BatchMode": "yes",
    "ConnectTimeout": "5",
    "ServerAliveInterval": "5",
    "ServerAliveCountMax": "3",
    "LogLevel": "ERROR",
}


def ensure_keypair(path: Path) -> Path:
    """Create the sandbox's ed25519 key pair at `path` once (private key mode 0600); return `path`."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp_pub = tmp.with_name(tmp.name + ".pub")
        for f in (tmp, tmp_pub):
            f.unlink(missing_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pdm-sandbox", "-f", str(tmp)])
        os.replace(tmp_pub, path.with_name(path.name + ".pub"))
        os.replace(tmp, path)
    path.chmod(0o600)
    return path


def fingerprint(public_key: str) -> str:
    """The OpenSSH SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA...")."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def known_hosts_line(names: Iterable[str], public_key: str) -> str:
    """One known_hosts line pinning `public_key` for every name and address in `names`."""
    return f"{','.join(names)} {' '.join(public_key.split()[:2])}\n"


def render(hosts: Mapping[str, Mapping[str, Any]], key_path: Path, known_hosts: Path) -> tuple[str, str]:
    """(ssh_config, known_hosts) text for the recorded `hosts` (a private-only host gets a ProxyJump)."""
    config, known = ["# Written by the pulumi-docker-machine sandbox; rewritten on every change.\n"], []
    for name, rec in sorted(hosts.items()):
        if not rec.get("host_public_key"):
            continue
        addresses = list(rec["addresses"].values())
        known.append(known_hosts_line([name, *addresses], rec["host_public_key"]))
        lines = [
            f"Host {name}",
            f"  HostName {rec['address']}",
            f"  User {rec['user']}",
            f"  Port {rec['port']}",
            f"  IdentityFile {key_path}",
            f"  UserKnownHostsFile {known_hosts}",
        ]
        lines += [f"  {k} {v}" for k, v in CLIENT_OPTIONS.items()]
        if rec.get("jump"):
            lines.append(f"  ProxyJump {rec['jump']}")
        config.append("\n".join(lines) + "\n")
    return "\n".join(config), "".join(known)
