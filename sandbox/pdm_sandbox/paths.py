"""Where the sandbox keeps images (cache) and runtime state, and the fixed network plan."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

NETNS_PREFIX = "pdm-"
LINK_PREFIX = "pdm"
SUPERNET = "10.231.0.0/16"


def recipe_digest(text: str) -> str:
    """12 hex digits of SHA-256: what names a built image or repository after its recipe."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cache_dir() -> Path:
    """`$PDM_CACHE`, else `~/.cache/pulumi-docker-machine`: images and the apt repository live here."""
    env = os.environ.get("PDM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "pulumi-docker-machine"


def images_dir(cache: Path | None = None) -> Path:
    """The directory holding one sub-directory per built image."""
    return (cache or cache_dir()) / "images"


def state_dir() -> Path:
    """`$PDM_SANDBOX_STATE`, else `<cache>/sandbox`: state JSON, SSH key, host roots."""
    env = os.environ.get("PDM_SANDBOX_STATE")
    return Path(env) if env else cache_dir() / "sandbox"
