"""ClientConfig resource: a machine's client files in the local store and its Docker context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions

from ..providers.client import ClientConfigProvider
from ..spec.client import ClientConfigSpec
from .renamed import accept_old_names
from .served import ServedResource


@accept_old_names(ClientConfigSpec.renamed)
@dataclass
class ClientConfigArgs:
    """Inputs of a ClientConfig."""

    name: Input[str]
    """Machine name: the directory under `<store>/machines/` and the Docker context name."""
    docker_host: Input[str]
    """`tcp://ADDRESS:2376`."""
    ca_cert_pem: Input[str]
    """CA certificate that verifies the daemon."""
    cert_pem: Input[str]
    """Client certificate."""
    private_key_pem: Input[str]
    """Client private key (written 0600)."""
    store: Input[str] | None = None
    """Store directory (default `$MACHINE_STORAGE_PATH` or `~/.docker/machine`)."""
    ssh_host: Input[str] | None = None
    """SSH address, for `pulumi-docker-machine ssh`."""
    ssh_port: Input[int] | None = None
    """SSH port."""
    ssh_user: Input[str] | None = None
    """SSH user."""
    host_key: Input[str] | None = None
    """Pinned SSH host key, written to the machine's known_hosts."""
    cert_not_after: Input[str] | None = None
    """Client certificate expiry, shown by `ls`."""
    server_cert_not_after: Input[str] | None = None
    """Server certificate expiry, shown by `ls`."""
    docker_context: Input[bool] | None = None
    """Create a Docker context named after the machine (default true)."""


class ClientConfig(ServedResource, module="docker-machine", name="ClientConfig"):
    """Local client files (`ca.pem`, `cert.pem`, `key.pem`) and a Docker context for one machine."""

    cert_path: Output[str]
    """Directory holding the client files (DOCKER_CERT_PATH)."""
    context: Output[str]
    """Docker context name ('' when not created)."""
    drift: Output[dict[str, str]]
    """Files or context found changed or missing at the last refresh."""
    sha256: Output[dict[str, str]]
    """SHA-256 of each file as written: the baseline a refresh compares with."""

    def __init__(self, name: str, args: ClientConfigArgs, opts: ResourceOptions | None = None):
        props: dict[str, Any] = dict(vars(args))
        props["private_key_pem"] = pulumi.Output.secret(props["private_key_pem"])
        props.update({"cert_path": None, "context": None, "sha256": None, "drift": {}})
        secret = ResourceOptions(additional_secret_outputs=["private_key_pem"])
        super().__init__(ClientConfigProvider(), name, props, ResourceOptions.merge(opts, secret))
