"""DockerHost and DaemonConfig resources: typed args, outputs, no logic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi
from pulumi import Input, Output, ResourceOptions

from ..outputs import OUTPUT_NAMES, SECRET_OUTPUTS
from ..providers.dockerhost import DaemonConfigProvider, DockerHostProvider
from ..spec.connection import ALIASES, ConnectionSpec
from ..spec.host import HostSpec
from .renamed import accept_old_names
from .served import ServedResource


class ConnectionArgs(TypedDict, total=False):
    """SSH connection; the same names as pulumi-command's `remote.ConnectionArgs` (either may be passed)."""

    host: Input[str]
    port: Input[int]
    user: Input[str]
    password: Input[str]
    private_key: Input[str]
    private_key_password: Input[str]
    agent_socket_path: Input[str]
    dial_error_limit: Input[int]
    per_dial_timeout: Input[int]
    proxy: Input[ConnectionArgs]
    host_key: Input[str]
    """Pin the host's SSH key (`ssh-ed25519 AAAA...`); without it the first key seen is pinned."""
    sudo_password: Input[str]
    """For a non-root user whose sudo asks for a password; never logged."""


@dataclass
class DaemonConfigArgs:
    """The Docker daemon's settings as data."""

    tls_port: Input[int] | None = None
    """TLS port (default 2376)."""
    bind_address: Input[str] | None = None
    """Address the TLS port listens on (default 0.0.0.0)."""
    keep_unix_socket: Input[bool] | None = None
    """Keep the local socket (fd:// or unix://) beside the TLS port (default true)."""
    labels: Input[Sequence[Input[str]]] | Input[Mapping[str, Input[str]]] | None = None
    """Engine labels, `key=value` strings or a mapping."""
    storage_driver: Input[str] | None = None
    """overlay2, fuse-overlayfs, btrfs, zfs, vfs or devicemapper; unset keeps the daemon's default."""
    registry_mirrors: Input[Sequence[Input[str]]] | None = None
    """Registry mirror URLs."""
    insecure_registries: Input[Sequence[Input[str]]] | None = None
    """Registries reached without TLS verification."""
    log_driver: Input[str] | None = None
    """Default log driver."""
    log_opts: Input[Mapping[str, Input[str]]] | None = None
    """Options of the log driver."""
    live_restore: Input[bool] | None = None
    """Keep containers running while the daemon restarts."""
    default_address_pools: Input[Sequence[Input[Mapping[str, Any]]]] | None = None
    """Networks to allocate from: `[{"base": "10.10.0.0/16", "size": 24}]`."""
    environment: Input[Mapping[str, Input[str]]] | None = None
    """Environment of the daemon (e.g. HTTP_PROXY, NO_PROXY), set in the systemd drop-in."""
    extra: Input[Mapping[str, Any]] | None = None
    """Any other daemon.json keys, verbatim."""
    allow_storage_driver_change: Input[bool] | None = None
    """Allow changing the storage driver of a daemon that has images or containers (they become invisible)."""


class DaemonConfig(ServedResource, module="docker-machine", name="DaemonConfig"):
    """Validated, rendered daemon settings for one or more DockerHosts."""

    settings: Output[dict[str, Any]]
    """The settings as checked: defaults filled in, numbers as ints (pass to DockerHost)."""
    normalized: Output[dict[str, Any]]
    """The settings with defaults filled in."""
    daemon_json: Output[str]
    """The daemon.json these settings render to on a host with no daemon.json of its own."""
    docker_port: Output[int]
    """The TLS port."""

    def __init__(self, name: str, args: DaemonConfigArgs | None = None, opts: ResourceOptions | None = None):
        settings = {k: v for k, v in vars(args or DaemonConfigArgs()).items() if v is not None}
        props = {"settings": settings, "normalized": None, "daemon_json": None, "docker_port": None}
        super().__init__(DaemonConfigProvider(), name, props, opts)


