"""Old input names are still accepted for one release: in programs, and in state written before the
rename (the engine hands a provider its old outputs), without a change or a replacement."""

from __future__ import annotations

import pytest
from pulumi_docker_machine.providers.client import ClientConfigProvider
from pulumi_docker_machine.providers.dockerhost import DockerHostProvider
from pulumi_docker_machine.providers.swarm import SwarmProvider
from pulumi_docker_machine.resources.client import ClientConfigArgs
from pulumi_docker_machine.resources.dockerhost import DockerHostArgs
from pulumi_docker_machine.resources.machine import Machine
from pulumi_docker_machine.resources.swarm import SwarmNodeArgs
from pulumi_docker_machine.spec.client import ClientConfigSpec
from pulumi_docker_machine.spec.host import HostSpec

from .test_bad_inputs import FILES, HOST
from .test_swarm_provider import props

pytestmark = pytest.mark.unit


def old_names(inputs: dict, renamed: dict[str, str]) -> dict:
    """`inputs` as written before the rename."""
    back = {new: old for old, new in renamed.items()}
    return {back.get(k, k): v for k, v in inputs.items()}


def test_client_config_check_takes_old_names_and_returns_new_ones() -> None:
    old = old_names(FILES, ClientConfigSpec.renamed)
    assert "ca_pem" in old and "key_pem" in old
    checked = ClientConfigProvider().check({}, old)
    assert checked.failures == []
    assert checked.inputs["ca_cert_pem"] == FILES["ca_cert_pem"]
    assert checked.inputs["private_key_pem"] == FILES["private_key_pem"]
    assert "ca_pem" not in checked.inputs and "key_pem" not in checked.inputs


def test_client_config_state_with_old_names_is_no_change() -> None:
    news = ClientConfigProvider().check({}, FILES).inputs
    olds = {**old_names(news, ClientConfigSpec.renamed), "drift": {}}
    diff = ClientConfigProvider().diff("web", olds, news)
    assert not diff.changes and diff.replaces == []
    # The same state with a real change still shows it.
    assert ClientConfigProvider().diff("web", {**olds, "ssh_user": "ops"}, news).changes


def test_args_take_old_keywords_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    args = ClientConfigArgs(name="web", docker_host="tcp://h:2376", ca_pem="CA", cert_pem="C", key_pem="K")
    assert (args.ca_cert_pem, args.private_key_pem) == ("CA", "K")
    warned = capsys.readouterr().err
    assert (
        "`ca_pem` is renamed `ca_cert_pem`" in warned and "`key_pem` is renamed `private_key_pem`" in warned
    )
    node = SwarmNodeArgs(name="m1", ca_pem="CA", key_pem="K")
    assert (node.ca_cert_pem, node.private_key_pem) == ("CA", "K")
    with pytest.raises(TypeError, match="give ca_cert_pem only"):
        SwarmNodeArgs(name="m1", ca_pem="CA", ca_cert_pem="CA")


def test_machine_old_output_names_read_the_new_ones(capsys: pytest.CaptureFixture[str]) -> None:
    machine = Machine.__new__(Machine)  # the properties only read attributes
    machine.ca_cert_pem, machine.private_key_pem = "CA", "K"  # type: ignore[assignment]
    assert (machine.ca_pem, machine.key_pem) == ("CA", "K")
    assert "`key_pem` is renamed `private_key_pem`" in capsys.readouterr().err


def test_swarm_credentials_with_old_names() -> None:
    news = props("m1")
    old_creds = {"m1": {"ca_pem": "CA", "cert_pem": "CERT", "key_pem": "KEY"}}
    checked = SwarmProvider().check({}, {**news, "credentials": old_creds})
    assert checked.failures == []
    assert checked.inputs["credentials"] == news["credentials"]
    state = {**checked.inputs, "credentials": old_creds}
    diff = SwarmProvider().diff("id", state, SwarmProvider().check({}, news).inputs)
    assert not diff.changes


def test_docker_host_old_names_in_program_and_state() -> None:
    old = old_names(HOST, HostSpec.renamed)
    assert "server_key_pem" in old and "client_key_pem" in old
    checked = DockerHostProvider().check({}, old)
    assert checked.failures == []
    news = DockerHostProvider().check({}, HOST).inputs
    assert checked.inputs == news
    # State written before the rename: no change, and above all no replacement of the host.
    diff = DockerHostProvider().diff("10.0.0.5:22", {**old_names(news, HostSpec.renamed), "drift": {}}, news)
    assert not diff.changes and diff.replaces == []
    args = DockerHostArgs(connection={}, ca_cert_pem="CA", server_cert_pem="S", server_key_pem="K")
    assert args.server_private_key_pem == "K"


@pytest.mark.parametrize("spec", [HostSpec, ClientConfigSpec])
def test_a_read_answers_under_the_names_it_received(spec) -> None:
    """A refresh keeps a value secret only under a name that held a secret in the state before."""
    new = {new: f"value of {new}" for new in spec.renamed.values()}
    received = old_names(new, spec.renamed)
    assert spec.named_like(spec.upgrade(received), received) == received
    assert spec.named_like(new, new) == new
