"""`env` output is parsed by the real shells it is written for."""

import subprocess

import pytest
from pulumi_docker_machine.cli import shellenv

pytestmark = pytest.mark.unit

VARS = {"DOCKER_HOST": "tcp://10.0.0.2:2376", "DOCKER_CERT_PATH": "/tmp/it's here", "DOCKER_TLS_VERIFY": "1"}


def _bash(script: str) -> str:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout


def test_bash_sets_and_unsets() -> None:
    text = shellenv.render(VARS, "bash", shellenv.usage_hint("bash", "x env m"))
    out = _bash(
        f'eval "$(cat <<\'EOF\'\n{text}EOF\n)"; echo "$DOCKER_HOST|$DOCKER_CERT_PATH|$DOCKER_TLS_VERIFY"'
    )
    assert out.strip() == "tcp://10.0.0.2:2376|/tmp/it's here|1"
    unset = shellenv.render(dict.fromkeys(VARS), "bash", "x")
    out = _bash(f'export DOCKER_HOST=x\n{unset}\necho "[${{DOCKER_HOST-unset}}]"')
    assert out.strip() == "[unset]"


def test_fish_sets_and_unsets() -> None:
    text = shellenv.render(VARS, "fish", shellenv.usage_hint("fish", "x env m"))
    out = subprocess.run(
        ["fish", "-c", text + 'echo "$DOCKER_HOST|$DOCKER_CERT_PATH"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "tcp://10.0.0.2:2376|/tmp/it's here"
    unset = shellenv.render(dict.fromkeys(VARS), "fish", "x")
    out = subprocess.run(
        ["fish", "-c", "set -gx DOCKER_HOST x\n" + unset + "set -q DOCKER_HOST; or echo gone"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "gone"


def test_powershell_and_cmd_forms() -> None:
    ps = shellenv.render({"DOCKER_HOST": "tcp://h:2376", "X": None}, "powershell", "u")
    assert '$Env:DOCKER_HOST = "tcp://h:2376"' in ps and "Remove-Item Env:\\X" in ps
    cmd = shellenv.render({"DOCKER_HOST": "tcp://h:2376", "X": None}, "cmd", "u")
    assert (
        "SET DOCKER_HOST=tcp://h:2376" in cmd and "SET X=\n" in cmd and cmd.splitlines()[-1].startswith("REM")
    )


def test_no_proxy_appends_once() -> None:
    assert shellenv.with_no_proxy("a,b", "10.0.0.2") == "a,b,10.0.0.2"
    assert shellenv.with_no_proxy("10.0.0.2", "10.0.0.2") == "10.0.0.2"
    assert shellenv.with_no_proxy(None, "h") == "h"
