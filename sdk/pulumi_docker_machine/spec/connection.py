"""SSH connection spec: the fields of pulumi-command's `remote.ConnectionArgs`, plus host-key pinning."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ValidationError

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_KEY_LINE = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$")

# pulumi-command serializes its ConnectionArgs with camelCase names; accept both spellings.
_ALIASES = {
    "privateKey": "private_key",
    "privateKeyPassword": "private_key_password",
    "agentSocketPath": "agent_socket_path",
    "dialErrorLimit": "dial_error_limit",
    "perDialTimeout": "per_dial_timeout",
    "hostKey": "host_key",
    "sudoPassword": "sudo_password",
}


@dataclass(frozen=True)
class ConnectionSpec:
    """How to reach a host over SSH. Secrets (password, keys) are never logged."""

    host: str
    port: int = 22
    user: str = "root"
    password: str | None = None
    private_key: str | None = None
    private_key_password: str | None = None
    agent_socket_path: str | None = None
    dial_error_limit: int = 10
    per_dial_timeout: int = 15
    proxy: ConnectionSpec | None = None
    host_key: str | None = None
    sudo_password: str | None = None

    @property
    def label(self) -> str:
        """`user@host:port`, for error messages."""
        return f"{self.user}@{self.host}:{self.port}"

    @classmethod
    def from_inputs(cls, raw: Mapping[str, Any], field: str = "connection") -> ConnectionSpec:
        """Validate and normalise a connection mapping; errors name the field path."""
        if not isinstance(raw, Mapping):
            raise ValidationError(field, "must be an object with at least `host`")
        data = {_ALIASES.get(k, k): v for k, v in raw.items() if v is not None}
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(
                f"{field}.{unknown[0]}", f"unknown connection field (known: {sorted(known)})"
            )
        host = data.get("host")
        if not isinstance(host, str) or not host:
            raise ValidationError(f"{field}.host", "is required")
        if not is_valid_address(host):
            raise ValidationError(f"{field}.host", f"{host!r} is neither an IP address nor a DNS name")
        port = _int(data.get("port", 22), f"{field}.port")
        if not 1 <= port <= 65535:
            raise ValidationError(f"{field}.port", f"{port} is not a TCP port (1-65535)")
        limit = _int(data.get("dial_error_limit", 10), f"{field}.dial_error_limit")
        timeout = _int(data.get("per_dial_timeout", 15), f"{field}.per_dial_timeout")
        if limit < 1 and limit != -1:
            raise ValidationError(f"{field}.dial_error_limit", "must be at least 1 (or -1 for no limit)")
        if timeout < 1:
            raise ValidationError(f"{field}.per_dial_timeout", "must be at least 1 second")
        host_key = data.get("host_key")
        if host_key is not None and not _KEY_LINE.match(str(host_key).strip()):
            raise ValidationError(
                f"{field}.host_key", "must be an OpenSSH public key line such as `ssh-ed25519 AAAA...`"
            )
        if not any(data.get(k) for k in ("password", "private_key", "agent_socket_path")):
            raise ValidationError(field, "needs one of private_key, password or agent_socket_path")
        proxy = data.get("proxy")
        return cls(
            host=host,
            port=port,
            user=str(data.get("user", "root")),
            password=data.get("password"),
            private_key=data.get("private_key"),
            private_key_password=data.get("private_key_password"),
            agent_socket_path=data.get("agent_socket_path"),
            dial_error_limit=limit,
            per_dial_timeout=timeout,
            proxy=cls.from_inputs(proxy, f"{field}.proxy") if proxy else None,
            host_key=str(host_key).strip() if host_key else None,
            sudo_password=data.get("sudo_password"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def is_valid_address(value: str) -> bool:
    """True for an IPv4/IPv6 address or a syntactically valid DNS name."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(value))


def _int(value: Any, field: str) -> int:
    """A whole number from an int, an integral float (Pulumi sends numbers as floats) or a string."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not number.is_integer():
        raise ValidationError(field, f"{value!r} is not a whole number")
    return int(number)
