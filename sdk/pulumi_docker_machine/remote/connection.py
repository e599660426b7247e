"""SSH connections with paramiko: host-key pinning before authentication, jump hosts, retries.

A small per-process pool keeps one transport per (host, port, user, pinned key), so that
several calls of one `pulumi` run reuse a connection. The pool is module state guarded by a
lock, never provider-instance state.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import paramiko
import paramiko.agent

from ..errors import ConnectError, HostKeyMismatchError
from ..spec.connection import ConnectionSpec, load_ssh_key
from . import trace
from .hostkeys import fingerprint, key_line, same_key

_pool: dict[tuple[str, int, str, str], tuple[paramiko.Transport, Connected]] = {}
_pool_lock = threading.Lock()


def endpoint(spec: ConnectionSpec) -> str:
    """`host:port`, the key under which a host's SSH key is pinned."""
    return f"{spec.host}:{spec.port}"


@dataclass(frozen=True)
class Connected:
    """An authenticated transport, the key the host presented, and every key seen on the way (jump hosts)."""

    transport: paramiko.Transport
    host_key: str
    seen: dict[str, str]


def connect(
    spec: ConnectionSpec, pins: Mapping[str, str] | None = None, field: str = "connection"
) -> Connected:
    """An authenticated transport to `spec`, each hop's host key checked against `pins`.

    `pins` maps `host:port` to an OpenSSH public key line; an explicit `host_key` in a connection
    wins. A hop with no pin is trust on first use: the caller records `seen` and pins it next time.
    `field` is the input path of `spec` (`connection`, `connection.proxy`), named by its errors.
    """
    pins = pins or {}
    expected = spec.host_key or pins.get(endpoint(spec))
    pool_key = (spec.host, spec.port, spec.user, expected or "")
    with _pool_lock:
        cached = _pool.get(pool_key)
    if cached is not None and cached[0].is_active():
        return cached[1]
    connected = _dial_with_retries(spec, expected, pins, field)
    with _pool_lock:
        _pool[(spec.host, spec.port, spec.user, expected or connected.host_key)] = (
            connected.transport,
            connected,
        )
    return connected


def _dial_with_retries(
    spec: ConnectionSpec, expected: str | None, pins: Mapping[str, str], field: str
) -> Connected:
    jump = field.endswith(".proxy")
    who = f"jump host {spec.label}" if jump else spec.label
    attempts = 0
    delay = 0.5
    while True:
        attempts += 1
        try:
            return _dial(spec, expected, pins, field)
        except (paramiko.AuthenticationException, paramiko.BadAuthenticationType) as exc:
            raise ConnectError(
                who, f"authentication failed for user {spec.user!r}: {exc}", _credential(spec, field)
            ) from None
        except (OSError, paramiko.SSHException, EOFError) as exc:
            if spec.dial_error_limit != -1 and attempts >= spec.dial_error_limit:
                raise ConnectError(
                    who,
                    f"unreachable after {attempts} attempt(s) of {spec.per_dial_timeout} s:"
                    f" {type(exc).__name__}: {exc}",
                    field if jump else f"{field}.host",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _credential(spec: ConnectionSpec, field: str) -> str:
    """The input to look at when authentication fails."""
    if spec.private_key:
        return f"{field}.private_key"
    return f"{field}.agent_socket_path" if spec.agent_socket_path else f"{field}.password"


def _dial(spec: ConnectionSpec, expected: str | None, pins: Mapping[str, str], field: str) -> Connected:
    started = time.monotonic()
    sock: socket.socket | paramiko.Channel
    seen: dict[str, str] = {}
    if spec.proxy is not None:
        jump = connect(spec.proxy, pins, f"{field}.proxy")
        seen.update(jump.seen)
        try:
            sock = jump.transport.open_channel(
                "direct-tcpip", (spec.host, spec.port), ("127.0.0.1", 0), timeout=spec.per_dial_timeout
            )
        except paramiko.ChannelException as exc:
            raise OSError(f"jump host {spec.proxy.label} could not open a channel: {exc}") from exc
    else:
        sock = socket.create_connection((spec.host, spec.port), timeout=spec.per_dial_timeout)
    transport = paramiko.Transport(sock)
    try:
        if expected is not None:
            # Ask for the pinned key's algorithm, or a host with several keys shows another one.
            transport.get_security_options().key_types = _algorithms(expected)
        transport.banner_timeout = spec.per_dial_timeout
        transport.start_client(timeout=spec.per_dial_timeout)
        presented = key_line(transport.get_remote_server_key())
        if expected is not None and not same_key(presented, expected):
            raise HostKeyMismatchError(
                spec.label,
                f"host key mismatch: pinned {fingerprint(expected)}, host presented {fingerprint(presented)}."
                " Refusing to connect (possible man-in-the-middle). If the host was legitimately"
                f" re-installed, set `{field}.host_key` to the new key and run `pulumi up --refresh=false`"
                " (a refresh reads the host with the key in the state).",
                f"{field}.host_key",
            )
        _authenticate(transport, spec, field)
    except BaseException:
        transport.close()
        raise
    trace.record("connect", spec.label, "ssh handshake", started)
    seen[endpoint(spec)] = presented
    return Connected(transport, presented, seen)


def _algorithms(key_line_: str) -> list[str]:
    kind = key_line_.split()[0]
    return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] if kind == "ssh-rsa" else [kind]


def _authenticate(transport: paramiko.Transport, spec: ConnectionSpec, field: str) -> None:
    if spec.private_key:
        try:
            key = load_ssh_key(spec.private_key, spec.private_key_password)
        except ValueError as exc:
            name, reason = exc.args
            raise ConnectError(spec.label, reason, f"{field}.{name}") from None
        transport.auth_publickey(spec.user, key)
    elif spec.agent_socket_path:
        agent = _SocketAgent(spec.agent_socket_path)
        try:
            for key in agent.get_keys():
                try:
                    transport.auth_publickey(spec.user, key)
                    break
                except paramiko.AuthenticationException:
                    continue
            else:
                raise paramiko.AuthenticationException("no agent key was accepted")
        finally:
            agent.close()
    if not transport.is_authenticated() and spec.password:
        transport.auth_password(spec.user, spec.password)
    if not transport.is_authenticated():
        raise paramiko.AuthenticationException("no credential was accepted")


class _SocketAgent(paramiko.agent.AgentSSH):
    """An SSH agent at an explicit socket path (paramiko.Agent only reads $SSH_AUTH_SOCK)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as exc:
            sock.close()
            raise paramiko.AuthenticationException(f"no SSH agent at {path}: {exc}") from exc
        self._connect(sock)
