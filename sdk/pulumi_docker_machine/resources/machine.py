"""Machine: `docker-machine create -d generic` as one component."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi_command import remote

from ..errors import ValidationError
from ..spec.cert import COMMON_NAME_MAX
from ..spec.connection import command_fields, given_field
from ..spec.daemon import DEFAULT_TLS_PORT
from ..spec.host import docker_host_url
from ..spec.values import is_ip, machine_name, port
from .certs import (
    CertificateAuthority,
    CertificateAuthorityArgs,
    ClientCert,
    ClientCertArgs,
    ServerCert,
    ServerCertArgs,
)
from .client import ClientConfig, ClientConfigArgs
from .dockerhost import DaemonConfig, DockerHost, DockerHostArgs
from .renamed import deprecated


@dataclass
class MachineArgs:
    """Inputs of a Machine."""

    connection: Input[Mapping[str, Any]] | Any
    """SSH connection (ours or pulumi-command's ConnectionArgs)."""
    ca: CertificateAuthority | None = None
    """A shared CA (a fleet shares one); by default the machine gets a CA of its own."""
    ip_addresses: Sequence[Input[str]] | None = None
    """Extra IP SANs for the server certificate (the connection host and `address` are always in)."""
    dns_names: Sequence[Input[str]] | None = None
    """Extra DNS SANs for the server certificate."""
    daemon: DaemonConfig | Input[Mapping[str, Any]] | None = None
    """Daemon settings: a DaemonConfig or its settings inline."""
    install_method: Input[str] | None = None
    """packages (default), script, command or none."""
    install_command: Input[str] | None = None
    """The command for install_method=command."""
    install_script_url: Input[str] | None = None
    """For install_method=script: an http(s) URL of a shell script the host downloads and runs as root."""
    address: Input[str] | None = None
    """Address clients use (default: the connection host)."""
    key_type: Input[str] | None = None
    """Key type of the server and client certificates (default ecdsa-p256)."""
    client_name: Input[str] | None = None
    """Common name of the client certificate (default `<name>-client`)."""
    write_client_files: bool = True
    """Write `<store>/machines/<name>/` and create a Docker context (default true)."""
    store: Input[str] | None = None
    """Store directory for client files (default `~/.docker/machine`)."""
    docker_context: Input[bool] | None = None
    """Create a Docker context named after the machine (default true)."""
    confirm_timeout: Input[int] | None = None
    """Seconds the host waits for a change to be confirmed before rolling it back (default 120)."""
    adopt: Input[bool] | None = None
    """Take over a host that another stack manages (default false; without it such a host is refused)."""
    take_over_dropins: Sequence[Input[str]] | None = None
    """Foreign docker.service drop-ins to take over (e.g. Docker Machine's `10-machine.conf`)."""


def _command_connection(connection: Any, host_keys: dict[str, str] | None) -> remote.ConnectionArgs:
    """pulumi-command's ConnectionArgs for the machine's connection, host keys pinned."""
    fields = command_fields(connection, host_keys)
    if "proxy" in fields:
        fields["proxy"] = remote.ProxyConnectionArgs(**fields["proxy"])
    return remote.ConnectionArgs(**fields)


MACHINE_TYPE = "docker-machine:index:Machine"


def _common_name(name: str, suffix: str) -> str:
    """`name` + `suffix` as a certificate common name, or `name` alone where that would be too long."""
    return name + suffix if len(name + suffix) <= COMMON_NAME_MAX else name


def _tls_port(daemon: Any) -> int:
    """The TLS port of inline daemon settings (the default when unset; a bad value is the DockerHost's
    to report, naming `daemon.tls_port`)."""
    if not isinstance(daemon, Mapping) or daemon.get("tls_port") is None:
        return DEFAULT_TLS_PORT
    try:
        return port("daemon.tls_port", daemon["tls_port"])  # the DockerHost's own parser
    except ValidationError:
        return DEFAULT_TLS_PORT


def _split_sans(hosts: Sequence[str | None]) -> tuple[list[str], list[str]]:
    ips: list[str] = []
    names: list[str] = []
    for host in hosts:
        if not host:
            continue
        try:
            ips.append(str(ipaddress.ip_address(host)))
        except ValueError:
            names.append(host)
    return sorted(set(ips)), sorted(set(names))


def check_machine(name: str, args: MachineArgs) -> None:
    """What a Machine refuses before it registers anything: ValidationError naming the field."""
    machine_name("name", name)
    for address in args.ip_addresses or []:
        if isinstance(address, str) and not is_ip(address):
            raise ValidationError("ip_addresses", f"{address!r} is not an IP address")


def assemble(owner: Any, name: str, args: MachineArgs) -> None:
    """Create a Machine's children under the component `owner` and set its outputs as attributes:
    docker, ca, server_cert, client_cert, docker_host, ca_cert_pem, cert_pem, private_key_pem, cert_path,
    env, docker_provider_args, connection. Shared by the Python Machine and the component package's."""
    child = ResourceOptions(parent=owner)
    ca = args.ca or CertificateAuthority(
        f"{name}-ca",
        CertificateAuthorityArgs(common_name=_common_name(name, " CA"), key_type=args.key_type),
        child,
    )
    conn = Output.from_input(args.connection)
    host = conn.apply(lambda c: given_field(c, "host"))
    sans = Output.all(host, args.address, *(args.ip_addresses or []), *(args.dns_names or [])).apply(
        _split_sans
    )
    server = ServerCert(
        f"{name}-server",
        ServerCertArgs(
            ca_cert_pem=ca.cert_pem,
            ca_private_key_pem=ca.private_key_pem,
            ip_addresses=sans.apply(lambda s: s[0]),
            dns_names=sans.apply(lambda s: s[1]),
            key_type=args.key_type,
        ),
        child,
    )
    client = ClientCert(
        f"{name}-client",
        ClientCertArgs(
            ca_cert_pem=ca.cert_pem,
            ca_private_key_pem=ca.private_key_pem,
            common_name=args.client_name or _common_name(name, "-client"),
            key_type=args.key_type,
        ),
        child,
    )
    daemon = args.daemon.settings if isinstance(args.daemon, DaemonConfig) else args.daemon
    docker = DockerHost(
        name,
        DockerHostArgs(
            connection=args.connection,
            ca_cert_pem=ca.cert_pem,
            server_cert_pem=server.cert_pem,
            server_private_key_pem=server.private_key_pem,
            client_cert_pem=client.cert_pem,
            client_private_key_pem=client.private_key_pem,
            daemon=daemon,
            install_method=args.install_method,
            install_command=args.install_command,
            install_script_url=args.install_script_url,
            address=args.address,
            confirm_timeout=args.confirm_timeout,
            adopt=args.adopt,
            take_over_dropins=args.take_over_dropins,
        ),
        child,
    )
    cert_path: Output[str] = Output.from_input("")
    if args.write_client_files:
        # From the inputs that decide it, not the DockerHost's output: that output is unknown while
        # a preview plans a DockerHost update, which would list the client files as changing too.
        tls_port = (
            args.daemon.docker_port
            if isinstance(args.daemon, DaemonConfig)
            else Output.from_input(daemon).apply(_tls_port)
        )
        client_docker_host = Output.all(host, args.address, tls_port).apply(
            lambda v: docker_host_url(v[1] or v[0], v[2])
        )
        pin = Output.unsecret(conn.apply(lambda c: given_field(c, "host_key")))
        host_key = pin.apply(lambda key: key or docker.host_key)  # the key given up front is the one pinned
        files = ClientConfig(
            f"{name}-client-config",
            ClientConfigArgs(
                name=name,
                docker_host=client_docker_host,
                ca_cert_pem=ca.cert_pem,
                cert_pem=client.cert_pem,
                private_key_pem=client.private_key_pem,
                store=args.store,
                ssh_host=host,
                # As given: ClientConfig's check names a bad port, as DockerHost's does.
                ssh_port=conn.apply(lambda c: given_field(c, "port")),
                ssh_user=conn.apply(lambda c: given_field(c, "user")),
                host_key=host_key,
                cert_not_after=client.not_after,
                server_cert_not_after=server.not_after,
                docker_context=args.docker_context,
            ),
            ResourceOptions(parent=owner, depends_on=[docker]),
        )
        cert_path = files.cert_path
    owner.docker = docker
    owner.ca = ca
    owner.server_cert = server
    owner.client_cert = client
    owner.docker_host = docker.docker_host
    owner.ca_cert_pem = ca.cert_pem
    owner.cert_pem = client.cert_pem
    owner.private_key_pem = Output.secret(client.private_key_pem)
    owner.cert_path = cert_path
    owner.env = Output.all(docker.docker_host, cert_path).apply(
        lambda v: {
            "DOCKER_HOST": v[0],
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": v[1],
            "DOCKER_MACHINE_NAME": name,
        }
    )
    owner.docker_provider_args = {
        "host": docker.docker_host,
        "ca_material": ca.cert_pem,
        "cert_material": client.cert_pem,
        "key_material": owner.private_key_pem,
    }
    # From the DockerHost's pinned keys: a command that takes it waits for the daemon.
    owner.connection = Output.secret(
        Output.all(conn, docker.host_keys).apply(lambda v: _command_connection(v[0], v[1]))
    )


class Machine(pulumi.ComponentResource):
    """A host provisioned as a TLS-secured Docker engine, with everything a client needs."""

    name: str
    """The machine's name (its client files and Docker context are named after it)."""
    docker: DockerHost
    ca: CertificateAuthority
    server_cert: ServerCert
    client_cert: ClientCert
    docker_host: Output[str]
    ca_cert_pem: Output[str]
    cert_pem: Output[str]
    private_key_pem: Output[str]
    env: Output[dict[str, str]]
    docker_provider_args: dict[str, Output[str]]
    """`pulumi_docker.Provider("p", **machine.docker_provider_args)`: host, ca/cert/key material."""
    connection: Output[remote.ConnectionArgs]
    """The SSH connection, host keys pinned, for `pulumi_command.remote.Command`; ready once Docker is."""
    cert_path: Output[str]

    def __init__(self, name: str, args: MachineArgs, opts: ResourceOptions | None = None):
        try:
            check_machine(name, args)  # before anything is registered, also with `up --skip-preview`
        except ValidationError as exc:
            raise pulumi.RunError(f"Machine {name!r}: {exc}") from None
        super().__init__(MACHINE_TYPE, name, None, opts)
        self.name = name
        assemble(self, name, args)
        self.register_outputs(
            {
                "docker_host": self.docker_host,
                "ca_cert_pem": self.ca_cert_pem,
                "cert_pem": self.cert_pem,
                "private_key_pem": self.private_key_pem,
                "env": self.env,
                "docker_provider_args": self.docker_provider_args,
                "connection": self.connection,
                "cert_path": self.cert_path,
            }
        )

    @property
    def ca_pem(self) -> Output[str]:
        """Old name of `ca_cert_pem`, until the next release."""
        deprecated("Machine", "ca_pem", "ca_cert_pem")
        return self.ca_cert_pem

    @property
    def key_pem(self) -> Output[str]:
        """Old name of `private_key_pem`, until the next release."""
        deprecated("Machine", "key_pem", "private_key_pem")
        return self.private_key_pem
