"""SSH connections with paramiko: host-key pinning before authentication, jump hosts, retries.

A small per-process pool keeps one transport per (host, port, user, pinned key), so that
several calls of one `pulumi` run reuse a connection. The pool is module state guarded by a
lock, never provider-instance state.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from dataclasses import dataclass

import paramiko

from ..errors import ConnectError, HostKeyMismatchError
from ..spec.connection import ConnectionSpec
from . import trace
from .hostkeys import fingerprint, key_line, same_key

_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)

_pool: dict[tuple[str, int, str, str], paramiko.Transport] = {}
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class Connected:
    """An authenticated transport and the host key it presented."""

    transport: paramiko.Transport
    host_key: str


def connect(spec: ConnectionSpec, pinned_key: str | None = None) -> Connected:
    """An authenticated transport to `spec`, verifying the host key against `pinned_key`.

    `pinned_key` (or `spec.host_key`) is an OpenSSH public key line; when both are None this
    is trust on first use and the caller records the returned `host_key`.
    """
    expected = spec.host_key or pinned_key
    pool_key = (spec.host, spec.port, spec.user, expected or "")
    with _pool_lock:
        cached = _pool.get(pool_key)
        if cached is not None and cached.is_active():
            return Connected(cached, key_line(cached.get_remote_server_key()))
    connected = _dial_with_retries(spec, expected)
    with _pool_lock:
        _pool[(spec.host, spec.port, spec.user, expected or connected.host_key)] = connected.transport
    return connected


def forget(spec: ConnectionSpec) -> None:
    """Close pooled transports to a host (e.g. after its sshd restarted)."""
    with _pool_lock:
        for key in [k for k in _pool if k[:3] == (spec.host, spec.port, spec.user)]:
            _pool.pop(key).close()


def _dial_with_retries(spec: ConnectionSpec, expected: str | None) -> Connected:
    attempts = 0
    delay = 0.5
    while True:
        attempts += 1
        try:
            return _dial(spec, expected)
        except (
            HostKeyMismatchError,
            paramiko.AuthenticationException,
            paramiko.BadAuthenticationType,
        ) as exc:
            if isinstance(exc, HostKeyMismatchError):
                raise
            raise ConnectError(spec.label, f"authentication failed for user {spec.user!r}: {exc}") from exc
        except (OSError, paramiko.SSHException, EOFError) as exc:
            if spec.dial_error_limit != -1 and attempts >= spec.dial_error_limit:
                raise ConnectError(
                    spec.label, f"unreachable after {attempts} attempt(s): {type(exc).__name__}: {exc}"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _dial(spec: ConnectionSpec, expected: str | None) -> Connected:
    started = time.monotonic()
    sock: socket.socket | paramiko.Channel
    if spec.proxy is not None:
        jump = connect(spec.proxy, spec.proxy.host_key)
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
        transport.banner_timeout = spec.per_dial_timeout
        transport.start_client(timeout=spec.per_dial_timeout)
        presented = key_line(transport.get_remote_server_key())
        if expected is not None and not same_key(presented, expected):
            raise HostKeyMismatchError(
                spec.label,
                f"host key mismatch: pinned {fingerprint(expected)}, host presented {fingerprint(presented)}."
                " Refusing to connect (possible man-in-the-middle). If the host was legitimately"
                " re-installed, set `connection.host_key` to the new key.",
            )
        _authenticate(transport, spec)
    except BaseException:
        transport.close()
        raise
    trace.record("connect", spec.label, "ssh handshake", started)
    return Connected(transport, presented)


def _authenticate(transport: paramiko.Transport, spec: ConnectionSpec) -> None:
    if spec.private_key:
        transport.auth_publickey(spec.user, _load_private_key(spec))
    elif spec.agent_socket_path:
        agent = paramiko.Agent()
        for key in agent.get_keys():
            try:
                transport.auth_publickey(spec.user, key)
                break
            except paramiko.AuthenticationException:
                continue
        else:
            raise paramiko.AuthenticationException("no agent key was accepted")
    if not transport.is_authenticated() and spec.password:
        transport.auth_password(spec.user, spec.password)
    if not transport.is_authenticated():
        raise paramiko.AuthenticationException("no credential was accepted")


def _load_private_key(spec: ConnectionSpec) -> paramiko.PKey:
    assert spec.private_key is not None
    errors = []
    for cls in _KEY_CLASSES:
        try:
            return cls.from_private_key(io.StringIO(spec.private_key), password=spec.private_key_password)
        except paramiko.PasswordRequiredException as exc:
            raise ConnectError(spec.label, "private_key is encrypted: set private_key_password") from exc
        except paramiko.SSHException as exc:
            errors.append(f"{cls.__name__}: {exc}")
    raise ConnectError(spec.label, "private_key could not be loaded (" + "; ".join(errors) + ")")
