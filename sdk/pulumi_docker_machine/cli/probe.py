"""What the CLI asks a machine: its daemon over TLS, its ports, its state (for ls, status, env, url)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import store
from ..errors import DockerMachineError, ValidationError
from ..remote import tlsprobe
from ..remote.engine_api import EngineAPI, EngineAPIError
from ..spec.values import split_docker_host


def engine_info(root: Path, name: str, timeout: float) -> dict[str, Any]:
    """The machine's daemon's /info, over TLS with the machine's client files."""
    record = store.load(root, name)
    host, port = split_docker_host(record.docker_host)
    ca, cert, key = ((store.machine_dir(root, name) / f).read_text() for f in store.FILES)
    return EngineAPI(host, port, ca, cert, key, timeout=timeout).info()


def swarm_role_in(info: dict[str, Any]) -> str:
    """manager, worker or '' (in no swarm)."""
    swarm = info.get("Swarm") or {}
    if swarm.get("LocalNodeState") != "active":
        return ""
    return "manager" if swarm.get("ControlAvailable") else "worker"


def swarm_role(root: Path, name: str, timeout: float) -> str:
    return swarm_role_in(engine_info(root, name, timeout))


def first_manager(root: Path, names: list[str], timeout: float) -> str:
    """The first of `names` whose daemon answers as a swarm manager (failover for a cluster's env)."""
    for name in names:
        try:
            if swarm_role(root, name, timeout) == "manager":
                return name
        except (EngineAPIError, OSError):
            continue
    raise DockerMachineError(f"none of {', '.join(names)} answers as a swarm manager")


def require_running(root: Path, name: str, timeout: float) -> None:
    """Docker Machine's `env` and `url` exit 1 for a host that is not running; scripts rely on that."""
    record = store.load(root, name)
    host, port = split_docker_host(record.docker_host)
    if port_answers(host, port, timeout) or port_answers(record.ssh_host or host, record.ssh_port, timeout):
        return
    raise DockerMachineError(
        f"{name}: the host is not running (neither {record.docker_host} nor its SSH port {record.ssh_port}"
        f" answered within {timeout:g} s)"
    )


def probe_row(root: Path, name: str, timeout: float) -> dict[str, Any]:
    try:
        return probe_machine(root, name, timeout)
    except Exception as exc:  # one unreadable machine must not hide the others
        return empty_row(name) | {"state": "Error", "errors": str(exc)[:120]}


def empty_row(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "url": "",
        "state": "",
        "docker": "",
        "swarm": "",
        "certs": "",
        "errors": "",
        "labels": [],
    }


def probe_machine(root: Path, name: str, timeout: float) -> dict[str, Any]:
    record = store.load(root, name)
    directory = store.machine_dir(root, name)
    row: dict[str, Any] = {"name": name, "url": record.docker_host, "state": "Running", "docker": ""}
    row.update(swarm="", errors="", labels=[])
    row["certs"] = expiry(record.server_cert_not_after, record.cert_not_after)
    try:  # a record written before the stricter DOCKER_HOST parser is one bad row, not a failed `ls`
        host, port = split_docker_host(record.docker_host)
        ca, cert, key = ((directory / f).read_text() for f in store.FILES)
        engine = tlsprobe.probe(
            lambda: tlsprobe.tcp_stream(host, port, timeout), host, ca, cert, key, timeout
        )
        row["docker"] = f"v{engine.version}"
    except (OSError, tlsprobe.TLSProbeError, ValidationError) as exc:
        row["state"], row["errors"] = "Unreachable", str(exc)[:120]
        return row
    try:  # the daemon answered: a failed /info leaves the state Running
        info = engine_info(root, name, timeout)
        row["swarm"], row["labels"] = swarm_role_in(info), list(info.get("Labels") or [])
    except (OSError, EngineAPIError) as exc:
        row["swarm"], row["errors"] = "?", str(exc)[:120]
    return row


def expiry(*moments: str) -> str:
    known = [datetime.fromisoformat(m.replace("Z", "+00:00")) for m in moments if m]
    if not known:
        return ""
    soonest = min(known)
    days = (soonest - datetime.now(UTC)).days
    return f"{soonest:%Y-%m-%d} ({days}d)" if days >= 0 else f"EXPIRED {soonest:%Y-%m-%d}"


def port_answers(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def machine_state(root: Path, name: str, timeout: float) -> str:
    """Running (its Docker answers over TLS), Error (the host answers on SSH, Docker does not) or Stopped
    (nothing answers). Docker Machine's generic driver said Running as soon as the SSH port answered."""
    if probe_machine(root, name, timeout)["state"] == "Running":
        return "Running"
    record = store.load(root, name)
    return "Error" if port_answers(record.ssh_host, record.ssh_port, timeout) else "Stopped"
