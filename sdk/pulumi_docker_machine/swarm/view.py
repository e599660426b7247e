"""What the nodes said: each daemon's own view (/info) and a manager's node list (/nodes), as data.

Built by `swarm.observe` (the only part that does I/O); read by the planner and the drift report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(Enum):
    """Where a node stands relative to our swarm."""

    MEMBER = "member"
    """In our swarm."""
    ABSENT = "absent"
    """Its daemon answers and is in no swarm: it left, or never joined."""
    FOREIGN = "foreign"
    """Its daemon is in another swarm."""
    STUCK = "stuck"
    """Its daemon is pending, locked or in error."""
    UNREACHABLE = "unreachable"
    """Its daemon does not answer over TLS."""


@dataclass(frozen=True)
class Daemon:
    """One daemon's own answer (GET /info), or why there was none."""

    reachable: bool
    local_state: str = ""
    node_id: str = ""
    cluster_id: str = ""
    is_manager: bool = False
    error: str = ""

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> Daemon:
        """From a GET /info answer."""
        swarm = info.get("Swarm") or {}
        return cls(
            reachable=True,
            local_state=str(swarm.get("LocalNodeState") or "inactive"),
            node_id=str(swarm.get("NodeID") or ""),
            cluster_id=str((swarm.get("Cluster") or {}).get("ID") or ""),
            is_manager=bool(swarm.get("ControlAvailable")),
        )


@dataclass(frozen=True)
class Member:
    """A node as the swarm's managers list it (GET /nodes)."""

    node_id: str
    version: int
    role: str
    availability: str
    labels: Mapping[str, str]
    state: str
    address: str
    reachability: str = ""
    leader: bool = False
    hostname: str = ""

    @classmethod
    def from_api(cls, node: Mapping[str, Any]) -> Member:
        """From one entry of a GET /nodes answer."""
        spec, status = node.get("Spec") or {}, node.get("Status") or {}
        manager = node.get("ManagerStatus") or {}
        return cls(
            node_id=str(node["ID"]),
            version=int((node.get("Version") or {}).get("Index") or 0),
            role=str(spec.get("Role") or ""),
            availability=str(spec.get("Availability") or ""),
            labels=dict(spec.get("Labels") or {}),
            state=str(status.get("State") or ""),
            address=str(status.get("Addr") or ""),
            reachability=str(manager.get("Reachability") or ""),
            leader=bool(manager.get("Leader")),
            hostname=str((node.get("Description") or {}).get("Hostname") or ""),
        )

    @property
    def healthy_manager(self) -> bool:
        """A manager the raft quorum counts: reachable by the other managers."""
        return self.role == "manager" and self.reachability == "reachable"


@dataclass(frozen=True)
class ClusterView:
    """Our swarm as observed: its ID, each named node's daemon, the member list, and known node IDs."""

    cluster_id: str
    daemons: Mapping[str, Daemon]
    members: Mapping[str, Member] = field(default_factory=dict)
    known_ids: Mapping[str, str] = field(default_factory=dict)
    """Node IDs by name, from the state (a node that stopped answering keeps its ID)."""
    trouble: str = ""
    """Why the swarm could not be observed although its managers answer (no quorum)."""

    def node_id(self, name: str) -> str:
        """The node's ID in our swarm as far as we know it ('' if none)."""
        daemon = self.daemons.get(name)
        if daemon and daemon.node_id and daemon.node_id in self.members:
            return daemon.node_id
        known = self.known_ids.get(name, "")
        return known if known in self.members else ""

    def member(self, name: str) -> Member | None:
        """The member entry of the named node, if it is one of ours."""
        node_id = self.node_id(name)
        return self.members.get(node_id) if node_id else None

    def status(self, name: str) -> Status:
        """Where the named node stands."""
        daemon = self.daemons.get(name) or Daemon(reachable=False)
        if not daemon.reachable:
            return Status.UNREACHABLE
        if daemon.local_state == "inactive":
            return Status.ABSENT
        if daemon.local_state != "active":
            return Status.STUCK
        ours = daemon.node_id in self.members and (
            not daemon.cluster_id or daemon.cluster_id == self.cluster_id
        )
        return Status.MEMBER if ours else Status.FOREIGN

    def healthy(self, name: str) -> bool:
        """Whether the named node is a member the swarm sees ready (and, for a manager, reachable)."""
        member = self.member(name)
        if member is None or member.state != "ready" or self.status(name) is not Status.MEMBER:
            return False
        return member.role != "manager" or member.healthy_manager

    def stale_id(self, name: str) -> str:
        """The ID a node had before it left, if the swarm still lists it (to be removed on rejoin)."""
        known = self.known_ids.get(name, "")
        daemon = self.daemons.get(name)
        current = daemon.node_id if daemon else ""
        return known if known in self.members and known != current else ""
