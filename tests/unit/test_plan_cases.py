"""DockerHost's pure plan from data: one JSON file per case under cases/plan (probe output + inputs -> plan).

A case's `probe` holds the probe script's sections as lines, with a few tokens: `$host-sha256` (no
managed file on the host), `$desired` (the host holds exactly what we would write), `$b64:TEXT` and
`$content:TEXT` (base64 of TEXT, bare or as a `content=` line). A line after `$desired` overrides it.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.daemon import paths, plan
from pulumi_docker_machine.daemon.transaction import Entry, sha256
from pulumi_docker_machine.errors import DockerMachineError
from pulumi_docker_machine.pki.issue import LeafUsage
from pulumi_docker_machine.remote import facts
from pulumi_docker_machine.spec.host import HostSpec

from ..throwaway_pki import new_ca, ssh_private_key

pytestmark = pytest.mark.unit

CASES = sorted((Path(__file__).parent / "cases" / "plan").glob("*.json"))
CA = new_ca("plan cases CA")
SERVER = CA.issue(LeafUsage.SERVER, "server", ip_addresses=["10.0.0.5"])
SSH_KEY = ssh_private_key()


def _spec(inputs: dict[str, Any]) -> HostSpec:
    return HostSpec.from_inputs(
        {
            "connection": {"host": "10.0.0.5", "private_key": SSH_KEY},
            "ca_cert_pem": CA.pem,
            "server_cert_pem": SERVER[0],
            "server_private_key_pem": SERVER[1],
            **inputs,
        }
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _probe_text(sections: dict[str, list[str]], desired: dict[str, str]) -> str:
    out = []
    for name, lines in sections.items():
        out.append(f"@@pdm:{name}")
        for line in lines:
            if line == "$host-sha256":
                out += [f"- {p}" for p in paths.MANAGED]
            elif line == "$desired":
                out += [f"{desired.get(p, '-')}  {p}" if p in desired else f"- {p}" for p in paths.MANAGED]
            elif line.startswith("$b64:"):
                out.append(_b64(line[5:]))
            elif line.startswith("$content:"):
                out.append("content=" + _b64(line[9:]))
            else:
                out.append(line)
    return "\n".join([*out, "@@pdm:end", ""])


def _entry(entry: Entry) -> str:
    text = f"{entry.action} {entry.path}"
    if entry.action == "write":
        text += f" {entry.mode:o}"
    if entry.source:
        text += f" from {entry.source}"
    return text


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_plan_case(case_file: Path) -> None:
    case = json.loads(case_file.read_text())
    spec = _spec(case["inputs"])
    expect = case["expect"]
    first = facts.parse(_probe_text(case["probe"], {}))
    desired = {p: sha256(c) for p, (c, _) in plan.desired_files(spec, first).items()}
    host = facts.parse(_probe_text(case["probe"], desired))
    if case.get("restore"):
        assert [_entry(e) for e in plan.plan_restore(host, None)] == expect["entries"]
        return
    if "original" in expect:
        source = plan.original_source(host, None)
        recorded = {k: v for k, v in dataclasses.asdict(source).items() if v != ()} if source else None
        assert recorded == expect["original"]
    if "error" in expect:
        with pytest.raises(DockerMachineError, match=expect["error"]):
            plan.plan_apply(spec, host)
        return
    change = plan.plan_apply(spec, host)
    if "changed" in expect:
        assert list(change.changed) == expect["changed"]
    assert change.restart == expect.get("restart", change.restart)
    if "entries" in expect:
        assert [_entry(e) for e in change.entries] == expect["entries"]
    rendered = json.loads(change.files[paths.DAEMON_JSON][0])
    for key, value in expect.get("daemon_json", {}).items():
        assert rendered[key] == value, key
    for key in expect.get("absent_keys", []):
        assert key not in rendered


def test_every_case_says_what_it_shows() -> None:
    assert len(CASES) >= 10
    for case_file in CASES:
        assert json.loads(case_file.read_text())["doc"], case_file.name
