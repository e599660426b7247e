"""The engine loop with the real CLI: preview, up, no-op up, refresh, destroy of a trivial resource."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .pulumi_cli import PROJECT_ROOT, pulumi_binary, resources_by_type

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_docker_machine import DaemonConfig, DaemonConfigArgs

config = DaemonConfig("smoke", DaemonConfigArgs(labels=["smoke=1"], tls_port=12376))
pulumi.export("port", config.docker_port)
pulumi.export("daemon_json", config.daemon_json)
"""


def _pinned_version() -> str:
    text = (PROJECT_ROOT / "scripts" / "versions.sh").read_text()
    match = re.search(r"^PULUMI_VERSION=(\S+)$", text, re.M)
    assert match
    return match.group(1)


@pytest.mark.core
def test_cli_is_the_pinned_build() -> None:
    out = subprocess.run([pulumi_binary(), "version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"v{_pinned_version()}"
    installed = (PROJECT_ROOT / ".venv" / "lib").glob("python3*/site-packages/pulumi-*.dist-info")
    assert {p.name for p in installed} == {f"pulumi-{_pinned_version()}.dist-info"}
    host = Path(pulumi_binary()).with_name("pulumi-language-python")
    said = subprocess.run([host, "--version"], capture_output=True, text=True, check=True)
    assert said.stdout.strip() == f"v{_pinned_version()}"  # one release: engine, language host, SDK


@pytest.mark.core
def test_preview_up_noop_refresh_destroy(pulumi_stack) -> None:
    stack = pulumi_stack(PROGRAM, name="smoke")
    preview = stack.preview_json()
    assert [s["op"] for s in preview["steps"] if s["urn"].endswith("::smoke")] == ["create"]

    stack.up()
    outputs = stack.outputs()
    assert outputs["port"] == 12376
    assert '"labels": [\n    "smoke=1"\n  ]' in outputs["daemon_json"]
    state = stack.export()
    [resource] = resources_by_type(state, "DaemonConfig")
    settings = resource["outputs"]["settings"]  # as checked: defaults filled in, numbers as ints
    assert settings["labels"] == ["smoke=1"] and settings["tls_port"] == 12376
    assert settings["bind_address"] == "0.0.0.0"

    stack.up("--expect-no-changes")
    stack.refresh("--expect-no-changes")
    stack.destroy()
    assert not resources_by_type(stack.export(), "DaemonConfig")
