"""install_method='script': the host downloads install_script_url with the first tool it has and runs it
with sh; run for real with sh, the tools stubbed on a PATH of their own."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pulumi_docker_machine.daemon.install import install_script

pytestmark = pytest.mark.unit

URL = "http://10.0.0.1:8000/get.sh?x=$(touch PWNED)&y='1'"


def run(
    tmp_path: Path, fetchers: dict[str, str], url: str = URL, real: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run the script with only mktemp, rm, sh, a dockerd, the `real` tools and `fetchers` ({name: sh
    body}) on the PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("mktemp", "rm", "sh", *real):
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    stubs = {"dockerd": "exit 0", "service": "exit 0", **fetchers}
    for name, body in stubs.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return subprocess.run(
        [shutil.which("sh") or "/bin/sh", "-c", install_script("script", url=url)],
        text=True,
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PATH": str(bin_dir)},
        check=False,
    )


def test_without_curl_wget_python3_or_busybox_it_says_so_and_runs_nothing(tmp_path: Path) -> None:
    proc = run(tmp_path, {})
    assert proc.returncode == 23
    assert "has none of curl, wget, python3, busybox" in proc.stderr


def test_the_url_reaches_the_tool_as_one_literal_argument_and_the_script_runs(tmp_path: Path) -> None:
    # curl -fsSL URL -o FILE: record the URL, write a script that says it ran.
    proc = run(tmp_path, {"curl": f'printf %s "$2" > {tmp_path}/url; echo "echo ran >&2" > "$4"'})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "url").read_text() == URL and not (tmp_path / "PWNED").exists()
    assert "ran" in proc.stderr


def test_a_failed_download_or_a_failing_script_stops_the_install(tmp_path: Path) -> None:
    assert run(tmp_path, {"wget": "echo 'wget: error 404' >&2; exit 8"}).returncode == 24
    shutil.rmtree(tmp_path / "bin")
    failing = run(tmp_path, {"busybox": 'echo "echo no >&2; exit 7" > "$3"'})
    assert failing.returncode == 7 and "the install script exited 7" in failing.stderr


def test_python3_downloads_over_http_when_curl_and_wget_are_missing(tmp_path: Path) -> None:
    (tmp_path / "www").mkdir()
    (tmp_path / "www/get.sh").write_text("echo installed by the script >&2\n")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "www"))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/get.sh"
        proc = run(tmp_path, {}, url=url, real=("python3",))
        server.shutdown()
    assert proc.returncode == 0, proc.stderr
    assert "installed by the script" in proc.stderr
