"""DaemonConfig spec: the Docker daemon's settings as data, validated."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ValidationError

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
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*=.*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class AddressPool:
    base: str
    size: int


@dataclass(frozen=True)
class DaemonSpec:
    """What the daemon should look like; rendered by `daemon.render`."""

    tls_port: int = 2376
    bind_address: str = "0.0.0.0"
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
    def from_inputs(cls, raw: Mapping[str, Any] | None, prefix: str = "daemon") -> DaemonSpec:
        """Validate a settings mapping (snake_case keys); errors name the field."""
        data = dict(raw or {})
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValidationError(f"{prefix}.{unknown[0]}", "unknown daemon setting")
        port = data.get("tls_port", 2376)
        if (
            isinstance(port, bool)
            or not isinstance(port, int | float)
            or int(port) != port
            or not 1 <= port <= 65535
        ):
            raise ValidationError(f"{prefix}.tls_port", f"{port!r} is not a TCP port (1-65535)")
        bind = str(data.get("bind_address", "0.0.0.0"))
        try:
            ipaddress.ip_address(bind)
        except ValueError:
            raise ValidationError(f"{prefix}.bind_address", f"{bind!r} is not an IP address") from None
        labels = _labels(data.get("labels"), f"{prefix}.labels")
        driver = data.get("storage_driver")
        if driver is not None and driver not in STORAGE_DRIVERS:
            raise ValidationError(
                f"{prefix}.storage_driver",
                f"unknown storage driver {driver!r} (known: {sorted(STORAGE_DRIVERS)})",
            )
        mirrors = tuple(str(m) for m in data.get("registry_mirrors") or ())
        for i, mirror in enumerate(mirrors):
            if not re.match(r"^https?://[^\s/]+", mirror):
                raise ValidationError(f"{prefix}.registry_mirrors[{i}]", f"{mirror!r} is not an http(s) URL")
        log_driver = data.get("log_driver")
        if log_driver is not None and log_driver not in LOG_DRIVERS:
            raise ValidationError(f"{prefix}.log_driver", f"unknown log driver {log_driver!r}")
        pools = tuple(
            _pool(p, f"{prefix}.default_address_pools[{i}]")
            for i, p in enumerate(data.get("default_address_pools") or ())
        )
        env = {str(k): str(v) for k, v in (data.get("environment") or {}).items()}
        for name, value in env.items():
            if not _ENV_NAME.match(name):
                raise ValidationError(
                    f"{prefix}.environment", f"{name!r} is not an environment variable name"
                )
            if "\n" in value or "\r" in value:
                raise ValidationError(f"{prefix}.environment.{name}", "may not contain a line break")
        extra = dict(data.get("extra") or {})
        clash = sorted(set(extra) & OWNED_KEYS)
        if clash:
            raise ValidationError(
                f"{prefix}.extra.{clash[0]}",
                "is managed by pulumi-docker-machine (use tls_port/bind_address)",
            )
        return cls(
            tls_port=int(port),
            bind_address=bind,
            keep_unix_socket=bool(data.get("keep_unix_socket", True)),
            labels=labels,
            storage_driver=driver,
            registry_mirrors=mirrors,
            insecure_registries=tuple(str(r) for r in data.get("insecure_registries") or ()),
            log_driver=log_driver,
            log_opts={str(k): str(v) for k, v in (data.get("log_opts") or {}).items()},
            live_restore=None if data.get("live_restore") is None else bool(data["live_restore"]),
            default_address_pools=pools,
            environment=env,
            extra=extra,
            allow_storage_driver_change=bool(data.get("allow_storage_driver_change", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts) suitable for Pulumi state and `from_inputs`."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out


def _labels(raw: Any, name: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = (
        [f"{k}={v}" for k, v in sorted(raw.items())] if isinstance(raw, Mapping) else [str(x) for x in raw]
    )
    for i, label in enumerate(items):
        if not _LABEL.match(label):
            raise ValidationError(f"{name}[{i}]", f"{label!r} is not `key=value`")
    return tuple(items)


def _pool(raw: Any, name: str) -> AddressPool:
    if not isinstance(raw, Mapping) or "base" not in raw or "size" not in raw:
        raise ValidationError(name, "must be {base: CIDR, size: prefix length}")
    try:
        net = ipaddress.ip_network(str(raw["base"]))
    except ValueError:
        raise ValidationError(f"{name}.base", f"{raw['base']!r} is not a CIDR network") from None
    size = raw["size"]
    if (
        isinstance(size, bool)
        or not isinstance(size, int | float)
        or not net.prefixlen <= size <= net.max_prefixlen
    ):
        raise ValidationError(
            f"{name}.size",
            f"{size!r} must be a prefix length between {net.prefixlen} and {net.max_prefixlen}",
        )
    return AddressPool(str(net), int(size))
