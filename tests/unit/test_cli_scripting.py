"""The CLI's scripting surface, against a store of two machines: `m1` a local TLS daemon, `m2` a host where
nothing answers. Each case cites the Docker Machine behaviour it keeps (docker/machine's `commands/*.go`,
`its/cli/*_test.go`, `test/integration/core/*.bats`), or says how it differs on purpose."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine import store
from pulumi_docker_machine.cli.main import main, scp_argv
from pulumi_docker_machine.errors import ValidationError

from .test_tlsprobe import daemon, pki  # noqa: F401  (pki is a fixture)

pytestmark = pytest.mark.unit


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def machines(tmp_path: Path, pki: dict[str, dict[str, Any]]) -> Iterator[dict[str, str]]:  # noqa: F811
    client = pki["client"]
    with daemon(pki["server"], pki["ca"]["cert_pem"]) as port:
        urls = {"m1": f"tcp://127.0.0.1:{port}", "m2": f"tcp://127.0.0.1:{_dead_port()}"}
        ssh_ports = {"m1": port, "m2": _dead_port()}  # m1's "SSH port" answers too: the host is up
        for name, url in urls.items():
            record = store.MachineRecord(name, url, ssh_host="127.0.0.1", ssh_port=ssh_ports[name])
            store.save(tmp_path, record, pki["ca"]["cert_pem"], client["cert_pem"], client["private_key_pem"])
        yield urls


def cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str, code: int = 0) -> str:
    assert main(["-s", str(root), *args]) == code, capsys.readouterr()
    captured = capsys.readouterr()
    return captured.out if code == 0 else captured.err


def test_ls_quiet_filters_and_formats(machines, tmp_path, capsys, monkeypatch) -> None:
    # its/cli/ls_test.go and core/ls.bats: -q prints names; filters by name (regexp), state, driver, label.
    assert cli(capsys, tmp_path, "ls", "-q") == "m1\nm2\n"
    assert cli(capsys, tmp_path, "ls", "-q", "--filter", "name=1$") == "m1\n"
    assert cli(capsys, tmp_path, "ls", "-q", "--filter", "state=Running", "-t", "2") == "m1\n"
    assert cli(capsys, tmp_path, "ls", "-q", "--filter", "state=unreachable", "-t", "2") == "m2\n"
    assert cli(capsys, tmp_path, "ls", "-q", "--filter", "driver=generic") == "m1\nm2\n"
    assert cli(capsys, tmp_path, "ls", "-q", "--filter", "label=env=unit", "-t", "2") == "m1\n"
    # Values of one key match any; different keys must all match.
    both = ("--filter", "name=m1", "--filter", "name=m2", "--filter", "state=Running")
    assert cli(capsys, tmp_path, "ls", "-q", *both, "-t", "2") == "m1\n"
    # --format with Go-template fields, and `table` with a header (its/cli/ls_test.go "ls with format").
    monkeypatch.setenv("DOCKER_HOST", machines["m1"])
    assert cli(capsys, tmp_path, "ls", "-f", "{{.Name}} {{.Active}} {{.URL}}", "-t", "2").splitlines() == [
        f"m1 * {machines['m1']}",
        f"m2 - {machines['m2']}",
    ]
    table = cli(capsys, tmp_path, "ls", "--format", "table {{.Name}}\\t{{.State}}", "-t", "2").splitlines()
    assert [line.split() for line in table] == [["NAME", "STATE"], ["m1", "Running"], ["m2", "Unreachable"]]
    for bad, said in (
        (("--filter", "color=red"), "error: --filter: unsupported filter 'color=red'"),
        (("--filter", "name=("), "error: --filter: name='(' is not a regular expression"),
        (("--format", "{{.Nope}}"), "error: --format: can't evaluate field Nope"),
        (("--format", "{{range .}}"), "error: --format: {{range .}} is not supported"),
    ):
        err = cli(capsys, tmp_path, "ls", *bad, "-t", "2", code=1)
        assert err.startswith(said) and len(err.splitlines()) == 1, err


def test_status_and_active(machines, tmp_path, capsys, monkeypatch) -> None:
    # commands/status.go prints the state and exits 0. Ours says Running when Docker answers over TLS and
    # Stopped when nothing answers (the generic driver only dialled SSH); Error: SSH answers, Docker not.
    assert cli(capsys, tmp_path, "status", "m1") == "Running\n"
    assert cli(capsys, tmp_path, "status", "m2", "-t", "1") == "Stopped\n"
    # commands/active.go: the machine DOCKER_HOST points at, else "No active host found" and exit 1.
    monkeypatch.setenv("DOCKER_HOST", machines["m1"])
    assert cli(capsys, tmp_path, "active") == "m1\n"
    monkeypatch.setenv("DOCKER_HOST", "tcp://192.0.2.1:2376")
    assert cli(capsys, tmp_path, "active", code=1) == "error: No active host found\n"


def test_env_and_url_exit_1_for_a_host_that_is_down(machines, tmp_path, capsys) -> None:
    # commands/env.go and url.go: "Host is not running" (exit 1) is what health-check scripts rely on.
    assert cli(capsys, tmp_path, "url", "m1") == machines["m1"] + "\n"
    for args in (("url", "m2"), ("env", "m2", "--shell", "bash")):
        err = cli(capsys, tmp_path, *args, "-t", "1", code=1)
        assert "m2: the host is not running" in err and len(err.splitlines()) == 1
    # ip reads the record only, as the generic driver's GetIP did; several names, one per line (ip A B).
    assert cli(capsys, tmp_path, "ip", "m1", "m2") == "127.0.0.1\n127.0.0.1\n"


def test_env_flags_as_docker_machine_has_them(machines, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SHELL", "/bin/bash")
    monkeypatch.delenv("NO_PROXY", raising=False)
    # commands/env.go: -u with a machine name is an error ("Expected no machine name when the -u flag...").
    err = cli(capsys, tmp_path, "env", "-u", "m1", code=1)
    assert err.startswith("error: --unset: takes no machine name")
    # --no-proxy (commands/env.go findNoProxyFromEnv): a non-empty lower-case no_proxy first, else NO_PROXY;
    # the hint keeps the flag.
    monkeypatch.setenv("no_proxy", "localhost")
    out = cli(capsys, tmp_path, "env", "m1", "--no-proxy")
    assert "export no_proxy='localhost,127.0.0.1'" in out and "NO_PROXY" not in out
    assert out.splitlines()[-1] == f'# eval "$(pulumi-docker-machine -s {tmp_path} env m1 --no-proxy)"'
    # -u --no-proxy unsets it too.
    out = cli(capsys, tmp_path, "env", "-u", "--no-proxy")
    assert "unset no_proxy" in out and "unset DOCKER_HOST" in out
    # A SHELL env does not know is refused, never answered in bash syntax.
    monkeypatch.setenv("SHELL", "/usr/bin/xonsh")
    err = cli(capsys, tmp_path, "env", "m1", code=1)
    assert err.startswith("error: --shell: SHELL is 'xonsh', which env does not know")


def test_env_for_tcsh_and_emacs(machines, tmp_path, capsys) -> None:
    # commands/env.go: tcsh `setenv NAME "VALUE";`, its hint after `:` (tcsh's no-op; `eval` runs no `#`
    # comments); emacs `(setenv "NAME" "VALUE")` after `;;`.
    directory = tmp_path / "machines" / "m1"
    tcsh = cli(capsys, tmp_path, "env", "m1", "--shell", "tcsh").splitlines()
    assert tcsh[:2] == ['setenv DOCKER_TLS_VERIFY "1";', f'setenv DOCKER_HOST "{machines["m1"]}";']
    assert tcsh[-2:] == [
        ": Run this command to configure your shell:",
        f": eval `pulumi-docker-machine -s {tmp_path} env m1 --shell tcsh`",
    ]
    emacs = cli(capsys, tmp_path, "env", "m1", "--shell", "emacs").splitlines()
    assert emacs[2] == f'(setenv "DOCKER_CERT_PATH" "{directory}")'
    assert emacs[-2] == ";; Run this command to configure your shell:"
    unset = cli(capsys, tmp_path, "env", "-u", "--shell", "tcsh").splitlines()
    assert unset[0] == "unsetenv DOCKER_TLS_VERIFY;"
    assert (
        cli(capsys, tmp_path, "env", "-u", "--shell", "emacs").splitlines()[0]
        == '(setenv "DOCKER_TLS_VERIFY" nil)'
    )


def test_inspect_format(machines, tmp_path, capsys) -> None:
    # its/cli/inspect_test.go: -f with the fields Docker Machine's templates read, and json.
    assert cli(capsys, tmp_path, "inspect", "-f", "{{.Driver.IPAddress}}", "m1") == "127.0.0.1\n"
    assert cli(capsys, tmp_path, "inspect", "-f", "{{.DriverName}}", "m1") == "generic\n"
    auth = json.loads(cli(capsys, tmp_path, "inspect", "-f", "{{json .HostOptions.AuthOptions}}", "m1"))
    assert auth["CaCertPath"] == str(tmp_path / "machines" / "m1" / "ca.pem")
    assert json.loads(cli(capsys, tmp_path, "inspect", "m1"))["docker_host"] == machines["m1"]


def test_version(capsys, tmp_path) -> None:
    assert cli(capsys, tmp_path, "version").startswith("pulumi-docker-machine version ")


def test_a_real_docker_machines_records_are_listed_as_such(machines, tmp_path, capsys) -> None:
    # A store shared with a real docker-machine: its machines are listed (not skipped, not crashing).
    made = tmp_path / "machines" / "vb1"
    made.mkdir()
    (made / "config.json").write_text('{"DriverName": "virtualbox", "Driver": {"IPAddress": "192.0.2.9"}}')
    (tmp_path / "machines" / "broken").mkdir()
    (tmp_path / "machines" / "broken" / "config.json").write_text("{not json")
    assert cli(capsys, tmp_path, "ls", "-q") == "m1\nm2\nbroken\nvb1\n"
    assert cli(capsys, tmp_path, "ls", "-q", "--filter", "driver=virtualbox") == "vb1\n"
    rows = {r["name"]: r for r in json.loads(cli(capsys, tmp_path, "ls", "--format", "json", "-t", "1"))}
    assert (
        rows["vb1"]["state"] == "Unknown"
        and "made by docker-machine (driver virtualbox)" in rows["vb1"]["errors"]
    )
    assert rows["broken"]["driver"] == "?"


def test_scp_names_the_machine_and_pins_its_host_key(machines, tmp_path, capsys) -> None:
    # commands/scp.go: `scp [-r] NAME:PATH LOCAL` (or the other way round); ours checks the pinned key.
    directory = tmp_path / "machines" / "m1"
    (directory / "ssh-key-path").write_text("/keys/id_m1\n")
    argv = scp_argv(tmp_path, ["m1:/etc/hostname", "./here"], True, None)
    port = str(store.load(tmp_path, "m1").ssh_port)
    assert argv == [
        "scp", "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={directory / 'known_hosts'}",
        "-P", port, "-i", "/keys/id_m1", "-r", "root@127.0.0.1:/etc/hostname", "./here",
    ]  # fmt: skip
    assert scp_argv(tmp_path, ["a.txt", "m1:/tmp/a.txt"], False, "/other")[-4:] == [
        "-i", "/other", "a.txt", "root@127.0.0.1:/tmp/a.txt",
    ]  # fmt: skip
    for paths, said in (
        (["m1:/a", "m2:/b"], "one machine at a time"),
        (["a", "b"], "needs one MACHINE:PATH"),
    ):
        with pytest.raises(ValidationError, match=said):
            scp_argv(tmp_path, paths, False, None)
