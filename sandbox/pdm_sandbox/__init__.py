"""Test hosts for pulumi-docker-machine: Debian systemd-nspawn containers in their own network namespaces.

`Sandbox().start("web1")` boots a host reachable over SSH on a private bridge; see `Host` for what a
test gets (address, user, key, pinned host key). Needs root, systemd-nspawn, debootstrap, iproute2.
"""

from .errors import HostBootError, SandboxError
from .host import LOGINS, Host
from .image import VARIANTS, Image, ensure_image, verify_image
from .network import NETWORKS
from .sandbox import HostRequest, Sandbox

__all__ = [
    "LOGINS",
    "NETWORKS",
    "VARIANTS",
    "Host",
    "HostBootError",
    "HostRequest",
    "Image",
    "Sandbox",
    "SandboxError",
    "ensure_image",
    "verify_image",
]
