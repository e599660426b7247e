"""The one exception root and its family; every error names where it happened."""

from __future__ import annotations


class DockerMachineError(Exception):
    """Root of every error this package raises."""


class ValidationError(DockerMachineError):
    """An input is invalid; raised from check, before anything on a host changes."""

    def __init__(self, field: str, message: str) -> None:
        self.field, self.reason = field, message
        super().__init__(f"{field}: {message}")


class CertificateError(DockerMachineError):
    """A certificate or key cannot be built, parsed or matched."""


class ConnectError(DockerMachineError):
    """An SSH connection to a host failed (unreachable, auth, host key); `field` names the input to fix."""

    def __init__(self, host: str, message: str, field: str | None = None) -> None:
        self.host, self.field, self.reason = host, field, message
        super().__init__(f"{field}: {host}: {message}" if field else f"{host}: {message}")


class HostKeyMismatchError(ConnectError):
    """The host presented a different SSH host key than the pinned one."""


class RemoteCommandError(DockerMachineError):
    """A command on a host exited non-zero."""

    def __init__(self, host: str, step: str, command: str, exit_code: int, stderr: str) -> None:
        self.host, self.step, self.command = host, step, command
        self.exit_code, self.stderr = exit_code, stderr
        tail = stderr.strip()[-2000:]
        super().__init__(f"{host}: {step}: `{command}` exited {exit_code}: {tail}")


class HostBusyError(DockerMachineError):
    """Another change holds the host's lock."""

    def __init__(self, host: str, owner: str) -> None:
        self.host, self.owner = host, owner
        super().__init__(
            f"{host}: another change is in progress on this host (lock held by {owner}); nothing was"
            " changed. Run again once it has finished."
        )


class HostOwnedError(DockerMachineError):
    """The host is managed by another stack (or another resource of this one)."""

    def __init__(self, host: str, owner: str, record: str) -> None:
        self.host, self.owner = host, owner
        super().__init__(
            f"{host}: this host is managed by {owner} (recorded in {record} on the host); nothing was"
            " changed. Destroy it there first, or set adopt=true on this DockerHost to take it over"
            " (that stack's clients then lose access: its CA is no longer trusted)."
        )


class ChangeNotAppliedError(DockerMachineError):
    """A host-side transaction ended without the change: refused, failed or rolled back."""

    def __init__(self, host: str, state: str, reason: str) -> None:
        self.host, self.state, self.reason = host, state, reason
        said = _CHANGE_ENDED.get(state, f"the change ended {state}")
        super().__init__(f"{host}: {said}: {reason}")


_CHANGE_ENDED = {
    "rolled-back": "the change was rolled back",
    "failed": "the change failed",
    "refused": "the change was refused",
    "timeout": "the change did not finish in time",
    "lost": "the change did not start",
}
