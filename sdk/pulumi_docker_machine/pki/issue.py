"""Certificate building: self-signed CAs and CA-signed server and client certificates."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .keys import PrivateKey, PublicKey, key_type_of, signature_hash
from .validity import Validity


class LeafUsage(StrEnum):
    """What a leaf certificate authenticates: a TLS server (the daemon) or a TLS client."""

    SERVER = "server"
    CLIENT = "client"


_EKU = {LeafUsage.SERVER: ExtendedKeyUsageOID.SERVER_AUTH, LeafUsage.CLIENT: ExtendedKeyUsageOID.CLIENT_AUTH}


def subject_name(common_name: str, organization: str | None = None) -> x509.Name:
    """A subject of a common name and an optional organization."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _key_usage(*, digital_signature: bool, key_encipherment: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: PublicKey, validity: Validity
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def self_signed_ca(key: PrivateKey, subject: x509.Name, validity: Validity) -> x509.Certificate:
    """A self-signed CA certificate for `key`, valid over `validity`."""
    return (
        _builder(subject, subject, key.public_key(), validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, ca=True), critical=True)
        .sign(key, signature_hash(key))
    )


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key())  # type: ignore[arg-type]
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def issue_leaf(
    public_key: PublicKey,
    subject: x509.Name,
    usage: LeafUsage,
    validity: Validity,
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
) -> x509.Certificate:
    """A leaf certificate for `public_key` signed by `issuer`, with the EKU of `usage` and the given SANs."""
    builder = (
        _builder(subject, issuer.subject, public_key, validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_encipherment=key_type_of(public_key).is_rsa), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([_EKU[usage]]), critical=False)
        .add_extension(_authority_key_id(issuer), critical=False)
    )
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, signature_hash(issuer_key))
