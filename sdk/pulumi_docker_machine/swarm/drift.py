"""Drift: how the observed swarm differs from the declared one, one line per node.

A line starts with one word saying what kind of difference it is (`down`, `state`, `left`, `foreign`,
`stuck`, `role`, `labels`, `availability`, `swarm`), so the preview can tell a down manager from the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from .spec import NodeSpec, SwarmSpec
from .view import ClusterView, Status

DOWN = "down"
SWARM_KEY = "(swarm)"
"""The drift key for the swarm as a whole (no manager of it answers)."""


def is_down(line: str) -> bool:
    """Whether a drift line says the node is down."""
    return line.split(":", 1)[0] == DOWN


def _node_drift(node: NodeSpec, view: ClusterView) -> list[str]:
    status, member = view.status(node.name), view.member(node.name)
    daemon = view.daemons.get(node.name)
    if status is Status.UNREACHABLE:
        detail = daemon.error if daemon else "not probed"
        return [f"{DOWN}: its daemon does not answer over TLS ({detail})"]
    if status is Status.ABSENT:
        return ["left: the daemon is in no swarm"]
    if status is Status.FOREIGN:
        return [f"foreign: the daemon belongs to another swarm (node {daemon.node_id if daemon else '?'})"]
    if status is Status.STUCK:
        return [f"stuck: the daemon's swarm state is {daemon.local_state if daemon else '?'}"]
    assert member is not None
    lines = []
    if member.state == "down":
        lines.append(f"{DOWN}: the swarm sees the node down")
    elif member.state != "ready":  # `unknown` for a while after a new leader is elected
        lines.append(f"state: the swarm sees the node {member.state}")
    if member.role != node.role.value:
        lines.append(f"role: {member.role}, declared {node.role.value}")
    if dict(member.labels) != node.label_map:
        lines.append(f"labels: {dict(sorted(member.labels.items()))}, declared {node.label_map}")
    if member.availability != node.availability.value:
        lines.append(f"availability: {member.availability}, declared {node.availability.value}")
    return lines


def drift(spec: SwarmSpec, view: ClusterView) -> dict[str, str]:
    """Node name -> what differs (empty when the swarm is as declared)."""
    if view.trouble:
        return {SWARM_KEY: f"swarm: {view.trouble}"}
    if not view.cluster_id:
        return {SWARM_KEY: "swarm: no manager of the swarm answers; it is gone or has no quorum"}
    found = {node.name: "; ".join(_node_drift(node, view)) for node in spec.nodes}
    return {name: line for name, line in found.items() if line}


def down_nodes(drift_lines: Mapping[str, str]) -> set[str]:
    """The nodes a drift record reports down (from the line's first kind)."""
    return {name for name, line in drift_lines.items() if is_down(line)}
