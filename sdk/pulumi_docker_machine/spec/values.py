"""Parsers of single input values shared by the specs: `parse(path, raw) -> value` or ValidationError.

Messages never echo a value that may be secret: parsers of keys and passwords say what is wrong, not what
was given. Numbers arrive from the engine as floats (`2376.0`) and leave as ints.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature

from .. import clock
from ..errors import CertificateError, ValidationError
from ..pki.inspection import is_ca, key_matches, load_certificate
from ..pki.keys import load_private_key

SSH_PORT = 22
"""The SSH port when none is given: connections, ClientConfig and the store's machine records."""
SSH_USER = "root"
"""The SSH user when none is given, likewise."""

_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*\.?")
"""A DNS name, optionally a wildcard; underscores are tolerated as Go's crypto/x509 does."""


def text(field: str, raw: Any) -> str:
    """A non-empty string."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(field, "must be a non-empty string")
    return raw


def single_line(field: str, raw: Any) -> str:
    """A non-empty string without line breaks (it ends up in a command, a unit or a file name)."""
    value = text(field, raw)
    if "\n" in value or "\r" in value:
        raise ValidationError(field, "may not contain a line break")
    return value


def http_url(field: str, raw: Any) -> str:
    """An http:// or https:// URL with a host (fetched on the host). Not echoed: it may hold a password."""
    value = single_line(field, raw)
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value
    except ValueError:
        ok = False
    if not ok:
        raise ValidationError(field, "must be an http:// or https:// URL with a host name")
    return value


def flag(field: str, raw: Any) -> bool:
    """true or false (also the strings a stack config gives)."""
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if not isinstance(raw, bool):
        raise ValidationError(field, f"must be true or false; got {raw!r}")
    return raw


def whole(minimum: int, maximum: int | None = None, unit: str = "") -> Callable[[str, Any], int]:
    """A parser of whole numbers (of `unit`) in [minimum, maximum]: ints, integral floats, digit strings."""
    bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
    of_unit, in_unit = (f" of {unit}", f" {unit}") if unit else ("", "")

    def parse(field: str, raw: Any) -> int:
        numeric = isinstance(raw, int | float) and not isinstance(raw, bool)
        digits = isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw)
        number = float(raw) if numeric or digits else None
        if number is None or not number.is_integer():
            raise ValidationError(field, f"must be a whole number{of_unit}, {bounds}; got {raw!r}")
        if number < minimum or (maximum is not None and number > maximum):
            raise ValidationError(field, f"must be {bounds}{in_unit}; got {int(number)}")
        return int(number)

    return parse


port = whole(1, 65535)
"""A TCP port."""


def strings(field: str, raw: Any) -> tuple[str, ...]:
    """A list of non-empty strings (a single string is refused, not split into characters)."""
    if not isinstance(raw, list | tuple) or not all(isinstance(item, str) and item for item in raw):
        raise ValidationError(field, "must be a list of strings")
    return tuple(raw)


def string_map(field: str, raw: Any) -> dict[str, str]:
    """A mapping of names to scalar values, the values as strings (numbers without a `.0`)."""
    if not isinstance(raw, dict):
        raise ValidationError(field, "must be an object of names to values")
    out = {}
    for key, value in raw.items():
        if isinstance(value, dict | list | tuple) or value is None:
            raise ValidationError(f"{field}.{key}", "must be a string, a number or true/false")
        out[str(key)] = scalar_text(value)
    return out


def scalar_text(value: Any) -> str:
    """A scalar as the text a user wrote: `1` not `1.0`, `true` not `True`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_ip(value: str) -> bool:
    """Whether `value` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def looks_like_ipv4(value: str) -> bool:
    """Four dot-separated numbers: meant as an IPv4 address even when it is not a valid one."""
    return bool(re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value))


def is_dns_name(value: str) -> bool:
    """Whether `value` is a DNS name (not an IP address, not four numbers)."""
    return len(value) <= 253 and bool(_HOSTNAME.fullmatch(value)) and not looks_like_ipv4(value)


def address(field: str, raw: Any) -> str:
    """An IP address or a DNS name."""
    value = text(field, raw)
    if not (is_ip(value) or is_dns_name(value)):
        raise ValidationError(field, f"{value!r} is neither an IP address nor a DNS name")
    return value


_DOCKER_HOST = re.compile(r"tcp://(\[(?P<ipv6>[^\]]+)\]|(?P<host>[^\s\[\]/:]+)):(?P<port>\d{1,5})")


