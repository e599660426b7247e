"""DockerHost + DaemonConfig end to end: real pulumi CLI, real hosts, the real docker CLI over TLS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.pki import issue

from ..throwaway_pki import new_ca
from .pulumi_cli import Stack, pem_body_line
from .tls_client import DockerTLS, tiny_image_tar

pytestmark = pytest.mark.e2e

PROGRAM = (Path(__file__).parent / "programs" / "hosts.py").read_text()
KEY_TYPES_PROGRAM = (Path(__file__).parent / "programs" / "key_types.py").read_text()


def entry(host: Any, **extra: Any) -> dict[str, Any]:
    """A `hosts` config entry for a sandbox host."""
    data = {
        "name": host.name.replace("-", ""),
        "ip": host.address,
        "user": host.user,
        "key_file": host.key_path,
    }
    if host.password:
        data["sudo_password"] = host.password
    data.update(extra)
    return data


def host_stack(
    pulumi_stack: Any,
    hosts: list[dict[str, Any]],
    daemon: dict[str, Any] | None = None,
    project: str = "hosts",
) -> Stack:
    stack = pulumi_stack(PROGRAM, name=project)
    # sudo passwords go into secret config, never plaintext.
    passwords = {h["name"]: h.pop("sudo_password") for h in hosts if "sudo_password" in h}
    stack.config_set("sudo_passwords", json.dumps(passwords), secret=True)
    stack.config_set("hosts", json.dumps(hosts))
    stack.config_set("daemon", json.dumps(daemon or {}))
    return stack


def client(stack: Stack, tmp_path: Path) -> DockerTLS:
    out = stack.outputs(show_secrets=True)
    return DockerTLS(tmp_path / "client", out["ca_cert_pem"], out["cert_pem"], out["private_key_pem"])


def on_host(host: Any, cmd: str) -> str:
    proc = host.root_exec(cmd)
    assert proc.returncode == 0, f"{cmd}: {proc.stderr}"
    return proc.stdout.strip()


def docker_setup(host: Any) -> dict[str, str]:
    """What a failed apply must leave as it was: daemon.json, every docker drop-in (name and text), the
    TLS files in /etc/docker, and the running dockerd's PID (a restart changes it)."""
    snapshot = {
        "daemon.json": on_host(host, "cat /etc/docker/daemon.json 2>/dev/null || echo '<absent>'"),
        "drop-ins": on_host(host, "grep -r '' /etc/systemd/system/docker.service.d 2>/dev/null || true"),
        "pems": on_host(host, "ls /etc/docker | grep pem || true"),
        "dockerd": on_host(host, "systemctl show -p MainPID --value docker"),
    }
    assert snapshot["dockerd"] not in ("", "0"), "dockerd is not running"
    return snapshot


def daemon_json(host: Any) -> str:
    """The host's /etc/docker/daemon.json, or `<absent>`."""
    return on_host(host, "cat /etc/docker/daemon.json 2>/dev/null || echo '<absent>'")


def assert_given_back(host: Any, original_daemon_json: str, engine: str = "20.10") -> None:
    """After destroy: daemon.json as it was before the stack (`<absent>` if none), none of our TLS files or
    drop-ins, no TLS port open, and Docker (version `engine`...) still running and answering on its own
    local socket."""
    assert on_host(host, "systemctl is-active docker") == "active"
    assert on_host(host, "docker version --format '{{.Server.Version}}'").startswith(engine)
    assert daemon_json(host) == original_daemon_json
    leftovers = on_host(
        host,
        "ls /etc/docker /etc/systemd/system/docker.service.d 2>/dev/null | grep -E 'pem|pulumi|pdm' || true",
    )
    assert leftovers == ""
    assert on_host(host, "ss -ltnp | grep dockerd || true") == ""


