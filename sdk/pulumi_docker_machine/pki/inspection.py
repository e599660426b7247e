"""PEM inspection: parse certificates and read the facts the outputs report."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ..errors import CertificateError
from .keys import PrivateKey


def load_certificate(pem: str) -> x509.Certificate:
    """Parse the first certificate of a PEM text."""
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise CertificateError(f"not a PEM certificate: {exc}") from exc


def certificate_to_pem(cert: x509.Certificate) -> str:
    """PEM text of one certificate."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def serial_hex(cert: x509.Certificate) -> str:
    """Serial number as upper-case hex of whole bytes, as `openssl x509 -serial` prints it."""
    serial = cert.serial_number
    return serial.to_bytes(max(1, (serial.bit_length() + 7) // 8), "big").hex().upper()


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint of the DER certificate as colon-separated upper-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def is_ca(cert: x509.Certificate) -> bool:
    """Whether the certificate may sign others: basicConstraints CA:TRUE and, if present, keyCertSign."""
    try:
        if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def key_matches(cert: x509.Certificate, key: PrivateKey) -> bool:
    """Whether `key` is the private half of the certificate's public key."""
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)
