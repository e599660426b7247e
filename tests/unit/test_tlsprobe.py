"""The TLS check that decides confirm or roll back, against a local TLS server that answers /_ping and
/version like a Docker daemon: it passes only for the right CA, the right name and a server that
verifies clients."""

from __future__ import annotations

import json
import os
import socket
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pulumi_docker_machine.providers.certs import (
    CertificateAuthorityProvider,
    ClientCertProvider,
    ServerCertProvider,
)
from pulumi_docker_machine.remote import tlsprobe

from .local_server import serving

pytestmark = pytest.mark.unit


def _issue(provider: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    checked = provider.check({}, inputs)
    assert checked.failures == []
    return dict(provider.create(checked.inputs).outs)


@pytest.fixture(scope="module")
def pki() -> dict[str, dict[str, Any]]:
    ours = _issue(CertificateAuthorityProvider(), {"common_name": "our CA"})
    foreign = _issue(CertificateAuthorityProvider(), {"common_name": "foreign CA"})

    def signed(ca: dict[str, Any], provider: Any, **extra: Any) -> dict[str, Any]:
        return _issue(
            provider, {"ca_cert_pem": ca["cert_pem"], "ca_private_key_pem": ca["private_key_pem"], **extra}
        )

    return {
        "ca": ours,
        "server": signed(ours, ServerCertProvider(), ip_addresses=["127.0.0.1"], include_localhost=False),
        "other_name": signed(ours, ServerCertProvider(), ip_addresses=["10.9.9.9"], include_localhost=False),
        "foreign": signed(foreign, ServerCertProvider(), ip_addresses=["127.0.0.1"], include_localhost=False),
        "client": signed(ours, ClientCertProvider(), common_name="client"),
    }


def _answer(conn: ssl.SSLSocket) -> None:
    """Answer HTTP/1.1 requests like a Docker daemon until the client goes."""
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
        head, _, buf = buf.partition(b"\r\n\r\n")
        path = head.split()[1].decode()
        answers = {
            "/_ping": "OK",
            "/info": json.dumps({"Labels": ["env=unit"], "Swarm": {"LocalNodeState": "inactive"}}),
        }
        body = answers.get(path, json.dumps({"Version": "20.10.24", "ApiVersion": "1.41"})).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


@contextmanager
def daemon(server: dict[str, Any], client_ca: str | None) -> Iterator[int]:
    """A TLS server on 127.0.0.1 with `server`'s certificate; it requires client certificates signed by
    `client_ca` (none: it asks for none). Yields its port."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, text in ((cert, server["cert_pem"]), (key, server["private_key_pem"])):
            with open(path, "w") as fh:
                fh.write(text)
        ctx.load_cert_chain(cert, key)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cadata=client_ca)

    def answer(raw: socket.socket) -> None:
        try:
            with ctx.wrap_socket(raw, server_side=True) as conn:
                _answer(conn)
        except (ssl.SSLError, OSError):
            pass

    with serving(answer) as port:
        yield port


def _probe(pki: dict[str, dict[str, Any]], port: int, name: str = "127.0.0.1") -> tlsprobe.Engine:
    client = pki["client"]
    return tlsprobe.probe(
        lambda: tlsprobe.tcp_stream("127.0.0.1", port, 5),
        name,
        pki["ca"]["cert_pem"],
        client["cert_pem"],
        client["private_key_pem"],
        timeout=10,
    )


def test_the_right_daemon_passes(pki: dict[str, dict[str, Any]]) -> None:
    with daemon(pki["server"], pki["ca"]["cert_pem"]) as port:
        assert _probe(pki, port) == tlsprobe.Engine("OK", "20.10.24", "1.41")


def test_a_daemon_with_a_certificate_from_another_ca_is_refused(pki: dict[str, dict[str, Any]]) -> None:
    with daemon(pki["foreign"], pki["ca"]["cert_pem"]) as port, pytest.raises(tlsprobe.TLSProbeError) as err:
        _probe(pki, port)
    assert "certificate verify failed" in str(err.value)


def test_a_certificate_for_another_name_is_refused(pki: dict[str, dict[str, Any]]) -> None:
    with (
        daemon(pki["other_name"], pki["ca"]["cert_pem"]) as port,
        pytest.raises(tlsprobe.TLSProbeError) as err,
    ):
        _probe(pki, port)
    assert "IP address mismatch" in str(err.value) or "doesn't match" in str(err.value)


def test_the_name_asked_for_is_the_one_checked(pki: dict[str, dict[str, Any]]) -> None:
    with daemon(pki["server"], pki["ca"]["cert_pem"]) as port, pytest.raises(tlsprobe.TLSProbeError):
        _probe(pki, port, name="10.9.9.9")  # the right server, reached for an address it does not name


def test_a_daemon_that_asks_no_client_certificate_is_refused(pki: dict[str, dict[str, Any]]) -> None:
    with daemon(pki["server"], client_ca=None) as port, pytest.raises(tlsprobe.TLSProbeError) as err:
        _probe(pki, port)
    assert "answers a client without a certificate" in str(err.value)


def test_nothing_listening_is_a_failed_check() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with pytest.raises(tlsprobe.TLSProbeError):
        tlsprobe.probe(
            lambda: tlsprobe.tcp_stream("127.0.0.1", port, 2), "127.0.0.1", "x", "y", "z", timeout=2
        )
