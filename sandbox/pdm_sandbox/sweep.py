"""Finding what belongs to no live host: stale records (owner or host gone) and orphans nothing records."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import aptrepo, network, nspawn
from .mounts import mounts_under, remove_tree
from .procs import cmdline, start_time
from .shell import run

Record = dict[str, Any]


def me() -> dict[str, int | None]:
    """This process as an owner: pid plus start time (a reused pid is not the same owner)."""
    return {"pid": os.getpid(), "start": start_time(os.getpid())}


def owner_alive(owner: dict[str, Any] | None) -> bool:
    """Whether the owning process recorded in a host record still runs (None: no owner, detached)."""
    return owner is not None and start_time(int(owner["pid"])) == owner["start"]


def is_stale(rec: Record, hosts_dir: Path) -> bool:
    """A record whose owner died, or an `up` host whose nspawn process is gone."""
    if rec.get("owner") is not None and not owner_alive(rec["owner"]):
        return True
    pid = rec.get("pid") or 0
    return rec.get("status") == "up" and not (pid and nspawn.is_ours(pid, hosts_dir))


def sweep_orphans(hosts: dict[str, Record], hosts_dir: Path, server_pid: int | None) -> list[str]:
    """Remove what no record in `hosts` accounts for; call with the state lock held. Return what went."""
    removed: list[str] = []
    known_dirs = {str(hosts_dir / name) for name in hosts}

    def known(path: str) -> bool:
        return any(path == d or path.startswith(d + "/") for d in known_dirs)

    for pid in nspawn.find_ours(hosts_dir):
        if not any(known(arg) for arg in cmdline(pid)):
            nspawn.stop(pid)
            removed.append(f"nspawn pid {pid}")
    for point in mounts_under(hosts_dir):
        if not known(point):
            if run(["umount", point], check=False).returncode != 0:
                run(["umount", "-l", point])
            removed.append(f"mount {point}")
    for ns in network.namespaces():
        if ns.removeprefix(network.netns_name("")) not in hosts:
            run(["ip", "netns", "del", ns], check=False)
            removed.append(f"netns {ns}")
    veths = {v for rec in hosts.values() for v in rec.get("veths", [])}
    for link in network.links():
        if network.VETH_RE.match(link) and link not in veths:
            run(["ip", "link", "del", link], check=False)
            removed.append(f"link {link}")
    if hosts_dir.is_dir():
        for path in hosts_dir.iterdir():
            if path.name not in hosts:
                remove_tree(path)
                removed.append(f"host dir {path.name}")
    address = network.NETWORKS["public"].machine_address or ""
    for pid in aptrepo.find_servers(address):
        if pid != server_pid:
            aptrepo.stop_server(pid)
            removed.append(f"apt repository server pid {pid}")
    return removed
