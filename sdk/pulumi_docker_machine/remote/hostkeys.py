"""SSH host keys: parsing OpenSSH key lines and SHA-256 fingerprints (pure)."""

from __future__ import annotations

import base64
import hashlib

import paramiko


def key_line(key: paramiko.PKey) -> str:
    """The OpenSSH public key line of a paramiko key, e.g. `ssh-ed25519 AAAA...`."""
    return f"{key.get_name()} {key.get_base64()}"


def fingerprint(line: str) -> str:
    """OpenSSH-style `SHA256:...` fingerprint of a public key line."""
    blob = base64.b64decode(line.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def same_key(a: str, b: str) -> bool:
    """True when two key lines carry the same key type and blob (comments ignored)."""
    return a.split()[:2] == b.split()[:2]
