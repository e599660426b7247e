"""Private keys: the supported key types, generation, PEM encoding and loading."""

from __future__ import annotations

from enum import StrEnum

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..errors import CertificateError

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


class KeyType(StrEnum):
    """Key algorithms whose certificates Go's crypto/tls (and so the Docker daemon) accepts."""

    ECDSA_P256 = "ecdsa-p256"
    ECDSA_P384 = "ecdsa-p384"
    RSA_2048 = "rsa-2048"
    RSA_3072 = "rsa-3072"
    RSA_4096 = "rsa-4096"
    ED25519 = "ed25519"

    @property
    def is_rsa(self) -> bool:
        """Whether keys of this type are RSA keys."""
        return self.value.startswith("rsa-")


_CURVES: dict[KeyType, ec.EllipticCurve] = {
    KeyType.ECDSA_P256: ec.SECP256R1(),
    KeyType.ECDSA_P384: ec.SECP384R1(),
}
_RSA_BITS = {KeyType.RSA_2048: 2048, KeyType.RSA_3072: 3072, KeyType.RSA_4096: 4096}


def generate_private_key(key_type: KeyType) -> PrivateKey:
    """A fresh private key of `key_type`."""
    if key_type in _CURVES:
        return ec.generate_private_key(_CURVES[key_type])
    if key_type in _RSA_BITS:
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS[key_type])
    return ed25519.Ed25519PrivateKey.generate()


def key_type_of(key: PrivateKey | PublicKey) -> KeyType:
    """The key type of a private or public key; CertificateError if it is not a supported one."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        for key_type, curve in _CURVES.items():
            if key.curve.name == curve.name:
                return key_type
        raise CertificateError(f"unsupported elliptic curve {key.curve.name}")
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        for key_type, bits in _RSA_BITS.items():
            if key.key_size == bits:
                return key_type
        raise CertificateError(f"unsupported RSA key size {key.key_size}")
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return KeyType.ED25519
    raise CertificateError(f"unsupported key algorithm {type(key).__name__}")


def signature_hash(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384 | None:
    """The digest to sign with: SHA-384 for P-384, none for Ed25519, SHA-256 otherwise."""
    key_type = key_type_of(key)
    if key_type is KeyType.ED25519:
        return None
    return hashes.SHA384() if key_type is KeyType.ECDSA_P384 else hashes.SHA256()


def private_key_to_pem(key: PrivateKey) -> str:
    """Unencrypted PKCS#8 PEM, which Docker reads for every key type."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def load_private_key(pem: str) -> PrivateKey:
    """Parse an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1) of a supported type."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CertificateError(f"not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise CertificateError(f"unsupported key algorithm {type(key).__name__}")
    key_type_of(key)
    return key
