"""pulumi-docker-machine: plain Linux hosts to TLS-secured Docker engines, declaratively.

The public names; importing this has no side effects.
"""

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
from .resources.dockerhost import ConnectionArgs, DaemonConfig, DaemonConfigArgs, DockerHost, DockerHostArgs
from .resources.machine import Machine, MachineArgs

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
    "ValidationError",
]
