"""Transaction scripts: valid sh that really stages, swaps and rolls back files (in a temp root)."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from pulumi_docker_machine.daemon import paths, transaction

pytestmark = pytest.mark.unit


def _syntax_ok(script: str) -> None:
    subprocess.run(["sh", "-n"], input=script, text=True, check=True)


def test_scripts_are_valid_sh() -> None:
    files = {paths.DAEMON_JSON: ("{}\n", 0o644), paths.SERVER_KEY: ("k\n", 0o600)}
    _syntax_ok(transaction.apply_script(files, restart=True, validate=True))
    _syntax_ok(transaction.apply_script({}, restart=True, validate=False))
    _syntax_ok(transaction.rollback_script(files))
    _syntax_ok(transaction.commit_script(files))
    _syntax_ok(transaction.remove_script(None))
    _syntax_ok(transaction.remove_script('{"a": 1}\n'))


def _run_rooted(script: str, root: Path, fake_bin: Path) -> subprocess.CompletedProcess[str]:
    """Run a script with every absolute managed path moved under `root` and stub system tools."""
    script = re.sub(r"(?<=[\s'\"])/etc/", f"{root}/etc/", script)
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    return subprocess.run(["sh", "-c", script], text=True, capture_output=True, env=env, check=False)


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """systemctl/docker/journalctl/chown stubs; `docker` fails when FAIL_DOCKER exists."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    flag = tmp_path / "FAIL_DOCKER"
    stubs = {
        "systemctl": f'case "$1" in is-failed) [ -e {flag} ];; *) exit 0;; esac',
        "docker": f"[ ! -e {flag} ]",
        "journalctl": "echo 'unable to configure the Docker daemon: invalid key'",
        "chown": "exit 0",
        "sleep": "exit 0",
    }
    for name, body in stubs.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def test_apply_swaps_files_and_keeps_previous_until_commit(tmp_path: Path, fake_bin: Path) -> None:
    root = tmp_path / "root"
    live = root / paths.DAEMON_JSON.lstrip("/")
    live.parent.mkdir(parents=True)
    live.write_text("old\n")
    files = {paths.DAEMON_JSON: ("new\n", 0o644), paths.SERVER_KEY: ("key\n", 0o600)}
    proc = _run_rooted(transaction.apply_script(files, restart=True, validate=False), root, fake_bin)
    assert proc.returncode == 0, proc.stderr
    assert live.read_text() == "new\n"
    key = root / paths.SERVER_KEY.lstrip("/")
    assert key.read_text() == "key\n" and (key.stat().st_mode & 0o777) == 0o600
    assert (root / (paths.DAEMON_JSON + ".pdm-prev").lstrip("/")).read_text() == "old\n"
    assert _run_rooted(transaction.commit_script(files), root, fake_bin).returncode == 0
    assert not list(root.rglob("*.pdm-*"))


def test_failed_restart_restores_previous_files(tmp_path: Path, fake_bin: Path) -> None:
    root = tmp_path / "root"
    live = root / paths.DAEMON_JSON.lstrip("/")
    live.parent.mkdir(parents=True)
    live.write_text("old\n")
    (tmp_path / "FAIL_DOCKER").touch()
    files = {paths.DAEMON_JSON: ("broken\n", 0o644), paths.SERVER_KEY: ("key\n", 0o600)}
    proc = _run_rooted(transaction.apply_script(files, restart=True, validate=False), root, fake_bin)
    assert proc.returncode == transaction.EXIT_NOT_RUNNING
    assert "invalid key" in proc.stderr
    assert live.read_text() == "old\n"
    assert not (root / paths.SERVER_KEY.lstrip("/")).exists()  # it was absent before


def test_remove_restores_original_daemon_json(tmp_path: Path, fake_bin: Path) -> None:
    root = tmp_path / "root"
    for p in paths.MANAGED:
        (root / p.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / p.lstrip("/")).write_text("ours\n")
    proc = _run_rooted(transaction.remove_script('{"debug": true}\n'), root, fake_bin)
    assert proc.returncode == 0, proc.stderr
    assert (root / paths.DAEMON_JSON.lstrip("/")).read_text() == '{"debug": true}\n'
    for p in (paths.CA_CERT, paths.SERVER_CERT, paths.SERVER_KEY, paths.DROPIN):
        assert not (root / p.lstrip("/")).exists()
