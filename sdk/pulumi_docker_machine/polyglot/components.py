"""The components of the `docker-machine` package, as programs in every language see them.

Pulumi infers the package schema from these classes (the `args` annotation of `__init__` for the
inputs, the class annotations for the outputs, docstrings for the descriptions), so the module is
written without `from __future__ import annotations`. Each builds on the Python API (`resources/`):
Machine and SwarmCluster assemble the same children as the Python components of the same type, the
certificate and daemon components wrap the Python resources. Names mirror the Python API
(tests/unit/test_polyglot_schema.py keeps them equal)."""

import inspect
import typing
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import pulumi
from pulumi import Input, Output, ResourceOptions

from ..errors import ValidationError
from ..resources import certs, dockerhost, machine, swarm
from .inputs import Connection, DaemonSettings, SwarmNode


def _register_outputs(component: pulumi.ComponentResource) -> None:
    """Register every output the component's class (and its bases) annotate, as the schema lists them."""
    names = {name for cls in type(component).__mro__ for name in inspect.get_annotations(cls)}
    component.register_outputs({name: getattr(component, name) for name in sorted(names) if name[0] != "_"})


# --- Machine ------------------------------------------------------------------------------------


class MachineArgs(TypedDict, total=False):
    """Inputs of a Machine."""

    connection: Required[Input[Connection]]
    """How to reach the host over SSH."""
    ca_cert_pem: Input[str]
    """A shared CA's certificate (a CertificateAuthority's certPem), with caPrivateKeyPem; default: the
    machine gets a CA of its own."""
    ca_private_key_pem: Input[str]
    """The shared CA's private key (a CertificateAuthority's privateKeyPem)."""
    ip_addresses: list[Input[str]]
    """Extra IP SANs for the server certificate (the connection host and `address` are always in)."""
    dns_names: list[Input[str]]
    """Extra DNS SANs for the server certificate."""
    daemon: Input[DaemonSettings]
    """Daemon settings."""
    install_method: Input[str]
    """When Docker is missing: packages (default), script, command or none."""
    install_command: Input[str]
    """The command for install_method=command."""
    install_script_url: Input[str]
    """For install_method=script: an http(s) URL of a shell script the host downloads and runs as root."""
    address: Input[str]
    """Address clients use (default: the connection host)."""
    key_type: Input[str]
    """Key type of the server and client certificates (default ecdsa-p256)."""
    client_name: Input[str]
    """Common name of the client certificate (default `<name>-client`)."""
    write_client_files: bool
    """Write `<store>/machines/<name>/` and create a Docker context (default true)."""
    store: Input[str]
    """Store directory for client files (default `~/.docker/machine`)."""
    docker_context: Input[bool]
    """Create a Docker context named after the machine (default true)."""
    confirm_timeout: Input[int]
    """Seconds the host waits for a change to be confirmed before rolling it back (default 120)."""
    adopt: Input[bool]
    """Take over a host that another stack manages (default false; without it such a host is refused)."""
    take_over_dropins: list[Input[str]]
    """Foreign docker.service drop-ins to take over (e.g. Docker Machine's `10-machine.conf`)."""


@dataclass(frozen=True)
class _SharedCA:
    """A CA given by its PEMs, where the Python Machine takes a CertificateAuthority."""

    cert_pem: Input[str]
    private_key_pem: Input[str]


def _python_machine_args(args: MachineArgs) -> machine.MachineArgs:
    given = {k: v for k, v in args.items() if k not in ("ca_cert_pem", "ca_private_key_pem")}
    cert, key = args.get("ca_cert_pem"), args.get("ca_private_key_pem")
    if (cert is None) != (key is None):
        missing = "ca_private_key_pem" if key is None else "ca_cert_pem"
        raise ValidationError(missing, "is required with a shared CA (ca_cert_pem and ca_private_key_pem)")
    ca = _SharedCA(cert, key) if cert is not None and key is not None else None
    return machine.MachineArgs(**given, ca=ca)  # type: ignore[arg-type]