@accept_old_names(HostSpec.renamed)
@dataclass
class DockerHostArgs:
    """Inputs of a DockerHost."""

    connection: Input[ConnectionArgs] | Input[Mapping[str, Any]] | Any
    """How to reach the host over SSH (ours or pulumi-command's ConnectionArgs)."""
    ca_cert_pem: Input[str]
    """CA certificate the daemon trusts for clients (a CertificateAuthority's `cert_pem`)."""
    server_cert_pem: Input[str]
    """The daemon's certificate (a ServerCert's `cert_pem`); its SANs must cover the address."""
    server_private_key_pem: Input[str]
    """The daemon's private key (a ServerCert's `private_key_pem`)."""
    client_cert_pem: Input[str] | None = None
    """A client certificate used to verify the TLS endpoint after each change (recommended)."""
    client_private_key_pem: Input[str] | None = None
    """The key of `client_cert_pem`."""
    daemon: Input[Mapping[str, Any]] | None = None
    """Daemon settings: a DaemonConfig's `settings`, or the same mapping inline."""
    install_method: Input[str] | None = None
    """When Docker is missing: packages (default), script (install_script_url), command, or none."""
    install_command: Input[str] | None = None
    """The command for install_method=command."""
    install_script_url: Input[str] | None = None
    """For install_method=script: an http(s) URL of a shell script the host downloads and runs as root."""
    uninstall_on_delete: Input[bool] | None = None
    """On destroy, also remove Docker if this resource installed it (default false)."""
    address: Input[str] | None = None
    """Address clients use for DOCKER_HOST (default: connection.host)."""
    confirm_timeout: Input[int] | None = None
    """Seconds the host waits for the client-side TLS check to confirm a change before it rolls the
    change back by itself (default 120, 10 to 3600); changing it replaces nothing."""
    take_over_dropins: Input[Sequence[Input[str]]] | None = None
    """Foreign docker.service drop-ins to take over (file names, e.g. Docker Machine's `10-machine.conf`):
    kept with the host's original at the first `up`, removed while managed, put back at destroy."""
    adopt: Input[bool] | None = None
    """Take over a host that another stack (or another DockerHost) manages (default false): its
    clients lose access. Without it such a host is refused, naming its owner."""


_CREDENTIALS = frozenset(
    [
        *ConnectionSpec.secret_fields(),
        *(alias for alias, name in ALIASES.items() if name in ConnectionSpec.secret_fields()),
    ]
)
"""Connection fields that hold credentials, in both spellings."""
_SECRET_INPUTS = tuple(f for f in HostSpec.secret_fields() if "." not in f)
"""Top-level inputs that are secrets (private keys, the install script's URL)."""


def _secret_credentials(connection: Any) -> Any:
    """The connection with each credential (also a jump host's) as a secret.

    Field by field, so that an unknown credential at preview leaves `host` known (no false
    replacement); a connection given as an Output or pulumi-command's ConnectionArgs is wrapped whole.
    """
    if not isinstance(connection, Mapping):
        return pulumi.Output.secret(connection)
    wrapped = {
        k: pulumi.Output.secret(v) if k in _CREDENTIALS and v is not None else v
        for k, v in connection.items()
    }
    if wrapped.get("proxy") is not None:
        wrapped["proxy"] = _secret_credentials(wrapped["proxy"])
    return wrapped


class DockerHost(ServedResource, module="docker-machine", name="DockerHost"):
    """A host running a TLS-secured Docker daemon, provisioned over SSH."""

    docker_host: Output[str]
    """`tcp://ADDRESS:PORT` for DOCKER_HOST."""
    engine_version: Output[str]
    """Docker engine version."""
    api_version: Output[str]
    """Docker API version reported over TLS."""
    os: Output[str]
    """The host's OS (os-release PRETTY_NAME)."""
    init_system: Output[str]
    """systemd, openrc or sysvinit."""
    host_key: Output[str]
    """The pinned SSH host key."""
    host_key_fingerprint: Output[str]
    """SHA256 fingerprint of the pinned SSH host key."""
    host_keys: Output[dict[str, str]]
    """Every pinned SSH host key by `host:port`: the host and its jump hosts."""
    addresses: Output[list[str]]
    """The host's global addresses as last seen."""
    daemon_pid: Output[int]
    """dockerd's PID as last seen (unchanged when nothing needed a restart)."""
    drift: Output[dict[str, str]]
    """What differed on the host at the last refresh; empty when in sync."""
    installed_docker: Output[bool]
    """Whether this resource installed Docker."""
    last_change: Output[str]
    """How the last host-side transaction ended (confirmed, or rolled back and why)."""

    def __init__(self, name: str, args: DockerHostArgs, opts: ResourceOptions | None = None):
        props: dict[str, Any] = dict(vars(args))
        # Inputs are stored as given; wrap what holds credentials so the state never has them in clear.
        props["connection"] = _secret_credentials(props["connection"])
        for field in _SECRET_INPUTS:
            if props.get(field) is not None:
                props[field] = pulumi.Output.secret(props[field])
        # Recorded on the host: who manages it (a second stack is refused unless it adopts the host).
        props["managed_by"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}"
        props.update(dict.fromkeys(OUTPUT_NAMES))
        props["drift"] = {}
        secret = ResourceOptions(additional_secret_outputs=["connection", *_SECRET_INPUTS, *SECRET_OUTPUTS])
        super().__init__(DockerHostProvider(), name, props, ResourceOptions.merge(opts, secret))
