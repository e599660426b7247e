"""A TLS check that cannot even connect still rolls the change back (stub session, no host)."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pulumi_docker_machine import converge
from pulumi_docker_machine.errors import DockerMachineError
from pulumi_docker_machine.pki import inspection, issue, keys, validity
from pulumi_docker_machine.remote.session import CommandResult
from pulumi_docker_machine.spec.host import HostSpec

pytestmark = pytest.mark.unit


class StubSession:
    def __init__(self) -> None:
        self.steps: list[str] = []

    def script(self, step: str, text: str, **_: Any) -> CommandResult:
        self.steps.append(step)
        return CommandResult("sh -s", 0, "", "")


def _spec() -> HostSpec:
    now = datetime.now(UTC)
    ca_key = keys.generate_private_key(keys.KeyType.ECDSA_P256)
    ca = issue.self_signed_ca(ca_key, issue.subject_name("t"), validity.validity_window(now, 24))

    def leaf(usage: issue.LeafUsage) -> tuple[str, str]:
        key = keys.generate_private_key(keys.KeyType.ECDSA_P256)
        cert = issue.issue_leaf(
            key.public_key(),
            issue.subject_name("x"),
            usage,
            validity.validity_window(now, 24),
            ca,
            ca_key,
            ip_addresses=["127.0.0.1"],
        )
        return inspection.certificate_to_pem(cert), keys.private_key_to_pem(key)

    server, client = leaf(issue.LeafUsage.SERVER), leaf(issue.LeafUsage.CLIENT)
    return HostSpec.from_inputs(
        {
            "connection": {"host": "127.0.0.1", "private_key": "k", "per_dial_timeout": 2},
            "ca_cert_pem": inspection.certificate_to_pem(ca),
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
