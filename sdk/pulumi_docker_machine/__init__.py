"""pulumi-docker-machine: plain Linux hosts to TLS-secured Docker engines, declaratively.

The public names, imported on first use (PEP 562) so that the CLI starts without loading
Pulumi; importing this package has no side effects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
"""The package's version: the one place it is written (pyproject.toml reads it from here)."""

_WHERE = {
    **dict.fromkeys(
        (
            "CertificateError",
            "ConnectError",
            "DockerMachineError",
            "HostKeyMismatchError",
            "RemoteCommandError",
            "ValidationError",
        ),
        "errors",
    ),
    **dict.fromkeys(
        (
            "CertificateAuthority",
            "CertificateAuthorityArgs",
            "ClientCert",
            "ClientCertArgs",
            "ServerCert",
            "ServerCertArgs",
        ),
        "resources.certs",
    ),
    **dict.fromkeys(("ClientConfig", "ClientConfigArgs"), "resources.client"),
    **dict.fromkeys(
        ("ConnectionArgs", "DaemonConfig", "DaemonConfigArgs", "DockerHost", "DockerHostArgs"),
        "resources.dockerhost",
    ),
    **dict.fromkeys(("Machine", "MachineArgs"), "resources.machine"),
    **dict.fromkeys(
        ("Swarm", "SwarmArgs", "SwarmCluster", "SwarmClusterArgs", "SwarmNodeArgs"), "resources.swarm"
    ),
}

__all__ = [
    "CertificateAuthority",
    "CertificateAuthorityArgs",
    "CertificateError",
    "ClientCert",
    "ClientCertArgs",
    "ClientConfig",
    "ClientConfigArgs",
    "ConnectError",
    "ConnectionArgs",
    "DaemonConfig",
    "DaemonConfigArgs",
    "DockerHost",
    "DockerHostArgs",
    "DockerMachineError",
    "HostKeyMismatchError",
    "Machine",
    "MachineArgs",
    "RemoteCommandError",
    "ServerCert",
    "ServerCertArgs",
    "Swarm",
    "SwarmArgs",
    "SwarmCluster",
    "SwarmClusterArgs",
    "SwarmNodeArgs",
    "ValidationError",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .errors import (
        CertificateError,
        ConnectError,
        DockerMachineError,
        HostKeyMismatchError,
        RemoteCommandError,
        ValidationError,
    )
    from .resources.certs import (
        CertificateAuthority,
        CertificateAuthorityArgs,
        ClientCert,
        ClientCertArgs,
        ServerCert,
        ServerCertArgs,
    )
    from .resources.client import ClientConfig, ClientConfigArgs
    from .resources.dockerhost import (
        ConnectionArgs,
        DaemonConfig,
        DaemonConfigArgs,
        DockerHost,
        DockerHostArgs,
    )
    from .resources.machine import Machine, MachineArgs
    from .resources.swarm import Swarm, SwarmArgs, SwarmCluster, SwarmClusterArgs, SwarmNodeArgs
