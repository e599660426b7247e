"""An in-memory host behind the `HostIO` interface: files, a daemon, the record, the lock, transactions.

It does what the host-side agent does (stage, swap, restart, wait for confirmation, roll back),
synchronously and in Python, so the unit tier can drive DockerHost's lifecycle in milliseconds.
The agent's shell itself is tested by running it (tests/unit/test_transaction.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pulumi_docker_machine.daemon import paths
from pulumi_docker_machine.daemon.transaction import OriginalSource, Status, Transaction, kept_copy
from pulumi_docker_machine.errors import ConnectError, HostBusyError
from pulumi_docker_machine.remote import tlsprobe
from pulumi_docker_machine.remote.facts import HostFacts, Original
from pulumi_docker_machine.spec.host import HostSpec

UNIT = "[Service]\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n"

File = tuple[str, int]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rejects_bad_json(files: dict[str, File]) -> str | None:
    """The fake daemon refuses a daemon.json with `"log-level": "loudest"` (as dockerd would)."""
    text = files.get(paths.DAEMON_JSON, ("{}", 0))[0]
    return "invalid log level: loudest" if json.loads(text or "{}").get("log-level") == "loudest" else None


@dataclass
class FakeHost:
    """A host as the lifecycle sees it. Faults are plain attributes a test flips."""

    files: dict[str, File] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=lambda: {paths.DOCKER_DIR})
    has_docker: bool = True
    running: bool = True
    pid: int = 100
    init_system: str = "systemd"
    can_validate: bool = False
    original: Original | None = None
    owner: str | None = None
    kept: dict[str, str] = field(default_factory=dict)
    """Contents of the recorded copies of the host's own TLS files."""
    recover_hook: bool = False
    lock_owner: str | None = None
    pending: tuple[Transaction, dict[str, File | None], set[str]] | None = None
    status: Status | None = None
    last: Status | None = None
    daemon_rejects: Callable[[dict[str, File]], str | None] = rejects_bad_json
    tls_fails: bool = False
    disk_full: bool = False
    cut_off_at: str | None = None
    """An operation ('begin', 'wait', 'signal') at which the connection drops (ConnectError)."""
    calls: list[str] = field(default_factory=list)
    installs: int = 0
    restarts: int = 0

    label = "root@fake:22"
    host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"

    @property
    def host_keys(self) -> dict[str, str]:
        return {"fake:22": self.host_key}

    def _cut(self, operation: str) -> None:
        self.calls.append(operation)
        if self.cut_off_at == operation:
            self.cut_off_at = None
            raise ConnectError(self.label, f"connection lost during {operation}")

    # ---- HostIO ----

    def probe(self) -> HostFacts:
        self._cut("probe")
        daemon_json = self.files.get(paths.DAEMON_JSON)
        pending = self.status if self.pending else None
        return HostFacts(
            os_id="debian",
            os_pretty="Debian GNU/Linux 12 (bookworm)",
            init_system=self.init_system,
            dockerd_path="/usr/sbin/dockerd" if self.has_docker else "",
            active="active" if self.has_docker and self.running else "inactive",
            main_pid=self.pid if self.running else 0,
            unit_text=UNIT if self.has_docker else "",
            sha256={p: _sha(self.files[p][0]) if p in self.files else "" for p in paths.MANAGED},
            daemon_json=daemon_json[0] if daemon_json else None,
            server_version="20.10.24" if self.running else "",
            can_validate=self.can_validate,
            addresses=("10.0.0.5",),
            has_dropin_dir=paths.DROPIN_DIR in self.dirs,
            foreign_exec_start=tuple(
                p
                for p, (text, _) in sorted(self.files.items())
                if p.startswith(paths.DROPIN_DIR + "/") and p != paths.DROPIN and "ExecStart=" in text
            ),
            original=self.original,
            owner=self.owner,
            lock_owner=self.lock_owner,
            txn=pending,
            last=self.last,
            recover_hook=self.recover_hook,
        )

    def setup(self, original: OriginalSource | None, init_system: str, owner: str = "") -> None:
        self._cut("setup")
        self.owner = owner or self.owner
        if original is not None and self.original is None:
            kept: tuple[tuple[str, int], ...] = ()
            if original.from_host:
                current = self.files.get(paths.DAEMON_JSON)
                content, mode = (current[0], current[1]) if current else (None, 0o644)
                dropins = [f"{paths.DROPIN_DIR}/{name}" for name in original.dropins]
                kept = tuple((p, self.files[p][1]) for p in (*paths.TLS_FILES, *dropins) if p in self.files)
                self.kept = {p: self.files[p][0] for p, _ in kept}
            else:
                content, mode = original.content, 0o644
            self.original = Original(
                daemon_json=content,
                daemon_json_mode=mode,
                had_docker=self.has_docker,
                had_dropin_dir=paths.DROPIN_DIR in self.dirs,
                source=original.why,
                kept=kept,
            )
        self.recover_hook = init_system == "systemd"

    def install(self, method: str, command: str | None, url: str | None = None) -> None:
        self._cut("install")
        self.installs += 1
        self.has_docker, self.running = True, True

    def uninstall(self) -> None:
        self._cut("uninstall")
        self.has_docker, self.running = False, False

    def begin(self, txn: Transaction, init_system: str) -> None:
        self._cut("begin")
        if self.lock_owner:
            raise HostBusyError(self.label, self.lock_owner)
        status = Status(txn.id, "started")
        if txn.validate and self.can_validate:
            staged = self._after(txn)
            reason = self.daemon_rejects(staged)
            if reason:
                self._finish(Status(txn.id, "failed", reason=f"dockerd --validate refused: {reason}"))
                return
        if self.disk_full:
            self._finish(
                Status(txn.id, "failed", reason="could not write (is the disk full?); nothing changed")
            )
            return
        previous: dict[str, File | None] = {e.path: self.files.get(e.path) for e in txn.entries}
        created = {e.path for e in txn.entries if e.action == "dir" and e.path not in self.dirs}
        self.pending = (txn, previous, created)
        self.files, self.dirs = self._after(txn), self.dirs | created
        for entry in txn.entries:
            if entry.action == "rmdir" and not any(p.startswith(entry.path + "/") for p in self.files):
                self.dirs.discard(entry.path)
        if txn.restart:
            self._restart()
            if not self.running:
                self._rollback("docker did not start with the new configuration; previous files restored")
                return
        if txn.confirm_timeout > 0:
            self.status = replace(status, state="waiting")
        else:
            self.pending = None
            self._finish(Status(txn.id, "confirmed"))

    def wait(self, txn_id: str, states: Iterable[str], timeout: float) -> Status:
        self._cut("wait")
        if self.status is not None and self.status.id == txn_id:
            return self.status
        if self.last is not None and self.last.id == txn_id:
            return self.last
        return Status(txn_id, "lost")

    def signal(self, txn_id: str, confirm: bool, reason: str = "") -> None:
        self._cut("signal")
        if not self.pending or self.pending[0].id != txn_id:
            return
        if confirm:
            self.pending = None
            self._finish(Status(txn_id, "confirmed"))
        else:
            self._rollback(reason)

    def discard(self, txn_id: str) -> None:
        self.calls.append("discard")

    def recover(self) -> None:
        self.calls.append("recover")
        if self.pending:
            self._rollback("interrupted before it was confirmed; previous files restored")

    def forget(self) -> None:
        self.calls.append("forget")
        self.original, self.owner, self.recover_hook, self.last = None, None, False, None
        self.kept = {}

    def tls_stream(self, address: str, port: int, bind_address: str, timeout: float) -> tlsprobe.Stream:
        raise AssertionError("the unit tier checks TLS with fake_tls_check")

    # ---- what the host does by itself ----

    def deadline_passes(self) -> None:
        """No confirmation arrived in time: the agent rolls back."""
        if self.pending:
            self._rollback("not confirmed within the deadline; previous files restored")

    def _after(self, txn: Transaction) -> dict[str, File]:
        files = dict(self.files)
        for entry in txn.entries:
            if entry.action == "write":
                if entry.source == kept_copy(entry.path):
                    files[entry.path] = (self.kept[entry.path], entry.mode)
                elif entry.source is not None:
                    assert self.original is not None and self.original.daemon_json is not None
                    files[entry.path] = (self.original.daemon_json, entry.mode)
                else:
                    assert entry.content is not None
                    files[entry.path] = (entry.content, entry.mode)
            elif entry.action == "delete":
                files.pop(entry.path, None)
        return files

    def _restart(self) -> None:
        self.restarts += 1
        self.running = self.daemon_rejects(self.files) is None
        self.pid += 1

    def _rollback(self, reason: str) -> None:
        assert self.pending is not None
        txn, previous, created = self.pending
        for path, before in previous.items():
            if before is None:
                self.files.pop(path, None)
            else:
                self.files[path] = before
        self.dirs -= created
        for entry in txn.entries:
            if entry.action == "rmdir":
                self.dirs.add(entry.path)
        self.pending = None
        if txn.restart:
            self._restart()
        self._finish(Status(txn.id, "rolled-back", reason=reason))

    def _finish(self, status: Status) -> None:
        self.status = None
        self.last = replace(status, updated=1_700_000_000)


def fake_tls_check(host: FakeHost, spec: HostSpec) -> tlsprobe.Engine:
    """The daemon answers over TLS when it runs with our certificates and the host's TLS works."""
    if host.tls_fails or not host.running:
        raise tlsprobe.TLSProbeError("connection refused")
    if host.files.get(paths.SERVER_CERT, ("", 0))[0] != spec.server_cert_pem:
        raise tlsprobe.TLSProbeError("the daemon serves another certificate")
    return tlsprobe.Engine("OK", "20.10.24", "1.41")
