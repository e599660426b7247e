"""The docker-machine component package from Pulumi YAML and TypeScript: examples/yaml-machine and
examples/typescript-machine through the real `pulumi` CLI on sandbox hosts. The plugin is the
repository's `plugin/` folder (served from its virtualenv); nothing Python is on the programs' PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .pulumi_cli import PROJECT_ROOT, Stack
from .test_docker_host import assert_given_back, daemon_json, on_host

pytestmark = pytest.mark.e2e

EXAMPLES = PROJECT_ROOT / "examples"
PLUGIN = PROJECT_ROOT / "plugin"
NPM_CACHE = Path(os.environ.get("PDM_CACHE", Path.home() / ".cache" / "pulumi-docker-machine")) / "npm"


def _shell_path() -> str:
    """PATH without this repository's virtualenv: no python on it can import our package."""
    venv_bin = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv_bin)
    for python in ("python3", "python"):
        found = shutil.which(python, path=path)
        if found:
            probe = subprocess.run([found, "-c", "import pulumi_docker_machine"], capture_output=True)
            assert probe.returncode != 0, f"{found} on PATH imports the package: the test would prove nothing"
    return path


def _project(example: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the example whose `packages:` names the repository's plugin folder, and the shell."""
    work = tmp_path / example
    shutil.copytree(EXAMPLES / example, work, ignore=shutil.ignore_patterns("node_modules", "sdks", "bin"))
    project = work / "Pulumi.yaml"
    project.write_text(project.read_text().replace("../../plugin", str(PLUGIN)))
    env = {
        "PATH": _shell_path(),
        "MACHINE_STORAGE_PATH": str(tmp_path / "store"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
    }
    return work, env


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    proc = subprocess.run(
        argv, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{argv}: {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _configure(stack: Stack, host: Any) -> None:
    stack.config_set("host", host.address)
    stack.config_set("user", host.user)
    stack.config_set("privateKey", Path(host.key_path).read_text(), secret=True)


def _lifecycle(stack: Stack, host: Any, env: dict[str, str], label: str) -> dict[str, Any]:
    """up, docker over TLS, no key in the state, drift on a plain preview, repair, destroy gives back;
    the stack's outputs after the first up."""
    before = daemon_json(host)
    stack.up()
    out = stack.outputs()
    assert out["dockerHost"] == f"tcp://{host.address}:2376"
    assert out["env"]["DOCKER_HOST"] == out["dockerHost"] and out["env"]["DOCKER_TLS_VERIFY"] == "1"
    labels = _run(["docker", "--context", "web", "info", "--format", "{{.Labels}}"], stack.workdir, env)
    assert f"managed-by={label}" in labels  # the real docker CLI, over TLS, with the issued client files
    assert "PRIVATE KEY" not in stack.state_text(out["dockerHost"])

    on_host(host, 'sed -i \'s/"tls": true/"tls": true, "debug": true/\' /etc/docker/daemon.json')
    drifted = stack.preview("--diff")  # a plain preview: the project refreshes first
    assert "/etc/docker/daemon.json" in drifted.stdout and "changed on host" in drifted.stdout
    stack.up()
    assert '"debug"' not in daemon_json(host)
    stack.preview("--expect-no-changes")

    stack.destroy()
    assert_given_back(host, before)
    assert subprocess.run(["docker", "context", "inspect", "web"], env={**os.environ, **env}).returncode != 0
    return out


def test_yaml_program_machine_lifecycle(test_hosts, tmp_path):
    host = test_hosts.one()
    work, env = _project("yaml-machine", tmp_path)
    stack = Stack(work, None, name="pdm-yaml-machine", env=env)
    _configure(stack, host)

    # A bad input is one line naming the field as the program wrote it, before the host changes.
    stack.config_set("user", "not a user!")
    refused = stack.preview(expect_fail=True)
    text = refused.stdout + refused.stderr
    assert "connection.user: 'not a user!' is not a user name" in text
    assert "Traceback" not in text and "PRIVATE KEY" not in text
    stack.config_set("user", host.user)
    # An error at `up` inside the plugin (the host unreachable): one line naming the field, no traceback.
    host.kill_network()
    try:
        failed = stack.up(expect_fail=True)
    finally:
        host.restore_network()
    text = failed.stdout + failed.stderr
    assert f"error: connection.host: {host.user}@{host.address}:22: unreachable after 3 attempt(s)" in text
    assert "Traceback" not in text and "<class" not in text

    out = _lifecycle(stack, host, env, "pulumi-yaml")
    assert out["caCertPem"] == out["fleetCaCertPem"]  # the Machine took the CertificateAuthority's CA
    assert '"managed-by=pulumi-yaml"' in out["daemonJson"]


def test_typescript_program_machine_lifecycle(test_hosts, tmp_path):
    host = test_hosts.one()
    work, env = _project("typescript-machine", tmp_path)
    npm = ["npm", "--cache", str(NPM_CACHE), "--no-audit", "--no-fund"]
    _run([*npm, "install"], work, env)
    stack = Stack(work, None, name="pdm-typescript-machine", env=env)
    # The typed SDK generated from the package's schema, as a TypeScript user makes it.
    stack.run("package", "add", str(PLUGIN))
    assert (work / "sdks" / "docker-machine").is_dir()
    _configure(stack, host)
    _lifecycle(stack, host, env, "pulumi-typescript")
