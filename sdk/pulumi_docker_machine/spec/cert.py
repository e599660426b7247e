"""Input specs of the certificate resources: defaults, validation naming the field, echo as a dict."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Self

from ..diff import is_unknown
from ..errors import CertificateError, ValidationError
from ..pki.inspection import is_ca, key_matches, load_certificate
from ..pki.issue import LeafUsage
from ..pki.keys import KeyType, key_type_of, load_private_key

DEFAULT_KEY_TYPE = KeyType.ECDSA_P256
CA_VALIDITY_HOURS = 3 * 365 * 24
LEAF_VALIDITY_HOURS = 365 * 24
EARLY_RENEWAL_HOURS = 30 * 24
LOCALHOST_DNS = "localhost"
LOCALHOST_IP = "127.0.0.1"

_REQUIRED: Any = object()
_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*\.?")
"""A DNS name, optionally a wildcard; underscores are tolerated as Go's crypto/x509 does."""

Parser = Callable[[str, Any], Any]


class _Reader:
    """Reads inputs field by field: fills defaults, collects every error, skips unknown values."""

    def __init__(self, inputs: Mapping[str, Any]) -> None:
        self.inputs = dict(inputs)
        self.values: dict[str, Any] = {}
        self.errors: list[ValidationError] = []

    def given(self, field: str) -> bool:
        """Whether the input has a value (known or not)."""
        return self.inputs.get(field) is not None

    def known(self, *fields: str) -> bool:
        """Whether all `fields` were parsed without error (so cross-field checks may run)."""
        return all(field in self.values for field in fields)

    def fail(self, field: str, message: str) -> None:
        """Record a problem with `field`."""
        self.errors.append(ValidationError(field, message))

    def read(self, field: str, parse: Parser, default: Any = _REQUIRED) -> None:
        """Parse `field` into `values`, filling a `default` into the inputs; skip it while unknown."""
        raw = self.inputs.get(field)
        if raw is None:
            if default is _REQUIRED:
                self.fail(field, "is required")
                return
            if default is None:
                self.values[field] = None
                return
            raw = self.inputs[field] = default
        if is_unknown(raw):
            return
        try:
            self.values[field] = parse(field, raw)
        except ValidationError as exc:
            self.errors.append(exc)


def _text(field: str, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(field, "must be a non-empty string")
    return raw


def _hours(field: str, raw: Any, minimum: int) -> int:
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or not float(raw).is_integer()
        or raw < minimum
    ):
        raise ValidationError(field, f"must be a whole number of hours, at least {minimum}; got {raw!r}")
    return int(raw)


def _validity_hours(field: str, raw: Any) -> int:
    return _hours(field, raw, 1)


def _renewal_hours(field: str, raw: Any) -> int:
    return _hours(field, raw, 0)


