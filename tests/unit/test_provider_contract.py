"""What every provider shares: check collects every error, returns normalised inputs, names fields alike;
and at the gRPC boundary our errors become one line while other exceptions keep their traceback."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.dynamic import ResourceProvider
from pulumi_docker_machine.errors import ConnectError, DockerMachineError
from pulumi_docker_machine.providers.boundary import redact, reports_errors
from pulumi_docker_machine.providers.certs import (
    CertificateAuthorityProvider,
    ClientCertProvider,
    ServerCertProvider,
)
from pulumi_docker_machine.providers.client import ClientConfigProvider
from pulumi_docker_machine.providers.dockerhost import DaemonConfigProvider, DockerHostProvider
from pulumi_docker_machine.resources.machine import _common_name
from pulumi_docker_machine.spec.client import ClientConfigSpec
from pulumi_docker_machine.spec.host import HostSpec

from ..throwaway_pki import ssh_private_key

pytestmark = pytest.mark.unit

# Two bad inputs for each provider, the field paths they must be named by, and a value check must normalise.
CASES: list[tuple[ResourceProvider, dict[str, Any], list[str], tuple[str, Any]]] = [
    (
        CertificateAuthorityProvider(),
        {"common_name": "c" * 65, "validity_hours": 0, "early_renewal_hours": 24.0},
        ["common_name", "validity_hours"],
        ("early_renewal_hours", 24),
    ),
    (
        ServerCertProvider(),
        {"ip_addresses": ["999.1.1.1"], "key_type": "dsa", "validity_hours": 1000.0},
        ["ca_cert_pem", "ca_private_key_pem", "ip_addresses", "key_type"],
        ("validity_hours", 1000),
    ),
    (
        ClientCertProvider(),
        {"common_name": "x\n", "early_renewal_hours": -1, "validity_hours": 1000.0},
        ["ca_cert_pem", "ca_private_key_pem", "common_name", "early_renewal_hours"],
        ("validity_hours", 1000),
    ),
    (
        DaemonConfigProvider(),
        {"settings": {"tls_port": 0, "labels": {"rack": 1.0}, "log_driver": "pigeon"}},
        ["settings.tls_port", "settings.log_driver"],
        ("settings", {"labels": ["rack=1"]}),
    ),
    (
        DockerHostProvider(),
        {"connection": {"host": "10.0.0.5", "port": "22", "private_key": ssh_private_key(), "host_key": "x"}},
        ["connection.host_key", "ca_cert_pem", "server_cert_pem", "server_private_key_pem"],
        ("connection", {"port": 22}),
    ),
    (
        ClientConfigProvider(),
        {"name": "web\n", "docker_host": "tcp://h:2376", "ssh_port": "2222"},
        ["name", "ca_cert_pem", "cert_pem", "private_key_pem"],
        ("ssh_port", 2222),
    ),
]


@pytest.mark.parametrize("provider, news, fields, normalised", CASES, ids=lambda c: type(c).__name__)
def test_check_collects_every_error_named_by_path_and_normalises(provider, news, fields, normalised) -> None:
    result = provider.check({}, news)
    assert [failure.property for failure in result.failures] == [""] * len(result.failures)
    named = [failure.reason.split(": ", 1)[0] for failure in result.failures]
    assert named == fields
    for failure, field in zip(result.failures, fields, strict=True):
        reason = failure.reason.removeprefix(f"{field}: ")
        assert field not in reason.split(" ")[:1], failure.reason  # the field is said once, first
    key, value = normalised
    got = result.inputs[key]
    assert got == value if not isinstance(value, dict) else {k: got[k] for k in value} == value


class FakeContext(grpc.ServicerContext):
    """What the dynamic provider server hands its methods: records the status the call ends with."""

    def __init__(self) -> None:
        self.code: grpc.StatusCode | None = None
        self.details = ""

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code

    def set_details(self, details: str) -> None:
        self.details = details


FakeContext.__abstractmethods__ = frozenset()  # the rest of the context is never used here


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    @reports_errors
    def create(self, props: dict[str, Any]) -> Any:
        raise self.error


def _served(provider: Failing, props: dict[str, Any], context: FakeContext) -> Any:
    """Like the server's `Create(self, request, context)`: the context is a local of the caller."""
    return provider.create(props)


def test_our_error_becomes_the_status_message_without_traceback() -> None:
    context = FakeContext()
    error = ConnectError("root@10.0.0.5:22", "unreachable", "connection.host")
    result = _served(Failing(error), {}, context)
    assert context.code == grpc.StatusCode.UNKNOWN
    assert context.details == "connection.host: root@10.0.0.5:22: unreachable"
    assert result.id == "" and result.outs == {}


def test_secrets_of_the_call_and_pems_never_reach_the_message() -> None:
    context = FakeContext()
    props = {"connection": {"sudo_password": "pl41n-sud0", "proxy": {"private_key": "KEYTEXT-123"}}}
    error = DockerMachineError(
        "said pl41n-sud0 and KEYTEXT-123 and -----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----"
    )
    _served(Failing(error), props, context)
    assert context.details == "said [secret] and [secret] and [CERTIFICATE PEM]"


def test_unexpected_errors_keep_their_traceback() -> None:
    context = FakeContext()
    with pytest.raises(KeyError):
        _served(Failing(KeyError("bug")), {}, context)
    assert context.code is None


def test_outside_the_server_our_error_is_raised_as_is() -> None:
    with pytest.raises(ConnectError):
        Failing(ConnectError("h", "x")).create({})


def test_redact_keeps_the_rest_of_the_message() -> None:
    assert redact("a -----BEGIN RSA PRIVATE KEY-----\nx", []) == "a [RSA PRIVATE KEY PEM]"


@pytest.mark.parametrize("length", [1, 57, 58, 61, 62, 63])
def test_every_machine_name_length_gives_common_names_that_fit(length: int) -> None:
    name = "m" * length
    assert len(_common_name(name, " CA")) <= 64 and len(_common_name(name, "-client")) <= 64
    assert _common_name(name, "-client").startswith(name)


def test_dockerhost_fields_come_from_the_spec_dataclass() -> None:
    assert HostSpec.replacing_fields() == ("connection.host", "connection.port")
    assert HostSpec.secret_fields() == (
        "connection.password",
        "connection.private_key",
        "connection.private_key_password",
        "connection.sudo_password",
        "server_private_key_pem",
        "install_script_url",
        "client_private_key_pem",
    )
    assert "confirm_timeout" in HostSpec.input_fields()
    assert ClientConfigSpec.replacing_fields() == ("name", "store")
