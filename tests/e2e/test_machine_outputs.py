"""Machine outputs and the CLI on one shared stack: `docker_provider_args`, `write_client_files=False`,
`inspect`, `url`, `env --unset` and `env --shell`. The tests only read the stack and its hosts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pdm_sandbox import Host, Sandbox
from pdm_sandbox.pytest_fixtures import HostFactory

from .pulumi_cli import Stack
from .test_machine import cli, run
from .tls_client import DockerTLS

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_docker_machine import Machine, MachineArgs

cfg = pulumi.Config()
key = cfg.require_secret("private_key")
files = Machine("files", MachineArgs(connection={"host": cfg.require("files_host"), "private_key": key}))
bare = Machine(
    "bare",
    MachineArgs(connection={"host": cfg.require("bare_host"), "private_key": key}, write_client_files=False),
)
pulumi.export("bare_provider_args", bare.docker_provider_args)
pulumi.export("bare_env", bare.env)
pulumi.export("bare_cert_path", bare.cert_path)
"""

ENV_NAMES = ("DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME")


@dataclass
class Deployed:
    stack: Stack
    files: Host
    bare: Host
    store: Path


@pytest.fixture(scope="module")
def deployed(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """Two hosts, one stack: Machine `files` (client files, context) and Machine `bare` (neither)."""
    hosts = HostFactory(sandbox)
    try:
        files, bare = hosts(2)
        work = tmp_path_factory.mktemp("machine-outputs")
        env = {"MACHINE_STORAGE_PATH": str(work / "store"), "DOCKER_CONFIG": str(work / "docker")}
        stack = Stack(work / "stack", PROGRAM, name="outputs", env=env)
        stack.config_set("files_host", files.address)
        stack.config_set("bare_host", bare.address)
        stack.config_set("private_key", Path(files.key_path).read_text(), secret=True)
        stack.up()
        yield Deployed(stack, files, bare, work / "store")
    finally:
        hosts.close()


def expected_env(d: Deployed) -> dict[str, str]:
    return {
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_HOST": f"tcp://{d.files.address}:2376",
        "DOCKER_CERT_PATH": str(d.store / "machines" / "files"),
        "DOCKER_MACHINE_NAME": "files",
    }


def test_docker_provider_args_talk_to_the_daemon(deployed: Deployed, tmp_path: Path) -> None:
    shown = deployed.stack.outputs()["bare_provider_args"]  # the key is a secret, the rest is not
    assert (shown["key_material"], shown["host"]) == ("[secret]", f"tcp://{deployed.bare.address}:2376")
    args = deployed.stack.outputs(show_secrets=True)["bare_provider_args"]
    assert set(args) == {"host", "ca_material", "cert_material", "key_material"}
    assert args["host"] == f"tcp://{deployed.bare.address}:2376"
    docker = DockerTLS(tmp_path, args["ca_material"], args["cert_material"], args["key_material"])
    assert docker.text(args["host"], "info", "--format", "{{.Name}}") == deployed.bare.name


def test_write_client_files_false_leaves_no_files_and_no_context(deployed: Deployed) -> None:
    outputs = deployed.stack.outputs()
    assert outputs["bare_cert_path"] == ""
    assert outputs["bare_env"]["DOCKER_CERT_PATH"] == ""
    machines = deployed.store / "machines"
    assert sorted(p.name for p in machines.iterdir()) == ["files"]  # the other machine's files are there
    contexts = run(deployed.stack, "docker", "context", "ls", "--format", "{{.Name}}")
    assert contexts.returncode == 0, contexts.stderr
    assert "files" in contexts.stdout.split() and "bare" not in contexts.stdout.split()
    listed = json.loads(cli(deployed.stack, "ls", "--format", "json").stdout)
    assert [m["name"] for m in listed] == ["files"]


def test_cli_inspect_and_url(deployed: Deployed) -> None:
    inspected = cli(deployed.stack, "inspect", "files")
    assert inspected.returncode == 0, inspected.stderr
    record: dict[str, Any] = json.loads(inspected.stdout)
    assert record["name"] == "files"
    assert record["docker_host"] == f"tcp://{deployed.files.address}:2376"
    assert (record["ssh_host"], record["ssh_port"], record["ssh_user"]) == (
        deployed.files.address,
        22,
        "root",
    )
    assert deployed.files.host_public_key.split()[1] in record["host_key"]
    assert record["cert_path"] == str(deployed.store / "machines" / "files")
    url = cli(deployed.stack, "url", "files")
    assert url.returncode == 0 and url.stdout == f"tcp://{deployed.files.address}:2376\n"
    missing = cli(deployed.stack, "inspect", "bare")  # no client files: the CLI does not know it
    assert missing.returncode == 1 and "Traceback" not in missing.stderr and "bare" in missing.stderr


def test_cli_env_sets_and_unsets_in_real_shells(deployed: Deployed) -> None:
    stack = deployed.stack
    in_bash = run(
        stack, "bash", "-c", 'eval "$(pulumi-docker-machine env files)"; docker info -f "{{.Name}}"'
    )
    assert in_bash.returncode == 0 and in_bash.stdout.strip() == deployed.files.name, in_bash.stderr
    unset = run(
        stack,
        "bash",
        "-c",
        'eval "$(pulumi-docker-machine env files)"; eval "$(pulumi-docker-machine env --unset)"; '
        'echo "[${DOCKER_HOST-unset}${DOCKER_TLS_VERIFY-unset}${DOCKER_CERT_PATH-unset}]"',
    )
    assert unset.stdout.strip() == "[unsetunsetunset]", unset.stderr
    in_fish = run(
        stack,
        "fish",
        "-c",
        "pulumi-docker-machine env files --shell fish | source; docker info -f '{{.Name}}'",
    )
    assert in_fish.returncode == 0 and in_fish.stdout.strip() == deployed.files.name, in_fish.stderr
    fish_unset = run(
        stack,
        "fish",
        "-c",
        "set -gx DOCKER_HOST x; pulumi-docker-machine env --unset --shell fish | source;"
        " set -q DOCKER_HOST; or echo gone",
    )
    assert fish_unset.stdout.strip() == "gone", fish_unset.stderr


def test_cli_env_for_powershell_and_cmd(deployed: Deployed) -> None:
    """No PowerShell or cmd.exe here: their output is parsed line by line instead."""
    want = expected_env(deployed)
    ps = cli(deployed.stack, "env", "files", "--shell", "powershell").stdout.splitlines()
    assert {k: v for k, v in (parse_powershell(line) for line in ps if line.startswith("$Env:"))} == want
    assert ps[-1] == "# & pulumi-docker-machine env files --shell powershell | Invoke-Expression"
    ps_unset = cli(deployed.stack, "env", "--unset", "--shell", "powershell").stdout.splitlines()
    assert [line for line in ps_unset if not line.startswith("#")] == [
        f"Remove-Item Env:\\{name}" for name in ENV_NAMES
    ]
    cmd = cli(deployed.stack, "env", "files", "--shell", "cmd").stdout.splitlines()
    assert dict(line.removeprefix("SET ").split("=", 1) for line in cmd if line.startswith("SET ")) == want
    assert cmd[-1].startswith("REM @FOR /f ") and "pulumi-docker-machine env files --shell cmd" in cmd[-1]
    cmd_unset = cli(deployed.stack, "env", "--unset", "--shell", "cmd").stdout.splitlines()
    assert [line for line in cmd_unset if not line.startswith("REM")] == [
        f"SET {name}=" for name in ENV_NAMES
    ]


def parse_powershell(line: str) -> tuple[str, str]:
    """`$Env:NAME = "value"` -> (NAME, value)."""
    name, _, quoted = line.removeprefix("$Env:").partition(" = ")
    assert quoted.startswith('"') and quoted.endswith('"'), line
    return name, quoted[1:-1].replace('`"', '"')
