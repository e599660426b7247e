"""No package registry or mirror host name is written in a tracked file (issue 12).

The names are assembled from parts here, and the hosts of this machine's own apt sources and Go proxy are
added at test time, so this file holds none of them itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pdm_sandbox import aptsources

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOT = "."
KNOWN = {
    DOT.join(parts)
    for parts in (
        ("deb", "debian", "org"),
        ("security", "debian", "org"),
        ("snapshot", "debian", "org"),
        ("ftp", "debian", "org"),
        ("proxy", "golang", "org"),
        ("sum", "golang", "org"),
        ("pypi", "org"),
        ("files", "pythonhosted", "org"),
        ("registry", "npmjs", "org"),
        ("registry", "yarnpkg", "com"),
        ("crates", "io"),
        ("repo1", "maven", "org"),
        ("repo", "maven", "apache", "org"),
        ("download", "docker", "com"),
    )
}


def machine_registry_hosts() -> set[str]:
    """Hosts this machine's apt sources and Go proxy point at."""
    urls = [uri for uri, _ in aptsources.entries()]
    goproxy = os.environ.get("GOPROXY", "")
    if not goproxy and shutil.which("go"):
        goproxy = subprocess.run(["go", "env", "GOPROXY"], capture_output=True, text=True).stdout
    urls += [u for u in goproxy.strip().replace("|", ",").split(",") if "://" in u]
    return {host for host in (urlsplit(u).hostname for u in urls) if host and DOT in host}


def offending_lines(names: set[str]) -> list[str]:
    """`path:line: text` of every tracked file line that names one of `names` (case-insensitive)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(
        b"\0"
    )
    hits = []
    lowered = {n.lower() for n in names}
    for rel in filter(None, files):
        path = ROOT / rel.decode()
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if any(name in line.lower() for name in lowered):
                hits.append(f"{rel.decode()}:{number}: {line.strip()[:120]}")
    return hits


def test_the_scan_finds_a_name_that_is_there() -> None:
    hits = offending_lines({"Docker Machine's `create -d generic`"})
    assert any(hit.startswith("README.md:") for hit in hits)


def test_this_machines_mirror_is_among_the_forbidden_names() -> None:
    mirror = urlsplit(aptsources.debian_mirror(("bullseye", "bookworm", "trixie"))).hostname
    assert mirror in machine_registry_hosts()


def test_no_tracked_file_names_a_registry_host() -> None:
    assert offending_lines(KNOWN | machine_registry_hosts()) == []
