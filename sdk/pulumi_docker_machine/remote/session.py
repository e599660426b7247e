"""Run commands on a host: one result object per command, exit codes always checked, sudo handled."""

from __future__ import annotations

import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass

import paramiko

from ..errors import ConnectError, RemoteCommandError
from ..spec.connection import ConnectionSpec
from . import trace
from .connection import connect


@dataclass(frozen=True)
class CommandResult:
    """What a remote command did."""

    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


_SUDO_WITH_PASSWORD = "sudo -k -S -p ''"
"""sudo reading the password from stdin; -k: always ask, so the line is never left for the script."""


class Session:
    """An SSH session to one host for the length of one provider call."""

    def __init__(self, spec: ConnectionSpec, pins: Mapping[str, str] | None = None) -> None:
        self.spec = spec
        connected = connect(spec, pins)
        self.transport = connected.transport
        self.host_key = connected.host_key
        self.host_keys = connected.seen
        self._root_prefix: str | None = None

    def run(
        self,
        step: str,
        command: str,
        stdin: str = "",
        *,
        check: bool = True,
        timeout: float = 600,
    ) -> CommandResult:
        """Run `command` (through sudo when needed); raise RemoteCommandError on non-zero exit."""
        started = time.monotonic()
        prefix, secret_line = self._sudo()
        full = f"{prefix} sh -c {shlex.quote(command)}" if prefix else command
        result = self._exec(full, secret_line + stdin, timeout)
        # Report the command as written, never the sudo password that went on stdin.
        result = CommandResult(command, result.exit_code, result.stdout, result.stderr)
        trace.record("command", self.spec.label, step, started)
        if check and not result.ok:
            raise RemoteCommandError(
                self.spec.label, step, command, result.exit_code, result.stderr or result.stdout
            )
        return result

    def script(self, step: str, text: str, *, check: bool = True, timeout: float = 600) -> CommandResult:
        """Run a POSIX shell script as root in one round trip (the script travels on stdin)."""
        return self.run(step, "sh -s", stdin=text, check=check, timeout=timeout)

    def _sudo(self) -> tuple[str, str]:
        """The prefix that makes a command run as root, and what to send first on stdin."""
        if self.spec.user == "root":
            return "", ""
        if self._root_prefix is None:
            # Probe with the same shape of command that will run, so NOPASSWD rules match alike.
            probe = self._exec("sudo -n sh -c true", "", 30)
            if probe.ok:
                self._root_prefix = "sudo -n"
            elif self.spec.sudo_password:
                self._check_sudo_password()
                self._root_prefix = _SUDO_WITH_PASSWORD
            else:
                said = (probe.stderr or probe.stdout).strip()[-300:]
                raise ConnectError(
                    self.spec.label,
                    f"user {self.spec.user!r} is not root and `sudo -n` refused ({said or 'no message'}):"
                    " if sudo asks for a password, set connection.sudo_password; or allow NOPASSWD sudo"
                    " for this user",
                    "connection.sudo_password",
                )
        if self._root_prefix == _SUDO_WITH_PASSWORD:
            return self._root_prefix, f"{self.spec.sudo_password}\n"
        return self._root_prefix, ""

    def _check_sudo_password(self) -> None:
        """One try of the password: stop at sudo's first complaint instead of its three attempts."""
        channel = self._channel()
        with channel:
            channel.exec_command(f"{_SUDO_WITH_PASSWORD} sh -c true")
            channel.sendall(f"{self.spec.sudo_password}\n".encode())
            channel.shutdown_write()
            said = bytearray()
            channel.settimeout(30)
            refused = False
            try:
                while chunk := channel.recv_stderr(4096):
                    said += chunk
                    if any(word in said for word in (b"try again", b"incorrect", b"no password")):
                        refused = True
                        break
            except TimeoutError:
                refused = True
            if not refused and channel.recv_exit_status() == 0:
                return
        complaint = said.decode(errors="replace").strip().splitlines()[:1]
        raise ConnectError(
            self.spec.label,
            f"sudo refused the password of user {self.spec.user!r}"
            f" ({complaint[0] if complaint else 'no message'}): set the right one",
            "connection.sudo_password",
        )

    def _channel(self) -> paramiko.Channel:
        try:
            return self.transport.open_session(timeout=self.spec.per_dial_timeout)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise ConnectError(self.spec.label, f"could not open an SSH channel: {exc}") from exc

    def _exec(self, command: str, stdin: str, timeout: float) -> CommandResult:
        channel = self._channel()
        with channel:
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            out, err = bytearray(), bytearray()
            deadline = time.monotonic() + timeout
            while True:
                busy = False
                if channel.recv_ready():
                    out += channel.recv(65536)
                    busy = True
                if channel.recv_stderr_ready():
                    err += channel.recv_stderr(65536)
                    busy = True
                if not busy:
                    # The exit status may arrive before the last output: wait for EOF as well.
                    done = channel.exit_status_ready() and (channel.eof_received or channel.closed)
                    if done and not channel.recv_ready() and not channel.recv_stderr_ready():
                        break
                    if time.monotonic() > deadline:
                        raise RemoteCommandError(
                            self.spec.label, "timeout", command, -1, f"no exit after {timeout}s"
                        )
                    time.sleep(0.002)
            code = channel.recv_exit_status()
        return CommandResult(command, code, out.decode(errors="replace"), err.decode(errors="replace"))
