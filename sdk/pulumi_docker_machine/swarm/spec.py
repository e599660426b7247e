"""Input spec of a swarm: its nodes (role, labels, availability), their TLS credentials, rotations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from ..diff import is_unknown
from ..errors import ValidationError
from ..spec import values
from ..spec.reader import Reader, SpecReader, meta

SWARM_PORT = 2377
"""The port managers listen on for the swarm (raft and joins); Docker's default."""
DEFAULT_DRAIN_TIMEOUT = 120
"""Seconds to wait for a drained node's tasks to move before it leaves."""

_LABEL_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")
NODE_FIELDS = ("name", "role", "docker_host", "advertise_addr", "labels", "availability", "via_jump_host")


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
class Credentials(SpecReader):
    """What a TLS client needs to talk to one node's daemon: the CA, a client certificate and key."""

    ca_cert_pem: str
    cert_pem: str
    private_key_pem: str = field(metadata=meta(secret=True))

    renamed: ClassVar[Mapping[str, str]] = {"ca_pem": "ca_cert_pem", "key_pem": "private_key_pem"}

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.only(cls.input_fields())
        for name in cls.input_fields():  # `text` never echoes the value
            reader.read(name, values.text)


@dataclass(frozen=True)
class NodeSpec(SpecReader):
    """One node as declared."""

    name: str
    role: Role
    docker_host: str
    advertise_addr: str
    labels: Mapping[str, str]
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

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.only(NODE_FIELDS)
        reader.read("name", values.single_line)
        reader.read("role", values.one_of(Role))
        reader.read("docker_host", values.docker_host)
        if reader.given("advertise_addr"):
            reader.read("advertise_addr", values.ip_address)
        elif reader.known("docker_host"):
            host = values.split_docker_host(reader.values["docker_host"])[0]
            reader.read("advertise_addr", values.ip_address, host)
        reader.read("labels", _labels, {})
        reader.read("availability", values.one_of(Availability), Availability.ACTIVE.value)
        jump = reader.inputs.get("via_jump_host")
        if jump and not is_unknown(jump):
            name = reader.values.get("name", "this node")
            reader.fail(
                "via_jump_host",
                f"{name} is reached through an SSH jump host, so its TLS port cannot be reached from "
                "here; swarm nodes need a direct route to port 2376 (see docs/swarm.md)",
            )


@dataclass(frozen=True)
class SwarmSpec(SpecReader):
    """The whole swarm as declared; the first manager initialises a new swarm."""

    nodes: tuple[NodeSpec, ...]
    credentials: Mapping[str, Credentials] = field(metadata=meta(secret=True))
    ca_rotation: int = 0
    token_rotation: int = 0
    drain_timeout: int = DEFAULT_DRAIN_TIMEOUT

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.only((*cls.input_fields(), "drift"))
        _read_nodes(reader)
        _read_credentials(reader)
        reader.read("ca_rotation", values.whole(0), 0)
        reader.read("token_rotation", values.whole(0), 0)
        reader.read("drain_timeout", values.whole(1, unit="seconds"), DEFAULT_DRAIN_TIMEOUT)

    @classmethod
    def upgrade(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """`props` with the old names of each node's credentials moved to the new ones."""
        upgraded = super().upgrade(props)
        creds = upgraded.get("credentials")
        if isinstance(creds, Mapping):
            upgraded["credentials"] = {
                name: Credentials.upgrade(entry) if isinstance(entry, Mapping) else entry
                for name, entry in creds.items()
            }
        return upgraded

    @property
    def managers(self) -> tuple[NodeSpec, ...]:
        """The nodes declared as managers, in order."""
        return tuple(n for n in self.nodes if n.role is Role.MANAGER)

    def node(self, name: str) -> NodeSpec:
        """The node named `name`."""
        return next(n for n in self.nodes if n.name == name)


def _labels(path: str, raw: Any) -> dict[str, str]:
    found = values.string_map(path, raw)
    for key in found:
        if not _LABEL_KEY.fullmatch(key):
            raise ValidationError(path, f"{key!r} is not a label name (letters, digits, and . _ / -)")
    return dict(sorted(found.items()))


def _read_nodes(reader: Reader) -> None:
    raw = reader.inputs.get("nodes")
    if not isinstance(raw, list | tuple) and is_unknown(raw):
        return
    if not isinstance(raw, list | tuple) or not raw:
        reader.fail("nodes", "must be a non-empty list of nodes")
        return
    nodes: list[NodeSpec | None] = []
    normalised: list[Any] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            if not is_unknown(entry):
                reader.fail(f"nodes[{index}]", "must be an object with name, role and docker_host")
            nodes.append(None)
            normalised.append(entry)
            continue
        child = Reader(entry, reader.path(f"nodes[{index}]"), reader.errors, reader.checking)
        nodes.append(NodeSpec.read(child))
        normalised.append(child.inputs)
    reader.inputs["nodes"] = normalised
    names = [n.name for n in nodes if n is not None]
    for name in sorted({n for n in names if names.count(n) > 1}):
        reader.fail("nodes", f"{name!r} is listed more than once (a node has one role)")
    if all(n is not None for n in nodes):
        if not any(n.role is Role.MANAGER for n in nodes if n is not None):
            reader.fail("nodes", "has no manager: a swarm needs at least one")
        reader.values["nodes"] = tuple(nodes)


def _read_credentials(reader: Reader) -> None:
    raw = reader.inputs.get("credentials")
    if not isinstance(raw, Mapping):
        if not is_unknown(raw):
            reader.fail(
                "credentials", "must map each node name to its ca_cert_pem, cert_pem and private_key_pem"
            )
        return
    creds: dict[str, Credentials] = {}
    for name, entry in raw.items():
        if not isinstance(entry, Mapping):
            if not is_unknown(entry):
                reader.fail(
                    f"credentials.{name}", "must be an object with ca_cert_pem, cert_pem and private_key_pem"
                )
            continue
        built = Credentials.read(Reader(entry, reader.path(f"credentials.{name}"), reader.errors))
        if built is not None:
            creds[name] = built
    if reader.known("nodes"):
        for node in reader.values["nodes"]:
            if node.name not in raw:
                reader.fail("credentials", f"has no TLS credentials for node {node.name!r}")
    if len(creds) == len(raw):
        reader.values["credentials"] = creds