def _flag(field: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValidationError(field, f"must be true or false; got {raw!r}")
    return raw


def _key_type(field: str, raw: Any) -> KeyType:
    try:
        return KeyType(raw)
    except ValueError:
        choices = ", ".join(key_type.value for key_type in KeyType)
        raise ValidationError(field, f"{raw!r} is not a supported key type ({choices})") from None


def _strings(field: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not all(isinstance(item, str) for item in raw):
        raise ValidationError(field, "must be a list of strings")
    return tuple(raw)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _ip_addresses(field: str, raw: Any) -> tuple[str, ...]:
    addresses = _strings(field, raw)
    for address in addresses:
        if not _is_ip(address):
            raise ValidationError(field, f"{address!r} is not an IP address")
    return addresses


def _dns_names(field: str, raw: Any) -> tuple[str, ...]:
    names = _strings(field, raw)
    for name in names:
        if _is_ip(name):
            raise ValidationError(field, f"{name!r} is an IP address: list it in ip_addresses")
        if len(name) > 253 or not _HOSTNAME.fullmatch(name):
            raise ValidationError(field, f"{name!r} is not a DNS name")
    return names


def _private_key_pem(field: str, raw: Any) -> str:
    try:
        load_private_key(_text(field, raw))
    except CertificateError as exc:
        raise ValidationError(field, str(exc)) from None
    return raw


def _ca_cert_pem(field: str, raw: Any) -> str:
    try:
        cert = load_certificate(_text(field, raw))
    except CertificateError as exc:
        raise ValidationError(field, str(exc)) from None
    if not is_ca(cert):
        raise ValidationError(
            field, "is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)"
        )
    return raw


def _check_key_pair(reader: _Reader, cert_field: str, key_field: str) -> None:
    if reader.known(cert_field, key_field):
        cert = load_certificate(reader.values[cert_field])
        if not key_matches(cert, load_private_key(reader.values[key_field])):
            reader.fail(key_field, f"does not match the public key of {cert_field}")


def _check_renewal_window(reader: _Reader) -> None:
    if reader.known("validity_hours", "early_renewal_hours") and reader.values["validity_hours"] is not None:
        validity, early = reader.values["validity_hours"], reader.values["early_renewal_hours"]
        if validity <= early:
            reader.fail(
                "validity_hours",
                f"must be longer than early_renewal_hours ({early}); got {validity}, "
                "so the certificate would be due for renewal as soon as it is issued",
            )


@dataclass(frozen=True)
class CertificateSpec:
    """Plumbing shared by the certificate specs; subclasses declare fields and `_read` them."""

    key_type: KeyType
    early_renewal_hours: int

    UPDATABLE: ClassVar[tuple[str, ...]] = ("early_renewal_hours",)
    """Input fields that change in place; every other input field replaces the certificate."""

    @classmethod
    def _read(cls, reader: _Reader) -> None:
        raise NotImplementedError

    @classmethod
    def input_fields(cls) -> tuple[str, ...]:
        """Names of all input fields."""
        return tuple(field.name for field in dataclasses.fields(cls))

    @classmethod
    def replacing_fields(cls) -> tuple[str, ...]:
        """Input fields whose change replaces the certificate."""
        return tuple(name for name in cls.input_fields() if name not in cls.UPDATABLE)

    @classmethod
    def check(cls, inputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[ValidationError]]:
        """The inputs with defaults filled in, and every problem among their known values."""
        reader = _Reader(inputs)
        cls._read(reader)
        return reader.inputs, reader.errors

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Self:
        """The spec of fully known inputs; raises the first ValidationError."""
        reader = _Reader(inputs)
        cls._read(reader)
        if reader.errors:
            raise reader.errors[0]
        for name in cls.input_fields():
            if name not in reader.values:
                raise ValidationError(name, "is not known yet")
        return cls(**{name: reader.values[name] for name in cls.input_fields()})

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
    existing_private_key_pem: str | None

    @classmethod
    def _read(cls, reader: _Reader) -> None:
        if reader.given("existing_cert_pem") or reader.given("existing_private_key_pem"):
            cls._read_adopted(reader)
        else:
            reader.read("common_name", _text)
            reader.read("organization", _text, None)
            reader.read("key_type", _key_type, DEFAULT_KEY_TYPE.value)
            reader.read("validity_hours", _validity_hours, CA_VALIDITY_HOURS)
            reader.values.update(existing_cert_pem=None, existing_private_key_pem=None)
        reader.read("early_renewal_hours", _renewal_hours, EARLY_RENEWAL_HOURS)
        _check_renewal_window(reader)

    @staticmethod
    def _read_adopted(reader: _Reader) -> None:
        for name in ("common_name", "organization", "validity_hours"):
            if reader.given(name):
                reader.fail(name, "comes from existing_cert_pem: leave it unset when adopting a CA")
            reader.values[name] = None
        reader.read("existing_cert_pem", _ca_cert_pem)
        reader.read("existing_private_key_pem", _private_key_pem)
        reader.read("key_type", _key_type, None)
        _check_key_pair(reader, "existing_cert_pem", "existing_private_key_pem")
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
    ca_private_key_pem: str
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
    def _read(cls, reader: _Reader) -> None:
        reader.read("ca_cert_pem", _ca_cert_pem)
        reader.read("ca_private_key_pem", _private_key_pem)
        _check_key_pair(reader, "ca_cert_pem", "ca_private_key_pem")
        cls._read_names(reader)
        reader.read("organization", _text, None)
        reader.read("key_type", _key_type, DEFAULT_KEY_TYPE.value)
        reader.read("validity_hours", _validity_hours, LEAF_VALIDITY_HOURS)
        reader.read("early_renewal_hours", _renewal_hours, EARLY_RENEWAL_HOURS)
        _check_renewal_window(reader)

    @classmethod
    def _read_names(cls, reader: _Reader) -> None:
        reader.read("common_name", _text)


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
    def _read_names(cls, reader: _Reader) -> None:
        reader.read("ip_addresses", _ip_addresses, [])
        reader.read("dns_names", _dns_names, [])
        reader.read("include_localhost", _flag, True)
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
            reader.read("common_name", _text)
        elif hosts:
            reader.values["common_name"] = reader.inputs["common_name"] = hosts[0]


@dataclass(frozen=True)
class ClientCertSpec(LeafCertSpec):
    """A TLS client certificate for a Docker client; `common_name` names the client."""

    USAGE = LeafUsage.CLIENT
