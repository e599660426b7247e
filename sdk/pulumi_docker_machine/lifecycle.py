"""DockerHost's lifecycle: probe, plan (pure), then run the plan as a host-side transaction.

Everything here talks to the host through `HostIO` only, so the unit tier runs it against an
in-memory host and the e2e tier against real ones. The order of a change:

1. probe (one round trip); refuse at once when another change holds the host's lock, or when another
   stack manages the host (unless adopting it); roll back a transaction that an earlier, cut-off run
   left behind;
2. record the host's original once, on the host, which stack manages it, and the boot-time recovery
   hook;
3. install Docker when missing;
4. plan (pure) and, when anything differs, start the transaction on the host: it stages, swaps,
   restarts and checks the daemon locally by itself, then waits for our confirmation;
5. check TLS from the client side and confirm, or abort (the host rolls back at once); if we are cut
   off, the host rolls back by itself at the deadline.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from . import faultpoints
from .daemon import paths, plan
from .daemon.transaction import SUPPORTED_INITS, Status, Transaction
from .errors import ChangeNotAppliedError, ConnectError, DockerMachineError, HostBusyError
from .outputs import HostOutputs
from .remote import tlsprobe
from .remote.facts import HostFacts
from .remote.hostio import HostIO
from .remote.hostkeys import fingerprint
from .spec.host import HostSpec

Progress = Callable[[str], None]
TLSCheck = Callable[[HostIO, HostSpec], tlsprobe.Engine]

START_TIMEOUT = 180.0
"""Seconds for the agent to validate, swap, restart and check the daemon locally."""
SIGNAL_TIMEOUT = 60.0
"""Seconds for the agent to act on a confirmation or an abort."""


def quiet(_message: str) -> None:
    """The default progress sink."""


def check_tls(host: HostIO, spec: HostSpec) -> tlsprobe.Engine:
    """/_ping and /version over TLS with the client certificate, from this machine."""
    assert spec.client_cert_pem and spec.client_private_key_pem
    timeout = spec.connection.per_dial_timeout
    address, port, bind = spec.advertised_address, spec.daemon.tls_port, spec.daemon.bind_address
    return tlsprobe.probe(
        lambda: host.tls_stream(address, port, bind, timeout),
        address,
        spec.ca_cert_pem,
        spec.client_cert_pem,
        spec.client_private_key_pem,
    )


def new_transaction_id() -> str:
    return f"{int(time.time())}-{secrets.token_hex(4)}"


def owner() -> str:
    """Who we are, for the lock: this machine, process and user."""
    return f"pulumi on {socket.gethostname()} (pid {os.getpid()}, uid {os.getuid()})"


def apply(
    host: HostIO,
    spec: HostSpec,
    state: Mapping[str, Any] | None,
    progress: Progress = quiet,
    tls_check: TLSCheck = check_tls,
) -> HostOutputs:
    """Make the host match `spec`. `state`: the resource's previous outputs (None on create)."""
    facts = _settled(host, spec, progress)
    faultpoints.pause("probed")
    new_owner = plan.owner_to_record(spec, facts, state)
    source = plan.original_source(facts, state, spec.take_over_dropins)
    if source is not None or new_owner or (facts.init_system in SUPPORTED_INITS and not facts.recover_hook):
        if new_owner and facts.owner and facts.owner != (state or {}).get("managed_by"):
            progress(f"adopting the host (adopt=true): it was managed by {facts.owner}")
        host.setup(source, facts.init_system, new_owner or "")
        facts = host.probe()
    installed = not facts.has_docker
    if installed:
        facts = _install(host, spec, facts, progress)
    try:
        change = plan.plan_apply(spec, facts)
    except DockerMachineError:
        if source is not None and not installed:
            # Refused on a first touch (the host's own daemon.json cannot be read): leave no record or
            # hook behind, so the create works once the host is fixed.
            host.forget()
        raise
    engine: tlsprobe.Engine | None = None
    final: Status | None = None
    txn_id = ""
    verify = bool(spec.client_cert_pem and spec.client_private_key_pem)
    if change.restart:
        txn = Transaction(
            id=new_transaction_id(),
            entries=change.entries,
            restart=True,
            validate=facts.can_validate,
            confirm_timeout=spec.confirm_timeout if verify else 0,
            socket=plan.LOCAL_SOCKET if spec.daemon.keep_unix_socket else "",
            tls_port=spec.daemon.tls_port,
            owner=owner(),
        )
        txn_id = txn.id
        files = len(change.changed)
        progress(f"writing {files} file{'' if files == 1 else 's'}, restarting docker (transaction {txn.id})")
        try:
            final, engine = _run(host, spec, facts, txn, progress, tls_check)
        except ConnectError as exc:
            raise _lost_in_flight(exc, txn) from exc
        except ChangeNotAppliedError as exc:
            if source is not None and not installed:
                # A first touch that ended cleanly without a change: leave no record or hook behind.
                host.forget()
            cause = plan.changed_inputs(state, spec) if exc.state in ("rolled-back", "failed") else []
            if cause:
                reason = f"{exc.reason} (the inputs this change altered: {', '.join(cause)})"
                raise ChangeNotAppliedError(exc.host, exc.state, reason) from exc
            raise
    elif verify:
        progress(f"checking TLS on {spec.advertised_address}:{spec.daemon.tls_port}")
        engine = _checked(host, spec, tls_check)
    after = host.probe() if change.restart else facts
    original = after.original
    return HostOutputs(
        host_key=host.host_key,
        host_keys=host.host_keys,
        host_key_fingerprint=fingerprint(host.host_key),
        docker_host=spec.docker_host,
        engine_version=engine.version if engine else after.server_version,
        api_version=engine.api_version if engine else "",
        os=after.os_pretty or after.os_id,
        init_system=after.init_system,
        addresses=list(after.addresses),
        daemon_pid=after.main_pid,
        base_daemon_json=original.daemon_json if original else None,
        daemon_json=change.files[paths.DAEMON_JSON][0],
        dropin=change.files.get(paths.DROPIN, ("", 0))[0],
        desired_sha256=change.hashes,
        installed_docker=bool(original and not original.had_docker),
        restarted=change.restart,
        transaction=txn_id or str((state or {}).get("transaction") or ""),
        last_change=plan.describe(final) if final else str((state or {}).get("last_change") or ""),
        drift={},
    )


