"""The local machine store, laid out like Docker Machine's: `<store>/machines/NAME/{ca,cert,key}.pem`.

Each machine directory also has `machine.json` (address, SSH details, certificate expiry) that the
CLI reads. Writes are atomic (temp file then rename) and keys are 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .spec.values import SSH_PORT, SSH_USER, machine_name

FILES = ("ca.pem", "cert.pem", "key.pem")
SSH_KEY_PATH = "ssh-key-path"
"""Where `create` was told the SSH key is (its path only: the key is never copied), for `ssh`."""


def default_store() -> Path:
    """`$MACHINE_STORAGE_PATH` (Docker Machine's variable), else `~/.docker/machine`."""
    env = os.environ.get("MACHINE_STORAGE_PATH")
    return Path(env) if env else Path.home() / ".docker" / "machine"


def check_name(name: str) -> str:
    """`name` if it is a machine name; ValidationError naming `name` otherwise."""
    return machine_name("name", name)


@dataclass(frozen=True)
class MachineRecord:
    """What the CLI knows of a machine without asking Pulumi."""

    name: str
    docker_host: str
    ssh_host: str = ""
    ssh_port: int = SSH_PORT
    ssh_user: str = SSH_USER
    host_key: str = ""
    cert_not_after: str = ""
    server_cert_not_after: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MachineRecord:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def machine_dir(store: Path, name: str) -> Path:
    return store / "machines" / check_name(name)


def write_atomic(path: Path, content: str, mode: int) -> None:
    """Write `content` to `path` with `mode`, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(store: Path, record: MachineRecord, ca: str, cert: str, key: str) -> Path:
    """Write a machine's client files and record; returns its directory."""
    directory = machine_dir(store, record.name)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(directory / "ca.pem", ca, 0o644)
    write_atomic(directory / "cert.pem", cert, 0o644)
    write_atomic(directory / "key.pem", key, 0o600)
    if record.host_key:
        host = record.ssh_host if record.ssh_port == SSH_PORT else f"[{record.ssh_host}]:{record.ssh_port}"
        write_atomic(directory / "known_hosts", f"{host} {record.host_key}\n", 0o644)
    write_atomic(
        directory / "machine.json", json.dumps(asdict(record), indent=2, sort_keys=True) + "\n", 0o644
    )
    return directory


def load(store: Path, name: str) -> MachineRecord:
    path = machine_dir(store, name) / "machine.json"
    try:
        return MachineRecord.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise ValidationError(
            "name",
            f"no machine {name!r} in {store} (run `pulumi up`, or `pulumi-docker-machine create`, first)",
        ) from None


def names(store: Path) -> list[str]:
    root = store / "machines"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "machine.json").is_file())


def docker_machine_records(store: Path) -> dict[str, str]:
    """Machines a real `docker-machine` made in this store (a `config.json`, no record of ours): their
    driver by name ("?" when the file cannot be read)."""
    root = store / "machines"
    if not root.is_dir():
        return {}
    found = {}
    for path in sorted(root.glob("*/config.json")):
        if (path.parent / "machine.json").is_file():
            continue
        try:
            found[path.parent.name] = str(json.loads(path.read_text()).get("DriverName") or "?")
        except (OSError, ValueError, AttributeError):
            found[path.parent.name] = "?"
    return found


def remove(store: Path, name: str) -> None:
    directory = machine_dir(store, name)
    for child in ("ca.pem", "cert.pem", "key.pem", "known_hosts", "machine.json", SSH_KEY_PATH):
        (directory / child).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something else lives there: not ours to delete
        directory.rmdir()


def digest(store: Path, name: str) -> dict[str, str]:
    """sha256 of each client file (empty string when missing), for drift detection."""
    directory = machine_dir(store, name)
    out = {}
    for child in (*FILES, "machine.json"):
        path = directory / child
        out[child] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return out
