"""ClientConfig spec: a machine's name, where its client files go, and what they hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from . import values
from .connection import host_key_line
from .reader import Reader, SpecReader, meta


@dataclass(frozen=True)
class ClientConfigSpec(SpecReader):
    """Validated ClientConfig inputs; a new name or store replaces the files."""

    name: str = field(metadata=meta(replaces=True))
    store: str | None = field(metadata=meta(replaces=True))
    docker_host: str
    ca_cert_pem: str
    cert_pem: str
    private_key_pem: str = field(metadata=meta(secret=True))
    ssh_host: str | None
    ssh_port: int
    ssh_user: str
    host_key: str | None
    cert_not_after: str | None
    server_cert_not_after: str | None
    docker_context: bool

    renamed: ClassVar[Mapping[str, str]] = {"ca_pem": "ca_cert_pem", "key_pem": "private_key_pem"}

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.read("name", values.machine_name)
        reader.read("store", values.single_line, None)
        reader.read("docker_host", values.docker_host)
        reader.read("ca_cert_pem", values.ca_certificate_pem)
        reader.read("cert_pem", values.certificate_pem)
        reader.read("private_key_pem", values.private_key_pem)
        values.not_expired(reader, "ca_cert_pem", "cert_pem")
        values.key_pair(reader, "cert_pem", "private_key_pem")
        values.signed_by(reader, "cert_pem", "ca_cert_pem")
        reader.read("ssh_host", values.address, None)
        reader.read("ssh_port", values.port, values.SSH_PORT)
        reader.read("ssh_user", values.single_line, values.SSH_USER)
        reader.read("host_key", host_key_line, None)
        reader.read("cert_not_after", values.text, None)
        reader.read("server_cert_not_after", values.text, None)
        reader.read("docker_context", values.flag, True)
