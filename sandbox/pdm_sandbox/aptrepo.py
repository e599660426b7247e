"""Local, flat apt repositories (one per Debian release) with docker.io and the dependencies the base
image lacks, and their one server.

The .debs are resolved and downloaded by apt inside a throw-away overlay of the release's base image (so
exactly what a base host is missing is fetched: with this machine's apt sources when they are for that
release, else from the machine's Debian mirror for that release), indexed with dpkg-scanpackages and
cached in `<cache>/images/aptrepo-<hash>/repo`. One `python3 -m http.server` bound to the bridge address
serves a directory of links, one per release, so hosts of each release reach theirs as
`deb [trusted=yes] http://BRIDGE:PORT/RELEASE/ ./`.
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

from . import aptsources
from .errors import SandboxError
from .locks import file_lock
from .mounts import building, mount_overlay, remove_tree
from .paths import images_dir, recipe_digest
from .procs import alive, all_pids, cmdline, terminate
from .shell import log, run

RECIPE_VERSION = "1"
DEFAULT_PORT = 8232
"""Earlier sandbox versions served one repository on 8231 (`--bind ADDR`, state key `aptrepo`); other
sessions may still run that code on this machine. This server keeps out of its way: another port, its
own state key (`aptrepos`) and `--bind=ADDR`, which the earlier sweep does not take for its own."""


def repo_key(base_recipe: str, packages: tuple[str, ...]) -> str:
    """`aptrepo-<hash>` of the base recipe and the package list."""
    text = f"{base_recipe}\naptrepo {RECIPE_VERSION} --no-install-recommends {' '.join(packages)}"
    return "aptrepo-" + recipe_digest(text)


def ensure_repo(
    base_rootfs: Path,
    base_recipe: str,
    packages: tuple[str, ...],
    release: str,
    mirror: str,
    cache: Path | None = None,
) -> Path:
    """Return the cached repository of `packages` for `release` (the directory to serve), built if missing."""
    final = images_dir(cache) / repo_key(base_recipe, packages)
    if not final.is_dir():
        final.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(final.parent / f".{final.name}.lock"):
            if not final.is_dir():
                _build(base_rootfs, final, packages, release, mirror)
    return final / "repo"


def _build(base_rootfs: Path, final: Path, packages: tuple[str, ...], release: str, mirror: str) -> None:
    started = time.monotonic()
    with building(final) as tmp:
        root, repo = tmp / "chroot", tmp / "repo"
        mount_overlay(base_rootfs, tmp / "upper", tmp / "work", root)
        use_sources(root, release, mirror)
        log(f"downloading {' '.join(packages)} and missing dependencies for the local apt repository")
        _chroot_apt(root, ["update"])
        _chroot_apt(root, ["install", "-y", "--no-install-recommends", "--download-only", *packages])
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


def use_sources(root: Path, release: str, mirror: str) -> None:
    """Give the chroot apt sources for `release` and this machine's resolver, for a download only:
    the machine's own sources when they are for `release`, else `mirror` with that release."""
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    shutil.copyfile(Path("/etc/resolv.conf").resolve(), resolv)
    if release in aptsources.suites():
        _copy_machine_sources(root)
    else:
        (root / "etc/apt/sources.list").write_text(f"deb {mirror} {release} main\n")


def _copy_machine_sources(root: Path) -> None:
    (root / "etc/apt/sources.list").write_text("")
    for src in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if src.is_file() and src.suffix in (".list", ".sources"):
            target = (
                root
                / "etc/apt"
                / ("sources.list" if src.name == "sources.list" else f"sources.list.d/{src.name}")
            )
            shutil.copyfile(src, target)


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


def source_line(address: str, port: int, name: str) -> str:
    """The sources.list line for the repository served as `name` at `address:port`."""
    return f"deb [trusted=yes] http://{address}:{port}/{name}/ ./\n"


def link_repo(serve_root: Path, name: str, repo: Path) -> None:
    """Make `serve_root/name` point at `repo` (what the server shows as `name`)."""
    serve_root.mkdir(parents=True, exist_ok=True)
    link = serve_root / name
    if link.is_symlink() and link.readlink() == repo:
        return
    tmp = serve_root / f".{name}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(repo)
    tmp.replace(link)


def start_server(repo: Path, address: str, port: int, log_path: Path) -> int:
    """Serve the directory `repo` on `address:port` (a detached `python3 -m http.server`); return its pid
    once it answers."""
    with open(log_path, "ab") as logfh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", f"--bind={address}", "--directory", str(repo), str(port)],
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
    return "http.server" in argv and f"--bind={address}" in argv and alive(pid)


def find_servers(address: str) -> list[int]:
    """Pids of every repository server bound to `address` (for the leftovers sweep)."""
    return [pid for pid in all_pids() if is_server(pid, address)]


def stop_server(pid: int) -> None:
    """Stop the server `pid` and wait for it to go."""
    terminate(pid, timeout=5)
