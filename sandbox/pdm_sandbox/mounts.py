"""Overlay mounts, finding mounts under a directory, and removing trees only once nothing is mounted."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import SandboxError
from .shell import log, run


def _unescape(field: str) -> str:
    """Decode the octal escapes (space, tab, newline, backslash) of /proc/self/mountinfo."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` in this mount namespace, deepest first."""
    root = str(path.resolve()) if path.exists() else str(path)
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            point = _unescape(line.split()[4])
            if point == root or point.startswith(root.rstrip("/") + "/"):
                found.append(point)
    return sorted(set(found), key=lambda p: (-p.count("/"), p))


def mount_overlay(lower: Path, upper: Path, work: Path, target: Path) -> None:
    """Mount a writable overlay of the read-only `lower` at `target`."""
    for d in (upper, work, target):
        d.mkdir(parents=True, exist_ok=True)
    opts = f"lowerdir={lower},upperdir={upper},workdir={work}"
    run(["mount", "-t", "overlay", "overlay", "-o", opts, str(target)])


def unmount_tree(path: Path) -> list[str]:
    """Unmount everything at or below `path` (lazily if busy); return what was unmounted."""
    done = []
    for point in mounts_under(path):
        if run(["umount", point], check=False).returncode != 0:
            run(["umount", "-l", point])
        done.append(point)
    return done


def remove_tree(path: Path) -> None:
    """Unmount whatever is below `path`, then delete it; refuse while anything is still mounted there."""
    if not path.exists():
        return
    unmount_tree(path)
    left = mounts_under(path)
    if left:
        raise SandboxError(f"refusing to delete {path}: still mounted: {', '.join(left)}")
    shutil.rmtree(path)


@contextmanager
def building(final: Path) -> Iterator[Path]:
    """A fresh temp dir beside `final` that becomes `final` (one rename) when the block succeeds.

    Interrupted builds of earlier runs are removed first; a failed block leaves nothing behind.
    The caller holds the lock for `final`.
    """
    for stale in final.parent.glob(f".tmp-{final.name}-*"):
        log(f"removing interrupted build {stale}")
        remove_tree(stale)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}"
    tmp.mkdir(parents=True)
    try:
        yield tmp
        os.rename(tmp, final)
    except BaseException:
        remove_tree(tmp)
        raise
