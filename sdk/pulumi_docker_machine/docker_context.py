"""Docker CLI contexts for machines (`docker --context NAME ...`), through the real docker CLI."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from .errors import DockerMachineError


def _docker() -> str:
    found = shutil.which("docker")
    if not found:
        raise DockerMachineError("the docker CLI is not on PATH: cannot manage a Docker context")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_docker(), *args], capture_output=True, text=True, check=False, timeout=60)


def exists(name: str) -> bool:
    return _run("context", "inspect", name).returncode == 0


def _ensure_config_file() -> None:
    """`$DOCKER_CONFIG/config.json` (`~/.docker/config.json`) as `{}` when there is none: docker-py looks
    for contexts beside that file only, and the docker CLI writes it only on `docker context use`. A file
    that exists is never touched."""
    directory = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        fd = os.open(directory / "config.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("{}\n")


def upsert(name: str, docker_host: str, cert_dir: Path) -> None:
    """Create or update context `name` pointing at `docker_host` with the certificates in `cert_dir`."""
    _ensure_config_file()
    endpoint = (
        f"host={docker_host},ca={cert_dir / 'ca.pem'},cert={cert_dir / 'cert.pem'},key={cert_dir / 'key.pem'}"
    )
    verb = "update" if exists(name) else "create"
    proc = _run("context", verb, name, "--description", "pulumi-docker-machine", "--docker", endpoint)
    if proc.returncode != 0:
        raise DockerMachineError(f"docker context {verb} {name} failed: {proc.stderr.strip()}")


def remove(name: str) -> None:
    if shutil.which("docker") and exists(name):
        proc = _run("context", "rm", "--force", name)
        if proc.returncode != 0:
            raise DockerMachineError(f"docker context rm {name} failed: {proc.stderr.strip()}")
