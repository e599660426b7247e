"""Providers of the certificate resources: spec -> pki -> outputs. Certificates are immutable."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from cryptography import x509
from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .. import clock
from ..diff import changed_fields, is_unknown
from ..pki.inspection import certificate_to_pem, fingerprint_sha256, load_certificate, serial_hex
from ..pki.issue import issue_leaf, self_signed_ca, subject_name
from ..pki.keys import generate_private_key, load_private_key, private_key_to_pem
from ..pki.validity import format_time, renewal_due, validity_window
from ..spec.cert import (
    CertificateAuthoritySpec,
    CertificateSpec,
    ClientCertSpec,
    LeafCertSpec,
    ServerCertSpec,
)
from .boundary import check_result, reports_errors

OUTPUT_FIELDS = (
    "cert_pem",
    "private_key_pem",
    "ca_cert_pem",
    "serial",
    "fingerprint_sha256",
    "not_before",
    "not_after",
    "ready_for_renewal",
    "key_type",
)
"""Outputs of every certificate resource, besides the echoed inputs (`key_type` is both)."""

RENEWAL_PROPERTY = "ready_for_renewal"
"""The property a diff names as the reason for a renewal replacement."""


def _ready_for_renewal(state: Mapping[str, Any], now: datetime) -> bool:
    return renewal_due(datetime.fromisoformat(state["not_after"]), state["early_renewal_hours"], now)


def _created(
    spec: CertificateSpec, cert: x509.Certificate, private_key_pem: str, ca_cert_pem: str, now: datetime
) -> CreateResult:
    outs = {
        **spec.to_dict(),
        "cert_pem": certificate_to_pem(cert),
        "private_key_pem": private_key_pem,
        "ca_cert_pem": ca_cert_pem,
        "serial": serial_hex(cert),
        "fingerprint_sha256": fingerprint_sha256(cert),
        "not_before": format_time(cert.not_valid_before_utc),
        "not_after": format_time(cert.not_valid_after_utc),
        "ready_for_renewal": renewal_due(cert.not_valid_after_utc, spec.early_renewal_hours, now),
    }
    return CreateResult(outs["serial"], outs)


class _CertificateProvider(ResourceProvider):
    """Lifecycle shared by the certificates: replace on input change or renewal, forget on delete."""

    SPEC: ClassVar[type[CertificateSpec]]

    def _renewable(self, olds: Mapping[str, Any]) -> bool:
        """Whether a replacement can renew the certificate (not for an adopted CA)."""
        return True

    @reports_errors
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_result(*self.SPEC.check(news))

    @reports_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = changed_fields(olds, news, self.SPEC.replacing_fields())
        updates = changed_fields(olds, news, self.SPEC.UPDATABLE)
        early = news.get("early_renewal_hours")
        window = {**olds, "early_renewal_hours": olds["early_renewal_hours"] if is_unknown(early) else early}
        if self._renewable(olds) and _ready_for_renewal(window, clock.now()):
            replaces.append(RENEWAL_PROPERTY)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False)

    @reports_errors
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only the renewal window changes in place: keep the certificate, recompute the renewal flag."""
        outs = {**olds, **{field: news[field] for field in self.SPEC.UPDATABLE}}
        outs[RENEWAL_PROPERTY] = _ready_for_renewal(outs, clock.now())
        return UpdateResult(outs)

    @reports_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The stored state as is (inputs included), with the renewal flag recomputed."""
        return ReadResult(id_, {**props, RENEWAL_PROPERTY: _ready_for_renewal(props, clock.now())})

    @reports_errors
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Forget the certificate: nothing exists outside the state."""


class CertificateAuthorityProvider(_CertificateProvider):
    """Generates a self-signed CA, or adopts an existing CA certificate and key."""

    SPEC = CertificateAuthoritySpec

    def _renewable(self, olds: Mapping[str, Any]) -> bool:
        return not olds.get("existing_cert_pem")

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = CertificateAuthoritySpec.from_inputs(props)
        now = clock.now()
        if spec.existing_cert_pem and spec.existing_private_key_pem:
            cert, key_pem = load_certificate(spec.existing_cert_pem), spec.existing_private_key_pem
        else:
            assert spec.common_name is not None and spec.validity_hours is not None
            key = generate_private_key(spec.key_type)
            subject = subject_name(spec.common_name, spec.organization)
            cert = self_signed_ca(key, subject, validity_window(clock.wall_now(), spec.validity_hours))
            key_pem = private_key_to_pem(key)
        cert_pem = certificate_to_pem(cert)
        return _created(spec, cert, key_pem, cert_pem, now)


class _LeafProvider(_CertificateProvider):
    """Issues a key and a certificate signed by the given CA."""

    SPEC: ClassVar[type[LeafCertSpec]]

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self.SPEC.from_inputs(props)
        now = clock.now()
        key = generate_private_key(spec.key_type)
        cert = issue_leaf(
            key.public_key(),
            subject_name(spec.common_name, spec.organization),
            spec.USAGE,
            validity_window(clock.wall_now(), spec.validity_hours),
            issuer=load_certificate(spec.ca_cert_pem),
            issuer_key=load_private_key(spec.ca_private_key_pem),
            dns_names=spec.san_dns_names,
            ip_addresses=spec.san_ip_addresses,
        )
        return _created(spec, cert, private_key_to_pem(key), spec.ca_cert_pem, now)


class ServerCertProvider(_LeafProvider):
    """A Docker daemon's TLS server certificate (serverAuth, SANs for its addresses)."""

    SPEC = ServerCertSpec


class ClientCertProvider(_LeafProvider):
    """A Docker client's TLS certificate (clientAuth)."""

    SPEC = ClientCertSpec