def test_provision_runs_containers_over_tls_and_refuses_others(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = host_stack(pulumi_stack, [entry(host)])
    stack.up()
    out = stack.outputs()[entry(host)["name"]]
    assert out["docker_host"] == f"tcp://{host.address}:2376"
    assert out["engine_version"].startswith("20.10")
    assert out["host_key_fingerprint"] == host.fingerprint
    # The SSH key went in as a plain string; the state still holds no private key in clear.
    assert "PRIVATE KEY" not in stack.state_text(pem_body_line(stack.outputs()["ca_cert_pem"]))

    docker = client(stack, tmp_path)
    url = out["docker_host"]
    assert docker.text(url, "version", "--format", "{{.Server.Version}}") == out["engine_version"]
    docker.text(url, "import", "-", "tiny:1", stdin=tiny_image_tar())
    assert (
        docker.text(url, "run", "--rm", "tiny:1", "/usr/bin/dash", "-c", "echo hello-from-tls")
        == "hello-from-tls"
    )

    # Refused: no client certificate, a certificate of another CA, plain HTTP.
    plain = docker.run(url, "version", tls=False)
    assert plain.returncode != 0 and b"HTTP request to an HTTPS server" in plain.stderr
    stranger = DockerTLS(tmp_path / "stranger", stack.outputs()["ca_cert_pem"], *foreign_client_pems())
    refused = stranger.run(url, "version")
    assert refused.returncode != 0 and b"bad certificate" in refused.stderr
    nocert = DockerTLS(tmp_path / "nocert", stack.outputs()["ca_cert_pem"], "", "")
    no_client = subprocess.run(
        [docker.binary(), "-H", url, "--tls", f"--tlscacert={nocert.dir / 'ca.pem'}", "version"],
        capture_output=True,
        timeout=60,
        check=False,
        env={"DOCKER_CONFIG": str(nocert.dir / "config")},
    )
    assert no_client.returncode != 0 and b"bad certificate" in no_client.stderr


def foreign_client_pems() -> tuple[str, str]:
    """A client certificate and key from a CA the host has never seen."""
    return new_ca("stranger CA").issue(issue.LeafUsage.CLIENT, "stranger")


@pytest.mark.core
def test_noop_update_and_in_place_change_and_rollback(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = host_stack(pulumi_stack, [entry(host)], {"labels": ["stage=one"]})
    stack.up()
    name = entry(host)["name"]
    pid = on_host(host, "systemctl show -p MainPID --value docker")
    mtimes = on_host(
        host,
        "stat -c '%n %Y' /etc/docker/daemon.json /etc/docker/server.pem "
        "/etc/systemd/system/docker.service.d/10-pulumi-docker-machine.conf",
    )

    stack.up("--expect-no-changes")
    assert on_host(host, "systemctl show -p MainPID --value docker") == pid
    assert (
        on_host(
            host,
            "stat -c '%n %Y' /etc/docker/daemon.json /etc/docker/server.pem "
            "/etc/systemd/system/docker.service.d/10-pulumi-docker-machine.conf",
        )
        == mtimes
    )
    preview = stack.preview("--expect-no-changes")
    assert preview.returncode == 0

    # A label and a mirror change: in place, one restart, the daemon reports them.
    stack.config_set(
        "daemon", json.dumps({"labels": ["stage=two"], "registry_mirrors": ["https://mirror.test"]})
    )
    steps = stack.preview_json()["steps"]
    assert [s["op"] for s in steps if s["urn"].endswith(f"DockerHost::{name}")] == ["update"]
    stack.up()
    new_pid = on_host(host, "systemctl show -p MainPID --value docker")
    assert new_pid != pid
    assert stack.outputs()[name]["daemon_pid"] == int(new_pid)
    docker = client(stack, tmp_path)
    info = json.loads(docker.text(stack.outputs()[name]["docker_host"], "info", "--format", "{{json .}}"))
    assert "stage=two" in info["Labels"]
    assert "https://mirror.test/" in info["RegistryConfig"]["Mirrors"]

    # An invalid setting: dockerd refuses to start, the old files come back, the daemon keeps running.
    stack.config_set("daemon", json.dumps({"labels": ["stage=two"], "extra": {"log-level": "loudest"}}))
    failed = stack.up(expect_fail=True)
    assert "previous files restored" in failed.stdout + failed.stderr
    assert "log-level" in failed.stdout + failed.stderr or "loudest" in failed.stdout + failed.stderr
    # The message names what the change was about (the mirror went, the bad setting came).
    assert "(the inputs this change altered: daemon.extra, daemon.registry_mirrors)" in failed.stdout
    assert on_host(host, "systemctl is-active docker") == "active"
    assert "loudest" not in on_host(host, "cat /etc/docker/daemon.json")
    assert "stage=two" in docker.text(
        stack.outputs()[name]["docker_host"], "info", "--format", "{{json .Labels}}"
    )


def test_drift_is_shown_by_refresh_and_repaired(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = host_stack(pulumi_stack, [entry(host)], {"labels": ["a=1"]})
    stack.up()
    on_host(host, "sed -i 's/a=1/a=edited/' /etc/docker/daemon.json && rm /etc/docker/ca.pem")
    # A plain preview reads only the state: no drift seen, no SSH needed.
    stack.preview("--expect-no-changes")
    drifted = stack.preview("--refresh", "--diff")
    assert "/etc/docker/daemon.json" in drifted.stdout and "changed on host" in drifted.stdout
    assert "/etc/docker/ca.pem" in drifted.stdout and "missing on host" in drifted.stdout
    stack.up("--refresh")
    assert "a=edited" not in on_host(host, "cat /etc/docker/daemon.json")
    assert on_host(host, "test -f /etc/docker/ca.pem && echo present") == "present"
    stack.preview("--refresh", "--expect-no-changes")


@pytest.mark.core
def test_destroy_gives_the_host_back(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    on_host(host, "printf '{\"debug\": true}\\n' > /etc/docker/daemon.json && systemctl restart docker")
    stack = host_stack(pulumi_stack, [entry(host)])
    stack.up()
    assert on_host(host, "ss -ltn | grep -c ':2376 '") == "1"
    stack.destroy()
    assert_given_back(host, '{"debug": true}')


def test_every_key_type_is_accepted_by_a_real_daemon(pulumi_stack, test_hosts, tmp_path):
    """One host per key type, provisioned in one `up`: CA, server and client certificate of that type."""
    key_types = ("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519")
    hosts = dict(zip(key_types, test_hosts(len(key_types)), strict=True))
    stack = pulumi_stack(KEY_TYPES_PROGRAM, name="keytypes")
    entries = [{"name": k, "key_type": k, "ip": h.address, "key_file": h.key_path} for k, h in hosts.items()]
    stack.config_set("hosts", json.dumps(entries))
    stack.up("--parallel", "8")
    outputs = stack.outputs(show_secrets=True)
    for key_type, host in hosts.items():
        out = outputs[key_type]
        docker = DockerTLS(tmp_path / key_type, out["ca_cert_pem"], out["cert_pem"], out["private_key_pem"])
        assert docker.text(out["docker_host"], "info", "--format", "{{.Name}}") == host.name, key_type
        served = subprocess.run(
            ["openssl", "s_client", "-connect", out["docker_host"].removeprefix("tcp://"), "-brief"],
            input="",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        # The daemon signs the handshake with the server key it was given (RSA shows as RSA-PSS).
        assert f"signature type: {key_type.split('-')[0]}" in served.stderr.lower(), served.stderr


def test_destroy_gives_back_the_tls_files_the_host_had(pulumi_stack, test_hosts, tmp_path):
    """Files a Docker Machine (or anyone) left in /etc/docker: ours while managed, theirs again after."""
    host = test_hosts.one()
    own = {
        "ca.pem": ("their CA", "644"),
        "server.pem": ("their cert", "644"),
        "server-key.pem": ("their key", "600"),
    }
    for name, (text, mode) in own.items():
        on_host(host, f"printf '%s\\n' '{text}' > /etc/docker/{name} && chmod {mode} /etc/docker/{name}")
    stack = host_stack(pulumi_stack, [entry(host)])
    stack.up()
    url = stack.outputs()[entry(host)["name"]]["docker_host"]
    assert client(stack, tmp_path).text(url, "info", "--format", "{{.Name}}") == host.name
    assert "BEGIN CERTIFICATE" in on_host(host, "cat /etc/docker/ca.pem")
    stack.destroy()
    for name, (text, mode) in own.items():
        assert on_host(host, f"cat /etc/docker/{name}") == text
        assert on_host(host, f"stat -c %a /etc/docker/{name}") == mode
    assert on_host(host, "ls /var/lib/pulumi-docker-machine 2>/dev/null | wc -l") == "0"
    assert on_host(host, "systemctl is-active docker") == "active"
