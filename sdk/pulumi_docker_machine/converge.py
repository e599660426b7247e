"""The DockerHost workflow: probe, install if missing, apply the transaction, verify over TLS.

Pure decisions (what to write, whether to restart) come from `daemon.*`; every side effect goes
through `remote.*`. Returns plain dicts for provider outputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import paramiko

from .daemon import paths, render, transaction
from .daemon.install import install_script, uninstall_script
from .errors import DockerMachineError, ValidationError
from .remote import facts as host_facts
from .remote import tlsprobe
from .remote.hostkeys import fingerprint
from .remote.session import Session
from .spec.host import HostSpec


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Desired:
    """The files a host should have, with their modes."""

    files: dict[str, tuple[str, int]]

    @property
    def hashes(self) -> dict[str, str]:
        return {path: sha256(content) for path, (content, _) in self.files.items()}


def desired_files(spec: HostSpec, facts: host_facts.HostFacts, base: dict[str, Any] | None) -> Desired:
    """What to write, from the spec, the unit the host ships and the daemon.json it had before us."""
    return Desired(
        {
            paths.CA_CERT: (spec.ca_cert_pem, 0o644),
            paths.SERVER_CERT: (spec.server_cert_pem, 0o644),
            paths.SERVER_KEY: (spec.server_key_pem, 0o600),
            paths.DAEMON_JSON: (render.daemon_json(spec.daemon, base), 0o644),
            paths.DROPIN: (render.dropin(spec.daemon, facts.unit_text), 0o644),
        }
    )


def drift(desired_hashes: dict[str, str], facts: host_facts.HostFacts) -> dict[str, str]:
    """What differs on the host from what we last applied: {what: how}."""
    found = {}
    for path, digest in sorted(desired_hashes.items()):
        seen = facts.sha256.get(path, "")
        if seen != digest:
            found[path] = "missing on host" if not seen else "changed on host"
    if facts.active != "active":
        found["docker.service"] = facts.active or "not running"
    for path in facts.foreign_exec_start:
        found[path] = "foreign drop-in overrides ExecStart"
    return found


def converge(spec: HostSpec, pins: Mapping[str, str], base_json: str | None, first: bool) -> dict[str, Any]:
    """Make the host match `spec`; returns the observed outputs. `pins`: SSH host keys by `host:port`."""
    session = Session(spec.connection, pins)
    facts = host_facts.probe(session)
    _check_init_system(spec, facts)
    installed = not facts.has_docker
    if installed:
        facts = _install_docker(session, spec)
    if first:
        base_json = facts.daemon_json
    base = _parse_base(base_json, spec.connection.label)
    _check_foreign_dropins(spec, facts)
    _check_storage_driver(spec, facts)
    desired = desired_files(spec, facts, base)
    changed = {p: f for p, f in desired.files.items() if facts.sha256.get(p) != sha256(f[0])}
    restart = bool(changed) or facts.active != "active"
    if restart:
        socket = "unix:///var/run/docker.sock" if spec.daemon.keep_unix_socket else ""
        script = transaction.apply_script(changed, True, facts.can_validate, socket)
        session.script("apply daemon configuration", script)
    engine = _verify_tls(session, spec, changed)
    if changed:
        session.script("commit", transaction.commit_script(changed))
    after = host_facts.probe(session) if restart else facts
    return {
        "host_key": session.host_key,
        "host_keys": session.host_keys,
        "host_key_fingerprint": fingerprint(session.host_key),
        "docker_host": spec.docker_host,
        "engine_version": engine.version if engine else after.server_version,
        "api_version": engine.api_version if engine else "",
        "os": after.os_pretty or after.os_id,
        "init_system": after.init_system,
        "addresses": list(after.addresses),
        "daemon_pid": after.main_pid,
        "base_daemon_json": base_json,
        "daemon_json": desired.files[paths.DAEMON_JSON][0],
        "dropin": desired.files[paths.DROPIN][0],
        "desired_sha256": desired.hashes,
        "drift": drift(desired.hashes, after),
        "installed_docker": installed,
        "restarted": restart,
    }


def observe(spec: HostSpec, pins: Mapping[str, str], desired_hashes: dict[str, str]) -> dict[str, Any]:
    """read(): one probe; what the host looks like against what we applied."""
    session = Session(spec.connection, pins)
    facts = host_facts.probe(session)
    return {
        "engine_version": facts.server_version,
        "addresses": list(facts.addresses),
        "daemon_pid": facts.main_pid,
        "drift": drift(desired_hashes, facts),
    }


def remove(spec: HostSpec, pins: Mapping[str, str], base_json: str | None, uninstall: bool) -> None:
    """delete(): give the host back as it was; Docker stays unless we installed it and were asked."""
    session = Session(spec.connection, pins)
    session.script("remove configuration", transaction.remove_script(base_json))
    if uninstall:
        session.script("uninstall docker", uninstall_script(), timeout=1800)


def _check_init_system(spec: HostSpec, facts: host_facts.HostFacts) -> None:
    if facts.init_system != "systemd":
        raise DockerMachineError(
            f"{spec.connection.label}: init system {facts.init_system!r} is not supported yet (systemd is);"
            " nothing was changed"
        )


def _install_docker(session: Session, spec: HostSpec) -> host_facts.HostFacts:
    if spec.install_method == "none":
        raise DockerMachineError(
            f"{spec.connection.label}: Docker is not installed and install_method is 'none'"
        )
    session.script("install docker", install_script(spec.install_method, spec.install_command), timeout=1800)
    return host_facts.probe(session)


def _check_foreign_dropins(spec: HostSpec, facts: host_facts.HostFacts) -> None:
    if facts.foreign_exec_start:
        raise DockerMachineError(
            f"{spec.connection.label}: drop-in(s) {', '.join(facts.foreign_exec_start)} also set"
            " ExecStart for docker.service and would conflict with ours; remove them or merge their"
            " flags into DaemonConfig"
        )


def _verify_tls(session: Session, spec: HostSpec, changed: Mapping[str, Any]) -> tlsprobe.Engine | None:
    """/_ping and /version over TLS with the client certificate; on failure roll `changed` back."""
    if not (spec.client_cert_pem and spec.client_key_pem):
        return None
    try:
        return tlsprobe.probe(
            _tls_stream(session, spec), spec.ca_cert_pem, spec.client_cert_pem, spec.client_key_pem
        )
    except tlsprobe.TLSProbeError as exc:
        restored = ""
        if changed:
            rollback = session.script("roll back", transaction.rollback_script(changed), check=False)
            why = rollback.stderr.strip()[-400:]
            restored = (
                "; previous configuration restored"
                if rollback.ok
                else f"; rolling back failed too (exit {rollback.exit_code}): {why}"
            )
        raise DockerMachineError(
            f"{spec.connection.label}: TLS endpoint {spec.docker_host} did not answer /_ping and /version"
            f" with the client certificate: {exc}{restored}"
        ) from exc


def _tls_stream(session: Session, spec: HostSpec) -> tlsprobe.Stream:
    timeout = spec.connection.per_dial_timeout
    if spec.connection.proxy is None:
        try:
            return tlsprobe.tcp_stream(spec.advertised_address, spec.daemon.tls_port, timeout)
        except OSError as exc:  # refused or timed out: a failed check like any other, so roll back
            raise tlsprobe.TLSProbeError(f"cannot connect to port {spec.daemon.tls_port}: {exc}") from exc
    # Not reachable from here: ask through the host's own SSH server, at the address it listens on.
    bind = spec.daemon.bind_address
    target = "127.0.0.1" if bind == "0.0.0.0" else "::1" if bind == "::" else bind
    try:
        channel = session.transport.open_channel(
            "direct-tcpip", (target, spec.daemon.tls_port), ("127.0.0.1", 0), timeout=timeout
        )
    except (paramiko.SSHException, OSError) as exc:
        raise tlsprobe.TLSProbeError(f"no tunnel to {target}:{spec.daemon.tls_port}: {exc}") from exc
    channel.settimeout(timeout)
    return channel


def _parse_base(text: str | None, label: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DockerMachineError(
            f"{label}: the existing {paths.DAEMON_JSON} is not valid JSON: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise DockerMachineError(f"{label}: the existing {paths.DAEMON_JSON} is not a JSON object")
    return data


def _check_storage_driver(spec: HostSpec, facts: host_facts.HostFacts) -> None:
    wanted = spec.daemon.storage_driver
    if not wanted or not facts.storage_driver or wanted == facts.storage_driver:
        return
    if (facts.images or facts.containers) and not spec.daemon.allow_storage_driver_change:
        raise ValidationError(
            "daemon.storage_driver",
            f"{spec.connection.label} runs {facts.storage_driver!r} with {facts.images} image(s) and"
            f" {facts.containers} container(s); switching to {wanted!r} would hide them. Set"
            " daemon.allow_storage_driver_change=true to do it anyway.",
        )
