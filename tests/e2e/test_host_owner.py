"""One owner per host: a second stack is refused at every attempt, naming the owner, until it adopts the
host; the stack it took the host from sees it at refresh, cannot change the host and destroys nothing; the
last owner's destroy gives back the original, mode included."""

from __future__ import annotations

import json

import pytest

from .test_docker_host import assert_given_back, client, daemon_json, entry, host_stack, on_host

pytestmark = pytest.mark.e2e

OWNER_FILE = "/var/lib/pulumi-docker-machine/owner"


def said(proc) -> str:
    return proc.stdout + proc.stderr


def test_a_second_stack_is_refused_until_it_adopts_and_the_first_then_leaves_the_host_alone(
    pulumi_stack, test_hosts, tmp_path
):
    host = test_hosts.one()
    on_host(
        host,
        "printf '{\"debug\": true}\\n' > /etc/docker/daemon.json && chmod 640 /etc/docker/daemon.json"
        " && systemctl restart docker",
    )
    original = daemon_json(host)
    first = host_stack(pulumi_stack, [entry(host, name="web")], project="first")
    first.up()
    assert on_host(host, f"cat {OWNER_FILE}") == "first/dev/web"
    url = first.outputs()["web"]["docker_host"]
    first_client = client(first, tmp_path / "first")
    assert first_client.text(url, "info", "--format", "{{.Name}}") == host.name
    pid = on_host(host, "systemctl show -p MainPID --value docker")

    # Refused with one line naming the owner, every time, and nothing on the host changes.
    second = host_stack(pulumi_stack, [entry(host, name="web")], project="second")
    for _ in range(2):
        refused = said(second.up(expect_fail=True))
        line = f"root@{host.address}:22: this host is managed by first/dev/web (recorded in {OWNER_FILE}"
        assert line in refused and "adopt=true" in refused and "Traceback" not in refused, refused[-3000:]
    assert on_host(host, "systemctl show -p MainPID --value docker") == pid
    assert first_client.text(url, "info", "--format", "{{.Name}}") == host.name

    # Adopting: the second stack's CA is trusted now, the first's clients are not.
    second.config_set("hosts", json.dumps([entry(host, name="web", adopt=True)]))
    second.up()
    assert on_host(host, f"cat {OWNER_FILE}") == "second/dev/web"
    second_client = client(second, tmp_path / "second")
    assert second_client.text(url, "info", "--format", "{{.Name}}") == host.name
    assert first_client.run(url, "info").returncode != 0

    # The first stack: a refresh shows who manages the host; its up is refused; its destroy leaves it.
    drifted = first.preview("--refresh", "--diff").stdout
    assert "managed by second/dev/web now" in drifted, drifted[-3000:]
    refused = said(first.up("--refresh", expect_fail=True))
    assert "this host is managed by second/dev/web" in refused and "Traceback" not in refused
    left = said(first.destroy())
    assert "managed by second/dev/web now; destroy leaves the host as it is" in left, left[-3000:]
    assert second_client.text(url, "info", "--format", "{{.Name}}") == host.name
    assert on_host(host, f"cat {OWNER_FILE}") == "second/dev/web"

    # The owner's destroy gives the original back, with its mode.
    second.destroy()
    assert_given_back(host, original)
    assert on_host(host, "stat -c %a /etc/docker/daemon.json") == "640"
    assert on_host(host, "ls /var/lib/pulumi-docker-machine 2>/dev/null || echo gone") == "gone"
