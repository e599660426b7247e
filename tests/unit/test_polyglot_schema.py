"""The component package's schema (what YAML and TypeScript programs see) against the Python API it is
served by: the same inputs under the same names, every input documented, the same secrets. A field
added to one and not the other fails here."""

from __future__ import annotations

import dataclasses
import inspect
import json
from typing import Any

import pytest
from pulumi.provider.experimental.util import camel_case
from pulumi_docker_machine.polyglot import components, inputs
from pulumi_docker_machine.polyglot.host import SECRET_PROPERTIES, package_schema, schema_names, schema_path
from pulumi_docker_machine.resources import certs, dockerhost, machine, swarm
from pulumi_docker_machine.spec.cert import CertificateAuthoritySpec, ClientCertSpec, ServerCertSpec
from pulumi_docker_machine.spec.connection import ConnectionSpec
from pulumi_docker_machine.spec.host import HostSpec

pytestmark = pytest.mark.unit

SCHEMA: dict[str, Any] = json.loads(package_schema().schema or "{}")


def resource(name: str) -> dict[str, Any]:
    return SCHEMA["resources"][f"docker-machine:index:{name}"]


def schema_type(name: str) -> dict[str, Any]:
    return SCHEMA["types"][f"docker-machine:index:{name}"]


def fields(python: type) -> set[str]:
    """Input names of a Python args class (dataclass or TypedDict), or the annotated outputs of a
    resource class and its bases, in the schema's spelling."""
    if dataclasses.is_dataclass(python):
        return {camel_case(f.name) for f in dataclasses.fields(python)}
    return {camel_case(name) for cls in python.__mro__ for name in inspect.get_annotations(cls)}


@pytest.mark.parametrize(
    ("component", "python", "python_only", "package_only"),
    [
        ("Machine", machine.MachineArgs, {"ca"}, {"caCertPem", "caPrivateKeyPem"}),
        ("CertificateAuthority", certs.CertificateAuthorityArgs, set(), set()),
        ("ServerCert", certs.ServerCertArgs, set(), set()),
        ("ClientCert", certs.ClientCertArgs, set(), set()),
        ("SwarmCluster", swarm.SwarmClusterArgs, set(), set()),
    ],
)
def test_component_inputs_are_the_python_inputs(
    component: str, python: type, python_only: set[str], package_only: set[str]
) -> None:
    served = set(resource(component)["inputProperties"])
    assert served == fields(python) - python_only | package_only


@pytest.mark.parametrize(
    ("name", "python", "python_only"),
    [
        ("Connection", dockerhost.ConnectionArgs, set()),
        # A jump host is one hop: no jump host of its own; retries and sudo are the target's.
        (
            "JumpHost",
            dockerhost.ConnectionArgs,
            {"proxy", "dialErrorLimit", "perDialTimeout", "sudoPassword"},
        ),
        ("DaemonSettings", dockerhost.DaemonConfigArgs, set()),
        ("SwarmNode", swarm.SwarmNodeArgs, {"machine"}),  # other languages give a Machine's outputs
    ],
)
def test_input_types_are_the_python_types(name: str, python: type, python_only: set[str]) -> None:
    assert set(schema_type(name)["properties"]) == fields(python) - python_only


def test_daemon_config_takes_the_daemon_settings() -> None:
    settings = resource("DaemonConfig")["inputProperties"]["settings"]
    assert settings["$ref"] == "#/types/docker-machine:index:DaemonSettings"
    assert resource("Machine")["inputProperties"]["daemon"]["$ref"] == settings["$ref"]


def test_outputs_are_what_the_python_resources_give() -> None:
    for name, python in (
        ("CertificateAuthority", certs.CertificateAuthority),
        ("ServerCert", certs.ServerCert),
    ):
        assert set(resource(name)["properties"]) <= fields(python)
    machine_outputs = fields(machine.Machine) | fields(dockerhost.DockerHost)
    assert set(resource("Machine")["properties"]) <= machine_outputs
    assert set(resource("SwarmCluster")["properties"]) <= fields(swarm.SwarmCluster)


def test_every_input_and_output_is_documented() -> None:
    undocumented = [
        f"{owner}.{prop}"
        for section in ("resources", "types")
        for owner, spec in SCHEMA[section].items()
        for group in ("inputProperties", "properties")
        for prop, value in spec.get(group, {}).items()
        if not value.get("description")
    ]
    assert undocumented == []
    assert all(SCHEMA["resources"][token].get("description") for token in SCHEMA["resources"])


def test_the_python_secrets_are_secret_in_the_schema() -> None:
    secret_leaves = {
        camel_case(path.rpartition(".")[2])
        for spec in (ConnectionSpec, HostSpec, CertificateAuthoritySpec, ServerCertSpec, ClientCertSpec)
        for path in spec.secret_fields()
    }
    marked = {
        prop
        for section in ("resources", "types")
        for spec in SCHEMA[section].values()
        for group in ("inputProperties", "properties")
        for prop, value in spec.get(group, {}).items()
        if value.get("secret")
    }
    # Python's server/client private keys are Machine's internals; its client key is the output.
    assert secret_leaves - {"serverPrivateKeyPem", "clientPrivateKeyPem"} <= marked
    assert marked <= SECRET_PROPERTIES
    assert resource("Machine")["properties"]["privateKeyPem"]["secret"] is True
    assert schema_type("SwarmNode")["properties"]["privateKeyPem"]["secret"] is True


def test_every_component_is_served() -> None:
    assert {token.rpartition(":")[2] for token in SCHEMA["resources"]} == {
        c.__name__ for c in components.COMPONENTS
    }
    assert inputs.Connection.__required_keys__ == frozenset({"host"})


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("connection.private_key: is not a key", "connection.privateKey: is not a key"),
        ("daemon.default_address_pools[0].base: bad", "daemon.defaultAddressPools[0].base: bad"),
        ("tls_port: must be a port", "tlsPort: must be a port"),
        ("host unreachable: connection refused", "host unreachable: connection refused"),
    ],
)
def test_messages_name_fields_as_the_program_wrote_them(message: str, expected: str) -> None:
    assert schema_names(message) == expected
    assert schema_path("ca_private_key_pem") == "caPrivateKeyPem"
