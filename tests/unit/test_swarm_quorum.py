"""Raft quorum arithmetic: majorities, the order managers leave in, refusals that say why."""

from __future__ import annotations

import pytest
from pulumi_docker_machine.swarm.quorum import ManagerChange, majority, quorum_problem, removal_order

pytestmark = pytest.mark.unit


def remove(*names: str) -> list[ManagerChange]:
    return [ManagerChange(n, add=False) for n in names]


@pytest.mark.parametrize(("managers", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4)])
def test_majority(managers: int, needed: int) -> None:
    assert majority(managers) == needed


def test_three_to_one_one_at_a_time_is_safe_when_all_are_up() -> None:
    assert quorum_problem({"a", "b", "c"}, {"a", "b", "c"}, remove("b", "c")) is None


def test_unreachable_managers_go_first() -> None:
    assert removal_order(["b", "c"], healthy={"a", "b"}) == ["c", "b"]
    # 3 managers, c down: removing c first keeps 2 of 2; removing b first would leave 1 of 2.
    assert quorum_problem({"a", "b", "c"}, {"a", "b"}, remove("c", "b")) is None
    problem = quorum_problem({"a", "b", "c"}, {"a", "b"}, remove("b", "c"))
    assert problem is not None
    assert "removing manager b would leave 1 of 2 managers reachable" in problem
    assert "fewer than a majority (2)" in problem


def test_keeping_only_a_down_manager_is_refused() -> None:
    problem = quorum_problem({"a", "b", "c"}, {"a", "b"}, remove("a", "b"))
    assert problem is not None and "lose quorum" in problem


def test_lost_quorum_refuses_any_change() -> None:
    problem = quorum_problem({"a", "b", "c"}, {"a"}, [ManagerChange("d", add=True)])
    assert problem is not None and "has lost quorum: 1 of 3 managers reachable, 2 needed" in problem


def test_adding_first_makes_room_for_removal() -> None:
    # 2 managers, b down: the swarm has no quorum, nothing can help.
    assert quorum_problem({"a", "b"}, {"a"}, [ManagerChange("c", add=True)]) is not None
    # 3 managers, c down, replace c by d: add d, then remove c.
    changes = [ManagerChange("d", add=True), *remove("c")]
    assert quorum_problem({"a", "b", "c"}, {"a", "b"}, changes) is None


def test_removing_every_manager_is_refused() -> None:
    problem = quorum_problem({"a"}, {"a"}, remove("a"))
    assert problem == "removing a would leave the swarm without a manager"
