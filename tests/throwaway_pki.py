"""Throwaway keys for tests and benchmarks: a one-day ECDSA CA, the leaves it signs, SSH keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pulumi_docker_machine.pki import inspection, issue, keys, validity


@dataclass(frozen=True)
class Authority:
    """A CA's key and certificate."""

    key: keys.PrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return inspection.certificate_to_pem(self.cert)

    def issue(self, usage: issue.LeafUsage, name: str, ip_addresses: Sequence[str] = ()) -> tuple[str, str]:
        """(certificate PEM, key PEM) of a new one-day leaf."""
        key = keys.generate_private_key(keys.KeyType.ECDSA_P256)
        cert = issue.issue_leaf(
            key.public_key(),
            issue.subject_name(name),
            usage,
            validity.validity_window(datetime.now(UTC), 24),
            self.cert,
            self.key,
            ip_addresses=ip_addresses,
        )
        return inspection.certificate_to_pem(cert), keys.private_key_to_pem(key)


def new_ca(name: str, start: datetime | None = None) -> Authority:
    """A one-day CA valid from `start` (default now; a day ago or more gives an expired one)."""
    key = keys.generate_private_key(keys.KeyType.ECDSA_P256)
    window = validity.validity_window(start or datetime.now(UTC), 24)
    return Authority(key, issue.self_signed_ca(key, issue.subject_name(name), window))


def ssh_private_key(passphrase: str | None = None) -> str:
    """A new Ed25519 SSH private key in OpenSSH form, encrypted with `passphrase` if given."""
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    key = ed25519.Ed25519PrivateKey.generate()
    openssh = serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH
    return key.private_bytes(*openssh, encryption).decode()
