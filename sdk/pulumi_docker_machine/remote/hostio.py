"""The narrow interface between DockerHost's lifecycle and a host, and its SSH implementation.

The lifecycle (`..lifecycle`) asks a host only for these operations; the unit tier drives it with
an in-memory fake of this Protocol, the e2e tier with `SshHost` on real hosts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, TypeVar

import paramiko

from ..daemon import install, transaction
from ..daemon.transaction import OriginalSource, Status, Transaction
from ..errors import ConnectError, HostBusyError, RemoteCommandError
from ..spec.connection import ConnectionSpec
from . import tlsprobe
from .facts import PROBE_SCRIPT, HostFacts, parse
from .session import Session

T = TypeVar("T")


class HostIO(Protocol):
    """What the DockerHost lifecycle needs from a host."""

    @property
    def label(self) -> str: ...
    @property
    def host_key(self) -> str: ...
    @property
    def host_keys(self) -> dict[str, str]: ...
    def probe(self) -> HostFacts: ...
    def setup(self, original: OriginalSource | None, init_system: str, owner: str = "") -> None: ...
    def install(self, method: str, command: str | None, url: str | None = None) -> None: ...
    def uninstall(self) -> None: ...
    def begin(self, txn: Transaction, init_system: str) -> None: ...
    def wait(self, txn_id: str, states: Iterable[str], timeout: float) -> Status: ...
    def signal(self, txn_id: str, confirm: bool, reason: str = "") -> None: ...
    def discard(self, txn_id: str) -> None: ...
    def recover(self) -> None: ...
    def forget(self) -> None: ...
    def tls_stream(self, address: str, port: int, bind_address: str, timeout: float) -> tlsprobe.Stream: ...


class SshHost:
    """HostIO over one SSH session (reconnected once when the connection drops while waiting)."""

    def __init__(self, spec: ConnectionSpec, pins: Mapping[str, str] | None = None) -> None:
        self.spec = spec
        self.pins = dict(pins or {})
        self.session = Session(spec, self.pins)
        self.cut_while_starting = ""

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def host_key(self) -> str:
        return self.session.host_key

    @property
    def host_keys(self) -> dict[str, str]:
        return self.session.host_keys

    def probe(self) -> HostFacts:
        """All facts in one round trip."""
        result = self.session.script("probe host facts", PROBE_SCRIPT)
        try:
            return parse(result.stdout)
        except ValueError as exc:
            step = "probe host facts"
            raise RemoteCommandError(self.label, step, "sh -s", result.exit_code, str(exc)) from exc

    def setup(self, original: OriginalSource | None, init_system: str, owner: str = "") -> None:
        script = transaction.setup_script(original, init_system, owner)
        self.session.script("record the host's original and owner", script)

    def install(self, method: str, command: str | None, url: str | None = None) -> None:
        self.session.script("install docker", install.install_script(method, command, url), timeout=1800)

    def uninstall(self) -> None:
        self.session.script("uninstall docker", install.uninstall_script(), timeout=1800)

    def begin(self, txn: Transaction, init_system: str) -> None:
        result = self.session.script(
            "upload and start the change", transaction.begin_script(txn, init_system), check=False
        )
        if result.exit_code == -1:
            # Cut off while starting (no exit status): reconnect; the next wait tells whether it runs.
            self.cut_while_starting = result.stderr.strip()[-300:] or "no exit status"
            self._reconnect()
            return
        if result.exit_code == transaction.EXIT_BUSY:
            raise HostBusyError(self.label, result.stderr.strip().rpartition("lock: ")[2] or "unknown")
        if not result.ok:
            raise RemoteCommandError(
                self.label, "upload and start the change", "sh -s", result.exit_code, result.stderr
            )

    def wait(self, txn_id: str, states: Iterable[str], timeout: float) -> Status:
        script = transaction.wait_script(txn_id, states, timeout)
        result = self._reconnecting(
            lambda: self.session.script("wait for the change", script, timeout=timeout + 30)
        )
        said = f"exit {result.exit_code}, printed {result.stdout[-200:]!r} {result.stderr[-200:]!r}"
        status = transaction.parse_status(result.stdout) or Status(txn_id, "lost", reason=said)
        if status.state == "lost" and self.cut_while_starting:
            reason = f"the connection dropped while starting it ({self.cut_while_starting}); {status.reason}"
            return Status(txn_id, "lost", reason=reason)
        return status

    def signal(self, txn_id: str, confirm: bool, reason: str = "") -> None:
        script = transaction.signal_script(txn_id, confirm, reason)
        step = "confirm the change" if confirm else "abort the change"
        self._reconnecting(lambda: self.session.script(step, script))

    def discard(self, txn_id: str) -> None:
        self.session.script("discard a refused change", f"rm -rf {transaction.paths.TXN_DIR}/{txn_id}\n")

    def recover(self) -> None:
        self.session.script("roll back an interrupted change", f"sh {transaction.paths.RECOVER_SCRIPT} now\n")

    def forget(self) -> None:
        self.session.script("remove the host's record", transaction.forget_script())

    def tls_stream(self, address: str, port: int, bind_address: str, timeout: float) -> tlsprobe.Stream:
        if self.spec.proxy is None:
            try:
                return tlsprobe.tcp_stream(address, port, timeout)
            except OSError as exc:  # refused or timed out: a failed check like any other
                raise tlsprobe.TLSProbeError(f"cannot connect to port {port}: {exc}") from exc
        # Not reachable from here: ask through the host's own SSH server, at the address it listens on.
        target = "127.0.0.1" if bind_address == "0.0.0.0" else "::1" if bind_address == "::" else bind_address
        try:
            channel = self.session.transport.open_channel(
                "direct-tcpip", (target, port), ("127.0.0.1", 0), timeout=timeout
            )
        except (paramiko.SSHException, OSError) as exc:
            raise tlsprobe.TLSProbeError(f"no tunnel to {target}:{port}: {exc}") from exc
        channel.settimeout(timeout)
        return channel

    def _reconnecting(self, call: Callable[[], T]) -> T:
        """Run `call`; if the connection dropped (not a command failure), reconnect once and retry."""
        try:
            return call()
        except (ConnectError, RemoteCommandError) as exc:
            if isinstance(exc, RemoteCommandError) and exc.exit_code != -1:
                raise
            self._reconnect()
            return call()

    def _reconnect(self) -> None:
        self.session.transport.close()
        self.session = Session(self.spec, self.pins)
