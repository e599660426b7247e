"""DockerHost access paths: no Docker yet, sudo users, jump hosts, pinned host keys, fleets, bad input."""

from __future__ import annotations

import json
import socket

import pytest

from .pulumi_cli import pem_body_line
from .test_docker_host import (
    assert_given_back,
    client,
    daemon_json,
    docker_setup,
    entry,
    host_stack,
    on_host,
)
from .tls_client import tiny_image_tar

pytestmark = pytest.mark.e2e


def test_installs_docker_from_packages_when_missing(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one(variant="base")
    assert on_host(host, "command -v dockerd || echo none") == "none"
    stack = host_stack(pulumi_stack, [entry(host, uninstall_on_delete=True)])
    said = stack.up().stdout
    # Progress reaches the engine's log of the resource: `pulumi up` shows each long step.
    for step in ("installing Docker (packages)", "restarting docker", f"checking TLS on {host.address}:2376"):
        assert step in said, said
    out = stack.outputs()[entry(host)["name"]]
    assert out["installed_docker"] is True
    assert (
        client(stack, tmp_path).text(out["docker_host"], "version", "--format", "{{.Server.Os}}") == "linux"
    )
    said = stack.destroy().stdout
    assert "restoring the original daemon configuration" in said and "uninstalling Docker" in said, said
    assert on_host(host, "command -v dockerd || echo none") == "none"


@pytest.mark.parametrize("login", ["sudo", "sudo-nopasswd"])
def test_non_root_user_through_sudo(pulumi_stack, test_hosts, tmp_path, login):
    host = test_hosts.one(login=login)
    assert host.user != "root"
    # Only the sudo login has a password at all: sudo-nopasswd proves no password is needed.
    assert (host.password is not None) == (login == "sudo")
    assert ("sudo_password" in entry(host)) == (login == "sudo")
    stack = host_stack(pulumi_stack, [entry(host)])
    original = daemon_json(host)
    result = stack.up()
    if host.password:
        assert host.password not in result.stdout + result.stderr
        assert host.password not in stack.state_text(pem_body_line(stack.outputs()["ca_cert_pem"]))
    out = stack.outputs()[entry(host)["name"]]
    assert (
        client(stack, tmp_path).text(out["docker_host"], "version", "--format", "{{.Server.Os}}") == "linux"
    )
    stack.destroy()
    assert_given_back(host, original)


def test_sudo_without_password_configured_fails_before_changes(pulumi_stack, test_hosts):
    host = test_hosts.one(login="sudo")
    data = entry(host)
    del data["sudo_password"]
    stack = host_stack(pulumi_stack, [data])
    before = docker_setup(host)
    failed = stack.up(expect_fail=True)
    assert "sudo asks for a password" in failed.stdout
    assert docker_setup(host) == before


def test_through_a_jump_host(pulumi_stack, test_hosts, tmp_path):
    jump = test_hosts.one(networks=("public", "private"))
    target = test_hosts.one(networks=("private",))
    data = entry(target, ip=target.addresses["private"], proxy=entry(jump, ip=jump.addresses["public"]))
    stack = host_stack(pulumi_stack, [data])
    stack.up()
    assert stack.outputs()[data["name"]]["docker_host"] == f"tcp://{target.addresses['private']}:2376"
    # The provider checked /_ping and /version over TLS through the SSH tunnel (up fails otherwise);
    # the port is open inside the private network and out of this machine's reach.
    port = target.addresses["private"] + "/2376"
    assert on_host(jump, f"timeout 3 bash -c '</dev/tcp/{port}' && echo open") == "open"
    with pytest.raises(OSError):
        socket.create_connection((target.addresses["private"], 2376), timeout=3).close()
    # The jump host's key is pinned too: a changed one is refused.
    pinned = stack.export_resource_outputs(data["name"])["host_keys"]
    assert set(pinned) == {f"{jump.addresses['public']}:22", f"{target.addresses['private']}:22"}
    jump.regenerate_host_key(trust=False)
    refused = stack.run("refresh", "--yes", "--skip-preview", expect_fail=True)
    assert "host key mismatch" in refused.stdout and jump.addresses["public"] in refused.stdout


def test_changed_host_key_is_refused(pulumi_stack, test_hosts):
    host = test_hosts.one()
    stack = host_stack(pulumi_stack, [entry(host)])
    stack.up()
    host.regenerate_host_key(trust=False)
    failed = stack.run("refresh", "--yes", "--skip-preview", expect_fail=True)
    assert "host key mismatch" in failed.stdout
    stack.config_set("daemon", json.dumps({"labels": ["x=1"]}))
    assert "host key mismatch" in stack.up(expect_fail=True).stdout


def test_fleet_provisions_in_parallel(pulumi_stack, test_hosts, tmp_path):
    hosts = test_hosts(3)
    stack = host_stack(pulumi_stack, [entry(h) for h in hosts])
    trace = tmp_path / "trace.jsonl"
    stack.up("--parallel", "8", env={"PULUMI_DOCKER_MACHINE_TRACE": str(trace)})
    # The three hosts' SSH work overlapped: each host's span (first command begun to last one ended)
    # began before any of them had ended.
    spans: dict[str, list[float]] = {}
    for line in trace.read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "command":
            begun, ended = event["ended"] - event["seconds"], event["ended"]
            span = spans.setdefault(event["host"], [begun, ended])
            span[0], span[1] = min(span[0], begun), max(span[1], ended)
    assert sorted(spans) == sorted(f"root@{h.address}:22" for h in hosts)
    assert max(begun for begun, _ in spans.values()) < min(ended for _, ended in spans.values()), spans
    docker = client(stack, tmp_path)
    outs = stack.outputs()
    for h in hosts:
        url = outs[entry(h)["name"]]["docker_host"]
        assert docker.text(url, "version", "--format", "{{.Server.Os}}") == "linux"


def test_bad_input_fails_at_preview_and_changes_nothing(pulumi_stack, test_hosts):
    host = test_hosts.one()
    cases = [
        ([entry(host)], {"storage_driver": "floppy"}, "unknown storage driver"),
        ([entry(host)], {"tls_port": 99999}, "tls_port"),
        ([entry(host, ip="not an address!", sans=[host.address])], {}, "connection.host"),
    ]
    stack = host_stack(pulumi_stack, [entry(host)])  # one stack, its config changed per case
    for hosts, daemon, message in cases:
        stack.config_set("hosts", json.dumps(hosts))
        stack.config_set("daemon", json.dumps(daemon))
        failed = stack.preview(expect_fail=True)
        assert message in failed.stdout + failed.stderr, (message, failed.stdout[-3000:])
    # Certificates are only known at apply: a SAN that misses the host fails before the host is touched.
    stack.config_set("hosts", json.dumps([entry(host, sans=["10.99.99.99"])]))
    stack.config_set("daemon", "{}")
    before = docker_setup(host)
    failed = stack.up(expect_fail=True)
    assert "does not cover the host's address" in failed.stdout
    assert docker_setup(host) == before


def test_unreachable_host_fails_with_the_address(pulumi_stack, test_hosts):
    host = test_hosts.one()
    host.kill_network()
    stack = host_stack(pulumi_stack, [entry(host, dial_error_limit=2, per_dial_timeout=2)])
    failed = stack.up(expect_fail=True)
    assert f"root@{host.address}:22" in failed.stdout and "unreachable" in failed.stdout


def test_foreign_exec_start_dropin_is_reported_before_changes(pulumi_stack, test_hosts):
    host = test_hosts.one()
    on_host(
        host,
        "mkdir -p /etc/systemd/system/docker.service.d && printf '[Service]\\nExecStart=\\n"
        "ExecStart=/usr/sbin/dockerd -H fd://\\n' > /etc/systemd/system/docker.service.d/override.conf"
        " && systemctl daemon-reload",
    )
    stack = host_stack(pulumi_stack, [entry(host)])
    before = docker_setup(host)
    assert "override.conf" in before["drop-ins"]
    failed = stack.up(expect_fail=True)
    assert "override.conf also set ExecStart" in failed.stdout
    assert docker_setup(host) == before


def test_storage_driver_change_with_data_needs_consent(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = host_stack(pulumi_stack, [entry(host)])
    stack.up()
    docker = client(stack, tmp_path)
    url = stack.outputs()[entry(host)["name"]]["docker_host"]
    docker.text(url, "import", "-", "keepme:1", stdin=tiny_image_tar())
    stack.config_set("daemon", json.dumps({"storage_driver": "vfs"}))
    failed = stack.up(expect_fail=True)
    assert "daemon.storage_driver" in failed.stdout and "allow_storage_driver_change" in failed.stdout
    assert docker.text(url, "info", "--format", "{{.Driver}}") == "overlay2"
    stack.config_set("daemon", json.dumps({"storage_driver": "vfs", "allow_storage_driver_change": True}))
    stack.up()
    assert docker.text(url, "info", "--format", "{{.Driver}}") == "vfs"


def test_heals_socket_activation_broken_by_a_unix_socket_dropin(pulumi_stack, test_hosts):
    """A daemon once run with `-H unix://` (Docker Machine's drop-in) deletes docker.socket's file."""
    host = test_hosts.one()
    dropin = "/etc/systemd/system/docker.service.d/m.conf"
    on_host(
        host,
        f"mkdir -p {dropin.rsplit('/', 1)[0]} && printf '[Service]\\nExecStart=\\n"
        f"ExecStart=/usr/sbin/dockerd -H unix:///var/run/docker.sock\\n' > {dropin}"
        f" && systemctl daemon-reload && systemctl restart docker && rm {dropin}"
        " && systemctl daemon-reload && systemctl restart docker",
    )
    assert on_host(host, "docker version >/dev/null 2>&1 && echo ok || echo broken") == "broken"
    stack = host_stack(pulumi_stack, [entry(host)])
    stack.up()
    assert on_host(host, "docker version >/dev/null 2>&1 && echo ok || echo broken") == "ok"
