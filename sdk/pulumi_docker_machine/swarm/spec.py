"""Input spec of a swarm: its nodes (role, labels, availability), their TLS credentials, rotations."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..diff import is_unknown
from ..errors import ValidationError
from ..spec.cert import _Reader

SWARM_PORT = 2377
"""The port managers listen on for the swarm (raft and joins); Docker's default."""
DEFAULT_DRAIN_TIMEOUT = 120
"""Seconds to wait for a drained node's tasks to move before it leaves."""

_DOCKER_HOST = re.compile(r"tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})")
_LABEL_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")
NODE_FIELDS = ("name", "role", "docker_host", "advertise_addr", "labels", "availability", "via_jump_host")
CREDENTIAL_FIELDS = ("ca_pem", "cert_pem", "key_pem")


class Role(Enum):
    """A node's role in the swarm."""

    MANAGER = "manager"
    WORKER = "worker"


class Availability(Enum):
    """Whether the scheduler places tasks on a node."""

    ACTIVE = "active"
    PAUSE = "pause"
    DRAIN = "drain"


@dataclass(frozen=True)
class Credentials:
    """What a TLS client needs to talk to one node's daemon: the CA, a client certificate and key."""

    ca_pem: str
    cert_pem: str
    key_pem: str


@dataclass(frozen=True)
class NodeSpec:
    """One node as declared."""

    name: str
    role: Role
    docker_host: str
    advertise_addr: str
    labels: tuple[tuple[str, str], ...]
    availability: Availability

    @property
    def label_map(self) -> dict[str, str]:
        """The labels as a mapping."""
        return dict(self.labels)

    @property
    def swarm_addr(self) -> str:
        """`ADDRESS:2377`, what the other nodes reach this node's swarm port at."""
        host = f"[{self.advertise_addr}]" if ":" in self.advertise_addr else self.advertise_addr
        return f"{host}:{SWARM_PORT}"


@dataclass(frozen=True)
class SwarmSpec:
    """The whole swarm as declared; the first manager initialises a new swarm."""

    nodes: tuple[NodeSpec, ...]
    credentials: Mapping[str, Credentials]
    ca_rotation: int
    token_rotation: int
    drain_timeout: int

    @property
    def managers(self) -> tuple[NodeSpec, ...]:
        """The nodes declared as managers, in order."""
        return tuple(n for n in self.nodes if n.role is Role.MANAGER)

    def node(self, name: str) -> NodeSpec:
        """The node named `name`."""
        return next(n for n in self.nodes if n.name == name)


def split_docker_host(docker_host: str) -> tuple[str, int]:
    """`tcp://HOST:PORT` -> (HOST, PORT) with IPv6 brackets removed; ValueError if malformed."""
    match = _DOCKER_HOST.fullmatch(docker_host)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ValueError(f"{docker_host!r} is not tcp://HOST:PORT")
    return match["host"].strip("[]"), int(match["port"])


def _counter(field: str, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not float(raw).is_integer() or raw < 0:
        raise ValidationError(field, f"must be a whole number, 0 or more; got {raw!r}")
    return int(raw)


def _timeout(field: str, raw: Any) -> int:
    value = _counter(field, raw)
    if value < 1:
        raise ValidationError(field, f"must be at least 1 second; got {raw!r}")
    return value


class _NodeReader:
    """Reads one entry of `nodes`, recording each problem under `nodes[i].FIELD`."""

    def __init__(self, reader: _Reader, index: int, raw: Mapping[str, Any]) -> None:
        self.reader, self.prefix, self.raw = reader, f"nodes[{index}]", raw
        self.ok = True
        self.unknown = [field for field in NODE_FIELDS if is_unknown(raw.get(field))]
        """Fields known only after apply (at preview): not checked, and the node is not built."""

    def fail(self, field: str, message: str) -> None:
        self.ok = False
        self.reader.fail(f"{self.prefix}.{field}", message)

    def text(self, field: str) -> str:
        value = self.raw.get(field)
        if field in self.unknown:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "must be a non-empty string")
            return ""
        return value

    def choice(self, field: str, enum: type[Role] | type[Availability], default: str | None) -> Any:
        if field in self.unknown:
            return None
        value = self.raw.get(field) or default
        try:
            return enum(value)
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            self.fail(field, f"{value!r} is not one of {choices}")
            return None

    def labels(self) -> tuple[tuple[str, str], ...]:
        if "labels" in self.unknown:
            return ()
        raw = self.raw.get("labels") or {}
        if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
            self.fail("labels", "must be a mapping of label names to strings")
            return ()
        for key in raw:
            if not isinstance(key, str) or not _LABEL_KEY.fullmatch(key):
                self.fail("labels", f"{key!r} is not a label name (letters, digits, and . _ / -)")
        return tuple(sorted(raw.items()))

    def address(self, docker_host: str) -> str:
        given = self.raw.get("advertise_addr")
        if "advertise_addr" in self.unknown:
            return ""
        if given is None:
            return split_docker_host(docker_host)[0] if docker_host else ""
        if not isinstance(given, str) or not given.strip():
            self.fail("advertise_addr", "must be a non-empty string")
            return ""
        try:
            ipaddress.ip_address(given)
        except ValueError:
            self.fail("advertise_addr", f"{given!r} is not an IP address (the swarm advertises an IP)")
        return given

    def node(self) -> NodeSpec | None:
        name = self.text("name")
        role = self.choice("role", Role, None)
        docker_host = self.text("docker_host")
        if docker_host:
            try:
                split_docker_host(docker_host)
            except ValueError as exc:
                self.fail("docker_host", str(exc))
                docker_host = ""
        address = self.address(docker_host)
        if self.raw.get("via_jump_host") and "via_jump_host" not in self.unknown:
            self.fail(
                "via_jump_host",
                f"{name or 'this node'} is reached through an SSH jump host, so its TLS port cannot be "
                "reached from here; swarm nodes need a direct route to port 2376 (see docs/swarm.md)",
            )
        labels = self.labels()
        availability = self.choice("availability", Availability, Availability.ACTIVE.value)
        if not self.ok or self.unknown:
            return None
        return NodeSpec(name, role, docker_host, address, labels, availability)


