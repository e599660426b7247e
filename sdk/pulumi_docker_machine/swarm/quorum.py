"""Raft quorum arithmetic for manager changes: which order keeps a majority, and when none does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def majority(managers: int) -> int:
    """How many managers must be reachable for the swarm to act (a raft quorum)."""
    return managers // 2 + 1


@dataclass(frozen=True)
class ManagerChange:
    """One change of the manager set: `add` (join as manager, promote) or remove (demote, leave)."""

    name: str
    add: bool


def removal_order(leaving: Iterable[str], healthy: set[str]) -> list[str]:
    """Managers to remove, unreachable ones first (removing them never costs a reachable vote)."""
    return sorted(leaving, key=lambda name: (name in healthy, name))


def quorum_problem(managers: set[str], healthy: set[str], changes: Sequence[ManagerChange]) -> str | None:
    """Why applying `changes` one at a time would lose (or has lost) quorum, or None when it is safe.

    `healthy` are the managers the others reach. Each change is a raft membership change that needs a
    quorum of the set it changes, and every intermediate set must still have a reachable majority.
    """
    members, up = set(managers), set(healthy) & set(managers)
    if members and len(up) < majority(len(members)):
        return (
            f"the swarm has lost quorum: {len(up)} of {len(members)} managers reachable, "
            f"{majority(len(members))} needed; no manager change can be made until a majority is back "
            "(docs/swarm.md: recovering quorum)"
        )
    for change in changes:
        if change.add:
            members.add(change.name)
            up.add(change.name)
            continue
        members.discard(change.name)
        up.discard(change.name)
        if not members:
            return f"removing {change.name} would leave the swarm without a manager"
        if len(up) < majority(len(members)):
            return (
                f"removing manager {change.name} would leave {len(up)} of {len(members)} managers "
                f"reachable, fewer than a majority ({majority(len(members))}): the swarm would lose "
                "quorum; bring the unreachable managers back or remove them first"
            )
    return None
