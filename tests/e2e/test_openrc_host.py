"""DockerHost on a Debian host whose PID 1 is OpenRC's own init (`openrc-init`, which runs the
sysinit, boot and default runlevels): real pulumi, real docker over TLS.

The daemon restarts through `rc-service docker` (OpenRC runs Debian's LSB /etc/init.d/docker), listen
addresses go into daemon.json, and the boot-time recovery hook is the LSB init script, which
`update-rc.d` adds to OpenRC's default runlevel before docker.
"""

from __future__ import annotations

import pytest

from .test_docker_host import on_host
from .test_sysvinit_host import lifecycle_without_systemd, power_cut_before_confirmation

pytestmark = pytest.mark.e2e

HOOK_ENABLED = "ls /etc/runlevels/default | grep -c pulumi-docker-machine-recover"


def main_pid(host) -> str:
    assert on_host(host, "rc-service docker status >/dev/null 2>&1 && echo running") == "running"
    return on_host(host, "cat /var/run/docker.pid")


def test_openrc_host_lifecycle(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one(init="openrc")
    assert on_host(host, "cat /run/openrc/softlevel") == "default"
    lifecycle_without_systemd(host, "openrc", "bookworm", pulumi_stack, tmp_path, main_pid, HOOK_ENABLED)


def test_openrc_power_cut_before_confirmation_boots_on_the_old_configuration(
    pulumi_stack, test_hosts, tmp_path
):
    host = test_hosts.one(init="openrc")
    assert on_host(host, "cat /run/openrc/softlevel") == "default"
    power_cut_before_confirmation(host, pulumi_stack, tmp_path, main_pid)
