"""Swarm input spec: defaults, every error collected and named by field, unknown values skipped."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN
from pulumi_docker_machine.errors import ValidationError
from pulumi_docker_machine.spec.values import split_docker_host
from pulumi_docker_machine.swarm import spec

pytestmark = pytest.mark.unit

CREDS = {"ca_cert_pem": "CA", "cert_pem": "CERT", "private_key_pem": "KEY"}


def inputs(*nodes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"nodes": list(nodes), "credentials": {n["name"]: CREDS for n in nodes}, **extra}


def node(name: str, role: str = "manager", **extra: Any) -> dict[str, Any]:
    return {"name": name, "role": role, "docker_host": f"tcp://10.0.0.{len(name)}:2376", **extra}


def test_defaults_and_derived_fields() -> None:
    parsed = spec.SwarmSpec.from_inputs(inputs(node("m1"), node("w1", "worker", labels={"zone": "a"})))
    m1, w1 = parsed.nodes
    assert m1.advertise_addr == "10.0.0.2" and m1.swarm_addr == "10.0.0.2:2377"
    assert m1.availability is spec.Availability.ACTIVE
    assert w1.role is spec.Role.WORKER and w1.label_map == {"zone": "a"}
    assert (parsed.ca_rotation, parsed.token_rotation, parsed.drain_timeout) == (0, 0, 120)
    assert parsed.managers == (m1,)
    filled, errors = spec.SwarmSpec.check(inputs(node("m1")))
    assert errors == [] and filled["drain_timeout"] == 120


def test_every_problem_is_reported_with_its_field() -> None:
    bad = inputs(
        node("m1", role="boss"),
        node("w1", "worker", docker_host="http://x", availability="sleepy", labels={"bad key": "v"}),
        node("w2", "worker", advertise_addr="not-an-ip"),
        drain_timeout=0,
        ca_rotation=-1,
    )
    _, errors = spec.SwarmSpec.check(bad)
    fields = sorted(e.field for e in errors)
    assert fields == [
        "ca_rotation",
        "drain_timeout",
        "nodes[0].role",
        "nodes[1].availability",
        "nodes[1].docker_host",
        "nodes[1].labels",
        "nodes[2].advertise_addr",
    ]
    assert "'boss' is not one of manager, worker" in str(
        errors[[e.field for e in errors].index("nodes[0].role")]
    )


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        (inputs(node("w1", "worker")), "nodes", "has no manager"),
        (inputs(node("m1"), node("m1", "worker")), "nodes", "listed more than once"),
        ({"nodes": [], "credentials": {}}, "nodes", "non-empty list"),
        ({"nodes": [node("m1")], "credentials": {}}, "credentials", "no TLS credentials for node 'm1'"),
        (
            {"nodes": [node("m1")], "credentials": {"m1": {"ca_cert_pem": "x", "cert_pem": "y"}}},
            "credentials.m1.private_key_pem",
            "is required",
        ),
        (inputs(node("m1", colour="blue")), "nodes[0].colour", "is not a known field"),
        (inputs(node("m1", via_jump_host=True)), "nodes[0].via_jump_host", "jump host"),
    ],
)
def test_refusals(given: dict[str, Any], field: str, words: str) -> None:
    _, errors = spec.SwarmSpec.check(given)
    assert [e.field for e in errors] == [field]
    assert words in str(errors[0])


def test_credentials_never_appear_in_errors() -> None:
    creds = {"ca_cert_pem": "", "cert_pem": "SECRET-CERT", "private_key_pem": "SECRET-KEY"}
    _, errors = spec.SwarmSpec.check({"nodes": [node("m1")], "credentials": {"m1": creds}})
    assert [e.field for e in errors] == ["credentials.m1.ca_cert_pem"]
    assert "SECRET" not in str(errors[0])


def test_unknown_values_are_skipped_at_preview() -> None:
    _, errors = spec.SwarmSpec.check({"nodes": UNKNOWN, "credentials": UNKNOWN})
    assert errors == []
    _, errors = spec.SwarmSpec.check({"nodes": [node("m1"), UNKNOWN], "credentials": UNKNOWN})
    assert errors == []
    # A Machine being updated makes its docker_host unknown: the rest is still checked.
    pending = inputs(node("m1", docker_host=UNKNOWN), node("m2", role="boss"))
    _, errors = spec.SwarmSpec.check(pending)
    assert [e.field for e in errors] == ["nodes[1].role"]
    with pytest.raises(ValidationError, match="not known yet"):
        spec.SwarmSpec.from_inputs({"nodes": [node("m1"), UNKNOWN], "credentials": {"m1": CREDS}})


def test_split_docker_host() -> None:
    assert split_docker_host("tcp://[fd00::5]:2376") == ("fd00::5", 2376)
    assert split_docker_host("tcp://web-1.example:2376") == ("web-1.example", 2376)
    for bad in ("tcp://host:99999", "tcp://host", "tcp://[web]:2376", "tcp://a b:2376", "tcp://h:2376\n"):
        with pytest.raises(ValidationError, match="docker_host"):
            split_docker_host(bad)
