"""The wheel users install holds the product only: no sandbox, no pytest, typed, with its CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
from pulumi_docker_machine import __version__

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
IMPORTS_PYTEST = re.compile(r"^\s*(import pytest\b|from pytest\b|from _pytest\b|import _pytest\b)", re.M)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The product's wheel, built offline from a copy of the sources (no build files left in the clone)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copy(ROOT / "README.md", src)
    shutil.copy(ROOT / "LICENSE", src)
    shutil.copytree(ROOT / "sdk", src / "sdk", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, src],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("pulumi_docker_machine-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_has_no_sandbox_and_no_pytest(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    modules = [n for n in names if n.endswith(".py")]
    assert "pulumi_docker_machine/__init__.py" in modules and len(modules) > 20
    assert {n.split("/")[0] for n in modules} == {"pulumi_docker_machine"}
    assert [n for n in names if "sandbox" in n] == []
    assert [n for n in modules if IMPORTS_PYTEST.search(wheel.read(n).decode())] == []


def test_wheel_is_typed_and_has_the_cli(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert "pulumi_docker_machine/py.typed" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[console_scripts]\npulumi-docker-machine = pulumi_docker_machine.cli.main:main" in text


def _metadata(wheel: zipfile.ZipFile) -> Message:
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return Parser().parsestr(wheel.read(name).decode())


def test_wheel_metadata(wheel: zipfile.ZipFile) -> None:
    meta = _metadata(wheel)
    assert (meta["Name"], meta["Version"]) == ("pulumi-docker-machine", __version__)
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    assert (
        "Apache License"
        in wheel.read(f"pulumi_docker_machine-{__version__}.dist-info/licenses/LICENSE").decode()
    )
    assert meta["Requires-Python"] == ">=3.11"
    assert {"Typing :: Typed", "Programming Language :: Python :: 3.11"} <= set(meta.get_all("Classifier"))
    requires = set(meta.get_all("Requires-Dist"))
    assert f"pulumi=={_pinned('PULUMI_VERSION')}" in requires  # the SDK matches the engine the project builds
    assert f"pulumi-command=={_pinned('COMMAND_VERSION')}" in requires  # and its plugin the one built
    assert meta.get_payload().startswith("# pulumi-docker-machine")


def _pinned(name: str) -> str:
    versions = (ROOT / "scripts" / "versions.sh").read_text()
    found = re.search(rf"^{name}=\"?([0-9.]+)", versions, re.M)
    assert found, versions
    return found.group(1)
