"""The SSH layer against an in-process SSH server (paramiko's), so the everyday tier covers it: host-key
pinning (trust on first use, a matching pin, a mismatch refused naming connection.host_key), sudo
without a password (NOPASSWD), with a password (right, wrong, missing), and a command's exit code."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pulumi_docker_machine.errors import ConnectError, HostKeyMismatchError, RemoteCommandError
from pulumi_docker_machine.remote import connection
from pulumi_docker_machine.remote.hostkeys import key_line
from pulumi_docker_machine.remote.session import Session
from pulumi_docker_machine.spec.connection import ConnectionSpec

from .local_server import serving

pytestmark = pytest.mark.unit


def _ed25519() -> tuple[paramiko.PKey, str]:
    """A fresh Ed25519 key and its OpenSSH private key text."""
    private = ed25519.Ed25519PrivateKey.generate()
    text = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    return paramiko.Ed25519Key.from_private_key(io.StringIO(text)), text


HOST_KEY, _ = _ed25519()
OTHER_HOST_KEY, _ = _ed25519()
USER_KEY, USER_KEY_TEXT = _ed25519()
SUDO_PASSWORD = "s3cret-sudo"


@dataclass(frozen=True)
class Behaviour:
    """How the server's sudo behaves for the logged-in user."""

    nopasswd: bool


def _answer(command: str, stdin: bytes, behaviour: Behaviour) -> tuple[int, bytes, bytes]:
    """What a Debian host would answer to the commands the session sends."""
    if command.startswith("sudo -n "):
        if not behaviour.nopasswd:
            return 1, b"", b"sudo: a password is required\n"
        command = command.removeprefix("sudo -n ")
    elif command.startswith("sudo -k -S -p '' "):
        if stdin.split(b"\n", 1)[0] != SUDO_PASSWORD.encode():
            return 1, b"", b"Sorry, try again.\nsudo: 1 incorrect password attempt\n"
        command = command.removeprefix("sudo -k -S -p '' ")
    if command in ("sh -c true", "true"):
        return 0, b"", b""
    if command in ("sh -c 'id -u'", "id -u"):
        return 0, b"0\n", b""
    if command in ("sh -c 'exit 3'", "exit 3"):
        return 3, b"", b"it failed\n"
    return 127, b"", f"sh: {command}: not found\n".encode()


class _Server(paramiko.ServerInterface):
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.commands: list[bytes] = []

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        return paramiko.AUTH_SUCCESSFUL if key == USER_KEY else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.commands.append(command)
        threading.Thread(target=self._run, args=(channel, command.decode()), daemon=True).start()
        return True

    def _run(self, channel: paramiko.Channel, command: str) -> None:
        stdin = bytearray()
        channel.settimeout(10)
        try:
            while chunk := channel.recv(65536):
                stdin += chunk
        except TimeoutError:
            pass
        code, out, err = _answer(command, bytes(stdin), self.behaviour)
        channel.sendall(out)
        channel.sendall_stderr(err)
        channel.send_exit_status(code)
        channel.shutdown_write()
        channel.close()


@contextmanager
def ssh_server(host_key: paramiko.PKey = HOST_KEY, nopasswd: bool = True) -> Iterator[tuple[int, _Server]]:
    """An SSH server on 127.0.0.1 for the duration; yields its port and its record of commands."""
    server = _Server(Behaviour(nopasswd))
    transports: list[paramiko.Transport] = []

    def start(sock: socket.socket) -> None:
        sock.settimeout(None)
        transport = paramiko.Transport(sock)
        transport.add_server_key(host_key)
        transport.start_server(server=server)
        transports.append(transport)

    try:
        with serving(start) as port:
            yield port, server
    finally:
        for transport in transports:
            transport.close()


def spec(port: int, user: str = "root", **extra: object) -> ConnectionSpec:
    return ConnectionSpec.from_inputs(
        {
            "host": "127.0.0.1",
            "port": port,
            "user": user,
            "private_key": USER_KEY_TEXT,
            "dial_error_limit": 1,
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def fresh_pool() -> Iterator[None]:
    """Connections are pooled per process: each test dials its own server."""
    connection._pool.clear()
    yield
    connection._pool.clear()


def test_first_use_pins_the_key_the_host_presented() -> None:
    with ssh_server() as (port, _):
        connected = connection.connect(spec(port))
    assert connected.host_key == key_line(HOST_KEY)
    assert connected.seen == {f"127.0.0.1:{port}": key_line(HOST_KEY)}


def test_a_matching_pin_connects_and_a_changed_key_is_refused() -> None:
    with ssh_server() as (port, _):
        pins = {f"127.0.0.1:{port}": key_line(HOST_KEY)}
        assert connection.connect(spec(port), pins).host_key == key_line(HOST_KEY)
    connection._pool.clear()
    with ssh_server(host_key=OTHER_HOST_KEY) as (port, _), pytest.raises(HostKeyMismatchError) as err:
        connection.connect(spec(port, host_key=key_line(HOST_KEY)))
    assert err.value.field == "connection.host_key"
    assert "host key mismatch" in str(err.value) and "Refusing to connect" in str(err.value)


def test_a_command_runs_and_its_exit_code_is_checked() -> None:
    with ssh_server() as (port, server):
        session = Session(spec(port))
        assert session.run("who", "id -u").stdout == "0\n"
        with pytest.raises(RemoteCommandError) as err:
            session.run("fail", "exit 3")
    assert err.value.exit_code == 3 and "it failed" in str(err.value)
    assert server.commands == [b"id -u", b"exit 3"]  # root: no sudo


@pytest.mark.parametrize(
    ("nopasswd", "password", "outcome"),
    [
        (True, None, "sudo -n"),
        (False, SUDO_PASSWORD, "sudo -k -S -p ''"),
        (False, "wrong", "sudo refused the password of user 'deploy'"),
        (False, None, "set connection.sudo_password"),
    ],
)
def test_sudo_as_the_host_allows_it(nopasswd: bool, password: str | None, outcome: str) -> None:
    extra = {"sudo_password": password} if password else {}
    with ssh_server(nopasswd=nopasswd) as (port, server):
        session = Session(spec(port, user="deploy", **extra))
        if outcome in ("sudo -n", "sudo -k -S -p ''"):  # allowed: the command runs through that prefix
            assert session.run("who", "id -u").stdout == "0\n"
            assert server.commands[-1] == f"{outcome} sh -c 'id -u'".encode()
            return
        with pytest.raises(ConnectError) as err:
            session.run("who", "id -u")
    assert outcome in str(err.value) and err.value.field == "connection.sudo_password"
    assert "wrong" not in str(err.value)  # the password is never repeated
