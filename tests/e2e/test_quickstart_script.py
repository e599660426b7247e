"""The README's main job, as a person runs it: `scripts/quickstart` (twice: the second run changes
nothing), then `scripts/quickstart down`. Its state, client files and Docker config go to this test's
temporary directory."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from .pulumi_cli import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def _script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "quickstart"), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_quickstart_brings_up_a_tls_engine_and_down_gives_it_back(sandbox, tmp_path: Path) -> None:
    env = {
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "MACHINE_STORAGE_PATH": str(tmp_path / "store"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
    }
    (tmp_path / "state").mkdir()
    try:
        first = _script(env=env)
        said = first.stdout + first.stderr
        assert first.returncode == 0, said[-4000:]
        assert "+ 7 created" in said and "Done." in said
        listed = re.search(r"^quickstart +[-*] +tcp://\S+ +Running", said, re.M)  # `pulumi-docker-machine ls`
        assert listed, said[-3000:]
        again = _script(env=env)
        assert again.returncode == 0 and "7 unchanged" in again.stdout + again.stderr
    finally:
        down = _script("down", env=env)
    assert down.returncode == 0, (down.stdout + down.stderr)[-4000:]
    assert "qs-host" not in {host.name for host in sandbox.ls()}
