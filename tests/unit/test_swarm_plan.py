"""Swarm planning and drift: declared nodes + an observed swarm -> ordered operations, or a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_docker_machine.swarm import spec as swarm_spec
from pulumi_docker_machine.swarm.drift import SWARM_KEY, down_nodes, drift
from pulumi_docker_machine.swarm.plan import Action, Op, plan, teardown
from pulumi_docker_machine.swarm.view import ClusterView, Daemon, Member, Status

pytestmark = pytest.mark.unit

CLUSTER = "cluster-1"
CREDS = {"ca_cert_pem": "CA", "cert_pem": "CERT", "private_key_pem": "KEY"}


def declare(managers: str, workers: str = "", **per_node: dict[str, Any]) -> swarm_spec.SwarmSpec:
    nodes = [
        {"name": n, "role": role, "docker_host": f"tcp://10.0.0.{i + 1}:2376", **per_node.get(n, {})}
        for i, (n, role) in enumerate(
            [(m, "manager") for m in managers.split()] + [(w, "worker") for w in workers.split()]
        )
    ]
    return swarm_spec.SwarmSpec.from_inputs(
        {"nodes": nodes, "credentials": {n["name"]: CREDS for n in nodes}}
    )


def member(name: str, role: str, state: str = "ready", reachable: bool = True, **kw: Any) -> Member:
    reachability = ("reachable" if reachable else "unreachable") if role == "manager" else ""
    return Member(
        node_id=f"id-{name}",
        version=1,
        role=role,
        availability=kw.get("availability", "active"),
        labels=kw.get("labels", {}),
        state=state,
        address="",
        reachability=reachability,
    )


def swarm(managers: str, workers: str = "", down: str = "", gone: str = "", **kw: Any) -> ClusterView:
    """A swarm with these members; `down` ones unreachable; `gone` ones answer but left it."""
    members, daemons = {}, {}
    for role, names in (("manager", managers), ("worker", workers)):
        for name in names.split():
            is_down = name in down.split()
            members[f"id-{name}"] = member(
                name, role, "down" if is_down else "ready", not is_down, **kw.get(name, {})
            )
            daemons[name] = (
                Daemon(reachable=False, error="refused")
                if is_down
                else Daemon(
                    True, "active", f"id-{name}", CLUSTER if role == "manager" else "", role == "manager"
                )
            )
    for name in gone.split():
        daemons[name] = Daemon(True, "inactive")
    known = {m.removeprefix("id-"): m for m in members}
    return ClusterView(CLUSTER, daemons, members, known)


def fresh(*names: str) -> ClusterView:
    return ClusterView("", {n: Daemon(True, "inactive") for n in names})


def steps(found: Any) -> list[str]:
    return [op.describe() for op in found.ops]


def test_create_inits_on_the_first_manager_then_managers_then_workers() -> None:
    spec = declare("m1 m2 m3", "w1 w2", w1={"labels": {"zone": "a"}})
    assert steps(plan(spec, fresh("m1", "m2", "m3", "w1", "w2"), [])) == [
        "init m1",
        "join m2 as manager",
        "join m3 as manager",
        "join w1 as worker",
        "set w1",
        "join w2 as worker",
    ]


def test_create_refuses_nodes_in_another_swarm_or_down() -> None:
    view = fresh("m1", "w1")
    view = ClusterView("", {"m1": Daemon(True, "active", "x", "other", True), "w1": Daemon(False)})
    found = plan(declare("m1", "w1"), view, [])
    assert found.ops == ()
    assert found.unrepairable == (
        "m1 belongs to another swarm: make it leave that swarm first",
        "w1 is down: its daemon does not answer over TLS",
    )


def test_nothing_to_do_when_in_sync() -> None:
    found = plan(declare("m1 m2 m3", "w1"), swarm("m1 m2 m3", "w1"), ["m1", "m2", "m3", "w1"])
    assert found == type(found)(())


def test_scale_down_three_managers_to_one_demotes_one_at_a_time_then_removes() -> None:
    found = plan(declare("m1", "m2 w1"), swarm("m1 m2 m3", "w1"), ["m1", "m2", "m3", "w1"])
    assert found.refusal is None
    assert steps(found) == [
        "demote m2",
        "demote m3",
        "drain m3",
        "wait-drained m3",
        "leave m3",
        "remove m3",
    ]


def test_a_down_manager_is_demoted_first_and_removed_without_leaving() -> None:
    view = swarm("m1 m2 m3", down="m2")
    found = plan(declare("m1"), view, ["m1", "m2", "m3"])
    assert steps(found) == [
        "demote m2",
        "demote m3",
        "remove m2",
        "drain m3",
        "wait-drained m3",
        "leave m3",
        "remove m3",
    ]
    assert found.ops[2] == Op(Action.REMOVE, "m2", node_id="id-m2")


def test_keeping_only_a_down_manager_is_refused_before_anything() -> None:
    found = plan(declare("m2"), swarm("m1 m2 m3", down="m2"), ["m1", "m2", "m3"])
    assert found.ops == ()
    assert found.refusal == (
        "removing manager m1 would leave 1 of 2 managers reachable, fewer than a majority (2): the swarm "
        "would lose quorum; bring the unreachable managers back or remove them first"
    )


def test_lost_quorum_refuses() -> None:
    found = plan(declare("m1 m2 m3", "w1"), swarm("m1 m2 m3", "w1", down="m2 m3"), ["m1", "m2", "m3", "w1"])
    assert found.refusal and "lost quorum" in found.refusal


def test_grow_adds_managers_before_demoting() -> None:
    found = plan(declare("m2 m3 m4"), swarm("m1 m2 m3", gone="m4"), ["m1", "m2", "m3"])
    assert steps(found)[:1] == ["join m4 as manager"]
    assert steps(found)[1:3] == ["demote m1", "drain m1"]


def test_promotion_labels_and_availability_in_place() -> None:
    spec = declare("m1 w1", "w2", w2={"labels": {"disk": "ssd"}, "availability": "pause"})
    view = swarm("m1", "w1 w2")
    assert steps(plan(spec, view, ["m1", "w1", "w2"])) == ["promote w1", "set w2"]


def test_a_node_that_left_rejoins_and_its_old_entry_is_forgotten() -> None:
    view = swarm("m1", "w1", w1={"labels": {"zone": "a"}})
    view = ClusterView(
        CLUSTER, {**view.daemons, "w1": Daemon(True, "inactive")}, view.members, view.known_ids
    )
    assert view.status("w1") is Status.ABSENT
    found = plan(declare("m1", "w1", w1={"labels": {"zone": "a"}}), view, ["m1", "w1"])
    # The old entry had the labels; the node joins afresh without them, so they are set again.
    assert steps(found) == ["join w1 as worker", "forget w1 (old node ID id-w1)", "set w1"]


def test_down_worker_is_unrepairable_but_the_rest_goes_on() -> None:
    found = plan(declare("m1", "w1 w2", w2={"labels": {"a": "b"}}), swarm("m1", "w1 w2", down="w1"), [])
    assert steps(found) == ["set w2"]
    assert found.unrepairable == ("w1 is down: its daemon does not answer over TLS",)


def test_rotation_runs_last() -> None:
    rotate = [Op(Action.ROTATE_TOKENS), Op(Action.ROTATE_CA)]
    found = plan(declare("m1", "w1"), swarm("m1", gone="w1"), ["m1"], rotate)
    assert steps(found) == ["join w1 as worker", "rotate-join-tokens", "rotate-ca"]


def test_a_swarm_without_quorum_cannot_be_observed_and_is_refused() -> None:
    view = ClusterView(CLUSTER, {}, trouble="managers answer but cannot list the swarm's nodes")
    assert plan(declare("m1"), view, ["m1"]).refusal == view.trouble
    assert drift(declare("m1"), view) == {SWARM_KEY: f"swarm: {view.trouble}"}


def test_teardown_workers_then_managers_one_at_a_time_last_one_forced() -> None:
    found = teardown(swarm("m1 m2 m3", "w1 w2"), ["m1", "m2", "m3", "w1", "w2"])
    assert steps(found) == [
        "leave w1",
        "leave w2",
        "demote m2",
        "leave m2",
        "demote m3",
        "leave m3",
        "disband m1",
    ]


def test_teardown_reports_nodes_that_are_down() -> None:
    found = teardown(swarm("m1 m2 m3", "w1", down="m3 w1"), ["m1", "m2", "m3", "w1"])
    assert steps(found) == ["demote m3", "demote m2", "leave m2", "disband m1"]
    assert len(found.unrepairable) == 2


def test_drift_names_each_difference() -> None:
    view = swarm(
        "m1 m2 m3",
        "w1",
        down="m3",
        m2={"labels": {"x": "1"}},
        w1={"availability": "drain"},
    )
    view = ClusterView(
        CLUSTER,
        {**view.daemons, "w2": Daemon(True, "inactive"), "w3": Daemon(True, "active", "zz", "", False)},
        view.members,
        view.known_ids,
    )
    found = drift(declare("m1 m2 m3 w1", "w2 w3"), view)
    assert found["m3"].startswith("down: its daemon does not answer over TLS")
    assert found["m2"] == "labels: {'x': '1'}, declared {}"
    assert found["w1"] == "role: worker, declared manager; availability: drain, declared active"
    assert found["w2"] == "left: the daemon is in no swarm"
    assert found["w3"].startswith("foreign:")
    assert "m1" not in found
    assert down_nodes(found) == {"m3"}


def test_a_node_the_new_leader_has_not_heard_from_is_not_down() -> None:
    view = swarm("m1 m2 m3", down="m1")
    members = dict(view.members)
    members["id-m2"] = member("m2", "manager", state="unknown")
    view = ClusterView(CLUSTER, view.daemons, members, view.known_ids)
    found = drift(declare("m1 m2 m3"), view)
    assert found["m2"] == "state: the swarm sees the node unknown"
    assert down_nodes(found) == {"m1"}


def test_no_swarm_is_drift() -> None:
    assert drift(declare("m1"), fresh("m1")) == {
        SWARM_KEY: "swarm: no manager of the swarm answers; it is gone or has no quorum"
    }
