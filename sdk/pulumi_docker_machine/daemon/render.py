"""daemon.json and the systemd drop-in, rendered deterministically (sorted, stable).

On systemd hosts the listen addresses go into the drop-in (the unit passes `-H fd://`, and dockerd
refuses `hosts` in daemon.json beside a -H flag). Without systemd, Debian's /etc/init.d/docker passes
no -H of its own, so they go into daemon.json as `hosts`: one file, checked by `dockerd --validate`.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from ..spec.daemon import DaemonSpec
from . import paths

DROPIN_HEADER = "# Managed by pulumi-docker-machine; `pulumi up` reverts manual edits.\n"
_HOST_FLAGS = ("-H", "--host")


def daemon_json(
    spec: DaemonSpec, base: Mapping[str, Any] | None = None, hosts: list[str] | None = None
) -> str:
    """daemon.json: the host's original settings overlaid with ours; TLS always on. `hosts`: the listen
    addresses, when daemon.json carries them (no systemd drop-in)."""
    settings: dict[str, Any] = dict(base or {})
    settings.pop("hosts", None)  # ours alone: in the drop-in (conflicts with -H fd://) or given here
    if hosts:
        settings["hosts"] = hosts
    settings.update(
        {
            "tls": True,
            "tlsverify": True,
            "tlscacert": paths.CA_CERT,
            "tlscert": paths.SERVER_CERT,
            "tlskey": paths.SERVER_KEY,
        }
    )
    optional: dict[str, Any] = {
        "labels": list(spec.labels),
        "storage-driver": spec.storage_driver,
        "registry-mirrors": list(spec.registry_mirrors),
        "insecure-registries": list(spec.insecure_registries),
        "log-driver": spec.log_driver,
        "log-opts": dict(spec.log_opts),
        "live-restore": spec.live_restore,
        "default-address-pools": [{"base": p.base, "size": p.size} for p in spec.default_address_pools],
    }
    settings.update({k: v for k, v in optional.items() if v not in (None, [], {})})
    settings.update(spec.extra)
    return json.dumps(settings, indent=2, sort_keys=True) + "\n"


def listen_hosts(spec: DaemonSpec, original_hosts: list[str]) -> list[str]:
    """The -H values: the unit's own local socket (fd:// or unix://) when kept, then the TLS port."""
    hosts = []
    if spec.keep_unix_socket:
        local = [h for h in original_hosts if h.startswith(("fd://", "unix://"))]
        hosts.extend(local or ["unix:///var/run/docker.sock"])
    bind = f"[{spec.bind_address}]" if ":" in spec.bind_address else spec.bind_address
    hosts.append(f"tcp://{bind}:{spec.tls_port}")
    return hosts


def parse_exec_start(unit_text: str) -> list[str]:
    """argv of the last ExecStart= of a unit file (continuation lines joined)."""
    joined = unit_text.replace("\\\n", " ")
    found: list[str] = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped.startswith("ExecStart="):
            value = stripped[len("ExecStart=") :].lstrip("-@:+!")
            found = shlex.split(value) if value else []
    return found


def strip_host_flags(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split argv into (argv without -H/--host flags, the hosts those flags named)."""
    kept: list[str] = []
    hosts: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in _HOST_FLAGS:
            hosts.append(next(args, ""))
        elif arg.startswith(("-H=", "--host=")):
            hosts.append(arg.split("=", 1)[1])
        elif arg.startswith("-H") and len(arg) > 2:
            hosts.append(arg[2:])
        else:
            kept.append(arg)
    return kept, hosts


def dropin(spec: DaemonSpec, unit_text: str) -> str:
    """The drop-in: clears the unit's ExecStart and restarts dockerd with our -H flags."""
    argv, original_hosts = strip_host_flags(parse_exec_start(unit_text))
    if not argv:
        argv = ["/usr/bin/dockerd"]
    command = argv + [f"-H {h}" for h in listen_hosts(spec, original_hosts)]
    lines = [DROPIN_HEADER, "[Service]\n"]
    lines += [f'Environment="{k}={_escape(v)}"\n' for k, v in sorted(spec.environment.items())]
    lines += ["ExecStart=\n", "ExecStart=" + " ".join(_systemd_word(a) for a in command) + "\n"]
    return "".join(lines)


def _systemd_word(arg: str) -> str:
    if arg.startswith("-H ") or not any(c in arg for c in " \t\"'\\"):
        return arg
    return '"' + _escape(arg) + '"'


def _escape(value: str) -> str:
    """Quote for a systemd double-quoted word; `%` would be a specifier."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
