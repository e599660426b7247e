"""Installing Docker on hosts without it: `packages` on every release, `command` with a user command,
`script` from a URL the host downloads, and installs that fail leave Docker's configuration as it was (no
daemon, no /etc/docker, no TLS files)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pdm_sandbox.network import NETWORKS

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


@contextmanager
def script_server(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve `directory` over HTTP on the sandbox bridge (the address hosts reach this machine on); yields
    the base URL and the list of paths requested so far."""
    requested: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            requested.append(self.path)

    bridge = NETWORKS["public"].machine_address
    assert bridge is not None
    server = ThreadingHTTPServer((bridge, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{bridge}:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


def test_script_install_downloads_on_the_host_and_a_failing_script_changes_nothing(
    pulumi_stack, test_hosts, tmp_path
):
    host = test_hosts.one(variant="base")
    (tmp_path / "www").mkdir()
    (tmp_path / "www/fail.sh").write_text("#!/bin/sh\necho 'this installer gives up' >&2\nexit 1\n")
    # A stand-in for the convenience script: Docker from the sandbox's local apt repository.
    (tmp_path / "www/install.sh").write_text(f"#!/bin/sh\nset -eu\n{INSTALL}\n")
    name = entry(host)["name"]
    with script_server(tmp_path / "www") as (base, requested):

        def stack_for(script: str) -> Any:
            method = {"install_method": "script", "install_script_url": f"{base}/{script}"}
            return host_stack(pulumi_stack, [entry(host, **method)])

        # A minimal Debian has none of the tools to download it with: said, and nothing changes.
        said = stack_for("install.sh").up(expect_fail=True)
        assert "has none of curl, wget, python3, busybox" in said.stdout + said.stderr
        assert_untouched(host)
        assert requested == []

        shutil.copy2(shutil.which("busybox") or "/bin/busybox", Path(host.root) / "usr/local/bin/busybox")
        said = stack_for("fail.sh").up(expect_fail=True)
        out = said.stdout + said.stderr
        assert "this installer gives up" in out and "the install script exited 1" in out
        assert_untouched(host)
        assert on_host(host, "ls /etc/systemd/system/docker.service.d 2>/dev/null || echo none") == "none"
        assert requested == ["/fail.sh"]

        stack = stack_for("install.sh")
        stack.up()
        assert requested == ["/fail.sh", "/install.sh"]
        # A secret in the DockerHost's state (it may hold a password); the test's config has it in clear.
        state = stack.export()["deployment"]["resources"]
        hosts = json.dumps([r for r in state if r["type"].endswith(":DockerHost")])
        assert host.address in hosts and f"{base}/install.sh" not in hosts
    out = stack.outputs()[name]
    assert out["installed_docker"] is True
    assert client(stack, tmp_path).text(out["docker_host"], "info", "--format", "{{.Name}}") == host.name
