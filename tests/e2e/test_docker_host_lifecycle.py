"""DockerHost replacement and non-default daemon settings, checked on the host and with the docker CLI."""

from __future__ import annotations

import json

import pytest

from .test_docker_host import assert_given_back, client, daemon_json, entry, host_stack, on_host

pytestmark = pytest.mark.e2e


def test_changing_the_host_replaces_it_and_gives_the_old_one_back(pulumi_stack, test_hosts, tmp_path):
    old, new = test_hosts(2)
    originals = {h.name: daemon_json(h) for h in (old, new)}
    stack = host_stack(pulumi_stack, [entry(old, name="web")])
    stack.up()
    assert stack.outputs()["web"]["docker_host"] == f"tcp://{old.address}:2376"

    stack.config_set("hosts", json.dumps([entry(new, name="web")]))
    ops = {s["op"] for s in stack.preview_json()["steps"] if s["urn"].endswith("DockerHost::web")}
    assert ops & {"replace", "create-replacement"}, ops
    stack.up()
    url = stack.outputs()["web"]["docker_host"]
    assert url == f"tcp://{new.address}:2376"
    assert client(stack, tmp_path).text(url, "info", "--format", "{{.Name}}") == new.name
    assert_given_back(old, originals[old.name])

    stack.destroy()
    assert_given_back(new, originals[new.name])


def test_listen_settings_and_environment_then_destroy_of_a_host_without_daemon_json(
    pulumi_stack, test_hosts, tmp_path
):
    host = test_hosts.one()
    on_host(
        host,
        "if [ -e /etc/docker/daemon.json ]; then rm /etc/docker/daemon.json; systemctl restart docker; fi",
    )
    assert daemon_json(host) == "<absent>"
    settings = {
        "tls_port": 2377,
        "bind_address": host.address,
        "keep_unix_socket": False,
        "environment": {"PDM_E2E_MARK": "set by pulumi"},
    }
    stack = host_stack(pulumi_stack, [entry(host)], settings)
    stack.up()
    out = stack.outputs()[entry(host)["name"]]
    assert out["docker_host"] == f"tcp://{host.address}:2377"

    # TCP: only the given address and port, and the docker CLI talks TLS to it.
    listening = on_host(host, "ss -ltnpH | grep dockerd | awk '{print $4}'").split()
    assert listening == [f"{host.address}:2377"]
    docker = client(stack, tmp_path)
    assert docker.text(out["docker_host"], "info", "--format", "{{.Name}}") == host.name
    # No local socket: dockerd was started without fd:// or unix://, and docker on the host's unix socket
    # gets no answer (systemd's docker.socket may still accept; nothing serves it, `timeout` ends the wait).
    pid = on_host(host, "systemctl show -p MainPID --value docker")
    assert int(pid) == out["daemon_pid"]
    argv = on_host(host, f"tr '\\0' '\\n' < /proc/{pid}/cmdline").splitlines()
    assert not [a for a in argv if "fd://" in a or "unix://" in a], argv
    assert f"tcp://{host.address}:2377" in " ".join(argv)
    local = "timeout 10 docker -H unix:///var/run/docker.sock version >/dev/null 2>&1; echo $?"
    assert on_host(host, local) != "0"
    # The environment reached the daemon's process.
    environ = on_host(host, f"tr '\\0' '\\n' < /proc/{pid}/environ").splitlines()
    assert "PDM_E2E_MARK=set by pulumi" in environ
    assert daemon_json(host) != "<absent>"  # our settings were written

    # An address the host does not have: refused naming the field, at preview (the state knows the
    # host's addresses) and at up (the probe does), before dockerd is restarted.
    stack.config_set("daemon", json.dumps({**settings, "bind_address": "10.231.0.250"}))
    for refused in (stack.preview(expect_fail=True), stack.up(expect_fail=True)):
        said = refused.stdout + refused.stderr
        assert f"daemon.bind_address: root@{host.address}:22 has no address 10.231.0.250" in said, said[
            -2000:
        ]
    assert on_host(host, "systemctl show -p MainPID --value docker") == pid
    stack.config_set("daemon", json.dumps(settings))

    stack.destroy()
    assert_given_back(host, "<absent>")
