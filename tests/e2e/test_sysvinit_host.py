"""DockerHost on a host whose PID 1 is sysvinit (sysvinit-core): real pulumi, real docker over TLS.

Listen addresses go into daemon.json (Debian's /etc/init.d/docker passes no -H), the daemon restarts
through /etc/init.d/docker, the boot-time recovery hook is an init script ordered before docker.
"""

from __future__ import annotations

import json

import pytest

from .test_docker_host import client, daemon_json, entry, host_stack, on_host
from .test_faults import CONFIRM, held, labels, last_status, served_labels, set_stage
from .test_host_matrix import ENGINES, VALIDATES, drift_and_repair, noop_change_and_refused_setting

pytestmark = pytest.mark.e2e

RECOVER_INIT = "/etc/init.d/pulumi-docker-machine-recover"


def main_pid(host) -> str:
    assert on_host(host, "/etc/init.d/docker status >/dev/null 2>&1 && echo running") == "running"
    return on_host(host, "cat /var/run/docker.pid")


def lifecycle_without_systemd(
    host, init: str, release: str, pulumi_stack, tmp_path, main_pid, hook_enabled: str
) -> None:
    """create, no-op, change, refused setting, refused daemon.environment, drift + repair, destroy on a host
    whose `init` restarts docker through /etc/init.d/docker; `hook_enabled`: a command that prints
    something when the recovery hook is enabled at boot."""
    pid1 = {"sysvinit": "init", "openrc": "openrc-init"}[init]
    assert on_host(host, "cat /proc/1/comm") == pid1 and on_host(
        host, "test -d /run/systemd/system || echo no"
    )
    on_host(host, "printf '{\"debug\": true}\\n' > /etc/docker/daemon.json && /etc/init.d/docker restart")
    original = daemon_json(host)
    name = entry(host)["name"]
    stack = host_stack(pulumi_stack, [entry(host)], {"labels": ["stage=one"]})

    stack.up()
    out = stack.outputs()[name]
    assert out["init_system"] == init
    url = out["docker_host"]
    docker = client(stack, tmp_path)
    assert docker.text(url, "info", "--format", "{{.Name}}") == host.name
    settings = json.loads(daemon_json(host))
    assert settings["hosts"] == ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
    assert settings["debug"] is True  # the host's own setting kept
    assert on_host(host, "ls /etc/systemd/system/docker.service.d 2>/dev/null || echo none") == "none"
    assert on_host(host, f"{hook_enabled} && test -x {RECOVER_INIT}")
    assert out["daemon_pid"] == int(main_pid(host))

    noop_change_and_refused_setting(stack, host, docker, url, main_pid, release in VALIDATES)
    assert "stage=two" in docker.text(url, "info", "--format", "{{json .Labels}}")

    # A setting this init system cannot take is refused for that setting at preview (the state knows the
    # init system from the last apply), in one line; `up` refuses it before anything changes.
    stack.config_set("daemon", json.dumps({"labels": ["stage=two"], "environment": {"X": "1"}}))
    pid = main_pid(host)
    for refused in (stack.preview(expect_fail=True), stack.up(expect_fail=True)):
        said = refused.stdout + refused.stderr
        assert f"daemon.environment: root@{host.address}:22 runs {init}" in said, said[-2000:]
        assert "Traceback" not in said
    assert main_pid(host) == pid and "X" not in on_host(host, "cat /etc/default/docker")
    stack.config_set("daemon", json.dumps({"labels": ["stage=two"]}))

    drift_and_repair(stack, host, docker, url)

    stack.destroy()
    assert daemon_json(host) == original
    main_pid(host)
    assert on_host(host, "docker version --format '{{.Server.Version}}'").startswith(ENGINES[release])
    assert on_host(host, "ls /etc/docker | grep -c pem || true") == "0"
    assert on_host(host, "ss -ltn | grep -c ':2376 ' || true") == "0"
    assert (
        on_host(host, "ls /etc/rc*.d /etc/runlevels/* 2>/dev/null | grep -c pulumi-docker-machine || true")
        == "0"
    )
    assert on_host(host, f"test -e {RECOVER_INIT} || echo gone") == "gone"


def power_cut_before_confirmation(host, pulumi_stack, tmp_path, main_pid) -> None:
    """A reset while the new files wait for confirmation: the boot hook restores the old ones before docker
    starts; the next `up` applies the change."""
    stack = host_stack(pulumi_stack, [entry(host, confirm_timeout=CONFIRM)], {"labels": ["stage=old"]})
    stack.up()
    set_stage(stack, "new")
    with held(stack, "waiting", tmp_path) as run:
        run.hit()
        assert "stage=new" in labels(host)  # the new files are in place, unconfirmed
        host = host.reboot()
        run.release()
        code, out = run.finish()
    assert code != 0 and "interrupted" in out
    assert last_status(host)["state"] == "rolled-back"
    main_pid(host)
    assert "stage=old" in served_labels(host)
    stack.up()
    assert "stage=new" in served_labels(host)


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_sysvinit_host_lifecycle(release, pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one(init="sysvinit", release=release)
    enabled = "ls /etc/rc2.d | grep -c pulumi-docker-machine-recover"
    lifecycle_without_systemd(host, "sysvinit", release, pulumi_stack, tmp_path, main_pid, enabled)


def test_sysvinit_power_cut_before_confirmation_boots_on_the_old_configuration(
    pulumi_stack, test_hosts, tmp_path
):
    power_cut_before_confirmation(test_hosts.one(init="sysvinit"), pulumi_stack, tmp_path, main_pid)
