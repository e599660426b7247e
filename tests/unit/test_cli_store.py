"""The CLI over a temporary machine store whose machine is a local TLS daemon (test_tlsprobe's): `url`,
`ip`, `inspect`, `config`, `env` and `ls` (Running, then Unreachable once the daemon is gone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine import store
from pulumi_docker_machine.cli.main import main

from .test_tlsprobe import daemon, pki  # noqa: F401  (pki is a fixture)

pytestmark = pytest.mark.unit


def _cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    assert main(["-s", str(root), *args]) == 0
    return capsys.readouterr().out


def test_the_cli_reads_the_store_and_probes_the_daemon(
    tmp_path: Path,
    pki: dict[str, dict[str, Any]],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = pki["client"]
    with daemon(pki["server"], pki["ca"]["cert_pem"]) as port:
        url = f"tcp://127.0.0.1:{port}"
        record = store.MachineRecord(
            "m1", url, ssh_host="127.0.0.1", server_cert_not_after="2031-01-01T00:00:00Z"
        )
        store.save(tmp_path, record, pki["ca"]["cert_pem"], client["cert_pem"], client["private_key_pem"])
        machine = tmp_path / "machines" / "m1"

        assert _cli(capsys, tmp_path, "url", "m1") == f"{url}\n"
        assert _cli(capsys, tmp_path, "ip", "m1") == "127.0.0.1\n"
        inspected = json.loads(_cli(capsys, tmp_path, "inspect", "m1"))
        assert (inspected["name"], inspected["docker_host"], inspected["cert_path"]) == (
            "m1",
            url,
            str(machine),
        )
        flags = _cli(capsys, tmp_path, "config", "m1")
        assert f'--tlscacert="{machine}/ca.pem"' in flags and f"-H={url}" in flags and "--tlsverify" in flags
        env = _cli(capsys, tmp_path, "env", "m1", "--shell", "bash")
        assert f"export DOCKER_HOST='{url}'" in env and f"export DOCKER_CERT_PATH='{machine}'" in env
        [row] = json.loads(_cli(capsys, tmp_path, "ls", "--format", "json", "-t", "5"))
        assert (row["name"], row["state"], row["docker"], row["errors"]) == ("m1", "Running", "v20.10.24", "")
    [row] = json.loads(_cli(capsys, tmp_path, "ls", "--format", "json", "-t", "2"))
    assert row["state"] == "Unreachable" and row["errors"]


def test_a_machine_not_in_the_store_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-s", str(tmp_path), "url", "nope"]) == 1
    said = capsys.readouterr()
    assert said.out == "" and said.err.startswith("error: ") and len(said.err.splitlines()) == 1
