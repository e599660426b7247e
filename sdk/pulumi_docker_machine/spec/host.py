"""DockerHost spec: where the host is, what it serves and how Docker gets there."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cryptography import x509

from ..daemon import paths
from ..errors import ValidationError
from ..pki.inspection import load_certificate
from . import values
from .connection import ConnectionSpec
from .daemon import DaemonSpec
from .reader import Reader, SpecReader, meta

INSTALL_METHODS = ("packages", "script", "command", "none")
DEFAULT_CONFIRM_TIMEOUT = 120
"""Seconds the host waits for the client-side TLS check to confirm a change before rolling it back."""


def docker_host_url(address: str, tls_port: int) -> str:
    """`tcp://ADDRESS:PORT` (an IPv6 address in brackets): what clients put in DOCKER_HOST."""
    return f"tcp://{'[' + address + ']' if ':' in address else address}:{tls_port}"


@dataclass(frozen=True)
class HostSpec(SpecReader):
    """Validated DockerHost inputs; `meta` marks what replaces the host and what is secret."""

    connection: ConnectionSpec
    ca_cert_pem: str
    server_cert_pem: str
    server_private_key_pem: str = field(metadata=meta(secret=True))
    daemon: DaemonSpec
    install_method: str
    install_command: str | None
    install_script_url: str | None = field(metadata=meta(secret=True))  # may carry user:password@
    uninstall_on_delete: bool
    client_cert_pem: str | None
    client_private_key_pem: str | None = field(metadata=meta(secret=True))
    address: str | None
    confirm_timeout: int
    take_over_dropins: tuple[str, ...]
    """Foreign docker.service drop-ins (file names) to take over: kept at first touch, removed while we
    manage the host, put back at destroy (Docker Machine's `10-machine.conf`)."""
    managed_by: str | None
    """Who manages the host, `project/stack/resource` (set by the DockerHost class; None in old states)."""
    adopt: bool

    renamed: ClassVar[Mapping[str, str]] = {
        "server_key_pem": "server_private_key_pem",
        "client_key_pem": "client_private_key_pem",
    }

    @property
    def advertised_address(self) -> str:
        """The address clients use: `address`, else the SSH host."""
        return self.address or self.connection.host

    @property
    def docker_host(self) -> str:
        return docker_host_url(self.advertised_address, self.daemon.tls_port)

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.only([*cls.input_fields(), "drift"])
        reader.nested("connection", ConnectionSpec)
        reader.read("ca_cert_pem", values.ca_certificate_pem)
        reader.read("server_cert_pem", values.certificate_pem)
        reader.read("server_private_key_pem", values.private_key_pem)
        reader.nested("daemon", DaemonSpec, {})
        reader.read("install_method", values.one_of(INSTALL_METHODS), "packages")
        reader.read("install_command", values.text, None)
        reader.read("install_script_url", values.http_url, None)
        reader.read("uninstall_on_delete", values.flag, False)
        reader.read("client_cert_pem", values.certificate_pem, None)
        reader.read("client_private_key_pem", values.private_key_pem, None)
        reader.read("address", values.address, None)
        reader.read("confirm_timeout", values.whole(10, 3600, "seconds"), DEFAULT_CONFIRM_TIMEOUT)
        reader.read("take_over_dropins", _dropin_names, ())
        reader.read("managed_by", values.single_line, None)
        reader.read("adopt", values.flag, False)
        _check_install(reader)
        _check_certificates(reader)
        _check_ports(reader)


def _dropin_names(field: str, raw: Any) -> tuple[str, ...]:
    """File names of drop-ins in docker.service.d (`10-machine.conf`), not ours."""
    names = values.strings(field, raw)
    for name in names:
        if not re.fullmatch(r"[\w.-]+\.conf", name) or name == paths.DROPIN_NAME:
            raise ValidationError(field, f"{name!r} is not the file name of a foreign docker.service drop-in")
    return names


def _check_install(reader: Reader) -> None:
    """At check, install_command goes with install_method 'command', install_script_url with 'script'.
    State is read as written: a stack whose 'script' host was created before install_script_url existed
    must still refresh and destroy."""
    if not reader.checking:
        return
    for name, method in (("install_command", "command"), ("install_script_url", "script")):
        if not reader.known("install_method", name):
            continue
        chosen, given = reader.values["install_method"], reader.values[name]
        if chosen == method and not given:
            reader.fail(name, f"is required when install_method is {method!r}")
        if chosen != method and given:
            reader.fail(name, f"is set but install_method is {chosen!r}: set it to {method!r}")


def _check_certificates(reader: Reader) -> None:
    values.not_expired(reader, "ca_cert_pem", "server_cert_pem", "client_cert_pem")
    values.key_pair(reader, "server_cert_pem", "server_private_key_pem")
    values.signed_by(reader, "server_cert_pem", "ca_cert_pem")
    if reader.given("client_cert_pem") != reader.given("client_private_key_pem"):
        missing = "client_private_key_pem" if reader.given("client_cert_pem") else "client_cert_pem"
        reader.fail(missing, "is required with the other of client_cert_pem and client_private_key_pem")
    values.key_pair(reader, "client_cert_pem", "client_private_key_pem")
    values.signed_by(reader, "client_cert_pem", "ca_cert_pem")
    address = _address(reader)
    if address is not None and reader.known("server_cert_pem"):
        problem = san_problem(reader.values["server_cert_pem"], address)
        if problem:
            reader.fail("server_cert_pem", problem)


def _address(reader: Reader) -> str | None:
    """The address clients will use, once it is known and valid."""
    if reader.given("address"):
        return reader.values.get("address")
    connection = reader.values.get("connection")
    return connection.host if isinstance(connection, ConnectionSpec) else None


def _check_ports(reader: Reader) -> None:
    connection, daemon = reader.values.get("connection"), reader.values.get("daemon")
    if not (isinstance(connection, ConnectionSpec) and isinstance(daemon, DaemonSpec)):
        return
    if daemon.tls_port == connection.port:
        reader.fail(
            "daemon.tls_port",
            f"is {daemon.tls_port}, the SSH port of connection.port: the daemon would take over SSH",
        )


def san_problem(cert_pem: str, address: str) -> str | None:
    """Why the certificate's SANs do not name `address` (the x509 error clients would hit), or None."""
    cert = load_certificate(cert_pem)
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "has no subjectAltName extension"
    try:
        covered = ipaddress.ip_address(address) in sans.get_values_for_type(x509.IPAddress)
    except ValueError:
        covered = address.lower() in (n.lower() for n in sans.get_values_for_type(x509.DNSName))
    if covered:
        return None
    return (
        f"does not cover the host's address {address!r} (SANs: {sans_text(sans)}); clients would fail"
        " with `x509: certificate is valid for ..., not ...`. Add it to the ServerCert's SANs."
    )


def sans_text(sans: x509.SubjectAlternativeName) -> str:
    """The SAN names and addresses of a certificate, comma-separated."""
    ips = [str(i) for i in sans.get_values_for_type(x509.IPAddress)]
    return ", ".join(sans.get_values_for_type(x509.DNSName) + ips) or "none"