def _read_nodes(reader: _Reader) -> None:
    raw = reader.inputs.get("nodes")
    if not isinstance(raw, list | tuple) and is_unknown(raw):
        return
    if not isinstance(raw, list | tuple) or not raw:
        reader.fail("nodes", "must be a non-empty list of nodes")
        return
    nodes: list[NodeSpec] = []
    complete = True
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping) and is_unknown(entry):
            complete = False
            continue
        if not isinstance(entry, Mapping):
            reader.fail(f"nodes[{index}]", "must be a mapping with name, role and docker_host")
            continue
        node_reader = _NodeReader(reader, index, entry)
        node = node_reader.node()
        complete = complete and not node_reader.unknown
        if node is not None:
            nodes.append(node)
    seen: set[str] = set()
    for node in nodes:
        if node.name in seen:
            reader.fail("nodes", f"{node.name!r} is listed more than once (a node has one role)")
        seen.add(node.name)
    if complete and len(nodes) == len(raw):
        if not any(n.role is Role.MANAGER for n in nodes):
            reader.fail("nodes", "has no manager: a swarm needs at least one")
        reader.values["nodes"] = tuple(nodes)


def _read_credentials(reader: _Reader) -> None:
    raw = reader.inputs.get("credentials")
    if is_unknown(raw):
        return
    if not isinstance(raw, Mapping):
        reader.fail("credentials", "must map each node name to its ca_pem, cert_pem and key_pem")
        return
    creds: dict[str, Credentials] = {}
    for name, entry in raw.items():
        if not isinstance(entry, Mapping) or not all(
            isinstance(entry.get(f), str) and entry[f].strip() for f in CREDENTIAL_FIELDS
        ):
            reader.fail(f"credentials.{name}", "needs non-empty ca_pem, cert_pem and key_pem")
            continue
        creds[name] = Credentials(*(entry[f] for f in CREDENTIAL_FIELDS))
    if reader.known("nodes"):
        for node in reader.values["nodes"]:
            if node.name not in raw:
                reader.fail("credentials", f"has no TLS credentials for node {node.name!r}")
    reader.values["credentials"] = creds


def _read(inputs: Mapping[str, Any]) -> _Reader:
    reader = _Reader(inputs)
    _read_nodes(reader)
    _read_credentials(reader)
    reader.read("ca_rotation", _counter, 0)
    reader.read("token_rotation", _counter, 0)
    reader.read("drain_timeout", _timeout, DEFAULT_DRAIN_TIMEOUT)
    return reader


def check(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[ValidationError]]:
    """The inputs with defaults filled in, and every problem among their known values."""
    reader = _read(inputs)
    return reader.inputs, reader.errors


def from_inputs(inputs: Mapping[str, Any]) -> SwarmSpec:
    """The spec of fully known inputs; raises the first ValidationError."""
    reader = _read(inputs)
    if reader.errors:
        raise reader.errors[0]
    fields = ("nodes", "credentials", "ca_rotation", "token_rotation", "drain_timeout")
    for name in fields:
        if name not in reader.values:
            raise ValidationError(name, "is not known yet")
    return SwarmSpec(**{name: reader.values[name] for name in fields})


def node_to_dict(node: NodeSpec) -> dict[str, Any]:
    """The node as the state records it (no credentials)."""
    return {
        "name": node.name,
        "role": node.role.value,
        "docker_host": node.docker_host,
        "advertise_addr": node.advertise_addr,
        "labels": node.label_map,
        "availability": node.availability.value,
    }
