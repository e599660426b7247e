"""A Machine composed with other Pulumi packages, as a user writes it, under Pulumi's unit-test mocks:
pulumi-docker's real Python SDK takes `docker_provider_args` as its Provider's keyword arguments, and
pulumi-command's `remote.Command` takes `connection` (host key pinned, credentials secret)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi_command import remote
from pulumi_docker_machine import Machine, MachineArgs

# pulumi-docker's SDK lives outside the venv (scripts/versions.sh says why); scripts/bootstrap puts it
# there. Appended: the venv's own pulumi comes first.
sys.path.append(os.environ["PDM_PULUMI_DOCKER_SDK"])
import pulumi_docker

pytestmark = pytest.mark.unit

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGh0b3N0LWtleS1vZi10aGUtbWFjaGluZS0xMjM0NTY3"
JUMP_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp1bXAta2V5LW9mLXRoZS1iYXN0aW9uLTEyMzQ1Njc4"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n"
# What the mocked resources answer: the certificates and the DockerHost's pinned keys.
ANSWERS: dict[str, dict[str, Any]] = {
    "web-ca": {"cert_pem": "CA-PEM", "private_key_pem": "CA-KEY"},
    "web-client": {"cert_pem": "CLIENT-PEM", "private_key_pem": "CLIENT-KEY"},
    "web-server": {"cert_pem": "SERVER-PEM", "private_key_pem": "SERVER-KEY"},
    "web": {
        "docker_host": "tcp://10.0.0.5:2376",
        "host_key": HOST_KEY,
        "host_keys": {"10.0.0.5:22": HOST_KEY, "bastion:2222": JUMP_KEY},
    },
}


class Recorder(pulumi.runtime.Mocks):
    """Answers every resource with its inputs (plus ANSWERS) and keeps the inputs by resource name."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = args.inputs
        return f"{args.name}-id", {**args.inputs, **ANSWERS.get(args.name, {})}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


@pytest.fixture
def mocks() -> Iterator[Recorder]:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="composition", stack="test", preview=False)
    yield recorder
    pulumi.runtime.settings.reset_options()  # no engine: the next test's warnings go to stderr again


def _machine() -> Machine:
    connection = {
        "host": "10.0.0.5",
        "private_key": pulumi.Output.secret(KEY),
        "proxy": {"host": "bastion", "port": 2222, "user": "jump", "private_key": KEY},
    }
    return Machine("web", MachineArgs(connection=connection, write_client_files=False))


SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value on the wire


def secret(value: Any) -> Any:
    """The value inside a secret the mocks received; fails if it was not sent as a secret."""
    assert isinstance(value, dict) and value.get(SECRET_SIG), f"not a secret: {value!r}"
    return value["value"]


@pulumi.runtime.test
def test_pulumi_docker_provider_takes_the_machine_as_keyword_arguments(mocks: Recorder) -> Any:
    machine = _machine()
    provider = pulumi_docker.Provider("engine", **machine.docker_provider_args)

    def check(_: Any) -> None:
        given = mocks.inputs["engine"]
        assert {k: given[k] for k in ("host", "caMaterial", "certMaterial")} == {
            "host": "tcp://10.0.0.5:2376",
            "caMaterial": "CA-PEM",
            "certMaterial": "CLIENT-PEM",
        }
        assert secret(given["keyMaterial"]) == "CLIENT-KEY"

    return provider.urn.apply(check)


@pulumi.runtime.test
def test_remote_command_takes_the_machine_connection_with_its_keys_pinned(mocks: Recorder) -> Any:
    machine = _machine()
    command = remote.Command("hello", connection=machine.connection, create="docker info")

    def check(_: Any) -> None:
        sent = secret(mocks.inputs["hello"]["connection"])
        ours = ("host", "port", "user", "privateKey", "hostKey")
        assert {k: sent[k] for k in ours} == {
            "host": "10.0.0.5",
            "port": 22,
            "user": "root",
            "privateKey": KEY,
            "hostKey": HOST_KEY,  # the key the DockerHost pinned
        }
        assert {k: sent["proxy"][k] for k in ours} == {
            "host": "bastion",
            "port": 2222,
            "user": "jump",
            "privateKey": KEY,
            "hostKey": JUMP_KEY,
        }

    return command.urn.apply(check)


@pulumi.runtime.test
def test_a_host_key_given_up_front_is_the_one_pinned(mocks: Recorder) -> Any:
    given = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdpdmVuLXVwLWZyb250LWtleS0xMjM0NTY3ODkwMTI"
    machine = Machine(
        "web",
        MachineArgs(
            connection={"host": "10.0.0.5", "private_key": KEY, "host_key": given}, write_client_files=False
        ),
    )
    command = remote.Command("hello", connection=machine.connection, create="true")
    return command.urn.apply(
        lambda _: assert_equal(secret(mocks.inputs["hello"]["connection"])["hostKey"], given)
    )


def assert_equal(left: Any, right: Any) -> None:
    assert left == right
