"""DockerHost's outputs: one typed definition that the provider fills and the resource declares."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class HostOutputs:
    """What a DockerHost reports after create, update or refresh (besides its echoed inputs)."""

    host_key: str
    host_keys: dict[str, str]
    host_key_fingerprint: str
    docker_host: str
    engine_version: str
    api_version: str
    os: str
    init_system: str
    addresses: list[str]
    daemon_pid: int
    base_daemon_json: str | None
    """The host's original daemon.json (also recorded on the host; kept here for older hosts)."""
    daemon_json: str
    dropin: str
    desired_sha256: dict[str, str]
    installed_docker: bool
    restarted: bool
    transaction: str
    """The id of the last host-side transaction of this resource ('' when nothing needed changing)."""
    last_change: str
    """How the last host-side transaction ended, as a person reads it."""
    drift: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


OUTPUT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(HostOutputs))
SECRET_OUTPUTS: tuple[str, ...] = ("daemon_json", "dropin", "base_daemon_json")
"""Rendered files may carry secrets a user put into settings (e.g. a proxy password)."""
