"""A TLS check that cannot even connect still rolls the change back (stub session, no host)."""

from typing import Any

import pytest
from pulumi_docker_machine import converge
from pulumi_docker_machine.errors import DockerMachineError
from pulumi_docker_machine.pki import issue
from pulumi_docker_machine.remote.session import CommandResult
from pulumi_docker_machine.spec.host import HostSpec

from ..throwaway_pki import new_ca

pytestmark = pytest.mark.unit


class StubSession:
    def __init__(self) -> None:
        self.steps: list[str] = []

    def script(self, step: str, text: str, **_: Any) -> CommandResult:
        self.steps.append(step)
        return CommandResult("sh -s", 0, "", "")


def _spec() -> HostSpec:
    ca = new_ca("t")
    server = ca.issue(issue.LeafUsage.SERVER, "x", ["127.0.0.1"])
    client = ca.issue(issue.LeafUsage.CLIENT, "x", ["127.0.0.1"])
    return HostSpec.from_inputs(
        {
            "connection": {"host": "127.0.0.1", "private_key": "k", "per_dial_timeout": 2},
            "ca_cert_pem": ca.pem,
            "server_cert_pem": server[0],
            "server_key_pem": server[1],
            "client_cert_pem": client[0],
            "client_key_pem": client[1],
            "daemon": {"tls_port": 1},  # nothing listens on port 1
        }
    )


def test_unreachable_tls_port_rolls_back() -> None:
    session = StubSession()
    with pytest.raises(
        DockerMachineError, match=r"cannot connect to port 1.*previous configuration restored"
    ):
        converge._verify_tls(session, _spec(), {"/etc/docker/daemon.json": ("{}", 0o644)})  # type: ignore[arg-type]
    assert session.steps == ["roll back"]
