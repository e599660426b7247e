"""ClientConfig's diff during a preview that plans a DockerHost update (its outputs are unknown)."""

from __future__ import annotations

import pytest
from pulumi.runtime.rpc import UNKNOWN
from pulumi_docker_machine.providers.client import ClientConfigProvider
from pulumi_docker_machine.resources.machine import _tls_port

pytestmark = pytest.mark.unit

OLDS = {
    "name": "web",
    "docker_host": "tcp://10.0.0.5:2376",
    "ssh_host": "10.0.0.5",
    "ssh_port": 22,
    "host_key": "ssh-ed25519 AAAA",
    "drift": {},
}


@pytest.mark.parametrize(
    ("change", "changes"),
    [
        ({"host_key": UNKNOWN}, False),  # the DockerHost is updated: its pinned key stays
        ({"host_key": UNKNOWN, "ssh_port": 2222}, True),  # another endpoint: another key
        ({"host_key": UNKNOWN, "ssh_host": UNKNOWN}, True),
        ({"host_key": "ssh-ed25519 BBBB"}, True),  # a key pinned up front is known at preview
        ({"docker_host": UNKNOWN}, True),
    ],
)
def test_unknown_host_key_is_unchanged_while_the_endpoint_is(change, changes):
    assert ClientConfigProvider().diff("web", OLDS, {**OLDS, **change}).changes is changes


@pytest.mark.parametrize(
    ("daemon", "port"),
    [
        (None, 2376),
        ({}, 2376),
        ({"tls_port": 2377}, 2377),
        ({"tls_port": 2377.0}, 2377),
        ({"tls_port": "2377"}, 2377),  # stack config gives strings; the daemon parses them
        ({"tls_port": "x"}, 2376),
    ],
)
def test_machine_reads_the_tls_port_of_inline_settings(daemon, port):
    assert _tls_port(daemon) == port