def observe(host: HostIO, state: Mapping[str, Any]) -> dict[str, Any]:
    """read(): one probe; what the host looks like against what we applied."""
    facts = host.probe()
    return {
        "init_system": facts.init_system,
        "engine_version": facts.server_version,
        "addresses": list(facts.addresses),
        "daemon_pid": facts.main_pid,
        "drift": plan.drift(
            state.get("desired_sha256") or {},
            facts,
            state.get("transaction") or None,
            state.get("managed_by") or None,
        ),
    }


def restore(
    host: HostIO,
    spec: HostSpec,
    state: Mapping[str, Any],
    uninstall: bool,
    progress: Progress = quiet,
) -> str | None:
    """delete(): give the host back as it was recorded; Docker stays unless we installed it and were asked.
    Returns why the host was left as it is (another stack manages it, or it was given back already)."""
    facts = _settled(host, spec, progress)
    left = plan.not_ours_to_restore(host.label, facts, state)
    if left:
        return left
    entries = plan.plan_restore(facts, state)
    txn = Transaction(
        id=new_transaction_id(),
        entries=entries,
        restart=facts.has_docker,
        validate=False,
        confirm_timeout=0,
        socket=plan.LOCAL_SOCKET if facts.has_docker else "",
        tls_port=None,
        owner=owner(),
    )
    progress("restoring the original daemon configuration; restarting docker")
    _stop_if_orphaned(host)
    host.begin(txn, facts.init_system)
    status = host.wait(txn.id, (), START_TIMEOUT)
    _refuse_unless(host, status, "confirmed", txn.id)
    if uninstall and facts.original is not None and not facts.original.had_docker:
        progress("uninstalling Docker (we installed it)")
        host.uninstall()
    host.forget()
    return None


def _settled(host: HostIO, spec: HostSpec, progress: Progress) -> HostFacts:
    """Probe; refuse a busy host; roll back what a cut-off earlier run left unconfirmed."""
    facts = host.probe()
    if facts.lock_owner:
        raise HostBusyError(spec.connection.label, facts.lock_owner)
    if facts.txn is not None:
        progress(f"rolling back an interrupted change ({facts.txn.id}, {facts.txn.state})")
        host.recover()
        facts = host.probe()
    if facts.last is not None and facts.last.state != "confirmed":
        progress(f"the last change on this host was {plan.describe(facts.last)}")
    return facts


