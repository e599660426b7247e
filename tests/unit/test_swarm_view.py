"""Parsing the Engine API's answers (/info, /nodes, /tasks) into the swarm view."""

from __future__ import annotations

import pytest
from pulumi_docker_machine.swarm.execute import running_tasks
from pulumi_docker_machine.swarm.view import ClusterView, Daemon, Member, Status

pytestmark = pytest.mark.unit

INFO_MANAGER = {
    "Name": "h1",
    "Swarm": {
        "NodeID": "n1",
        "LocalNodeState": "active",
        "ControlAvailable": True,
        "Cluster": {"ID": "c1"},
    },
}
INFO_WORKER = {"Swarm": {"NodeID": "n2", "LocalNodeState": "active", "ControlAvailable": False}}
INFO_NONE = {"Swarm": {"NodeID": "", "LocalNodeState": "inactive"}}
NODE = {
    "ID": "n1",
    "Version": {"Index": 42},
    "Spec": {"Role": "manager", "Availability": "active", "Labels": {"zone": "a"}},
    "Description": {"Hostname": "h1"},
    "Status": {"State": "ready", "Addr": "10.0.0.1"},
    "ManagerStatus": {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.1:2377"},
}


def test_info_of_a_manager_a_worker_and_a_plain_daemon() -> None:
    assert Daemon.from_info(INFO_MANAGER) == Daemon(True, "active", "n1", "c1", True)
    assert Daemon.from_info(INFO_WORKER) == Daemon(True, "active", "n2", "", False)
    assert Daemon.from_info(INFO_NONE) == Daemon(True, "inactive")
    assert Daemon.from_info({}) == Daemon(True, "inactive")


def test_node_entry() -> None:
    member = Member.from_api(NODE)
    assert (member.node_id, member.version, member.role) == ("n1", 42, "manager")
    assert member.labels == {"zone": "a"}
    assert member.leader and member.healthy_manager and member.hostname == "h1"
    worker = Member.from_api({"ID": "n2", "Spec": {"Role": "worker"}, "Status": {"State": "down"}})
    assert not worker.healthy_manager and worker.state == "down" and worker.reachability == ""


def test_status_of_each_kind_of_daemon() -> None:
    members = {"n1": Member.from_api(NODE)}
    daemons = {
        "ours": Daemon.from_info(INFO_MANAGER),
        "other": Daemon(True, "active", "n9", "c9", True),
        "plain": Daemon.from_info(INFO_NONE),
        "locked": Daemon(True, "locked"),
        "gone": Daemon(False, error="refused"),
    }
    view = ClusterView("c1", daemons, members, {"ours": "n1"})
    assert {name: view.status(name) for name in daemons} == {
        "ours": Status.MEMBER,
        "other": Status.FOREIGN,
        "plain": Status.ABSENT,
        "locked": Status.STUCK,
        "gone": Status.UNREACHABLE,
    }
    assert view.status("never-probed") is Status.UNREACHABLE
    assert view.healthy("ours") and not view.healthy("other")


def test_running_tasks_counts_only_tasks_still_placed() -> None:
    tasks = [
        {"DesiredState": "running", "Status": {"State": "running"}},
        {"DesiredState": "running", "Status": {"State": "preparing"}},
        {"DesiredState": "shutdown", "Status": {"State": "running"}},
        {"DesiredState": "running", "Status": {"State": "failed"}},
        {"DesiredState": "shutdown", "Status": {"State": "shutdown"}},
    ]
    assert len(running_tasks(tasks)) == 2
