"""`import` of a machine that a real docker-machine made (generic driver): the host provisioned exactly as
its provisioner does (CA, server certificate and key in /etc/docker, the 10-machine.conf drop-in) and a
docker-machine store beside it (`config.json`, `certs/`). The machine's clients keep working through the
import and after `rm`, which gives back the host and the store folder as docker-machine left them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.pki import issue, keys

from ..throwaway_pki import new_ca
from .test_cli_create import dm, user_env
from .test_docker_host import on_host

pytestmark = pytest.mark.e2e

DROPIN = "/etc/systemd/system/docker.service.d/10-machine.conf"
DROPIN_TEXT = (
    "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H tcp://0.0.0.0:2376 -H unix:///var/run/docker.sock"
    " --tlsverify --tlscacert /etc/docker/ca.pem --tlscert /etc/docker/server.pem"
    " --tlskey /etc/docker/server-key.pem\n"
)


def docker_machine_made(host: Any, store: Path, name: str) -> dict[str, str]:
    """Provision `host` and write the store as `docker-machine create -d generic` does; the host's files."""
    ca = new_ca("docker-machine CA")
    server, server_key = ca.issue(issue.LeafUsage.SERVER, name, [host.address])
    client, client_key = ca.issue(issue.LeafUsage.CLIENT, "docker-machine client")
    certs, machine = store / "certs", store / "machines" / name
    for folder, files in (
        (
            certs,
            {
                "ca.pem": ca.pem,
                "ca-key.pem": keys.private_key_to_pem(ca.key),
                "cert.pem": client,
                "key.pem": client_key,
            },
        ),
        (
            machine,
            {
                "ca.pem": ca.pem,
                "cert.pem": client,
                "key.pem": client_key,
                "server.pem": server,
                "server-key.pem": server_key,
            },
        ),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        for file, text in files.items():
            (folder / file).write_text(text)
    config = {
        "ConfigVersion": 3,
        "Driver": {
            "IPAddress": host.address,
            "MachineName": name,
            "SSHUser": "root",
            "SSHPort": 22,
            "SSHKeyPath": host.key_path,
            "EnginePort": 2376,
        },
        "DriverName": "generic",
        "HostOptions": {
            "EngineOptions": {
                "Labels": ["from=docker-machine"],
                "Env": [],
                "ArbitraryFlags": [],
                "RegistryMirror": [],
                "InsecureRegistry": [],
                "StorageDriver": "",
            },
            "AuthOptions": {
                "CertDir": str(certs),
                "CaCertPath": str(certs / "ca.pem"),
                "CaPrivateKeyPath": str(certs / "ca-key.pem"),
                "ClientCertPath": str(certs / "cert.pem"),
                "ClientKeyPath": str(certs / "key.pem"),
                "ServerCertSANs": [],
                "StorePath": str(machine),
            },
        },
        "Name": name,
    }
    (machine / "config.json").write_text(json.dumps(config, indent=2))
    files = {
        "/etc/docker/ca.pem": ca.pem,
        "/etc/docker/server.pem": server,
        "/etc/docker/server-key.pem": server_key,
    }
    files[DROPIN] = DROPIN_TEXT
    on_host(host, "mkdir -p /etc/systemd/system/docker.service.d")
    for path, text in files.items():
        proc = host.root_exec(f"cat > {path}", input=text)
        assert proc.returncode == 0, proc.stderr
    on_host(host, "systemctl daemon-reload && systemctl restart docker")
    return files


def docker_machine_client(env: dict[str, str], store: Path, host: Any) -> subprocess.CompletedProcess[str]:
    """The docker CLI as docker-machine's users have it: the client certificate in `certs/`."""
    certs = store / "certs"
    argv = [
        "docker",
        "--tlsverify",
        f"--tlscacert={certs / 'ca.pem'}",
        f"--tlscert={certs / 'cert.pem'}",
        f"--tlskey={certs / 'key.pem'}",
        "-H",
        f"tcp://{host.address}:2376",
        "info",
        "--format",
        "{{.Name}}",
    ]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_import_keeps_docker_machines_clients_and_rm_gives_everything_back(
    test_hosts: Any, tmp_path: Path
) -> None:
    host = test_hosts.one()
    env = user_env(tmp_path)
    store = tmp_path / "store"
    files = docker_machine_made(host, store, "dm1")
    folder = {p.name: p.read_text() for p in (store / "machines" / "dm1").iterdir()}
    assert docker_machine_client(env, store, host).stdout.strip() == host.name
    assert dm(env, "ls", "-q", "--filter", "driver=generic") == "dm1\n"  # listed as docker-machine's

    out = dm(env, "import", "dm1")
    assert "Imported dm1" in out
    assert on_host(host, f"test -e {DROPIN} && echo there || echo gone") == "gone"
    assert "pulumi-docker-machine" in on_host(host, "ls /etc/systemd/system/docker.service.d")
    assert docker_machine_client(env, store, host).stdout.strip() == host.name  # same CA: still trusted
    script = 'eval "$(pulumi-docker-machine env dm1)" && docker info --format "{{.Name}}"'
    shell = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert shell.stdout.strip() == host.name, shell.stderr
    assert dm(env, "status", "dm1") == "Running\n"
    assert dm(env, "ssh", "dm1", "hostname") == f"{host.name}\n"  # with the key docker-machine had

    dm(env, "rm", "-y", "dm1")
    for path, text in files.items():
        assert on_host(host, f"cat {path}") == text.strip()
    assert on_host(host, "ls /var/lib/pulumi-docker-machine 2>/dev/null | wc -l") == "0"
    assert docker_machine_client(env, store, host).stdout.strip() == host.name  # docker-machine's setup again
    assert {p.name: p.read_text() for p in (store / "machines" / "dm1").iterdir()} == folder
