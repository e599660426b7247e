"""Installing Docker on hosts without it: `packages` on every release, `command` with a user command, and
installs that fail leave Docker's configuration as it was (no daemon, no /etc/docker, no TLS files)."""

from __future__ import annotations

import pytest

from .test_docker_host import client, entry, host_stack, on_host

pytestmark = pytest.mark.e2e

INSTALL = "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io"


def assert_untouched(host) -> None:
    """No Docker and none of its configuration: what a base host had before the failed install."""
    assert on_host(host, "command -v dockerd || echo none") == "none"
    assert on_host(host, "ls /etc/docker 2>/dev/null | wc -l") == "0"


@pytest.mark.parametrize("release", ["bullseye", "trixie"])
def test_packages_install_on_release(release, pulumi_stack, test_hosts, tmp_path):
    # bookworm: test_docker_host_access.py::test_installs_docker_from_packages_when_missing
    host = test_hosts.one(variant="base", release=release)
    assert_untouched(host)
    stack = host_stack(pulumi_stack, [entry(host, uninstall_on_delete=True)])
    stack.up()
    out = stack.outputs()[entry(host)["name"]]
    assert out["installed_docker"] is True
    version = client(stack, tmp_path).text(out["docker_host"], "version", "--format", "{{.Server.Version}}")
    assert version == out["engine_version"] and version.startswith("26." if release == "trixie" else "20.10.")
    stack.destroy()
    assert on_host(host, "command -v dockerd || echo none") == "none"


def test_failing_installs_change_nothing_then_a_user_command_installs(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one(variant="base")
    sources = on_host(host, "cat /etc/apt/sources.list")
    name = entry(host)["name"]
    failing = "echo 'the installer said no' >&2; exit 3"
    stack = host_stack(pulumi_stack, [entry(host, install_method="command", install_command=failing)])
    said = stack.up(expect_fail=True)
    assert "the installer said no" in said.stdout + said.stderr
    assert_untouched(host)

    # packages with a package source that does not answer: apt-get update's warnings are not ignored.
    on_host(host, "sed -i 's#:[0-9]*/#:9/#' /etc/apt/sources.list")
    stack = host_stack(pulumi_stack, [entry(host)])
    said = stack.up(expect_fail=True)
    assert "apt-get update could not read every package source" in said.stdout + said.stderr
    assert_untouched(host)

    on_host(host, f"printf '%s\\n' '{sources}' > /etc/apt/sources.list")
    stack = host_stack(pulumi_stack, [entry(host, install_method="command", install_command=INSTALL)])
    stack.up()
    out = stack.outputs()[name]
    assert out["installed_docker"] is True
    assert client(stack, tmp_path).text(out["docker_host"], "info", "--format", "{{.Name}}") == host.name
