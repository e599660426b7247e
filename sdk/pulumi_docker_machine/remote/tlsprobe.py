"""Ask a Docker daemon's TLS endpoint for /_ping and /version with a client certificate.

The check is what decides whether a change is confirmed, so it proves what every client will rely on:
the endpoint's certificate chains to our CA and names the address clients use, the endpoint answers
with our client certificate, and it refuses a client without one (the daemon runs with --tlsverify).

TLS runs over any byte stream (a TCP socket, or an SSH direct-tcpip channel when the host
is only reachable through a jump host), so the same check serves both paths.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol


class Stream(Protocol):
    def sendall(self, data: bytes, /) -> object: ...
    def recv(self, size: int, /) -> bytes: ...
    def close(self) -> object: ...


@dataclass(frozen=True)
class Engine:
    """What the TLS endpoint said."""

    ping: str
    version: str
    api_version: str


class TLSProbeError(Exception):
    """The endpoint did not answer as a Docker daemon with our certificates."""


@contextmanager
def client_context(
    ca_cert_pem: str, cert_pem: str | None, private_key_pem: str | None
) -> Iterator[ssl.SSLContext]:
    """An SSL context that verifies the daemon against `ca_cert_pem` and the name it is asked for, and
    presents the client certificate (none when `cert_pem` is None)."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_cert_pem)
    if cert_pem is None or private_key_pem is None:
        yield ctx
        return
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, content in ((cert_file, cert_pem), (key_file, private_key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(content)
        ctx.load_cert_chain(cert_file, key_file)
    yield ctx


class _TLSStream:
    """HTTP/1.1 over an SSLObject pumped through a plain byte stream."""

    def __init__(self, stream: Stream, ctx: ssl.SSLContext, server_name: str, deadline: float) -> None:
        self.stream = stream
        self.deadline = deadline
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_side=False, server_hostname=server_name)
        self._io(self.tls.do_handshake)

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.stream.sendall(data)

    def _io(self, op):  # type: ignore[no-untyped-def]
        while True:
            if time.monotonic() > self.deadline:
                raise TLSProbeError("no complete answer before the deadline")
            try:
                result = op()
                self._flush()
                return result
            except ssl.SSLWantReadError:
                self._flush()
                data = self.stream.recv(65536)
                if not data:
                    raise TLSProbeError("connection closed during TLS") from None
                self.incoming.write(data)

    def _read(self) -> bytes:
        data: bytes = self._io(lambda: self.tls.read(65536))
        if not data:
            raise TLSProbeError("the daemon closed the connection mid-answer")
        return data

    def request(self, path: str) -> tuple[int, bytes]:
        self._io(
            lambda: self.tls.write(
                f"GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: keep-alive\r\n\r\n".encode()
            )
        )
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += self._read()
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(body) < length:
                body += self._read()
            return status, body[:length]
        if headers.get("transfer-encoding") == "chunked":
            return status, self._chunked(body)
        return status, body

    def _chunked(self, data: bytes) -> bytes:
        out = b""
        while True:
            while b"\r\n" not in data:
                data += self._read()
            size_line, _, data = data.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(data) < size + 2:
                data += self._read()
            if size == 0:
                return out
            out, data = out + data[:size], data[size + 2 :]


def probe(
    open_stream: Callable[[], Stream],
    server_name: str,
    ca_cert_pem: str,
    cert_pem: str,
    private_key_pem: str,
    timeout: float = 30,
) -> Engine:
    """GET /_ping and /version over TLS within `timeout` seconds, from an endpoint whose certificate
    chains to `ca_cert_pem` and names `server_name` (the address clients use), with the client
    certificate; then check that a client without a certificate is refused. Else raise TLSProbeError
    saying which check failed."""
    deadline = time.monotonic() + timeout
    try:
        with _session(open_stream(), server_name, ca_cert_pem, cert_pem, private_key_pem, deadline) as tls:
            status, ping = tls.request("/_ping")
            if status != 200:
                raise TLSProbeError(f"/_ping answered HTTP {status}")
            status, body = tls.request("/version")
            if status != 200:
                raise TLSProbeError(f"/version answered HTTP {status}")
            info = json.loads(body)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TLSProbeError(f"{type(exc).__name__}: {exc}") from exc
    if _answers_anyone(open_stream, server_name, ca_cert_pem, deadline):
        raise TLSProbeError("it answers a client without a certificate: the daemon does not verify clients")
    return Engine(ping.decode(), str(info.get("Version", "")), str(info.get("ApiVersion", "")))


@contextmanager
def _session(
    stream: Stream, server_name: str, ca: str, cert: str | None, key: str | None, deadline: float
) -> Iterator[_TLSStream]:
    try:
        with client_context(ca, cert, key) as ctx:
            yield _TLSStream(stream, ctx, server_name, deadline)
    finally:
        stream.close()


def _answers_anyone(open_stream: Callable[[], Stream], server_name: str, ca: str, deadline: float) -> bool:
    """Whether the endpoint answers /_ping to a client that presents no certificate."""
    try:
        with _session(open_stream(), server_name, ca, None, None, deadline) as tls:
            return tls.request("/_ping")[0] == 200
    except (ssl.SSLError, OSError, TLSProbeError):
        return False


def tcp_stream(host: str, port: int, timeout: float) -> socket.socket:
    """A plain TCP connection to the TLS port."""
    return socket.create_connection((host, port), timeout=timeout)
