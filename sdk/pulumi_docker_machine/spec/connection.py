"""SSH connection spec: the fields of pulumi-command's `remote.ConnectionArgs`, plus host-key pinning."""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import paramiko

from ..errors import ValidationError
from . import values
from .reader import Reader, SpecReader, meta

DEFAULT_DIAL_ERROR_LIMIT = 3
DEFAULT_PER_DIAL_TIMEOUT = 4
"""Seconds per attempt. With the default limit an unreachable host is given up within 15 s
(3 attempts of at most 4 s, and 1.5 s of backoff between them)."""

_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\$?")

_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)

# pulumi-command serializes its ConnectionArgs with camelCase names; accept both spellings.
ALIASES = {
    "privateKey": "private_key",
    "privateKeyPassword": "private_key_password",
    "agentSocketPath": "agent_socket_path",
    "dialErrorLimit": "dial_error_limit",
    "perDialTimeout": "per_dial_timeout",
    "hostKey": "host_key",
    "sudoPassword": "sudo_password",
}


def host_key_line(field: str, raw: Any) -> str:
    """An OpenSSH public key line `TYPE BASE64 [comment]` whose blob is of that type."""
    parts = values.single_line(field, raw).strip().split()
    usage = "must be an OpenSSH public key line such as `ssh-ed25519 AAAA...`"
    if len(parts) < 2 or parts[0] not in _KEY_TYPES:
        raise ValidationError(field, f"{usage} (types: {', '.join(_KEY_TYPES)})")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise ValidationError(field, f"{usage}: the key is not base64") from None
    length = int.from_bytes(blob[:4], "big")
    if blob[4 : 4 + length] != parts[0].encode():
        raise ValidationError(field, f"{usage}: the key is not a {parts[0]} key (wrong type or damaged)")
    return " ".join(parts[:2])


def _user(field: str, raw: Any) -> str:
    user = values.text(field, raw)
    if not _USER.fullmatch(user) or len(user) > 32:
        raise ValidationError(field, f"{user!r} is not a user name")
    return user


def _dial_error_limit(field: str, raw: Any) -> int:
    limit = values.whole(-1, 100)(field, raw)
    if limit == 0:
        raise ValidationError(field, "must be at least 1 (or -1 for no limit); got 0")
    return limit


def _secret_text(field: str, raw: Any) -> str:
    """A credential: a non-empty string, never echoed."""
    if not isinstance(raw, str) or not raw:
        raise ValidationError(field, "must be a non-empty string")
    return raw


