"""Input specs of the certificate resources: defaults, validation naming the field, echo as a dict."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from ..errors import ValidationError
from ..pki.issue import LeafUsage
from ..pki.keys import KeyType, key_type_of, load_private_key
from . import values
from .reader import Reader, SpecReader, meta

DEFAULT_KEY_TYPE = KeyType.ECDSA_P256
CA_VALIDITY_HOURS = 3 * 365 * 24
LEAF_VALIDITY_HOURS = 365 * 24
EARLY_RENEWAL_HOURS = 30 * 24
LOCALHOST_DNS = "localhost"
LOCALHOST_IP = "127.0.0.1"

COMMON_NAME_MAX = 64
"""The longest subject common name X.509 allows (ub-common-name)."""


def _common_name(field: str, raw: Any) -> str:
    name = values.single_line(field, raw)
    if len(name) > COMMON_NAME_MAX:
        raise ValidationError(field, f"is {len(name)} characters long; at most {COMMON_NAME_MAX}")
    return name


_validity_hours = values.whole(1, unit="hours")
_renewal_hours = values.whole(0, unit="hours")


def _ip_addresses(field: str, raw: Any) -> tuple[str, ...]:
    addresses = values.strings(field, raw)
    for address in addresses:
        if not values.is_ip(address):
            raise ValidationError(field, f"{address!r} is not an IP address")
    return addresses


def _dns_names(field: str, raw: Any) -> tuple[str, ...]:
    names = values.strings(field, raw)
    for name in names:
        if values.is_ip(name):
            raise ValidationError(field, f"{name!r} is an IP address: list it in ip_addresses")
        if values.looks_like_ipv4(name):
            raise ValidationError(field, f"{name!r} is not a valid IP address, nor a DNS name")
        if not values.is_dns_name(name):
            raise ValidationError(field, f"{name!r} is not a DNS name")
    return names


def _check_renewal_window(reader: Reader) -> None:
    if reader.known("validity_hours", "early_renewal_hours") and reader.values["validity_hours"] is not None:
        validity, early = reader.values["validity_hours"], reader.values["early_renewal_hours"]
        if validity <= early:
            reader.fail(
                "validity_hours",
                f"must be longer than early_renewal_hours ({early}); got {validity}, "
                "so the certificate would be due for renewal as soon as it is issued",
            )


@dataclass(frozen=True)
class CertificateSpec(SpecReader):
    """Plumbing shared by the certificate specs; subclasses declare fields and `_read` them."""

    key_type: KeyType
    early_renewal_hours: int

    UPDATABLE: ClassVar[tuple[str, ...]] = ("early_renewal_hours",)
    """Input fields that change in place; every other input field replaces the certificate."""

    @classmethod
    def replacing_fields(cls) -> tuple[str, ...]:
        """Input fields whose change replaces the certificate."""
        return tuple(name for name in cls.input_fields() if name not in cls.UPDATABLE)

    def to_dict(self) -> dict[str, Any]:
        """The inputs this spec was read from, defaults included: what the outputs echo."""
        echo: dict[str, Any] = {}
        for name in self.input_fields():
            value = getattr(self, name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            if value is not None:
                echo[name] = value
        return echo


@dataclass(frozen=True)
class CertificateAuthoritySpec(CertificateSpec):
    """A CA: generated from a subject, or adopted from an existing certificate and key."""

    common_name: str | None
    organization: str | None
    validity_hours: int | None
    existing_cert_pem: str | None
    existing_private_key_pem: str | None = field(metadata=meta(secret=True))

    @classmethod
    def _read(cls, reader: Reader) -> None:
        if reader.given("existing_cert_pem") or reader.given("existing_private_key_pem"):
            cls._read_adopted(reader)
        else:
            reader.read("common_name", _common_name)
            reader.read("organization", values.text, None)
            reader.read("key_type", values.one_of(KeyType), DEFAULT_KEY_TYPE.value)
            reader.read("validity_hours", _validity_hours, CA_VALIDITY_HOURS)
            reader.values.update(existing_cert_pem=None, existing_private_key_pem=None)
        reader.read("early_renewal_hours", _renewal_hours, EARLY_RENEWAL_HOURS)
        _check_renewal_window(reader)

    @staticmethod
    def _read_adopted(reader: Reader) -> None:
        for name in ("common_name", "organization", "validity_hours"):
            if reader.given(name):
                reader.fail(name, "comes from existing_cert_pem: leave it unset when adopting a CA")
            reader.values[name] = None
        reader.read("existing_cert_pem", values.ca_certificate_pem)
        reader.read("existing_private_key_pem", values.private_key_pem)
        values.not_expired(reader, "existing_cert_pem")
        reader.read("key_type", values.one_of(KeyType), None)
        values.key_pair(reader, "existing_cert_pem", "existing_private_key_pem")
        if reader.known("existing_private_key_pem"):
            actual = key_type_of(load_private_key(reader.values["existing_private_key_pem"]))
            declared = reader.values.get("key_type")
            if declared not in (None, actual):
                reader.fail("key_type", f"is {declared} but the key in existing_private_key_pem is {actual}")
            reader.values["key_type"] = actual
            reader.inputs["key_type"] = actual.value


@dataclass(frozen=True)
class LeafCertSpec(CertificateSpec):
    """A certificate signed by a CA (the outputs of a CertificateAuthority)."""

    ca_cert_pem: str
    ca_private_key_pem: str = field(metadata=meta(secret=True))
    common_name: str
    organization: str | None
    validity_hours: int

    USAGE: ClassVar[LeafUsage]

    @property
    def san_dns_names(self) -> tuple[str, ...]:
        """DNS names of the subjectAltName extension."""
        return ()

    @property
    def san_ip_addresses(self) -> tuple[str, ...]:
        """IP addresses of the subjectAltName extension."""
        return ()

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.read("ca_cert_pem", values.ca_certificate_pem)
        reader.read("ca_private_key_pem", values.private_key_pem)
        values.not_expired(reader, "ca_cert_pem")
        values.key_pair(reader, "ca_cert_pem", "ca_private_key_pem")
        cls._read_names(reader)
        reader.read("organization", values.text, None)
        reader.read("key_type", values.one_of(KeyType), DEFAULT_KEY_TYPE.value)
        reader.read("validity_hours", _validity_hours, LEAF_VALIDITY_HOURS)
        reader.read("early_renewal_hours", _renewal_hours, EARLY_RENEWAL_HOURS)
        _check_renewal_window(reader)

    @classmethod
    def _read_names(cls, reader: Reader) -> None:
        reader.read("common_name", _common_name)


@dataclass(frozen=True)
class ServerCertSpec(LeafCertSpec):
    """A TLS server certificate for a Docker daemon; names the host by IP and DNS SANs."""

    ip_addresses: tuple[str, ...]
    dns_names: tuple[str, ...]
    include_localhost: bool

    USAGE = LeafUsage.SERVER

    @property
    def san_dns_names(self) -> tuple[str, ...]:
        """`dns_names`, plus `localhost` when `include_localhost`, without duplicates."""
        extra = (LOCALHOST_DNS,) if self.include_localhost else ()
        return tuple(dict.fromkeys(self.dns_names + extra))

    @property
    def san_ip_addresses(self) -> tuple[str, ...]:
        """`ip_addresses` in canonical form, plus 127.0.0.1 when `include_localhost`, without duplicates."""
        extra = (LOCALHOST_IP,) if self.include_localhost else ()
        return tuple(
            dict.fromkeys(str(ipaddress.ip_address(address)) for address in self.ip_addresses + extra)
        )

    @classmethod
    def _read_names(cls, reader: Reader) -> None:
        reader.read("ip_addresses", _ip_addresses, [])
        reader.read("dns_names", _dns_names, [])
        reader.read("include_localhost", values.flag, True)
        hosts: list[str] = []
        if reader.known("ip_addresses", "dns_names", "include_localhost"):
            localhost = [LOCALHOST_DNS] if reader.values["include_localhost"] else []
            hosts = [*reader.values["dns_names"], *reader.values["ip_addresses"], *localhost]
            if not hosts:
                reader.fail(
                    "ip_addresses",
                    "is empty, as is dns_names, and include_localhost is false: "
                    "the certificate would name no host",
                )
        if reader.given("common_name"):
            reader.read("common_name", _common_name)
        elif hosts:
            fitting = [host for host in hosts if len(host) <= COMMON_NAME_MAX]
            if not fitting:
                reader.fail("common_name", f"is required: every name is over {COMMON_NAME_MAX} characters")
            else:
                reader.values["common_name"] = reader.inputs["common_name"] = fitting[0]


@dataclass(frozen=True)
class ClientCertSpec(LeafCertSpec):
    """A TLS client certificate for a Docker client; `common_name` names the client."""

    USAGE = LeafUsage.CLIENT