def split_docker_host(docker_host: str, field: str = "docker_host") -> tuple[str, int]:
    """`tcp://ADDRESS:PORT` -> (ADDRESS, PORT), IPv6 brackets removed; ValidationError if malformed."""
    match = _DOCKER_HOST.fullmatch(docker_host)
    host = match and (match["host"] or match["ipv6"])
    if not match or not host or not 0 < int(match["port"]) < 65536:
        raise ValidationError(field, f"{docker_host!r} is not `tcp://ADDRESS:PORT`")
    if not (is_ip(host) if match["ipv6"] else is_ip(host) or is_dns_name(host)):
        raise ValidationError(field, f"{docker_host!r}: {host!r} is neither an IP address nor a DNS name")
    return host, int(match["port"])


def docker_host(field: str, raw: Any) -> str:
    """A `DOCKER_HOST` of TLS: `tcp://ADDRESS:PORT` (an IPv6 address in brackets)."""
    value = text(field, raw)
    split_docker_host(value, field)
    return value


def ip_address(field: str, raw: Any) -> str:
    """An IPv4 or IPv6 address."""
    value = text(field, raw)
    if not is_ip(value):
        raise ValidationError(field, f"{value!r} is not an IP address")
    return value


def one_of(choices: type[Enum] | tuple[str, ...]) -> Callable[[str, Any], Any]:
    """A parser of one of `choices`: an Enum's member by its value, or one of the strings."""

    def parse(field: str, raw: Any) -> Any:
        values = [str(c.value) for c in choices] if isinstance(choices, type) else list(choices)
        if raw not in values:
            raise ValidationError(field, f"{raw!r} is not one of {', '.join(values)}")
        return choices(raw) if isinstance(choices, type) else str(raw)

    return parse


def _loads(field: str, raw: Any, load: Callable[[str], Any]) -> str:
    """`raw` if `load` reads it; the loader's reason otherwise (never the value)."""
    try:
        load(text(field, raw))
    except CertificateError as exc:
        raise ValidationError(field, str(exc)) from None
    return str(raw)


def private_key_pem(field: str, raw: Any) -> str:
    """An unencrypted PEM private key (the message never shows it)."""
    return _loads(field, raw, load_private_key)


def certificate_pem(field: str, raw: Any) -> str:
    """One PEM certificate (the message never shows it)."""
    return _loads(field, raw, load_certificate)


def not_expired(reader: Any, *fields: str) -> None:
    """At check, record a failure on each of `fields` whose certificate has expired."""
    for field in fields:
        if reader.checking and reader.known(field) and reader.values[field]:
            cert = load_certificate(reader.values[field])
            if cert.not_valid_after_utc <= clock.wall_now():
                expiry = f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M}"
                reader.fail(field, f"expired on {expiry} UTC: give one that is valid now")


def ca_certificate_pem(field: str, raw: Any) -> str:
    """A PEM CA certificate."""
    certificate_pem(field, raw)
    if not is_ca(load_certificate(raw)):
        raise ValidationError(
            field, "is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)"
        )
    return raw


def key_pair(reader: Any, cert_field: str, key_field: str) -> None:
    """Record a failure on `key_field` unless it holds the private key of `cert_field`'s certificate."""
    if reader.known(cert_field, key_field) and reader.values[cert_field] and reader.values[key_field]:
        cert = load_certificate(reader.values[cert_field])
        if not key_matches(cert, load_private_key(reader.values[key_field])):
            reader.fail(key_field, f"does not match the public key of {cert_field}")


def signed_by(reader: Any, cert_field: str, ca_field: str) -> None:
    """Record a failure on `cert_field` unless the CA of `ca_field` signed it."""
    if reader.known(cert_field, ca_field) and reader.values[cert_field] and reader.values[ca_field]:
        cert, ca = load_certificate(reader.values[cert_field]), load_certificate(reader.values[ca_field])
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            reader.fail(cert_field, f"is not signed by the CA of {ca_field}")


MACHINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
"""A machine name: a directory of the store, a Docker context and the stem of certificate names."""


def machine_name(field: str, raw: Any) -> str:
    """A machine name (letters, digits, `.`, `_`, `-`; at most 63; no line break)."""
    if not isinstance(raw, str) or not MACHINE_NAME.fullmatch(raw):
        shown = raw if isinstance(raw, str) else type(raw).__name__
        raise ValidationError(
            field,
            f"{shown!r} is not a machine name (letters, digits and . _ -, starting with a letter or digit;"
            " at most 63)",
        )
    return raw