class Machine(pulumi.ComponentResource):
    """A host provisioned as a TLS-secured Docker engine, with everything a client needs."""

    docker_host: Output[str]
    """`tcp://ADDRESS:PORT` for DOCKER_HOST."""
    env: Output[dict[str, str]]
    """DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_MACHINE_NAME."""
    cert_path: Output[str]
    """The client files' directory; empty with writeClientFiles false."""
    ca_cert_pem: Output[str]
    """The CA certificate."""
    cert_pem: Output[str]
    """The client certificate."""
    private_key_pem: Output[str]
    """The client key."""
    host_key: Output[str]
    """The pinned SSH host key."""
    host_key_fingerprint: Output[str]
    """SHA256 fingerprint of the pinned SSH host key."""
    engine_version: Output[str]
    """Docker engine version."""

    def __init__(self, name: str, args: MachineArgs, opts: ResourceOptions | None = None) -> None:
        python_args = _python_machine_args(args)
        machine.check_machine(name, python_args)
        super().__init__(machine.MACHINE_TYPE, name, None, opts)
        machine.assemble(self, name, python_args)
        docker: dockerhost.DockerHost = self.docker  # type: ignore[attr-defined]  # set by assemble
        self.host_key = docker.host_key
        self.host_key_fingerprint = docker.host_key_fingerprint
        self.engine_version = docker.engine_version
        _register_outputs(self)


# --- Certificates ---------------------------------------------------------------------------------


class CertificateAuthorityArgs(TypedDict, total=False):
    """Inputs of a CertificateAuthority: a subject to generate a CA, or an existing CA to adopt."""

    common_name: Input[str]
    """Subject common name of a generated CA (required unless adopting)."""
    organization: Input[str]
    """Subject organization of a generated CA."""
    key_type: Input[str]
    """ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519; derived when adopting."""
    validity_hours: Input[int]
    """Lifetime of a generated CA in hours (default 26280, three years)."""
    early_renewal_hours: Input[int]
    """Renew this many hours before expiry (default 720); changing it does not replace the CA."""
    existing_cert_pem: Input[str]
    """PEM of an existing CA certificate to adopt instead of generating one."""
    existing_private_key_pem: Input[str]
    """Unencrypted PEM private key of the adopted CA certificate (always stored as a secret)."""


class ServerCertArgs(TypedDict, total=False):
    """Inputs of a ServerCert: the signing CA and the names the daemon is reached by."""

    ca_cert_pem: Required[Input[str]]
    """PEM certificate of the signing CA (a CertificateAuthority's certPem)."""
    ca_private_key_pem: Required[Input[str]]
    """PEM private key of the signing CA (a CertificateAuthority's privateKeyPem)."""
    ip_addresses: Input[list[Input[str]]]
    """IP addresses the daemon is reached at (IP SANs)."""
    dns_names: Input[list[Input[str]]]
    """DNS names the daemon is reached at (DNS SANs)."""
    include_localhost: Input[bool]
    """Also name `localhost` and 127.0.0.1 (default true)."""
    common_name: Input[str]
    """Subject common name (default: the first DNS name, else the first IP address)."""
    organization: Input[str]
    """Subject organization."""
    key_type: Input[str]
    """ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519."""
    validity_hours: Input[int]
    """Lifetime in hours (default 8760, one year)."""
    early_renewal_hours: Input[int]
    """Renew this many hours before expiry (default 720); changing it does not replace the certificate."""


class ClientCertArgs(TypedDict, total=False):
    """Inputs of a ClientCert: the signing CA and the client's name."""

    ca_cert_pem: Required[Input[str]]
    """PEM certificate of the signing CA (a CertificateAuthority's certPem)."""
    ca_private_key_pem: Required[Input[str]]
    """PEM private key of the signing CA (a CertificateAuthority's privateKeyPem)."""
    common_name: Required[Input[str]]
    """Subject common name: who the client is."""
    organization: Input[str]
    """Subject organization."""
    key_type: Input[str]
    """ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519."""
    validity_hours: Input[int]
    """Lifetime in hours (default 8760, one year)."""
    early_renewal_hours: Input[int]
    """Renew this many hours before expiry (default 720); changing it does not replace the certificate."""


class _Certificate(pulumi.ComponentResource, certs._CertificateOutputs):
    """The outputs every certificate component has: the Python certificate resources' own, their
    annotations evaluated here (they are strings there) and their docstrings read from there."""

    __annotations__ = typing.get_type_hints(certs._CertificateOutputs)

    def _wrap(self, token: str, name: str, opts: ResourceOptions | None, build: Any) -> None:
        super().__init__(token, name, None, opts)
        inner = build(ResourceOptions(parent=self))
        for output in _Certificate.__annotations__:
            setattr(self, output, getattr(inner, output))
        _register_outputs(self)


