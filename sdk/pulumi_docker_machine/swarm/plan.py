"""Plan a swarm change: declared nodes + observed cluster -> ordered operations, quorum-checked.

Order: create the swarm, add managers (joins and promotions), add workers, set labels and
availability, then take managers away one at a time (unreachable ones first), then drain and remove
nodes, then rotate. Adding managers before removing any keeps a majority at every step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from .quorum import ManagerChange, quorum_problem, removal_order
from .spec import Availability, NodeSpec, Role, SwarmSpec
from .view import ClusterView, Member, Status


class Action(Enum):
    """What one operation does."""

    INIT = "init"
    JOIN = "join"
    FORGET = "forget"
    PROMOTE = "promote"
    DEMOTE = "demote"
    SET = "set"
    DRAIN = "drain"
    WAIT_DRAINED = "wait-drained"
    LEAVE = "leave"
    REMOVE = "remove"
    ROTATE_TOKENS = "rotate-join-tokens"
    ROTATE_CA = "rotate-ca"
    DISBAND = "disband"
    """The last manager leaves: the swarm is gone."""


@dataclass(frozen=True)
class Op:
    """One operation on the swarm; `node_id` for operations on a member entry (forget, remove)."""

    action: Action
    node: str = ""
    role: Role | None = None
    node_id: str = ""

    def describe(self) -> str:
        """A line for the `operations` output (names and roles only, never a secret)."""
        text = f"{self.action.value} {self.node}".strip()
        if self.role is not None:
            text += f" as {self.role.value}"
        if self.action is Action.FORGET:
            text += f" (old node ID {self.node_id})"
        return text


@dataclass(frozen=True)
class Plan:
    """Operations in order, what cannot be repaired, and a refusal (then nothing may be done)."""

    ops: tuple[Op, ...]
    unrepairable: tuple[str, ...] = ()
    refusal: str | None = None


def why_not(name: str, status: Status) -> str:
    """Why a node in `status` cannot be joined or changed."""
    return {
        Status.UNREACHABLE: f"{name} is down: its daemon does not answer over TLS",
        Status.FOREIGN: f"{name} belongs to another swarm: make it leave that swarm first",
        Status.STUCK: f"{name} is pending, locked or in error: see `docker info` on it",
        Status.ABSENT: f"{name} is in no swarm",
        Status.MEMBER: f"{name} is a member",
    }[status]


def _settings_differ(node: NodeSpec, member: Member | None) -> bool:
    """Whether labels or availability must be set (`member` None: a node that is joining afresh)."""
    if member is None:
        return bool(node.labels) or node.availability is not Availability.ACTIVE
    return dict(member.labels) != node.label_map or member.availability != node.availability.value


def _join_ops(nodes: Iterable[NodeSpec], view: ClusterView) -> list[Op]:
    ops: list[Op] = []
    for node in nodes:
        ops.append(Op(Action.JOIN, node.name, node.role))
        if stale := view.stale_id(node.name):
            ops.append(Op(Action.FORGET, node.name, node_id=stale))
        if _settings_differ(node, None):
            ops.append(Op(Action.SET, node.name))
    return ops


def _create(spec: SwarmSpec, view: ClusterView, rotate: Sequence[Op]) -> Plan:
    first = spec.managers[0]
    blocked = [
        why_not(n.name, view.status(n.name)) for n in spec.nodes if view.status(n.name) is not Status.ABSENT
    ]
    if blocked:
        return Plan((), tuple(blocked))
    ops = [Op(Action.INIT, first.name)]
    if _settings_differ(first, None):
        ops.append(Op(Action.SET, first.name))
    rest = [n for n in spec.nodes if n is not first]
    ops += _join_ops([n for n in rest if n.role is Role.MANAGER], view)
    ops += _join_ops([n for n in rest if n.role is Role.WORKER], view)
    return Plan((*ops, *rotate))


def _manager_key(view: ClusterView, names: Iterable[str]) -> dict[str, str]:
    """Member ID -> a name to speak of it by (ours by name, others by ID)."""
    by_id = {view.node_id(name): name for name in names if view.node_id(name)}
    return {node_id: by_id.get(node_id, node_id) for node_id in view.members}


def plan(spec: SwarmSpec, view: ClusterView, managed: Sequence[str], rotate: Sequence[Op] = ()) -> Plan:
    """The operations that take the observed swarm to `spec`.

    `managed` are the nodes the last apply declared (only those are ever removed); `rotate` are the
    rotation operations asked for, run last.
    """
    if view.trouble:
        return Plan((), refusal=view.trouble)
    if not view.cluster_id:
        return _create(spec, view, rotate)
    declared = {n.name for n in spec.nodes}
    names = _manager_key(view, [*declared, *managed])
    managers = {names[i] for i, m in view.members.items() if m.role == "manager"}
    healthy = {names[i] for i, m in view.members.items() if m.healthy_manager}
    joins: list[NodeSpec] = []
    promotions: list[Op] = []
    settings: list[Op] = []
    demoting: list[str] = []
    unrepairable: list[str] = []
    for node in spec.nodes:
        status, member = view.status(node.name), view.member(node.name)
        if status is Status.ABSENT:
            joins.append(node)
            continue
        if member is None:
            unrepairable.append(why_not(node.name, status))
            continue
        if status is not Status.MEMBER:
            unrepairable.append(why_not(node.name, status))
        if node.role is Role.MANAGER and member.role != "manager":
            if status is Status.MEMBER:
                promotions.append(Op(Action.PROMOTE, node.name))
            else:
                unrepairable.append(f"{node.name} cannot be promoted while it is down")
        elif node.role is Role.WORKER and member.role == "manager":
            demoting.append(node.name)
        if _settings_differ(node, member):
            settings.append(Op(Action.SET, node.name))
    removed = [name for name in managed if name not in declared and view.member(name) is not None]
    demoting += [name for name in removed if view.member(name).role == "manager"]  # type: ignore[union-attr]
    order = removal_order(demoting, healthy)
    changes = [ManagerChange(n.name, add=True) for n in joins if n.role is Role.MANAGER]
    changes += [ManagerChange(op.node, add=True) for op in promotions]
    changes += [ManagerChange(name, add=False) for name in order]
    if problem := quorum_problem(managers, healthy, changes):
        return Plan((), tuple(unrepairable), refusal=problem)
    ops: list[Op] = _join_ops([n for n in joins if n.role is Role.MANAGER], view)
    ops += promotions
    ops += _join_ops([n for n in joins if n.role is Role.WORKER], view)
    ops += settings
    ops += [Op(Action.DEMOTE, name) for name in order]
    for name in removed:
        member = view.member(name)
        assert member is not None
        if view.status(name) is Status.MEMBER:
            ops += [Op(Action.DRAIN, name), Op(Action.WAIT_DRAINED, name), Op(Action.LEAVE, name)]
        ops.append(Op(Action.REMOVE, name, node_id=member.node_id))
    return Plan((*ops, *rotate), tuple(unrepairable))


def teardown(view: ClusterView, names: Sequence[str]) -> Plan:
    """Dissolve the swarm: workers leave, then managers are demoted and leave one at a time (down
    ones first), then the last manager leaves with force. Nodes down cannot leave: they are reported."""
    if view.trouble:
        return Plan((), refusal=view.trouble)
    ours = [name for name in names if view.member(name) is not None]
    managers = [n for n in ours if view.member(n).role == "manager"]  # type: ignore[union-attr]
    healthy = {n for n in managers if view.healthy(n)}
    unrepairable = [why_not(n, view.status(n)) for n in ours if view.status(n) is not Status.MEMBER]
    ops = [Op(Action.LEAVE, n) for n in ours if n not in managers and view.status(n) is Status.MEMBER]
    if not healthy:
        return Plan(tuple(ops), tuple(unrepairable))
    last = sorted(healthy)[0]
    order = removal_order([n for n in managers if n != last], healthy)
    changes = [ManagerChange(name, add=False) for name in order]
    if problem := quorum_problem(set(managers), healthy, changes):
        return Plan(tuple(ops), tuple(unrepairable), refusal=problem)
    for name in order:
        ops.append(Op(Action.DEMOTE, name))
        if view.status(name) is Status.MEMBER:
            ops.append(Op(Action.LEAVE, name))
    ops.append(Op(Action.DISBAND, last))
    return Plan(tuple(ops), tuple(unrepairable))