def _install(host: HostIO, spec: HostSpec, facts: HostFacts, progress: Progress) -> HostFacts:
    if spec.install_method == "none":
        raise DockerMachineError(
            f"{spec.connection.label}: Docker is not installed and install_method is 'none';"
            " nothing was changed"
        )
    progress(f"installing Docker ({spec.install_method})")
    host.install(spec.install_method, spec.install_command, spec.install_script_url)
    return host.probe()


def _run(
    host: HostIO,
    spec: HostSpec,
    facts: HostFacts,
    txn: Transaction,
    progress: Progress,
    tls_check: TLSCheck,
) -> tuple[Status, tlsprobe.Engine | None]:
    """Start the transaction, check TLS from here, then confirm or abort it."""
    _stop_if_orphaned(host)
    host.begin(txn, facts.init_system)
    faultpoints.pause("started")
    status = host.wait(txn.id, ("waiting",), START_TIMEOUT)
    if status.state == "refused":
        host.discard(txn.id)
    if status.final or status.state != "waiting":
        _refuse_unless(host, status, "confirmed", txn.id)
        return status, None
    faultpoints.pause("waiting")
    progress(f"checking TLS on {spec.advertised_address}:{spec.daemon.tls_port}")
    try:
        engine = tls_check(host, spec)
    except tlsprobe.TLSProbeError as exc:
        reason = _unanswered(spec, exc)
        host.signal(txn.id, confirm=False, reason=reason)
        final = host.wait(txn.id, (), SIGNAL_TIMEOUT)
        raise ChangeNotAppliedError(spec.connection.label, final.state, final.reason or reason) from exc
    faultpoints.pause("checked")
    if not faultpoints.engine_alive():
        # The state would not record it: let the host roll back rather than keep an unknown change.
        host.signal(txn.id, confirm=False, reason="pulumi stopped before the change could be recorded")
        raise DockerMachineError(f"{host.label}: pulumi stopped; the change was rolled back")
    progress("confirming the change")
    host.signal(txn.id, confirm=True)
    faultpoints.pause("confirmed")
    final = host.wait(txn.id, (), SIGNAL_TIMEOUT)
    _refuse_unless(host, final, "confirmed", txn.id)
    return final, engine


def _lost_in_flight(exc: ConnectError, txn: Transaction) -> ConnectError:
    """A connection lost after the transaction began: say that a change was in flight and what the host
    does about it by itself (the next run reads how it ended)."""
    if txn.confirm_timeout:
        fate = (
            f"unless it was confirmed, the host rolls it back by itself within {txn.confirm_timeout} s of its"
            " start"
        )
    else:
        fate = "the host finishes it by itself (no confirmation is awaited without a client certificate)"
    return ConnectError(
        exc.host,
        f"{exc.reason}; transaction {txn.id} was in flight: {fate}. The next `pulumi up` or"
        f" `pulumi preview --refresh` reads how it ended ({paths.LAST_STATUS} on the host)",
        exc.field,
    )


def _stop_if_orphaned(host: HostIO) -> None:
    if not faultpoints.engine_alive():
        raise DockerMachineError(f"{host.label}: pulumi stopped; nothing was changed")


def _checked(host: HostIO, spec: HostSpec, tls_check: TLSCheck) -> tlsprobe.Engine:
    try:
        return tls_check(host, spec)
    except tlsprobe.TLSProbeError as exc:
        raise DockerMachineError(
            f"{spec.connection.label}: {_unanswered(spec, exc)}; nothing was changed"
        ) from exc


def _unanswered(spec: HostSpec, exc: tlsprobe.TLSProbeError) -> str:
    return (
        f"TLS endpoint {spec.docker_host} did not answer /_ping and /version with the client"
        f" certificate: {exc}"
    )


def _refuse_unless(host: HostIO, status: Status, wanted: str, txn_id: str) -> None:
    if status.state == wanted:
        return
    if status.state == "timeout":
        reason = (
            f"no answer from transaction {txn_id} in time; unless it is confirmed, the host rolls it back"
            " by itself (see /var/lib/pulumi-docker-machine/last-status on the host)"
        )
    elif status.state == "lost":
        reason = f"transaction {txn_id} did not start or left no status ({status.reason or 'no details'})"
    else:
        reason = status.reason or status.state
    raise ChangeNotAppliedError(host.label, status.state, reason)
