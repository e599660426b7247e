"""Per-host changes written into a host's overlay root before it boots: identity, keys, login, apt source."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from .errors import SandboxError
from .shell import run, write_file

SUDO_USER = "deploy"
_CHROOT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}


def set_identity(root: Path, name: str) -> None:
    """Hostname, /etc/hosts entry for it (so sudo does not look it up) and a fresh machine-id."""
    write_file(root / "etc/hostname", f"{name}\n")
    write_file(
        root / "etc/hosts",
        f"127.0.0.1\tlocalhost\n127.0.1.1\t{name}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    )
    write_file(root / "etc/machine-id", uuid.uuid4().hex + "\n", 0o444)


def generate_host_keys(root: Path) -> str:
    """Replace the host's SSH host keys (`ssh-keygen -A -f ROOT`); return the ed25519 public key line."""
    for old in (root / "etc/ssh").glob("ssh_host_*"):
        old.unlink()
    run(["ssh-keygen", "-A", "-f", str(root)])
    path = root / "etc/ssh/ssh_host_ed25519_key.pub"
    if not path.exists():
        raise SandboxError(f"ssh-keygen -A made no {path} (was the root unmounted by a concurrent `down`?)")
    pub = path.read_text().split()
    return f"{pub[0]} {pub[1]}"


def install_login(root: Path, login: str, public_key: str, password: str | None) -> str:
    """Set up the SSH login for `login` ('root', 'sudo', 'sudo-nopasswd'); return the user name.

    root: the key is authorized for root. sudo: user `deploy` in group sudo (sudo asks for `password`).
    sudo-nopasswd: the same user with a NOPASSWD sudoers rule and an account password nobody is told
    (`password` must be None). In the sudo variants root has no key.
    """
    if login == "root":
        _authorize(root, root / "root", public_key, 0, 0)
        return "root"
    if login not in ("sudo", "sudo-nopasswd"):
        raise SandboxError(f"unknown login {login!r}; expected root, sudo or sudo-nopasswd")
    if (login == "sudo") != bool(password):
        raise SandboxError("login 'sudo' needs a password; 'sudo-nopasswd' takes none")
    chroot = ["chroot", str(root)]
    run(
        [*chroot, "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", SUDO_USER],
        env=_CHROOT_ENV,
    )
    account_password = password or secrets.token_urlsafe(16)
    run([*chroot, "chpasswd"], input=f"{SUDO_USER}:{account_password}\n", env=_CHROOT_ENV)
    if login == "sudo-nopasswd":
        write_file(root / f"etc/sudoers.d/{SUDO_USER}", f"{SUDO_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n", 0o440)
    uid, gid = _ids(root, SUDO_USER)
    _authorize(root, root / "home" / SUDO_USER, public_key, uid, gid)
    return SUDO_USER


def _ids(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise SandboxError(f"user {user} missing from {root}/etc/passwd after useradd")


def _authorize(root: Path, home: Path, public_key: str, uid: int, gid: int) -> None:
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = ssh_dir / "authorized_keys"
    keys.write_text(public_key.strip() + "\n")
    keys.chmod(0o600)
    for p in (ssh_dir, keys):
        os.chown(p, uid, gid)


def point_apt_at(root: Path, source_line: str | None) -> None:
    """Make `source_line` the host's only apt source (None: no source at all)."""
    write_file(root / "etc/apt/sources.list", source_line or "# no apt source on this test host\n")
    for extra in (root / "etc/apt/sources.list.d").glob("*"):
        extra.unlink()
