"""The Swarm provider's check and diff: field errors, quorum refusal at preview, drift as a change."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN
from pulumi_docker_machine.providers.swarm import SwarmProvider

pytestmark = pytest.mark.unit

CREDS = {"ca_cert_pem": "CA", "cert_pem": "CERT", "private_key_pem": "KEY"}


def props(managers: str, workers: str = "", **extra: Any) -> dict[str, Any]:
    names = [(n, "manager") for n in managers.split()] + [(n, "worker") for n in workers.split()]
    nodes = [
        {"name": n, "role": role, "docker_host": f"tcp://10.0.0.{i + 1}:2376"}
        for i, (n, role) in enumerate(names)
    ]
    return {"nodes": nodes, "credentials": {n: CREDS for n, _ in names}, "drift": {}, **extra}


def failures(olds: dict[str, Any], news: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) of each failure: the field path leads the reason."""
    found = []
    for failure in SwarmProvider().check(olds, news).failures:
        field, _, reason = failure.reason.partition(": ")
        found.append((field, reason))
    return found


def test_check_names_each_bad_field() -> None:
    news = props("m1", "w1")
    news["nodes"][1]["availability"] = "off"
    assert failures({}, news) == [
        ("nodes[1].availability", "'off' is not one of active, pause, drain"),
    ]


def test_failures_lead_with_the_field_path_never_a_property() -> None:
    # The engine would print a named property's whole value: the node list, or secret credentials.
    news = props("m1", drain_timeout=0)
    news["credentials"]["m1"] = {"ca_cert_pem": "CA"}
    found = SwarmProvider().check({}, news).failures
    assert {f.property for f in found} == {""}
    assert [f.reason.split(":")[0] for f in found] == [
        "credentials.m1.cert_pem",
        "credentials.m1.private_key_pem",
        "drain_timeout",
    ]


def test_scale_down_with_all_managers_up_passes() -> None:
    assert failures(props("m1 m2 m3", "w1"), props("m1", "m2 m3 w1")) == []


def test_scale_down_that_keeps_only_a_manager_refresh_saw_down_is_refused() -> None:
    olds = props("m1 m2 m3", drift={"m1": "down: its daemon does not answer over TLS (refused)"})
    found = failures(olds, props("m1", "m2 m3"))
    assert len(found) == 1 and found[0][0] == "nodes"
    assert "removing manager m2 would leave 1 of 2 managers reachable" in found[0][1]
    # The same change with nothing down is fine; and removing the down one is fine too.
    assert failures(props("m1 m2 m3"), props("m1", "m2 m3")) == []
    assert failures(olds, props("m2", "m1 m3")) == []


def test_refusal_still_works_while_a_docker_host_is_unknown() -> None:
    olds = props("m1 m2 m3", drift={"m1": "down: its daemon does not answer over TLS"})
    news = props("m1", "m2 m3")
    news["nodes"][0]["docker_host"] = UNKNOWN  # its Machine is being updated
    assert [f for f, _ in failures(olds, news)] == ["nodes"]


def test_diff_drift_and_inputs() -> None:
    state = {**props("m1"), "ca_rotation": 0, "token_rotation": 0, "drain_timeout": 120}
    provider = SwarmProvider()
    assert not provider.diff("id", state, dict(state)).changes
    assert provider.diff("id", {**state, "drift": {"m1": "left: ..."}}, dict(state)).changes
    assert provider.diff("id", state, {**state, "token_rotation": 1}).changes
    assert provider.diff("id", state, {**state, "token_rotation": 1}).replaces == []
