"""Docker Machine's one-command habit, end to end: `create -d generic` through the Automation API and the
real `pulumi` engine, then `env` with the real docker CLI, `status`, `ls`, `regenerate-certs`, a down host's
exit codes, bad flags, and `rm` giving the host back. Nothing of the test's Pulumi setup is passed: no
backend, no passphrase (the CLI uses the store's own)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .test_docker_host import on_host

pytestmark = pytest.mark.e2e

ORIGINAL = '{"debug": true}'
DOCKER_PY = """
import subprocess, sys
import docker
name = sys.argv[1]
context = docker.ContextAPI.get_context(name)
assert context is not None, "docker-py does not see the context"
print(docker.DockerClient(base_url=context.Host, tls=context.TLSConfig).info()["Name"])
for line in subprocess.run(["pulumi-docker-machine", "env", name, "--shell", "bash"], capture_output=True,
                           text=True, check=True).stdout.splitlines():
    if line.startswith("export "):
        key, _, value = line[len("export "):].partition("=")
        import os; os.environ[key] = value.strip("'")
print(docker.from_env().info()["Name"])
"""


def user_env(tmp_path: Path) -> dict[str, str]:
    """A user's shell: the tools on PATH, a store and docker config of its own, no Pulumi settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_") or k == "PULUMI_HOME"}
    env.pop("DOCKER_HOST", None)
    env.update(MACHINE_STORAGE_PATH=str(tmp_path / "store"), DOCKER_CONFIG=str(tmp_path / "docker"))
    return env


