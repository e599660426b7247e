"""DaemonConfig spec: the Docker daemon's settings as data, validated."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from . import values
from .reader import Parser, Reader, SpecReader, plain

STORAGE_DRIVERS = frozenset({"overlay2", "fuse-overlayfs", "btrfs", "zfs", "vfs", "devicemapper"})
LOG_DRIVERS = frozenset(
    {
        "none",
        "local",
        "json-file",
        "syslog",
        "journald",
        "gelf",
        "fluentd",
        "awslogs",
        "splunk",
        "etwlogs",
        "gcplogs",
        "logentries",
    }
)
# daemon.json keys that this package writes itself; `extra` may not set them.
OWNED_KEYS = frozenset({"hosts", "tls", "tlsverify", "tlscacert", "tlscert", "tlskey"})
DEFAULT_TLS_PORT = 2376
DEFAULT_BIND_ADDRESS = "0.0.0.0"
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*=[^\n]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_REGISTRY = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?")
_LOG_OPT_RULES = {
    "max-size": (re.compile(r"\d+[kmg]?"), "a size such as 10m"),
    "max-file": (re.compile(r"[1-9]\d*"), "a whole number of files, at least 1"),
    "compress": (re.compile(r"true|false"), "true or false"),
    "mode": (re.compile(r"blocking|non-blocking"), "blocking or non-blocking"),
}
"""Checks of the log options whose values Docker parses itself (any driver)."""


@dataclass(frozen=True)
class AddressPool:
    """A network range Docker allocates networks of prefix length `size` from."""

    base: str
    size: int


@dataclass(frozen=True)
class DaemonSpec(SpecReader):
    """What the daemon should look like; rendered by `daemon.render`."""

    tls_port: int = DEFAULT_TLS_PORT
    bind_address: str = DEFAULT_BIND_ADDRESS
    keep_unix_socket: bool = True
    labels: tuple[str, ...] = ()
    storage_driver: str | None = None
    registry_mirrors: tuple[str, ...] = ()
    insecure_registries: tuple[str, ...] = ()
    log_driver: str | None = None
    log_opts: Mapping[str, str] = field(default_factory=dict)
    live_restore: bool | None = None
    default_address_pools: tuple[AddressPool, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    allow_storage_driver_change: bool = False

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.only(cls.input_fields())
        reader.read("tls_port", values.port, DEFAULT_TLS_PORT)
        reader.read("bind_address", values.ip_address, DEFAULT_BIND_ADDRESS)
        reader.read("keep_unix_socket", values.flag, True)
        reader.read("labels", _labels, [])
        reader.read("storage_driver", _choice(STORAGE_DRIVERS, "storage driver"), None)
        reader.read("registry_mirrors", _mirrors, [])
        reader.read("insecure_registries", _registries, [])
        reader.read("log_driver", _choice(LOG_DRIVERS, "log driver"), None)
        reader.read("log_opts", _log_opts, {})
        reader.read("live_restore", values.flag, None)
        reader.read("default_address_pools", _pools, [])
        reader.read("environment", _environment, {})
        reader.read("extra", _extra, {})
        reader.read("allow_storage_driver_change", values.flag, False)
        if reader.values.get("log_opts") and reader.values.get("log_driver") == "none":
            reader.fail("log_opts", "is set but log_driver is 'none', which takes no options")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts) suitable for Pulumi state and `from_inputs`."""
        return {name: plain(getattr(self, name)) for name in self.input_fields()}


def _choice(known: frozenset[str], what: str) -> Parser:
    def parse(field: str, raw: Any) -> str:
        if not isinstance(raw, str) or raw not in known:
            raise ValidationError(field, f"unknown {what} {raw!r} (known: {', '.join(sorted(known))})")
        return str(raw)

    return parse


def _labels(field: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, Mapping):
        items = [f"{key}={value}" for key, value in sorted(values.string_map(field, raw).items())]
    elif isinstance(raw, list | tuple):
        items = [values.scalar_text(item) for item in raw]
    else:
        raise ValidationError(field, "must be a list of `key=value` strings or an object of labels")
    for i, label in enumerate(items):
        if not _LABEL.fullmatch(label):
            raise ValidationError(f"{field}[{i}]", f"{label!r} is not `key=value`")
    return tuple(items)


def _mirrors(field: str, raw: Any) -> tuple[str, ...]:
    mirrors = values.strings(field, raw)
    for i, mirror in enumerate(mirrors):
        if not _URL.fullmatch(mirror):
            raise ValidationError(f"{field}[{i}]", f"{mirror!r} is not an http(s) URL")
    return mirrors


def _registries(field: str, raw: Any) -> tuple[str, ...]:
    registries = values.strings(field, raw)
    for i, registry in enumerate(registries):
        if not (_REGISTRY.fullmatch(registry) or _is_network(registry)):
            raise ValidationError(f"{field}[{i}]", f"{registry!r} is not host[:port] or a CIDR network")
    return registries


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def _log_opts(field: str, raw: Any) -> dict[str, str]:
    opts = values.string_map(field, raw)
    for key, value in opts.items():
        rule = _LOG_OPT_RULES.get(key)
        if rule is not None and not rule[0].fullmatch(value):
            raise ValidationError(f"{field}.{key}", f"{value!r} is not {rule[1]}")
        if not key or "\n" in value:
            raise ValidationError(f"{field}.{key}", "must be a name and a one-line value")
    return opts


def _pools(field: str, raw: Any) -> tuple[AddressPool, ...]:
    if not isinstance(raw, list | tuple):
        raise ValidationError(field, "must be a list of {base: CIDR, size: prefix length}")
    return tuple(_pool(f"{field}[{i}]", item) for i, item in enumerate(raw))


def _pool(field: str, raw: Any) -> AddressPool:
    if not isinstance(raw, Mapping) or "base" not in raw or "size" not in raw:
        raise ValidationError(field, "must be {base: CIDR, size: prefix length}")
    try:
        net = ipaddress.ip_network(str(raw["base"]))
    except ValueError:
        raise ValidationError(f"{field}.base", f"{raw['base']!r} is not a CIDR network") from None
    size = values.whole(net.prefixlen, net.max_prefixlen)(f"{field}.size", raw["size"])
    return AddressPool(str(net), size)


def _environment(field: str, raw: Any) -> dict[str, str]:
    env = values.string_map(field, raw)
    for name, value in env.items():
        if not _ENV_NAME.fullmatch(name):
            raise ValidationError(f"{field}.{name}", "is not an environment variable name")
        if "\n" in value or "\r" in value:
            raise ValidationError(f"{field}.{name}", "may not contain a line break")
    return env


def _extra(field: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError(field, "must be an object of daemon.json keys")
    for key in sorted(set(raw) & OWNED_KEYS):
        raise ValidationError(
            f"{field}.{key}", "is managed by pulumi-docker-machine (use tls_port/bind_address)"
        )
    return {key: _json_number(value) for key, value in raw.items()}


def _json_number(value: Any) -> Any:
    """Numbers as the engine sends them (`3.0`) back to ints, so daemon.json says `3`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _json_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_number(v) for v in value]
    return value


@dataclass(frozen=True)
class DaemonConfigSpec(SpecReader):
    """DaemonConfig inputs: the daemon settings (errors name `settings.FIELD`)."""

    settings: DaemonSpec

    @classmethod
    def _read(cls, reader: Reader) -> None:
        reader.nested("settings", DaemonSpec, {})
