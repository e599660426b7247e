"""examples/commands: pulumi-command's `remote.Command` over a Machine's SSH connection and `local.Command`
running the real `docker` CLI over TLS with the Machine's `env`, through the real `pulumi` CLI and the
pulumi-command plugin built from source."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .pulumi_cli import pulumi_binary, resources_by_type
from .swarm_tools import busybox_image_tar
from .test_machine import example

pytestmark = pytest.mark.e2e

MESSAGE = "hello over pulumi-command"


def test_the_command_plugin_is_installed_where_pulumi_finds_it():
    listed = subprocess.run(
        [pulumi_binary(), "plugin", "ls"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert any(line.split()[:3] == ["command", "resource", "1.2.1"] for line in listed.splitlines()), listed


def test_remote_and_local_commands_on_a_machine(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    # The test network has no registry: the image the local command runs is imported on the host first.
    (Path(host.root) / "root" / "bb.tar").write_bytes(busybox_image_tar())
    imported = host.root_exec("docker import /root/bb.tar bb:1 && rm /root/bb.tar")
    assert imported.returncode == 0, imported.stderr

    stack = example(pulumi_stack, "commands", tmp_path)
    stack.config_set("host", host.address)
    stack.config_set("user", host.user)
    stack.config_set("private_key", Path(host.key_path).read_text(), secret=True)
    stack.config_set("image", "bb:1")
    stack.config_set("message", MESSAGE)
    stack.up()

    out = stack.outputs()
    assert out["prepared"] == MESSAGE  # remote.Command over the Machine's connection wrote and read it
    assert out["served"] == MESSAGE  # docker over TLS ran a container that read it back
    assert host.root_exec("cat /srv/hello/index.html").stdout == MESSAGE + "\n"

    state = stack.export()
    [page] = [r for r in resources_by_type(state, "command:remote:Command")]
    [docker_host] = [r for r in resources_by_type(state, "DockerHost")]
    assert docker_host["urn"] in page["dependencies"]  # the command waited for the daemon
    text = stack.state_text(f"tcp://{host.address}:2376")
    assert "PRIVATE KEY" not in text  # the connection's key is a secret in the command's state

    stack.up("--expect-no-changes")  # a second up changes nothing
    stack.destroy()
    assert host.root_exec("test -e /srv/hello").returncode == 1  # the remote command's delete ran
