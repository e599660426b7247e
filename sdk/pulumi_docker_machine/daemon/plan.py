"""What a DockerHost change does to a host, from the spec, the host's facts and its recorded original (pure).

Every decision lives here, so that the unit tier can check it from data: which files to write,
whether to restart, what the host's original was, what differs from what we applied (drift), and
what giving the host back means.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import DockerMachineError, HostOwnedError, ValidationError
from ..remote.facts import HostFacts
from ..spec.daemon import OWNED_KEYS, DaemonSpec
from ..spec.host import HostSpec
from ..spec.values import SSH_PORT, SSH_USER
from . import paths, render
from .transaction import Entry, OriginalSource, Status, file_entries, kept_copy, sha256

LOCAL_SOCKET = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class ApplyPlan:
    """The files a host should have, which of them differ, and whether the daemon restarts."""

    files: Mapping[str, tuple[str, int]]
    changed: tuple[str, ...]
    restart: bool
    entries: tuple[Entry, ...]

    @property
    def hashes(self) -> dict[str, str]:
        return {path: sha256(content) for path, (content, _) in sorted(self.files.items())}


def original_source(
    facts: HostFacts, state: Mapping[str, Any] | None, take_over: Sequence[str] = ()
) -> OriginalSource | None:
    """How to record the host's original on first touch; None when the host already has a record.

    The record is the host's own daemon.json as it is, except when our own files are already there
    with no record (a host configured by an older version of this package): then the original comes
    from the stack's state when it has one, else from the host's file with our keys taken out. The
    drop-ins to `take_over` that the host has are kept with the host's own original.
    """
    if facts.original is not None:
        return None
    if state is not None and "base_daemon_json" in state:
        return OriginalSource(from_host=False, content=state["base_daemon_json"], why="state")
    if facts.sha256.get(paths.DROPIN):
        return OriginalSource(from_host=False, content=_without_our_keys(facts.daemon_json), why="stripped")
    present = {path.rsplit("/", 1)[1] for path in facts.foreign_exec_start}
    return OriginalSource(from_host=True, dropins=tuple(d for d in take_over if d in present))


def owner_to_record(spec: HostSpec, facts: HostFacts, state: Mapping[str, Any] | None) -> str | None:
    """Whom the host's owner record must name after this change (None: it already does, or the resource
    has no identity); refuses a host another stack or resource manages unless `adopt` is set.

    The record of this resource under its previous identity (a renamed stack or project) is ours too.
    A host with no owner recorded (never managed, or by a version before owners) is claimed."""
    if not spec.managed_by:
        return None
    recorded = facts.owner
    ours = {spec.managed_by, (state or {}).get("managed_by")}
    if recorded and recorded not in ours and not spec.adopt:
        raise HostOwnedError(spec.connection.label, recorded, paths.OWNER)
    return None if recorded == spec.managed_by else spec.managed_by


def changed_inputs(state: Mapping[str, Any] | None, spec: HostSpec) -> list[str]:
    """The inputs whose change this apply carries, against the state of the last one (none on a create):
    what a rolled-back change is about, named as the user wrote them (`daemon.log_driver`)."""
    if not state:
        return []
    try:
        before = DaemonSpec.from_inputs(state.get("daemon") or {}).to_dict()
    except DockerMachineError:
        before = {}
    after = spec.daemon.to_dict()
    names = [f"daemon.{key}" for key in sorted(after) if before.get(key) != after[key]]
    return names + [
        f for f in ("ca_cert_pem", "server_cert_pem", "address") if state.get(f) != getattr(spec, f)
    ]


def not_ours_to_restore(label: str, facts: HostFacts, state: Mapping[str, Any]) -> str | None:
    """Why a destroy must leave the host as it is, or None: another stack manages it now (it adopted the
    host), or the host was already given back (no owner, no record, and none of the files this stack
    applied: TLS files there are the host's own). States written before owners were recorded restore as
    before."""
    mine = state.get("managed_by")
    if not mine:
        return None
    if facts.owner and facts.owner != mine:
        return f"{label}: managed by {facts.owner} now; destroy leaves the host as it is"
    applied = state.get("desired_sha256") or {}
    ours = [p for p in (*paths.TLS_FILES, paths.DROPIN) if p in applied and facts.sha256.get(p) == applied[p]]
    if facts.owner is None and facts.original is None and not ours:
        return f"{label}: not managed any more (no owner, record or files of ours); left as it is"
    return None


def _without_our_keys(text: str | None) -> str | None:
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError:
        return text
    if not isinstance(data, dict):
        return text
    kept = {k: v for k, v in data.items() if k not in OWNED_KEYS}
    return json.dumps(kept, indent=2, sort_keys=True) + "\n" if kept else None


def desired_files(spec: HostSpec, facts: HostFacts) -> dict[str, tuple[str, int]]:
    """What to write, from the spec, the unit the host ships and the recorded original daemon.json.
    With systemd the listen addresses go into a drop-in, else into daemon.json (see `render`)."""
    original = facts.original.daemon_json if facts.original else facts.daemon_json
    base = _parse_base(original, spec)
    files = {
        paths.CA_CERT: (spec.ca_cert_pem, 0o644),
        paths.SERVER_CERT: (spec.server_cert_pem, 0o644),
        paths.SERVER_KEY: (spec.server_private_key_pem, 0o600),
    }
    if facts.init_system == "systemd":
        files[paths.DAEMON_JSON] = (render.daemon_json(spec.daemon, base), 0o644)
        files[paths.DROPIN] = (render.dropin(spec.daemon, facts.unit_text), 0o644)
    else:
        hosts = render.listen_hosts(spec.daemon, [LOCAL_SOCKET])
        files[paths.DAEMON_JSON] = (render.daemon_json(spec.daemon, base, hosts), 0o644)
    return files


def plan_apply(spec: HostSpec, facts: HostFacts) -> ApplyPlan:
    """The change that makes the host match `spec`; refuses what would hurt the host."""
    check_bind_address(spec.connection.label, spec.daemon.bind_address, facts.addresses)
    _check_foreign_dropins(spec, facts)
    _check_init_script(spec, facts)
    _check_storage_driver(spec, facts)
    files = desired_files(spec, facts)
    changed = {p: f for p, f in files.items() if facts.sha256.get(p) != sha256(f[0])}
    removed = tuple(Entry("delete", path) for path in _taken_over(spec, facts))
    restart = bool(changed or removed) or facts.active != "active"
    dirs: tuple[Entry, ...] = ()
    if changed:
        dirs = (Entry("dir", paths.DOCKER_DIR),)
        dirs += (Entry("dir", paths.DROPIN_DIR),) if paths.DROPIN in files else ()
    return ApplyPlan(files, tuple(sorted(changed)), restart, dirs + file_entries(changed) + removed)


def plan_restore(facts: HostFacts, state: Mapping[str, Any] | None) -> tuple[Entry, ...]:
    """Give the host back: its original daemon.json and the TLS files it had (byte for byte, with their
    modes), none of our files."""
    entries: list[Entry] = []
    original = facts.original
    if original is not None:
        if original.daemon_json is not None:
            source = f"{paths.ORIGINAL_DIR}/daemon.json"
            entries.append(Entry("write", paths.DAEMON_JSON, original.daemon_json_mode, source=source))
        else:
            entries.append(Entry("delete", paths.DAEMON_JSON))
    else:
        # A host configured by an older version of this package: the original is in the state.
        base = (state or {}).get("base_daemon_json")
        entries.append(
            Entry("write", paths.DAEMON_JSON, 0o644, content=base)
            if base
            else Entry("delete", paths.DAEMON_JSON)
        )
    kept = dict(original.kept) if original is not None else {}
    for path in paths.TLS_FILES:  # the host's own TLS files come back; ours go
        entries.append(
            Entry("write", path, kept[path], source=kept_copy(path))
            if path in kept
            else Entry("delete", path)
        )
    for path, mode in kept.items():  # drop-ins taken over come back
        if path.startswith(paths.DROPIN_DIR + "/"):
            entries.append(Entry("write", path, mode, source=kept_copy(path)))
    if facts.init_system != "systemd":
        return tuple(entries)
    entries.append(Entry("delete", paths.DROPIN))
    if original is None or not original.had_dropin_dir:
        entries.append(Entry("rmdir", paths.DROPIN_DIR))
    return tuple(entries)


def drift(
    desired_hashes: Mapping[str, str],
    facts: HostFacts,
    transaction: str | None = None,
    managed_by: str | None = None,
) -> dict[str, str]:
    """What differs on the host from what we last applied: {what: how}."""
    found = {}
    if managed_by and facts.owner and facts.owner != managed_by:
        found["owner"] = f"managed by {facts.owner} now (it adopted the host)"
    for path, digest in sorted(desired_hashes.items()):
        seen = facts.sha256.get(path, "")
        if seen != digest:
            found[path] = "missing on host" if not seen else "changed on host"
    if facts.active != "active":
        found["docker.service"] = facts.active or "not running"
    for path in facts.foreign_exec_start:
        found[path] = "foreign drop-in overrides ExecStart"
    if facts.lock_owner:
        found["change in progress"] = f"held by {facts.lock_owner}"
    elif facts.txn is not None and not facts.txn.final:
        found["interrupted change"] = (
            f"{facts.txn.id} stopped while {facts.txn.state}; the next run rolls it back"
        )
    last = facts.last
    if last is not None and last.id != transaction and last.state != "confirmed":
        found["last change"] = describe(last)
    return found


def describe(status: Status) -> str:
    """A person's reading of a transaction status."""
    when = (
        datetime.fromtimestamp(status.updated, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if status.updated else "?"
    )
    text = f"{status.state.replace('-', ' ')} at {when}"
    return f"{text}: {status.reason}" if status.reason else text


def _parse_base(text: str | None, spec: HostSpec) -> dict[str, Any] | None:
    if not text:
        return None
    label = spec.connection.label
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DockerMachineError(
            f"{label}: the original {paths.DAEMON_JSON} is not valid JSON: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise DockerMachineError(f"{label}: the original {paths.DAEMON_JSON} is not a JSON object")
    return data


def _taken_over(spec: HostSpec, facts: HostFacts) -> list[str]:
    """The foreign drop-ins on the host that the spec takes over (removed here, put back at destroy)."""
    return [p for p in facts.foreign_exec_start if p.rsplit("/", 1)[1] in spec.take_over_dropins]


def _check_foreign_dropins(spec: HostSpec, facts: HostFacts) -> None:
    taken = _taken_over(spec, facts)
    others = [p for p in facts.foreign_exec_start if p not in taken]
    if others:
        raise DockerMachineError(
            f"{spec.connection.label}: drop-in(s) {', '.join(others)} also set"
            " ExecStart for docker.service and would conflict with ours; remove them, merge their"
            " flags into DaemonConfig, or name them in take_over_dropins; nothing was changed"
        )
    kept = {path for path, _ in (facts.original.kept if facts.original else ())}
    unkept = [p for p in taken if p not in kept]
    if unkept:
        raise ValidationError(
            "take_over_dropins",
            f"{spec.connection.label}: {', '.join(unkept)} was not on the host when it was first recorded, so"
            " it could not be put back at destroy; move it away by hand instead; nothing was changed",
        )


def _check_init_script(spec: HostSpec, facts: HostFacts) -> None:
    """Without systemd, daemon.json carries the listen addresses: refuse what would clash with that."""
    if facts.init_system == "systemd":
        return
    label = spec.connection.label
    if facts.init_script_hosts or re.search(r"(^|[\s\"'=])(-H|--host)\b", facts.init_defaults_opts):
        where = "/etc/init.d/docker" if facts.init_script_hosts else paths.INIT_DEFAULTS + " (DOCKER_OPTS)"
        raise DockerMachineError(
            f"{label}: {where} passes -H/--host to dockerd, which then refuses the listen addresses in"
            f" {paths.DAEMON_JSON}; remove those flags (this package sets `hosts` in daemon.json on"
            f" {facts.init_system} hosts); nothing was changed"
        )
    if spec.daemon.environment:
        raise environment_refused(label, facts.init_system)


ANY_HOST_ADDRESS = frozenset({"0.0.0.0", "::", "127.0.0.1", "::1"})
"""bind_address values every host has: the wildcards and loopback (the probe lists global addresses)."""


def check_bind_address(label: str, bind_address: str, addresses: Sequence[str]) -> None:
    """Refuse a bind_address the host does not have: dockerd would not start (and roll back)."""
    if not addresses or bind_address in ANY_HOST_ADDRESS or bind_address in addresses:
        return
    raise ValidationError(
        "daemon.bind_address",
        f"{label} has no address {bind_address} (it has {', '.join(addresses)}; 0.0.0.0 or :: listen on"
        " all of them); nothing was changed",
    )


def refuse_for_recorded_state(state: Mapping[str, Any], daemon: Any) -> None:
    """At preview (diff, `daemon` known), what the state recorded of the host at the last apply or refresh
    refuses: a bind_address it does not have, daemon.environment where it ran sysvinit or OpenRC. A create
    learns both from its probe, so there they are refused at apply."""
    if not isinstance(daemon, Mapping):
        return
    conn = state.get("connection") or {}
    label = f"{conn.get('user') or SSH_USER}@{conn.get('host')}:{int(conn.get('port') or SSH_PORT)}"
    if isinstance(daemon.get("bind_address"), str):
        check_bind_address(label, daemon["bind_address"], state.get("addresses") or ())
    init = state.get("init_system")
    if init not in (None, "", "systemd") and daemon.get("environment"):
        raise environment_refused(label, str(init))


def environment_refused(label: str, init_system: str) -> ValidationError:
    """Why daemon.environment cannot be set on a host whose `init_system` is not systemd."""
    return ValidationError(
        "daemon.environment",
        f"{label} runs {init_system}: its /etc/init.d/docker takes dockerd's environment from"
        f" {paths.INIT_DEFAULTS}, which this package does not manage; set the variables there, or"
        " leave daemon.environment empty; nothing was changed",
    )


def _check_storage_driver(spec: HostSpec, facts: HostFacts) -> None:
    wanted = spec.daemon.storage_driver
    if not wanted or not facts.storage_driver or wanted == facts.storage_driver:
        return
    if (facts.images or facts.containers) and not spec.daemon.allow_storage_driver_change:
        raise ValidationError(
            "daemon.storage_driver",
            f"{spec.connection.label} runs {facts.storage_driver!r} with {facts.images} image(s) and"
            f" {facts.containers} container(s); switching to {wanted!r} would hide them. Set"
            " daemon.allow_storage_driver_change=true to do it anyway; nothing was changed.",
        )
