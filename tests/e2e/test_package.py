"""The package as a user gets it: `python -m build`, the wheel in a fresh virtualenv outside the
repository, and a project of their own in a temporary directory, as docs/getting-started.md says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .pulumi_cli import PROJECT_ROOT, Stack, pulumi_binary

pytestmark = pytest.mark.e2e

# docs/getting-started.md, "2. A first stack"
PROGRAM = """
import pulumi
from pulumi_docker_machine import Machine, MachineArgs

cfg = pulumi.Config()
web = Machine("web", MachineArgs(connection={
    "host": cfg.require("host"),                       # IP address or DNS name
    "user": cfg.get("user") or "root",
    "private_key": cfg.require_secret("private_key"),  # the key's content, as a secret
    "host_key": cfg.get("host_key"),                   # optional: pin the SSH host key up front
}))

pulumi.export("docker_host", web.docker_host)
pulumi.export("env", web.env)
pulumi.export("host_key_fingerprint", web.docker.host_key_fingerprint)
"""


def _run(argv: list[str | Path], env: dict[str, str], cwd: Path, timeout: float = 900) -> str:
    proc = subprocess.run(
        [str(a) for a in argv], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, (
        f"{argv} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return proc.stdout


def _user_env(tmp_path: Path) -> dict[str, str]:
    """A user's shell: pulumi and docker on PATH, but not this repository's virtualenv."""
    repo_bin = str(Path(sys.prefix) / "bin")
    path = [Path(pulumi_binary()).parent.as_posix()]
    path += [p for p in os.environ["PATH"].split(os.pathsep) if p and p != repo_bin]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PATH=os.pathsep.join(path), HOME=os.environ.get("HOME", str(tmp_path)))
    return env


def test_wheel_in_a_fresh_virtualenv_runs_a_users_stack(test_hosts, tmp_path, monkeypatch):
    host = test_hosts.one()
    env = _user_env(tmp_path)
    source = tmp_path / "source"  # a copy: building leaves nothing in the clone
    tracked = _run(["git", "ls-files", "-z"], env, PROJECT_ROOT).split("\0")
    for name in filter(None, tracked):
        if (PROJECT_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, source / name)
    _run([sys.executable, "-m", "build", "--outdir", tmp_path / "dist", source], env, tmp_path)
    [wheel] = (tmp_path / "dist").glob("pulumi_docker_machine-*-py3-none-any.whl")
    assert len(list((tmp_path / "dist").glob("pulumi_docker_machine-*.tar.gz"))) == 1

    project = tmp_path / "web-infra"
    venv = project / "venv"  # as docs/getting-started.md makes it
    python3 = shutil.which("python3", path=env["PATH"])
    assert python3, env["PATH"]
    _run([python3, "-m", "venv", venv], env, tmp_path)
    _run([venv / "bin" / "pip", "install", "-q", wheel], env, tmp_path)
    where = _run(
        [venv / "bin" / "python", "-c", "import pulumi_docker_machine as p; print(p.__file__)"], env, tmp_path
    )
    assert where.startswith(str(venv)), where

    monkeypatch.delenv("VIRTUAL_ENV", raising=False)  # the stack's environment starts from os.environ
    # Nothing activated: Pulumi.yaml's `runtime.options.virtualenv` alone picks the venv, for the program
    # and for the dynamic providers. The venv is not on PATH and no python on PATH has the package.
    assert "VIRTUAL_ENV" not in env and str(venv) not in env["PATH"]
    for python in ("python3", "python"):
        found = shutil.which(python, path=env["PATH"])
        if found:
            probe = subprocess.run(
                [found, "-c", "import pulumi_docker_machine"], env=env, capture_output=True
            )
            assert probe.returncode != 0, (
                f"{found} on PATH can import the package: the test would prove nothing"
            )
    client = {"MACHINE_STORAGE_PATH": str(tmp_path / "store"), "DOCKER_CONFIG": str(tmp_path / "docker")}
    shell_env = {"PATH": env["PATH"], **client}  # the stack keeps its own backend
    stack = Stack(
        project, PROGRAM, name="web-infra", env=shell_env, refresh_always=True, virtualenv=Path("venv")
    )
    assert "virtualenv: venv" in (project / "Pulumi.yaml").read_text()  # relative, as users write it
    stack.config_set("host", host.address)
    stack.config_set("user", host.user)
    stack.config_set("private_key", Path(host.key_path).read_text(), secret=True)
    stack.config_set("host_key", host.host_public_key)
    stack.up()
    assert stack.outputs()["docker_host"] == f"tcp://{host.address}:2376"

    user = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", **client}  # the CLI is in the venv
    assert (
        _run(["docker", "--context", "web", "version", "--format", "{{.Server.Os}}"], user, project)
        == "linux\n"
    )
    shell = 'eval "$(pulumi-docker-machine env web)" && docker info --format "{{.Name}}"'
    assert _run(["bash", "-c", shell], user, project).strip()
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert (
        subprocess.run(["docker", "context", "inspect", "web"], env=user, capture_output=True).returncode != 0
    )
