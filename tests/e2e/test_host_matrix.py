"""The compatibility matrix: DockerHost's core lifecycle on every Debian release, one stack per release.

create, no-op, a daemon setting change, a setting dockerd refuses, drift + repair, destroy that restores.
Docker 20.10 (bullseye, bookworm) has no `dockerd --validate`: the refused setting is caught by the restart
and rolled back. Docker 26 (trixie) validates first: the daemon is never restarted on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .test_docker_host import assert_given_back, client, daemon_json, entry, host_stack, on_host

pytestmark = pytest.mark.e2e

ENGINES = {"bullseye": "20.10.5", "bookworm": "20.10.24", "trixie": "26.1.5"}
VALIDATES = {"trixie"}


def main_pid(host) -> str:
    pid = on_host(host, "systemctl show -p MainPID --value docker")
    assert pid not in ("", "0"), "dockerd is not running"
    return pid


def noop_change_and_refused_setting(
    stack: Any, host: Any, docker: Any, url: str, main_pid: Callable[[Any], str], validates: bool
) -> None:
    """No-op up keeps dockerd; a label change restarts it; a setting dockerd refuses changes nothing.

    Docker 26 validates first and never restarts on it; 20.10 cannot: dockerd fails to start on it, and
    the agent restores the files and restarts.
    """
    pid = main_pid(host)
    stack.up("--expect-no-changes")
    assert main_pid(host) == pid

    stack.config_set("daemon", json.dumps({"labels": ["stage=two"]}))
    stack.up()
    changed_pid = main_pid(host)
    assert changed_pid != pid
    assert "stage=two" in docker.text(url, "info", "--format", "{{json .Labels}}")

    stack.config_set("daemon", json.dumps({"labels": ["stage=two"], "extra": {"log-level": "loudest"}}))
    failed = stack.up(expect_fail=True)
    said = failed.stdout + failed.stderr
    assert "loudest" in said, said[-3000:]
    if validates:
        assert "dockerd --validate refused the new daemon.json, nothing was changed" in said
        assert main_pid(host) == changed_pid  # never restarted on the refused setting
    else:
        assert "previous files restored" in said
    assert "loudest" not in daemon_json(host)
    stack.config_set("daemon", json.dumps({"labels": ["stage=two"]}))


def drift_and_repair(stack: Any, host: Any, docker: Any, url: str) -> None:
    """A hand edit and a deleted file show in `preview --refresh`; `up --refresh` repairs both."""
    on_host(host, "sed -i 's/stage=two/stage=edited/' /etc/docker/daemon.json && rm /etc/docker/ca.pem")
    drifted = stack.preview("--refresh", "--diff")
    assert "/etc/docker/daemon.json" in drifted.stdout and "changed on host" in drifted.stdout
    assert "/etc/docker/ca.pem" in drifted.stdout and "missing on host" in drifted.stdout
    stack.up("--refresh")
    assert "stage=edited" not in daemon_json(host)
    assert "stage=two" in docker.text(url, "info", "--format", "{{json .Labels}}")
    stack.preview("--refresh", "--expect-no-changes")


@pytest.mark.parametrize("release", list(ENGINES))
def test_core_lifecycle_on_each_release(release, pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one(release=release)
    original = daemon_json(host)
    name = entry(host)["name"]
    stack = host_stack(pulumi_stack, [entry(host)], {"labels": ["stage=one"]})

    stack.up()
    out = stack.outputs()[name]
    assert out["engine_version"].startswith(ENGINES[release])
    url = out["docker_host"]
    docker = client(stack, tmp_path)
    assert docker.text(url, "info", "--format", "{{.Name}}") == host.name

    noop_change_and_refused_setting(stack, host, docker, url, main_pid, release in VALIDATES)
    assert on_host(host, "systemctl is-active docker") == "active"
    drift_and_repair(stack, host, docker, url)

    stack.destroy()
    assert_given_back(host, original, ENGINES[release])
