"""Providers of the certificate resources: spec -> pki -> outputs. Certificates are immutable."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from cryptography import x509
from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from .. import clock
from ..diff import changed_fields, is_unknown
from ..pki.inspection import certificate_to_pem, fingerprint_sha256, load_certificate, serial_hex
from ..pki.issue import issue_leaf, self_signed_ca, subject_name
from ..pki.keys import generate_private_key, load_private_key, private_key_to_pem
from ..pki.validity import format_time, renewal, validity_window
from ..spec.cert import (
    CertificateAuthoritySpec,
    CertificateSpec,
    ClientCertSpec,
    LeafCertSpec,
    ServerCertSpec,
)
from .boundary import SpecProvider, check_result, reports_errors

OUTPUT_FIELDS = (
    "cert_pem",
    "private_key_pem",
    "ca_cert_pem",
    "serial",
    "fingerprint_sha256",
    "not_before",
    "not_after",
    "ready_for_renewal",
    "renewal",
    "key_type",
)
"""Outputs of every certificate resource, besides the echoed inputs (`key_type` is both)."""

RENEWAL_PROPERTY = "renewal"
"""The property a diff names as the reason for a renewal replacement: a line a person reads."""


def _renewal_outputs(
    not_after: datetime, early_renewal_hours: int, now: datetime, renewable: bool
) -> dict[str, Any]:
    """`not_after`, `ready_for_renewal` and `renewal` of a certificate at `now`, from one computation."""
    status = renewal(not_after, early_renewal_hours, now, renewable)
    return {
        "not_after": format_time(not_after),
        "ready_for_renewal": status.due,
        RENEWAL_PROPERTY: status.text,
    }


def _stored_renewal(state: Mapping[str, Any], now: datetime, renewable: bool) -> dict[str, Any]:
    return _renewal_outputs(
        datetime.fromisoformat(state["not_after"]), state["early_renewal_hours"], now, renewable
    )


def _issued_at(props: Mapping[str, Any], validity_hours: int) -> datetime:
    """When the certificate `check` planned starts its validity (real time when none was planned)."""
    planned = props.get("not_after")
    if isinstance(planned, str):
        return datetime.fromisoformat(planned) - timedelta(hours=validity_hours)
    return clock.wall_now()


def _created(
    spec: CertificateSpec,
    cert: x509.Certificate,
    private_key_pem: str,
    ca_cert_pem: str,
    now: datetime,
    renewable: bool = True,
) -> CreateResult:
    outs = {
        **spec.to_dict(),
        "cert_pem": certificate_to_pem(cert),
        "private_key_pem": private_key_pem,
        "ca_cert_pem": ca_cert_pem,
        "serial": serial_hex(cert),
        "fingerprint_sha256": fingerprint_sha256(cert),
        "not_before": format_time(cert.not_valid_before_utc),
        **_renewal_outputs(cert.not_valid_after_utc, spec.early_renewal_hours, now, renewable),
    }
    return CreateResult(outs["serial"], outs)


class _CertificateProvider(SpecProvider):
    """Lifecycle shared by the certificates: replace on input change or renewal, forget on delete."""

    SPEC: ClassVar[type[CertificateSpec]]

    def _renewable(self, olds: Mapping[str, Any]) -> bool:
        """Whether a replacement can renew the certificate (not for an adopted CA)."""
        return True

    def _planned_not_after(self, inputs: Mapping[str, Any]) -> datetime | None:
        """End of validity of a certificate issued now from `inputs` (None while they are unknown)."""
        hours: Any = inputs.get("validity_hours")
        return None if is_unknown(hours) else clock.wall_now() + timedelta(hours=hours)

    def _held_not_after(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> datetime | None:
        """End of validity of the certificate the resource will hold: the stored one (an update keeps
        it; None for state from before `check` recorded it), else, for create and replace (the engine
        checks those without `olds`), the one `create` issues now."""
        if olds:
            return datetime.fromisoformat(olds["not_after"]) if "not_after" in olds else None
        return self._planned_not_after(inputs)

    @reports_errors
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Normalised inputs plus `not_after`, `ready_for_renewal` and `renewal` of the certificate the
        resource will hold: `pulumi preview --diff` shows `renewal` old => new, and `create` issues
        exactly the validity planned here."""
        inputs, errors = self.SPEC.check(news)
        early: Any = inputs.get("early_renewal_hours")
        not_after = None if errors or is_unknown(early) else self._held_not_after(olds, inputs)
        if not_after is not None:
            renewable = self._renewable(olds or inputs)
            inputs.update(_renewal_outputs(not_after, early, clock.now(), renewable))
        return check_result(inputs, errors)

    @reports_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = changed_fields(olds, news, self.SPEC.replacing_fields())
        updates = changed_fields(olds, news, self.SPEC.UPDATABLE)
        early = news.get("early_renewal_hours")
        window = {**olds, "early_renewal_hours": olds["early_renewal_hours"] if is_unknown(early) else early}
        if self._renewable(olds) and _stored_renewal(window, clock.now(), True)["ready_for_renewal"]:
            replaces.append(RENEWAL_PROPERTY)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False)

    @reports_errors
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only the renewal window changes in place: keep the certificate, recompute its renewal status."""
        outs = {**olds, **{field: news[field] for field in self.SPEC.UPDATABLE}}
        return UpdateResult({**outs, **_stored_renewal(outs, clock.now(), self._renewable(outs))})

    @reports_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The stored state as is (inputs included), with the renewal status recomputed."""
        return ReadResult(id_, {**props, **_stored_renewal(props, clock.now(), self._renewable(props))})

    @reports_errors
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Forget the certificate: nothing exists outside the state."""


class CertificateAuthorityProvider(_CertificateProvider):
    """Generates a self-signed CA, or adopts an existing CA certificate and key."""

    SPEC = CertificateAuthoritySpec

    def _renewable(self, olds: Mapping[str, Any]) -> bool:
        return not olds.get("existing_cert_pem")

    def _planned_not_after(self, inputs: Mapping[str, Any]) -> datetime | None:
        existing = inputs.get("existing_cert_pem")
        if existing is None:
            return super()._planned_not_after(inputs)
        return None if is_unknown(existing) else load_certificate(existing).not_valid_after_utc

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = CertificateAuthoritySpec.from_inputs(props)
        if spec.existing_cert_pem and spec.existing_private_key_pem:
            cert, private_key_pem = load_certificate(spec.existing_cert_pem), spec.existing_private_key_pem
        else:
            assert spec.common_name is not None and spec.validity_hours is not None
            key = generate_private_key(spec.key_type)
            subject = subject_name(spec.common_name, spec.organization)
            issued = _issued_at(props, spec.validity_hours)
            cert = self_signed_ca(key, subject, validity_window(issued, spec.validity_hours))
            private_key_pem = private_key_to_pem(key)
        cert_pem = certificate_to_pem(cert)
        return _created(spec, cert, private_key_pem, cert_pem, clock.now(), self._renewable(props))


class _LeafProvider(_CertificateProvider):
    """Issues a key and a certificate signed by the given CA."""

    SPEC: ClassVar[type[LeafCertSpec]]

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self.SPEC.from_inputs(props)
        key = generate_private_key(spec.key_type)
        cert = issue_leaf(
            key.public_key(),
            subject_name(spec.common_name, spec.organization),
            spec.USAGE,
            validity_window(_issued_at(props, spec.validity_hours), spec.validity_hours),
            issuer=load_certificate(spec.ca_cert_pem),
            issuer_key=load_private_key(spec.ca_private_key_pem),
            dns_names=spec.san_dns_names,
            ip_addresses=spec.san_ip_addresses,
        )
        return _created(spec, cert, private_key_to_pem(key), spec.ca_cert_pem, clock.now())


class ServerCertProvider(_LeafProvider):
    """A Docker daemon's TLS server certificate (serverAuth, SANs for its addresses)."""

    SPEC = ServerCertSpec


class ClientCertProvider(_LeafProvider):
    """A Docker client's TLS certificate (clientAuth)."""

    SPEC = ClientCertSpec
