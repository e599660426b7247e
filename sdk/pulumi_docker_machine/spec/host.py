"""DockerHost spec: where the host is, what it serves and how Docker gets there."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from ..diff import is_unknown
from ..errors import ValidationError
from .connection import ConnectionSpec
from .daemon import DaemonSpec

INSTALL_METHODS = ("packages", "script", "command", "none")
INPUT_FIELDS = (
    "connection",
    "ca_cert_pem",
    "server_cert_pem",
    "server_key_pem",
    "client_cert_pem",
    "client_key_pem",
    "daemon",
    "install_method",
    "install_command",
    "uninstall_on_delete",
    "address",
    "confirm_timeout",
)
DEFAULT_CONFIRM_TIMEOUT = 120


@dataclass(frozen=True)
class HostSpec:
    """Validated DockerHost inputs."""

    connection: ConnectionSpec
    ca_cert_pem: str
    server_cert_pem: str
    server_key_pem: str
    daemon: DaemonSpec
    install_method: str = "packages"
    install_command: str | None = None
    uninstall_on_delete: bool = False
    client_cert_pem: str | None = None
    client_key_pem: str | None = None
    address: str | None = None
    confirm_timeout: int = DEFAULT_CONFIRM_TIMEOUT
    """Seconds the host waits for the client-side TLS check to confirm a change before rolling back."""

    @property
    def advertised_address(self) -> str:
        """The address clients use: `address`, else the SSH host."""
        return self.address or self.connection.host

    @property
    def docker_host(self) -> str:
        addr = self.advertised_address
        return f"tcp://{'[' + addr + ']' if ':' in addr else addr}:{self.daemon.tls_port}"

    @classmethod
    def from_inputs(cls, raw: Mapping[str, Any]) -> HostSpec:
        """Validate every field; errors name the field."""
        connection = ConnectionSpec.from_inputs(raw.get("connection") or {}, "connection")
        for name in ("ca_cert_pem", "server_cert_pem", "server_key_pem"):
            value = raw.get(name)
            if not isinstance(value, str) or "-----BEGIN" not in value:
                raise ValidationError(name, "is required (a PEM string)")
        method = raw.get("install_method") or "packages"
        if method not in INSTALL_METHODS:
            raise ValidationError("install_method", f"{method!r} is not one of {list(INSTALL_METHODS)}")
        if method == "command" and not raw.get("install_command"):
            raise ValidationError("install_command", "is required when install_method is 'command'")
        client = (raw.get("client_cert_pem"), raw.get("client_key_pem"))
        if bool(client[0]) != bool(client[1]):
            raise ValidationError("client_key_pem", "client_cert_pem and client_key_pem go together")
        confirm = raw.get("confirm_timeout")
        confirm = DEFAULT_CONFIRM_TIMEOUT if confirm is None else confirm
        if isinstance(confirm, bool) or not isinstance(confirm, int | float) or int(confirm) != confirm:
            raise ValidationError("confirm_timeout", f"{confirm!r} is not a whole number of seconds")
        if not 10 <= confirm <= 3600:
            raise ValidationError("confirm_timeout", f"{int(confirm)} is not between 10 and 3600 seconds")
        spec = cls(
            connection=connection,
            ca_cert_pem=raw["ca_cert_pem"],
            server_cert_pem=raw["server_cert_pem"],
            server_key_pem=raw["server_key_pem"],
            daemon=DaemonSpec.from_inputs(raw.get("daemon"), "daemon"),
            install_method=method,
            install_command=raw.get("install_command"),
            uninstall_on_delete=bool(raw.get("uninstall_on_delete", False)),
            client_cert_pem=client[0],
            client_key_pem=client[1],
            address=raw.get("address") or None,
            confirm_timeout=int(confirm),
        )
        check_san_covers(spec.server_cert_pem, spec.advertised_address, "server_cert_pem")
        return spec


def check_inputs(raw: Mapping[str, Any]) -> list[ValidationError]:
    """check(): validate what is known now; values unknown during preview are checked at apply."""
    if any(is_unknown(raw.get(name)) for name in INPUT_FIELDS):
        known = {k: v for k, v in raw.items() if not is_unknown(v)}
        errors = []
        if "connection" in known:
            try:
                ConnectionSpec.from_inputs(known["connection"], "connection")
            except ValidationError as exc:
                errors.append(exc)
        if "daemon" in known:
            try:
                DaemonSpec.from_inputs(known["daemon"], "daemon")
            except ValidationError as exc:
                errors.append(exc)
        return errors
    try:
        HostSpec.from_inputs(raw)
    except ValidationError as exc:
        return [exc]
    return []


def check_san_covers(cert_pem: str, address: str, field: str) -> None:
    """Raise unless the certificate's SANs name `address` (the x509 error users would hit)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except ValueError as exc:
        raise ValidationError(field, f"is not a PEM certificate: {exc}") from None
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise ValidationError(field, "has no subjectAltName extension") from None
    try:
        ip = ipaddress.ip_address(address)
        covered = ip in sans.get_values_for_type(x509.IPAddress)
    except ValueError:
        covered = address.lower() in (n.lower() for n in sans.get_values_for_type(x509.DNSName))
    if not covered:
        raise ValidationError(
            field,
            f"does not cover the host's address {address!r} (SANs: {sans_text(sans)}); clients would fail"
            " with `x509: certificate is valid for ..., not ...`. Add it to the ServerCert's SANs.",
        )


def sans_text(sans: x509.SubjectAlternativeName) -> str:
    ips = [str(i) for i in sans.get_values_for_type(x509.IPAddress)]
    return ", ".join(sans.get_values_for_type(x509.DNSName) + ips) or "none"
