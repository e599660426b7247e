"""A local, flat apt repository with docker.io and the dependencies the base image lacks, and its server.

The .debs are resolved and downloaded by apt inside a throw-away overlay of the base image (so exactly
what a base host is missing is fetched, from the mirrors this machine's apt uses), indexed with
dpkg-scanpackages and cached in `<cache>/images/aptrepo-<hash>/repo`. Hosts reach it as
`deb [trusted=yes] http://BRIDGE:PORT ./` through `python3 -m http.server` bound to the bridge address.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from email.utils import formatdate
from pathlib import Path

from .errors import SandboxError
from .locks import file_lock
from .mounts import building, mount_overlay, remove_tree
from .paths import images_dir
from .procs import alive, all_pids, cmdline, terminate
from .shell import log, run

PACKAGES = ("docker.io",)
RECIPE_VERSION = "1"
DEFAULT_PORT = 8231


def repo_key(base_recipe: str) -> str:
    """`aptrepo-<hash>` of the base recipe and the package list."""
    text = f"{base_recipe}\naptrepo {RECIPE_VERSION} --no-install-recommends {' '.join(PACKAGES)}"
    return "aptrepo-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def ensure_repo(base_rootfs: Path, base_recipe: str, cache: Path | None = None) -> Path:
    """Return the cached repository directory (the one to serve), building it first if missing."""
    final = images_dir(cache) / repo_key(base_recipe)
    if not final.is_dir():
        final.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(final.parent / f".{final.name}.lock"):
            if not final.is_dir():
                _build(base_rootfs, final)
    return final / "repo"


def _build(base_rootfs: Path, final: Path) -> None:
    started = time.monotonic()
    with building(final) as tmp:
        root, repo = tmp / "chroot", tmp / "repo"
        mount_overlay(base_rootfs, tmp / "upper", tmp / "work", root)
        _use_machine_sources(root)
        log(f"downloading {' '.join(PACKAGES)} and missing dependencies for the local apt repository")
        _chroot_apt(root, ["update"])
        _chroot_apt(root, ["install", "-y", "--no-install-recommends", "--download-only", *PACKAGES])
        repo.mkdir()
        for deb in (root / "var/cache/apt/archives").glob("*.deb"):
            shutil.copy2(deb, repo / deb.name)
        remove_tree(root)
        for d in ("upper", "work"):
            remove_tree(tmp / d)
        count = index(repo)
        if count == 0:
            raise SandboxError("the local apt repository came out empty")
        seconds = round(time.monotonic() - started, 1)
        size = sum(f.stat().st_size for f in repo.iterdir())
        info = {"packages": count, "seconds": seconds, "bytes": size, "built_at": time.time()}
        (tmp / "build.json").write_text(json.dumps(info, indent=2) + "\n")
    log(f"apt repository {final.name}: {count} packages, {size / 1e6:.0f} MB, built in {seconds} s")


def _use_machine_sources(root: Path) -> None:
    """Give the chroot this machine's apt sources and resolver, for the download only."""
    (root / "etc/apt/sources.list").write_text("")
    for src in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if src.is_file() and src.suffix in (".list", ".sources"):
            target = (
                root
                / "etc/apt"
                / ("sources.list" if src.name == "sources.list" else f"sources.list.d/{src.name}")
            )
            shutil.copyfile(src, target)
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    shutil.copyfile(Path("/etc/resolv.conf").resolve(), resolv)


def _chroot_apt(root: Path, args: list[str]) -> None:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    run(["chroot", str(root), "apt-get", "-q", *args], env=env, timeout=1800)


def index(repo: Path) -> int:
    """Write Packages, Packages.gz and a Release file for the flat repository; return the package count."""
    env = {**os.environ, "LC_ALL": "C"}
    packages = run(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], env=env, cwd=repo).stdout
    (repo / "Packages").write_text(packages)
    (repo / "Packages.gz").write_bytes(gzip.compress(packages.encode(), mtime=0))
    lines = ["Origin: pdm-sandbox", "Label: pdm-sandbox", f"Date: {formatdate(usegmt=True)}"]
    for field, algo in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append(f"{field}:")
        for name in ("Packages", "Packages.gz"):
            data = (repo / name).read_bytes()
            lines.append(f" {hashlib.new(algo, data).hexdigest()} {len(data)} {name}")
    (repo / "Release").write_text("\n".join(lines) + "\n")
    return packages.count("\nPackage: ") + packages.startswith("Package: ")


def source_line(address: str, port: int) -> str:
    """The sources.list line a host uses for the repository served at `address:port`."""
    return f"deb [trusted=yes] http://{address}:{port}/ ./\n"


def start_server(repo: Path, address: str, port: int, log_path: Path) -> int:
    """Serve `repo` on `address:port` (detached) `python3 -m http.server`; return its pid once it answers."""
    with open(log_path, "ab") as logfh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", address, "--directory", str(repo), str(port)],
            stdin=subprocess.DEVNULL,
            stdout=logfh,
            stderr=logfh,
            start_new_session=True,
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-1000:]
            raise SandboxError(f"apt repository server on {address}:{port} exited {proc.returncode}: {tail}")
        try:
            socket.create_connection((address, port), timeout=1).close()
            return proc.pid
        except OSError:
            time.sleep(0.05)
    stop_server(proc.pid)
    raise SandboxError(f"apt repository server on {address}:{port} did not answer within 10 s")


def is_server(pid: int, address: str) -> bool:
    """Whether `pid` is a repository server of ours (an http.server bound to the bridge address)."""
    argv = cmdline(pid)
    return "http.server" in argv and address in argv and alive(pid)


def find_servers(address: str) -> list[int]:
    """Pids of every repository server bound to `address` (for the leftovers sweep)."""
    return [pid for pid in all_pids() if is_server(pid, address)]


def stop_server(pid: int) -> None:
    """Stop the server `pid` and wait for it to go."""
    terminate(pid, timeout=5)
