"""The package's public names resolve lazily, and importing the CLI does not load Pulumi."""

import subprocess
import sys

import pulumi_docker_machine
import pytest

pytestmark = pytest.mark.unit


def test_every_public_name_resolves() -> None:
    assert sorted(pulumi_docker_machine._WHERE) == pulumi_docker_machine.__all__
    for name in pulumi_docker_machine.__all__:
        assert getattr(pulumi_docker_machine, name).__name__ == name


def test_cli_import_does_not_load_pulumi() -> None:
    code = "import sys, pulumi_docker_machine.cli.main; print('pulumi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
