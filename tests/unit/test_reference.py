"""docs/reference.md lists every input and output of every resource, with whether changing an input
replaces the resource and whether a value is secret, as the code has them: it cannot drift."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.outputs import OUTPUT_NAMES, SECRET_OUTPUTS
from pulumi_docker_machine.providers.certs import OUTPUT_FIELDS
from pulumi_docker_machine.providers.swarm import SECRET_OUTPUTS as SWARM_SECRETS
from pulumi_docker_machine.resources.certs import CertificateAuthorityArgs, ClientCertArgs, ServerCertArgs
from pulumi_docker_machine.resources.client import ClientConfig, ClientConfigArgs
from pulumi_docker_machine.resources.dockerhost import DaemonConfig, DaemonConfigArgs, DockerHostArgs
from pulumi_docker_machine.resources.machine import MachineArgs
from pulumi_docker_machine.resources.swarm import Swarm, SwarmArgs
from pulumi_docker_machine.spec.cert import CertificateAuthoritySpec, ClientCertSpec, ServerCertSpec
from pulumi_docker_machine.spec.client import ClientConfigSpec
from pulumi_docker_machine.spec.host import HostSpec
from pulumi_docker_machine.spec.reader import SpecReader
from pulumi_docker_machine.swarm.spec import SwarmSpec

from .test_bad_inputs import FILES, HOST

pytestmark = pytest.mark.unit

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"
CERTIFICATES = ("CertificateAuthority", "ServerCert", "ClientCert")


@dataclasses.dataclass(frozen=True)
class Truth:
    """What the code says about one resource."""

    args: type
    spec: type[SpecReader] | None
    outputs: tuple[str, ...]
    secret_outputs: tuple[str, ...] = ()

    def inputs(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self.args)]

    def replaces(self, name: str) -> str:
        """`yes`, `no`, or the sub-fields whose change replaces (`connection`: `host`, `port`)."""
        paths = self.spec.replacing_fields() if self.spec else ()
        if name in paths:
            return "yes"
        subs = [p.split(".", 1)[1] for p in paths if p.startswith(name + ".")]
        return ", ".join(f"`{sub}`" for sub in subs) if subs else "no"

    def secret(self, name: str) -> str:
        paths = self.spec.secret_fields() if self.spec else ()
        return "yes" if any(p == name or p.startswith(name + ".") for p in paths) else "no"


def _annotated_outputs(resource: type) -> tuple[str, ...]:
    """The `Output[...]` annotations of the resource class and its own bases."""
    ours = [cls for cls in resource.__mro__ if cls.__module__.startswith("pulumi_docker_machine")]
    return tuple(
        name
        for cls in ours
        for name, hint in vars(cls).get("__annotations__", {}).items()
        if str(hint).startswith("Output[")
    )


TRUTH = {
    "DaemonConfig": Truth(DaemonConfigArgs, None, _annotated_outputs(DaemonConfig)),
    "DockerHost": Truth(DockerHostArgs, HostSpec, OUTPUT_NAMES, SECRET_OUTPUTS),
    "ClientConfig": Truth(ClientConfigArgs, ClientConfigSpec, _annotated_outputs(ClientConfig)),
    "Swarm": Truth(SwarmArgs, SwarmSpec, _annotated_outputs(Swarm), SWARM_SECRETS),
    "CertificateAuthority": Truth(
        CertificateAuthorityArgs, CertificateAuthoritySpec, OUTPUT_FIELDS, ("private_key_pem",)
    ),
    "ServerCert": Truth(ServerCertArgs, ServerCertSpec, OUTPUT_FIELDS, ("private_key_pem",)),
    "ClientCert": Truth(ClientCertArgs, ClientCertSpec, OUTPUT_FIELDS, ("private_key_pem",)),
}


def tables(heading: str) -> list[list[dict[str, str]]]:
    """The markdown tables under `### heading` (or `## heading`), up to the next heading, as rows."""
    text = REFERENCE.read_text()
    found = re.search(rf"^##+ {re.escape(heading)}\n(.*?)(?=^##+ |\Z)", text, re.S | re.M)
    assert found, f"no section {heading!r} in {REFERENCE}"
    result, lines = [], found.group(1).splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("| ---"):
            head = _cells(line)
            body = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                body.append(dict(zip(head, _cells(row), strict=True)))
            result.append(body)
    return result


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def names(cell: str) -> list[str]:
    """The field names a row documents: the backticked names before any other text."""
    return re.findall(r"`([a-z_0-9]+)`", cell.split(" (")[0])


def rows_by_name(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {name: row for row in rows for name in names(row[key])}


def _input_rows(resource: str) -> dict[str, dict[str, str]]:
    if resource in CERTIFICATES:
        [matrix, _] = tables("Certificates")
        rows = rows_by_name(matrix, "Input")
        return {name: row for name, row in rows.items() if row[resource] != "—"}
    [table] = tables(f"{resource}Args")
    return rows_by_name(table, "Input")


def _output_rows(resource: str) -> dict[str, dict[str, str]]:
    if resource in CERTIFICATES:
        return rows_by_name(tables("Certificates")[1], "Output")
    [table] = tables(f"{resource} outputs")
    return rows_by_name(table, "Output")


@pytest.mark.parametrize("resource", list(TRUTH))
def test_every_input_with_type_default_replaces_and_secret(resource: str) -> None:
    truth, rows = TRUTH[resource], _input_rows(resource)
    assert sorted(rows) == sorted(truth.inputs())
    for name, row in rows.items():
        assert row["Type"] and row["Default"], (resource, name)
        assert (row["Replaces"], row["Secret"]) == (truth.replaces(name), truth.secret(name)), (
            resource,
            name,
        )


@pytest.mark.parametrize("resource", list(TRUTH))
def test_every_output_with_type_and_secret(resource: str) -> None:
    truth, rows = TRUTH[resource], _output_rows(resource)
    assert sorted(rows) == sorted(truth.outputs)
    for name, row in rows.items():
        assert row["Type"], (resource, name)
        assert row["Secret"] == ("yes" if name in truth.secret_outputs else "no"), (resource, name)


def test_machine_args_are_all_listed() -> None:
    [table] = tables("MachineArgs")
    assert sorted(rows_by_name(table, "Input")) == sorted(f.name for f in dataclasses.fields(MachineArgs))


def _literal(cell: str) -> object:
    """The value of a Default cell that is one backticked literal (`True`, `120`, `[]`, `packages`)."""
    text = cell.strip("`")
    known: dict[str, object] = {"True": True, "False": False, "[]": [], "{}": {}}
    return known[text] if text in known else int(text) if text.isdigit() else text


def _documented_defaults() -> list[tuple[str, str, str, object]]:
    """(table, field, Default cell, what check() fills in) for the resources check() fills defaults of."""
    host, errors = HostSpec.check(HOST)
    client, client_errors = ClientConfigSpec.check(FILES)
    assert errors == client_errors == []
    filled = {
        "DockerHostArgs": (HOST, host),
        "DaemonConfigArgs": ({}, host["daemon"]),
        "ConnectionArgs": (HOST["connection"], host["connection"]),
        "ClientConfigArgs": (FILES, client),
    }
    return [
        (heading, name, row["Default"], checked.get(name))
        for heading, (given, checked) in filled.items()
        for table in tables(heading)
        for name, row in rows_by_name(table, "Key" if heading == "ConnectionArgs" else "Input").items()
        # `daemon` and `connection` are specs of their own: their rows are the tables checked here too
        if name not in given
        and name not in ("daemon", "connection")
        and (row["Default"] == "—" or re.fullmatch(r"`[^`]+`", row["Default"]))
    ]


@pytest.mark.parametrize(("table", "name", "cell", "checked"), _documented_defaults())
def test_a_documented_default_is_what_check_fills_in(table: str, name: str, cell: str, checked: Any) -> None:
    assert checked == (None if cell == "—" else _literal(cell)), (table, name)