class CertificateAuthority(_Certificate):
    """A CA for a Docker daemon's TLS: generated and self-signed, or adopted ("bring your own CA")."""

    def __init__(
        self, name: str, args: CertificateAuthorityArgs, opts: ResourceOptions | None = None
    ) -> None:
        self._wrap(
            "docker-machine:index:CertificateAuthority",
            name,
            opts,
            lambda child: certs.CertificateAuthority(name, certs.CertificateAuthorityArgs(**args), child),
        )


class ServerCert(_Certificate):
    """A TLS server certificate for a Docker daemon, signed by a CertificateAuthority."""

    def __init__(self, name: str, args: ServerCertArgs, opts: ResourceOptions | None = None) -> None:
        self._wrap(
            "docker-machine:index:ServerCert",
            name,
            opts,
            lambda child: certs.ServerCert(name, certs.ServerCertArgs(**args), child),
        )


class ClientCert(_Certificate):
    """A TLS client certificate for Docker clients, signed by a CertificateAuthority."""

    def __init__(self, name: str, args: ClientCertArgs, opts: ResourceOptions | None = None) -> None:
        self._wrap(
            "docker-machine:index:ClientCert",
            name,
            opts,
            lambda child: certs.ClientCert(name, certs.ClientCertArgs(**args), child),
        )


# --- Daemon settings ------------------------------------------------------------------------------


class DaemonConfigArgs(TypedDict, total=False):
    """Inputs of a DaemonConfig: the daemon's settings, checked at preview before any host is involved."""

    settings: Required[DaemonSettings]
    """The settings (pass the same to a Machine's daemon)."""


class DaemonConfig(pulumi.ComponentResource):
    """Validated, rendered daemon settings: a bad setting fails the preview before any host is involved."""

    daemon_json: Output[str]
    """The daemon.json these settings render to on a host with no daemon.json of its own."""
    tls_port: Output[int]
    """The TLS port."""

    def __init__(self, name: str, args: DaemonConfigArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("docker-machine:index:DaemonConfig", name, None, opts)
        inner = dockerhost.DaemonConfig(
            name, dockerhost.DaemonConfigArgs(**args["settings"]), ResourceOptions(parent=self)
        )
        self.daemon_json = inner.daemon_json
        self.tls_port = inner.docker_port
        _register_outputs(self)


# --- Swarm ----------------------------------------------------------------------------------------


class SwarmClusterArgs(TypedDict, total=False):
    """Inputs of a SwarmCluster: daemons (Machines' outputs) as managers and workers."""

    managers: Required[list[SwarmNode]]
    """Manager nodes; the first creates the swarm. Use an odd number: 3 tolerate one down, 5 two."""
    workers: list[SwarmNode]
    """Worker nodes."""
    ca_rotation: Input[int]
    """Change to rotate the swarm's root CA."""
    token_rotation: Input[int]
    """Change to rotate the join tokens."""
    drain_timeout: Input[int]
    """Seconds to wait for a removed node's tasks to move (default 120)."""


class SwarmCluster(pulumi.ComponentResource):
    """Docker daemons made one Docker swarm: quorum-safe changes, drift, rotation."""

    cluster_id: Output[str]
    """The swarm's ID."""
    managers: Output[list[str]]
    """The manager nodes' names."""
    members: Output[list[dict[str, Any]]]
    """Each node as the swarm sees it."""
    env_command: Output[str]
    """The command that prints a client environment for the first reachable manager."""

    def __init__(self, name: str, args: SwarmClusterArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("docker-machine:index:SwarmCluster", name, None, opts)
        swarm.assemble_cluster(
            self,
            name,
            swarm.SwarmClusterArgs(
                managers=[swarm.SwarmNodeArgs(**node) for node in args["managers"]],
                workers=[swarm.SwarmNodeArgs(**node) for node in args.get("workers", [])],
                ca_rotation=args.get("ca_rotation"),
                token_rotation=args.get("token_rotation"),
                drain_timeout=args.get("drain_timeout"),
            ),
        )
        _register_outputs(self)


COMPONENTS = (Machine, SwarmCluster, CertificateAuthority, ServerCert, ClientCert, DaemonConfig)
"""What the package serves, in the order its schema lists them."""
