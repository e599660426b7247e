"""The component package's input types, as every language sees them (camelCase there).

Pulumi infers the package schema from these annotations and docstrings, so they are written without
`from __future__ import annotations`. Each mirrors an input of the Python API under the same names
(tests/unit/test_polyglot_schema.py keeps the two equal), where a Python-only shape has a plain one:
`labels` is a map, a jump host has no jump host of its own."""

from typing import Any, Required, TypedDict

from pulumi import Input


class JumpHost(TypedDict, total=False):
    """A jump host (bastion) the SSH connection goes through."""

    host: Required[Input[str]]
    """Address of the jump host."""
    port: Input[int]
    """SSH port (default 22)."""
    user: Input[str]
    """SSH user (default root)."""
    password: Input[str]
    """Password (secret)."""
    private_key: Input[str]
    """Private key text, OpenSSH or PEM (secret)."""
    private_key_password: Input[str]
    """Passphrase of private_key (secret)."""
    agent_socket_path: Input[str]
    """SSH agent socket to authenticate with."""
    host_key: Input[str]
    """Pin the jump host's SSH key (`ssh-ed25519 AAAA...`); without it the first key seen is pinned."""


class Connection(TypedDict, total=False):
    """How to reach a host over SSH: the names of pulumi-command's ConnectionArgs, plus host-key pinning."""

    host: Required[Input[str]]
    """Address of the host (IP address or DNS name)."""
    port: Input[int]
    """SSH port (default 22)."""
    user: Input[str]
    """SSH user (default root); a non-root user needs sudo."""
    password: Input[str]
    """Password (secret)."""
    private_key: Input[str]
    """Private key text, OpenSSH or PEM (secret)."""
    private_key_password: Input[str]
    """Passphrase of private_key (secret)."""
    agent_socket_path: Input[str]
    """SSH agent socket to authenticate with."""
    dial_error_limit: Input[int]
    """Connection attempts before giving up (default 3; -1: no limit)."""
    per_dial_timeout: Input[int]
    """Seconds per connection attempt (default 4)."""
    host_key: Input[str]
    """Pin the host's SSH key (`ssh-ed25519 AAAA...`); without it the first key seen is pinned."""
    sudo_password: Input[str]
    """For a non-root user whose sudo asks for a password (secret)."""
    proxy: Input[JumpHost]
    """A jump host to connect through."""


class AddressPool(TypedDict):
    """A range the daemon allocates networks from."""

    base: Input[str]
    """The range, e.g. 10.10.0.0/16."""
    size: Input[int]
    """Prefix length of each network, e.g. 24."""


class DaemonSettings(TypedDict, total=False):
    """The Docker daemon's settings (daemon.json and the service's environment)."""

    tls_port: Input[int]
    """TLS port (default 2376)."""
    bind_address: Input[str]
    """Address the TLS port listens on (default 0.0.0.0)."""
    keep_unix_socket: Input[bool]
    """Keep the local socket (fd:// or unix://) beside the TLS port (default true)."""
    labels: Input[dict[str, Input[str]]]
    """Engine labels."""
    storage_driver: Input[str]
    """overlay2, fuse-overlayfs, btrfs, zfs, vfs or devicemapper; unset keeps the daemon's default."""
    registry_mirrors: Input[list[Input[str]]]
    """Registry mirror URLs."""
    insecure_registries: Input[list[Input[str]]]
    """Registries reached without TLS verification."""
    log_driver: Input[str]
    """Default log driver."""
    log_opts: Input[dict[str, Input[str]]]
    """Options of the log driver."""
    live_restore: Input[bool]
    """Keep containers running while the daemon restarts."""
    default_address_pools: Input[list[Input[AddressPool]]]
    """Networks to allocate from."""
    environment: Input[dict[str, Input[str]]]
    """Environment of the daemon (e.g. HTTP_PROXY, NO_PROXY), set in the systemd drop-in."""
    extra: Input[dict[str, Any]]
    """Any other daemon.json keys, verbatim."""
    allow_storage_driver_change: Input[bool]
    """Allow changing the storage driver of a daemon that has images or containers (they become invisible)."""


class SwarmNode(TypedDict, total=False):
    """A swarm node: a daemon by address and client credentials (a Machine's outputs), with its settings."""

    name: Required[str]
    """Node name (a Machine's name)."""
    docker_host: Required[Input[str]]
    """tcp://HOST:PORT of the daemon (a Machine's dockerHost)."""
    ca_cert_pem: Required[Input[str]]
    """CA certificate the daemon's server certificate is signed by (a Machine's caCertPem)."""
    cert_pem: Required[Input[str]]
    """A client certificate the daemon trusts (a Machine's certPem)."""
    private_key_pem: Required[Input[str]]
    """Its private key (a Machine's privateKeyPem; secret)."""
    labels: Input[dict[str, Input[str]]]
    """Node labels (placement constraints: `node.labels.KEY==VALUE`)."""
    availability: Input[str]
    """active (default), pause or drain."""
    advertise_addr: Input[str]
    """The IP the other nodes reach this one at (default: the docker_host address)."""