def _ssh_private_key(field: str, raw: Any) -> str:
    """A private key in OpenSSH or PEM form (checked by shape only: it may be encrypted)."""
    key = _secret_text(field, raw)
    if not re.search(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----", key) or "-----END" not in key:
        raise ValidationError(field, "is not a private key (give the text of a key file, OpenSSH or PEM)")
    return key


def load_ssh_key(text: str, passphrase: str | None) -> paramiko.PKey:
    """The SSH private key of `text`; ValueError(field, reason) saying why not (never showing the key)."""
    encrypted = False
    for kind in _KEY_CLASSES:
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException:
            encrypted = True
        except (paramiko.SSHException, ValueError):
            try:
                kind.from_private_key(io.StringIO(text), password=None)
            except paramiko.PasswordRequiredException:
                encrypted = True
            except (paramiko.SSHException, ValueError):
                continue
    if encrypted and passphrase is None:
        raise ValueError("private_key", "is encrypted: set its passphrase in private_key_password")
    if encrypted:
        raise ValueError("private_key_password", "does not open private_key (wrong passphrase)")
    raise ValueError("private_key", "is not an Ed25519, ECDSA or RSA private key that can be read")


@dataclass(frozen=True)
class ConnectionSpec(SpecReader):
    """How to reach a host over SSH. Secrets (password, keys) are never logged."""

    host: str = field(metadata=meta(replaces=True))
    port: int = field(default=values.SSH_PORT, metadata=meta(replaces=True))
    user: str = values.SSH_USER
    password: str | None = field(default=None, metadata=meta(secret=True))
    private_key: str | None = field(default=None, metadata=meta(secret=True))
    private_key_password: str | None = field(default=None, metadata=meta(secret=True))
    agent_socket_path: str | None = None
    dial_error_limit: int = DEFAULT_DIAL_ERROR_LIMIT
    per_dial_timeout: int = DEFAULT_PER_DIAL_TIMEOUT
    proxy: ConnectionSpec | None = None
    host_key: str | None = None
    sudo_password: str | None = field(default=None, metadata=meta(secret=True))

    @property
    def label(self) -> str:
        """`user@host:port`, for error messages."""
        return f"{self.user}@{self.host}:{self.port}"

    @classmethod
    def _read(cls, reader: Reader) -> None:
        spelled = {name: alias for alias, name in ALIASES.items() if alias in reader.inputs}
        for name, alias in spelled.items():
            reader.inputs.setdefault(name, reader.inputs.pop(alias))
        cls._read_fields(reader)
        # Back to the given spelling: the engine marks checked inputs secret by matching key names.
        for name, alias in spelled.items():
            reader.inputs[alias] = reader.inputs.pop(name, None)

    @classmethod
    def _read_fields(cls, reader: Reader) -> None:
        reader.only(cls.input_fields())
        reader.read("host", values.address)
        reader.read("port", values.port, values.SSH_PORT)
        reader.read("user", _user, values.SSH_USER)
        reader.read("password", _secret_text, None)
        reader.read("private_key", _ssh_private_key, None)
        reader.read("private_key_password", _secret_text, None)
        reader.read("agent_socket_path", values.single_line, None)
        reader.read("dial_error_limit", _dial_error_limit, DEFAULT_DIAL_ERROR_LIMIT)
        reader.read("per_dial_timeout", values.whole(1, 600, "seconds"), DEFAULT_PER_DIAL_TIMEOUT)
        reader.nested("proxy", ConnectionSpec, None)
        reader.read("host_key", host_key_line, None)
        reader.read("sudo_password", _secret_text, None)
        credentials = ("private_key", "password", "agent_socket_path")
        if not any(reader.given(name) for name in credentials):
            reader.fail("private_key", "is required unless password or agent_socket_path is given")
        if reader.given("private_key_password") and not reader.given("private_key"):
            reader.fail("private_key_password", "is set but private_key is not")
        if reader.known("private_key", "private_key_password") and reader.values["private_key"]:
            try:
                load_ssh_key(reader.values["private_key"], reader.values["private_key_password"])
            except ValueError as exc:
                reader.fail(*exc.args)


COMMAND_FIELDS = (
    "host",
    "port",
    "user",
    "password",
    "private_key",
    "private_key_password",
    "agent_socket_path",
    "dial_error_limit",
    "per_dial_timeout",
    "host_key",
)
"""The fields that pulumi-command's `remote.ConnectionArgs` and `ProxyConnectionArgs` share with ours."""


def given_field(connection: Any, name: str) -> Any:
    """A field of a connection given as a mapping (either spelling) or as pulumi-command's ConnectionArgs."""
    if connection is None:
        return None
    if isinstance(connection, Mapping):
        camel = next((alias for alias, snake in ALIASES.items() if snake == name), None)
        return connection.get(name, connection.get(camel) if camel else None)
    return getattr(connection, name, None)


def command_fields(connection: Any, host_keys: dict[str, str] | None) -> dict[str, Any]:
    """The keyword arguments of pulumi-command's `remote.ConnectionArgs` for `connection`, each hop's host
    key pinned: the one given, else the one the DockerHost pinned (`host_keys`, by `host:port`).
    `sudo_password` has no counterpart there and is left out; `proxy` is nested the same way."""
    fields = {name: given_field(connection, name) for name in COMMAND_FIELDS}
    fields["port"] = int(fields["port"] or values.SSH_PORT)
    fields["user"] = fields["user"] or values.SSH_USER
    pinned = (host_keys or {}).get(f"{fields['host']}:{fields['port']}")
    fields["host_key"] = fields["host_key"] or pinned
    proxy = given_field(connection, "proxy")
    fields["proxy"] = command_fields(proxy, host_keys) if proxy is not None else None
    return {name: value for name, value in fields.items() if value is not None}
