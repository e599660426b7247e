"""Pure PKI: keys per type, CA and leaf certificates, inspection, renewal timing, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pulumi_docker_machine import clock
from pulumi_docker_machine.errors import CertificateError, ValidationError
from pulumi_docker_machine.pki.inspection import (
    certificate_to_pem,
    fingerprint_sha256,
    is_ca,
    key_matches,
    load_certificate,
    serial_hex,
)
from pulumi_docker_machine.pki.issue import LeafUsage, issue_leaf, self_signed_ca, subject_name
from pulumi_docker_machine.pki.keys import (
    KeyType,
    generate_private_key,
    key_type_of,
    load_private_key,
    private_key_to_pem,
    signature_hash,
)
from pulumi_docker_machine.pki.validity import (
    BACKDATE,
    Renewal,
    format_time,
    renewal,
    renewal_due,
    validity_window,
)

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
WINDOW = validity_window(NOW, 24 * 365)
EXPECTED_HASH = {
    KeyType.ECDSA_P256: "sha256",
    KeyType.ECDSA_P384: "sha384",
    KeyType.RSA_2048: "sha256",
    KeyType.RSA_3072: "sha256",
    KeyType.RSA_4096: "sha256",
    KeyType.ED25519: None,
}


@pytest.fixture(scope="module")
def keys():
    """One private key per key type (RSA generation is slow: share them)."""
    return {key_type: generate_private_key(key_type) for key_type in KeyType}


@pytest.fixture(scope="module")
def cas(keys):
    """One CA per key type."""
    return {
        key_type: self_signed_ca(key, subject_name(f"CA {key_type}", "Org"), WINDOW)
        for key_type, key in keys.items()
    }


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def _hash_name(cert: x509.Certificate) -> str | None:
    algorithm = cert.signature_hash_algorithm
    return algorithm.name if algorithm else None


@pytest.mark.parametrize("key_type", list(KeyType))
def test_key_roundtrips_through_pkcs8_pem(keys, key_type):
    pem = private_key_to_pem(keys[key_type])
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    loaded = load_private_key(pem)
    assert key_type_of(loaded) is key_type
    assert key_type_of(loaded.public_key()) is key_type


@pytest.mark.parametrize("key_type", list(KeyType))
def test_signature_hash_per_key_type(keys, key_type):
    digest = signature_hash(keys[key_type])
    assert (digest.name if digest else None) == EXPECTED_HASH[key_type]


def test_is_rsa():
    assert [key_type for key_type in KeyType if key_type.is_rsa] == [
        KeyType.RSA_2048,
        KeyType.RSA_3072,
        KeyType.RSA_4096,
    ]


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(lambda: ec.generate_private_key(ec.SECP521R1()), id="p521"),
        pytest.param(lambda: rsa.generate_private_key(65537, 1024), id="rsa1024"),
        pytest.param(lambda: dsa.generate_private_key(2048), id="dsa"),
    ],
)
def test_unsupported_keys_are_refused(key):
    pem = key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(CertificateError, match="unsupported"):
        load_private_key(pem.decode())


def test_encrypted_or_garbage_keys_are_refused(keys):
    encrypted = keys[KeyType.ECDSA_P256].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    for pem in (encrypted.decode(), "not a key"):
        with pytest.raises(CertificateError, match="not an unencrypted PEM private key"):
            load_private_key(pem)


def test_pkcs1_and_sec1_keys_load(keys):
    for key_type in (KeyType.RSA_2048, KeyType.ECDSA_P384):
        traditional = keys[key_type].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        assert key_type_of(load_private_key(traditional.decode())) is key_type


@pytest.mark.parametrize("key_type", list(KeyType))
def test_ca_certificate(cas, keys, key_type):
    ca = cas[key_type]
    ca.verify_directly_issued_by(ca)
    assert ca.subject == ca.issuer
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"CA {key_type}"
    assert ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Org"
    constraints = _ext(ca, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = _ext(ca, x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign and usage.value.crl_sign and usage.value.digital_signature
    assert not usage.value.key_encipherment
    ski = _ext(ca, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(keys[key_type].public_key())
    assert _hash_name(ca) == EXPECTED_HASH[key_type]
    assert (ca.not_valid_before_utc, ca.not_valid_after_utc) == (NOW - BACKDATE, NOW + timedelta(days=365))
    assert is_ca(ca) and key_matches(ca, keys[key_type])


def _server(public_key, issuer, issuer_key, **kw):
    return issue_leaf(
        public_key,
        subject_name("host1"),
        LeafUsage.SERVER,
        WINDOW,
        issuer,
        issuer_key,
        dns_names=kw.get("dns", ("host1.example", "localhost")),
        ip_addresses=kw.get("ips", ("10.0.0.5", "127.0.0.1", "fd00::1")),
    )


@pytest.mark.parametrize("leaf_type", list(KeyType))
def test_server_certificate_per_leaf_key_type(cas, keys, leaf_type):
    ca_key = keys[KeyType.ECDSA_P256]
    ca = cas[KeyType.ECDSA_P256]
    leaf = _server(keys[leaf_type].public_key(), ca, ca_key)
    leaf.verify_directly_issued_by(ca)
    assert leaf.issuer == ca.subject
    assert not is_ca(leaf)
    assert _ext(leaf, x509.BasicConstraints).critical and not _ext(leaf, x509.BasicConstraints).value.ca
    usage = _ext(leaf, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert usage.value.key_encipherment is leaf_type.is_rsa
    assert list(_ext(leaf, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    sans = _ext(leaf, x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["host1.example", "localhost"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == [
        "10.0.0.5",
        "127.0.0.1",
        "fd00::1",
    ]
    aki = _ext(leaf, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == _ext(ca, x509.SubjectKeyIdentifier).value.digest
    assert key_type_of(leaf.public_key()) is leaf_type


@pytest.mark.parametrize("ca_type", list(KeyType))
def test_leaf_signature_follows_the_ca_key(cas, keys, ca_type):
    leaf = _server(keys[KeyType.ECDSA_P256].public_key(), cas[ca_type], keys[ca_type])
    leaf.verify_directly_issued_by(cas[ca_type])
    assert _hash_name(leaf) == EXPECTED_HASH[ca_type]


def test_leaf_does_not_verify_against_another_ca(cas, keys):
    leaf = _server(keys[KeyType.ED25519].public_key(), cas[KeyType.ECDSA_P256], keys[KeyType.ECDSA_P256])
    impostor = self_signed_ca(
        generate_private_key(KeyType.ECDSA_P256), cas[KeyType.ECDSA_P256].subject, WINDOW
    )
    with pytest.raises(InvalidSignature):
        leaf.verify_directly_issued_by(impostor)
    with pytest.raises(ValueError):
        leaf.verify_directly_issued_by(cas[KeyType.ECDSA_P384])


def test_client_certificate(cas, keys):
    leaf = issue_leaf(
        keys[KeyType.ECDSA_P384].public_key(),
        subject_name("alice", "Team"),
        LeafUsage.CLIENT,
        WINDOW,
        cas[KeyType.RSA_2048],
        keys[KeyType.RSA_2048],
    )
    leaf.verify_directly_issued_by(cas[KeyType.RSA_2048])
    assert list(_ext(leaf, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert leaf.subject.rfc4514_string() == "O=Team,CN=alice"
    with pytest.raises(x509.ExtensionNotFound):
        _ext(leaf, x509.SubjectAlternativeName)


def test_authority_key_id_from_an_issuer_without_ski(keys):
    key = keys[KeyType.ECDSA_P256]
    name = subject_name("bare CA")
    bare = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(WINDOW.not_before)
        .not_valid_after(WINDOW.not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    leaf = _server(keys[KeyType.ED25519].public_key(), bare, key)
    assert _ext(
        leaf, x509.AuthorityKeyIdentifier
    ).value == x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
    assert is_ca(bare)


def test_inspection(cas, keys):
    ca = cas[KeyType.ECDSA_P256]
    pem = certificate_to_pem(ca)
    assert load_certificate(pem + certificate_to_pem(cas[KeyType.ED25519])) == ca
    assert int(serial_hex(ca), 16) == ca.serial_number and len(serial_hex(ca)) % 2 == 0
    assert serial_hex(ca) == serial_hex(ca).upper()
    fingerprint = fingerprint_sha256(ca)
    assert fingerprint == ":".join(f"{b:02X}" for b in ca.fingerprint(hashes.SHA256()))
    assert not key_matches(ca, keys[KeyType.ECDSA_P384])
    with pytest.raises(CertificateError, match="not a PEM certificate"):
        load_certificate("garbage")


def test_is_ca_needs_key_cert_sign(keys):
    key = keys[KeyType.ECDSA_P256]
    name = subject_name("no signing")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(WINDOW.not_before)
        .not_valid_after(WINDOW.not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    assert not is_ca(cert)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2030, 1, 1, tzinfo=UTC), False),
        (datetime(2030, 5, 31, 23, 59, 59, tzinfo=UTC), False),
        (datetime(2030, 6, 1, tzinfo=UTC), True),
        (datetime(2030, 6, 30, 23, 0, tzinfo=UTC), True),
        (datetime(2031, 1, 1, tzinfo=UTC), True),
    ],
)
def test_renewal_due(now, due):
    not_after = datetime(2030, 7, 1, tzinfo=UTC)
    assert renewal_due(not_after, 720, now) is due


@pytest.mark.parametrize(
    ("now", "renewable", "expected"),
    [
        (
            datetime(2030, 5, 31, 23, 59, 59, tzinfo=UTC),
            True,
            (False, "expires 2030-07-01, renew from 2030-06-01"),
        ),
        (
            datetime(2030, 6, 1, tzinfo=UTC),
            True,
            (True, "due: expires 2030-07-01, renewal window opened 2030-06-01"),
        ),
        (
            datetime(2030, 7, 1, tzinfo=UTC),
            True,
            (True, "due: expired 2030-07-01, renewal window opened 2030-06-01"),
        ),
        (
            datetime(2030, 6, 2, tzinfo=UTC),
            False,
            (True, "expires 2030-07-01, adopted: renew it by replacing existing_cert_pem"),
        ),
    ],
)
def test_renewal_reads_as_its_reason(now, renewable, expected):
    status = renewal(datetime(2030, 7, 1, tzinfo=UTC), 720, now, renewable)
    assert status == Renewal(*expected)
    assert status.due is renewal_due(datetime(2030, 7, 1, tzinfo=UTC), 720, now)


def test_validity_window_and_format():
    window = validity_window(NOW, 48)
    assert window.not_before == NOW - BACKDATE
    assert window.not_after == NOW + timedelta(hours=48)
    assert format_time(window.not_after) == "2030-01-03T12:00:00Z"
    assert datetime.fromisoformat(format_time(window.not_after)) == window.not_after


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2031-02-03T04:05:06Z", datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)),
        ("2031-02-03T04:05:06", datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)),
        ("2031-02-03T06:05:06.789+02:00", datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)),
    ],
)
def test_clock_override(monkeypatch, raw, expected):
    monkeypatch.setenv(clock.NOW_ENV, raw)
    assert clock.now() == expected


def test_clock_defaults_to_utc_now(monkeypatch):
    monkeypatch.delenv(clock.NOW_ENV, raising=False)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_clock_rejects_garbage(monkeypatch):
    monkeypatch.setenv(clock.NOW_ENV, "next tuesday")
    with pytest.raises(ValidationError) as info:
        clock.now()
    assert info.value.field == clock.NOW_ENV