def dm(env: dict[str, str], *args: str, code: int = 0, timeout: float = 600) -> str:
    proc = subprocess.run(
        ["pulumi-docker-machine", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == code, (
        f"{args}: exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc.stdout if code == 0 else proc.stderr


def docker_via_env(env: dict[str, str], name: str, *docker: str) -> subprocess.CompletedProcess[str]:
    """`eval "$(pulumi-docker-machine env NAME)"; docker ...` in bash, as a user types it."""
    script = f'eval "$(pulumi-docker-machine env {name})" && docker "$@"'
    return subprocess.run(
        ["bash", "-c", script, "bash", *docker],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def serial(path: Path) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-serial", "-in", str(path)], capture_output=True, text=True
    )
    return out.stdout.strip()


def test_create_env_status_ls_regenerate_down_host_and_rm(test_hosts: Any, tmp_path: Path) -> None:
    host = test_hosts.one()
    preset = f"printf '%s\\n' '{ORIGINAL}' > /etc/docker/daemon.json && chmod 640 /etc/docker/daemon.json"
    on_host(host, preset + " && systemctl restart docker")
    env = user_env(tmp_path)
    store = tmp_path / "store"
    flags = ["--generic-ip-address", host.address, "--generic-ssh-key", host.key_path]
    flags += ["--engine-label", "env=e2e", "--engine-opt", "log-level=warn", "--tls-san", "cli.example"]

    out = dm(env, "create", "-d", "generic", *flags, "web")
    assert f"Docker is up and running at tcp://{host.address}:2376" in out and "+ 7 created" in out
    assert (store / "pulumi" / "passphrase").stat().st_mode & 0o777 == 0o600
    assert (store / "pulumi" / "state").is_dir() and (store / "machines" / "web" / "machine.json").is_file()

    info = docker_via_env(env, "web", "info", "--format", "{{.Name}} {{json .Labels}}")
    assert info.returncode == 0, info.stderr
    assert info.stdout.split()[0] == host.name and "env=e2e" in info.stdout
    assert dm(env, "status", "web") == "Running\n"
    # docker-py: our context resolves, and docker.from_env() connects with what `env` printed. requests'
    # CA bundle variables override docker-py's CA (docker/docker-py#2433; docs/troubleshooting.md).
    bundles = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    py_env = {k: v for k, v in env.items() if k not in bundles}
    check = subprocess.run(
        [sys.executable, "-c", DOCKER_PY, "web"], env=py_env, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0 and check.stdout.split() == [host.name, host.name], check.stderr[-2000:]
    # ssh with the key create was given (its path is remembered, the key is not copied), host key pinned.
    assert dm(env, "ssh", "web", "hostname") == f"{host.name}\n"
    assert (store / "machines" / "web" / "ssh-key-path").read_text().strip() == host.key_path
    assert not [
        p for p in store.rglob("*") if p.is_file() and "OPENSSH PRIVATE KEY" in p.read_text(errors="ignore")
    ]
    dm(env, "scp", "web:/etc/hostname", str(tmp_path / "hostname"))
    assert (tmp_path / "hostname").read_text().strip() == host.name
    # provision: what was changed on the host by hand is put back (an up with refresh).
    on_host(host, "rm /etc/docker/ca.pem")
    dm(env, "provision", "web")
    assert on_host(host, "test -f /etc/docker/ca.pem && echo back") == "back"
    # Docker stopped on a running host: status says Error (SSH answers, Docker not); provision starts it.
    on_host(host, "systemctl stop docker.socket docker.service")
    assert dm(env, "status", "web", "-t", "2") == "Error\n"
    dm(env, "provision", "web")
    assert dm(env, "status", "web") == "Running\n"
    assert dm(env, "ls", "-q", "--filter", "label=env=e2e") == "web\n"
    assert (
        dm(env, "ls", "--format", "{{.Name}} {{.State}} {{.URL}}")
        == f"web Running tcp://{host.address}:2376\n"
    )

    # Bad flags: one line, nothing made; a second create of the name is refused as Docker Machine does.
    said = dm(env, "create", *flags, "--engine-storage-driver", "aufs", "other", code=1)
    assert (
        said.startswith("error: --engine-storage-driver: unknown storage driver")
        and len(said.splitlines()) == 1
    )
    assert dm(env, "create", *flags, "web", code=1) == 'error: Host already exists: "web"\n'
    assert dm(env, "ls", "-q") == "web\n"

    # A machine that a user's program made is not the CLI's to change.
    shutil.copytree(store / "machines" / "web", store / "machines" / "prog")
    said = dm(env, "rm", "-y", "prog", code=1)
    assert "prog was made by a Pulumi program, not by `create`: remove it with `pulumi up`" in said
    shutil.rmtree(store / "machines" / "prog")

    # regenerate-certs: a new server certificate, the client keeps working; --client-certs: a new CA too.
    machine = store / "machines" / "web"
    old_ca, old_server = (
        serial(machine / "ca.pem"),
        on_host(host, "openssl x509 -noout -serial -in /etc/docker/server.pem"),
    )
    dm(env, "regenerate-certs", "-f", "web")
    assert on_host(host, "openssl x509 -noout -serial -in /etc/docker/server.pem") != old_server
    assert serial(machine / "ca.pem") == old_ca and docker_via_env(env, "web", "version").returncode == 0
    kept = tmp_path / "old-client"
    shutil.copytree(machine, kept)
    dm(env, "regenerate-certs", "-f", "--client-certs", "web")
    assert serial(machine / "ca.pem") != old_ca and docker_via_env(env, "web", "version").returncode == 0
    old = subprocess.run(
        ["docker", "--tlsverify", f"--tlscacert={machine / 'ca.pem'}", f"--tlscert={kept / 'cert.pem'}",
         f"--tlskey={kept / 'key.pem'}", "-H", f"tcp://{host.address}:2376", "version"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert old.returncode != 0  # the client certificate of the old CA is refused

    # A host that is down: status says so (exit 0); env and url exit 1, as health checks expect.
    host.kill_network()
    try:
        assert dm(env, "status", "web", "-t", "2") == "Stopped\n"
        assert "web: the host is not running" in dm(env, "env", "web", "-t", "2", code=1)
        assert "web: the host is not running" in dm(env, "url", "web", "-t", "2", code=1)
    finally:
        host.restore_network()

    # rm gives the host back as it was and forgets the machine and its stack.
    out = dm(env, "rm", "-y", "web")
    assert "Successfully removed web" in out and "pulumi stack rm" not in out
    assert on_host(host, "cat /etc/docker/daemon.json") == ORIGINAL
    assert on_host(host, "stat -c %a /etc/docker/daemon.json") == "640"
    assert on_host(host, "ls /etc/docker/*.pem /var/lib/pulumi-docker-machine 2>/dev/null | wc -l") == "0"
    assert dm(env, "ls", "-q") == "" and not (machine / "machine.json").exists()
    assert not list((store / "pulumi" / "state").rglob("web.json"))
