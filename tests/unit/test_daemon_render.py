"""daemon.json and the systemd drop-in: deterministic, hosts only in the drop-in."""

import json

import pytest
from pulumi_docker_machine.daemon import render
from pulumi_docker_machine.spec.daemon import DaemonSpec

pytestmark = pytest.mark.unit

DEBIAN_UNIT = """[Unit]
Description=Docker Application Container Engine

[Service]
Type=notify
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID
"""

DOCKER_CE_UNIT = """[Service]
ExecStart=/usr/bin/dockerd -H fd:// \\
    --containerd=/run/containerd/containerd.sock
"""


def test_daemon_json_is_sorted_stable_and_tls_only() -> None:
    spec = DaemonSpec.from_inputs({"labels": {"b": "2", "a": "1"}, "registry_mirrors": ["https://m.example"]})
    text = render.daemon_json(spec)
    assert text == render.daemon_json(spec)
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["labels"] == ["a=1", "b=2"]
    assert data["tlsverify"] is True and data["tlscacert"] == "/etc/docker/ca.pem"
    assert "hosts" not in data
    assert "storage-driver" not in data  # unset settings are left to the daemon's defaults


def test_daemon_json_keeps_the_hosts_own_settings_but_drops_hosts() -> None:
    base = {"hosts": ["tcp://1.2.3.4:2375"], "data-root": "/srv/docker", "labels": ["old=1"]}
    data = json.loads(render.daemon_json(DaemonSpec.from_inputs({"labels": ["new=1"]}), base))
    assert data["data-root"] == "/srv/docker"
    assert data["labels"] == ["new=1"]
    assert "hosts" not in data


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (DEBIAN_UNIT, "ExecStart=/usr/sbin/dockerd $DOCKER_OPTS -H fd:// -H tcp://0.0.0.0:2376\n"),
        (
            DOCKER_CE_UNIT,
            "ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock -H fd:// -H tcp://0.0.0.0:2376\n",
        ),
        ("", "ExecStart=/usr/bin/dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376\n"),
    ],
)
def test_dropin_clears_exec_start_and_replaces_host_flags(unit: str, expected: str) -> None:
    text = render.dropin(DaemonSpec(), unit)
    assert "ExecStart=\nExecStart=" in text
    assert text.endswith(expected)


def test_dropin_bind_port_env_and_no_local_socket() -> None:
    spec = DaemonSpec.from_inputs(
        {
            "tls_port": 12376,
            "bind_address": "::",
            "keep_unix_socket": False,
            "environment": {"HTTP_PROXY": 'a"b'},
        }
    )
    text = render.dropin(spec, DEBIAN_UNIT)
    assert 'Environment="HTTP_PROXY=a\\"b"' in text
    assert text.rstrip().endswith("-H tcp://[::]:12376")
    assert "fd://" not in text


@pytest.mark.parametrize(
    ("argv", "kept", "hosts"),
    [
        (["dockerd", "-H", "fd://", "--x"], ["dockerd", "--x"], ["fd://"]),
        (["dockerd", "--host=unix:///s", "-Htcp://a:1"], ["dockerd"], ["unix:///s", "tcp://a:1"]),
        (["dockerd", "--host", "tcp://b:2", "-H=fd://"], ["dockerd"], ["tcp://b:2", "fd://"]),
    ],
)
def test_strip_host_flags(argv: list[str], kept: list[str], hosts: list[str]) -> None:
    assert render.strip_host_flags(argv) == (kept, hosts)


def test_percent_in_environment_is_not_a_systemd_specifier() -> None:
    spec = DaemonSpec.from_inputs({"environment": {"HTTPS_PROXY": "http://u:p%40ss@proxy:3128"}})
    assert 'Environment="HTTPS_PROXY=http://u:p%%40ss@proxy:3128"' in render.dropin(spec, DEBIAN_UNIT)
