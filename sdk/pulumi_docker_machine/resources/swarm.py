"""Swarm (the dynamic resource) and SwarmCluster (Machines in, one swarm out): typed args, no logic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions

from ..providers.swarm import OUTPUT_FIELDS, SECRET_OUTPUTS, SwarmProvider
from ..swarm.spec import Credentials
from .machine import Machine
from .renamed import accept_old_names
from .served import ServedResource


@dataclass
class SwarmArgs:
    """Inputs of a Swarm: the nodes as data and how to reach each one's TLS Docker API."""

    nodes: Input[Sequence[Input[Mapping[str, Any]]]]
    """Each node: name, role (manager or worker), docker_host (tcp://HOST:2376), and optionally
    advertise_addr (an IP; default the docker_host address), labels, availability (active, pause,
    drain). The first manager creates the swarm."""
    credentials: Input[Mapping[str, Input[Mapping[str, Input[str]]]]]
    """Node name -> {ca_cert_pem, cert_pem, private_key_pem}: a client certificate its daemon trusts
    (secret)."""
    ca_rotation: Input[int] | None = None
    """Change (e.g. increment) to rotate the swarm's root CA, like `docker swarm ca --rotate`."""
    token_rotation: Input[int] | None = None
    """Change (e.g. increment) to rotate both join tokens, like `docker swarm join-token --rotate`."""
    drain_timeout: Input[int] | None = None
    """Seconds to wait for a removed node's tasks to move elsewhere (default 120)."""


class Swarm(ServedResource, module="docker-machine", name="Swarm"):
    """Docker daemons kept as one swarm, driven through their TLS Docker APIs."""

    cluster_id: Output[str]
    """The swarm's ID."""
    node_ids: Output[dict[str, str]]
    """Node name -> swarm node ID."""
    members: Output[list[dict[str, Any]]]
    """The nodes as the swarm lists them: name, node_id, role, availability, labels, state, leader."""
    managers: Output[list[str]]
    """DOCKER_HOST of each declared manager."""
    manager_join_token: Output[str]
    """Token to join as a manager (secret)."""
    worker_join_token: Output[str]
    """Token to join as a worker (secret)."""
    ca_cert_pem: Output[str]
    """The swarm's root CA certificate (changes on CA rotation)."""
    operations: Output[list[str]]
    """What the last create or update did, in order."""
    drift: Output[dict[str, str]]
    """What differed at the last refresh, by node; empty when in sync."""

    def __init__(self, name: str, args: SwarmArgs, opts: ResourceOptions | None = None) -> None:
        props: dict[str, Any] = dict(vars(args))
        props["credentials"] = Output.secret(props["credentials"])
        props["drift"] = {}
        props.update(dict.fromkeys(OUTPUT_FIELDS))
        secret = ResourceOptions(additional_secret_outputs=list(SECRET_OUTPUTS))
        super().__init__(SwarmProvider(), name, props, ResourceOptions.merge(opts, secret))


@accept_old_names(Credentials.renamed)
@dataclass
class SwarmNodeArgs:
    """A swarm node: a Machine, or a daemon given by address and credentials, with its settings."""

    machine: Machine | None = None
    """The Machine to make a node (its name, docker_host and client certificate are used)."""
    name: str | None = None
    """Node name (default: the Machine's name)."""
    docker_host: Input[str] | None = None
    """tcp://HOST:PORT of the daemon, when not given a Machine."""
    ca_cert_pem: Input[str] | None = None
    """CA certificate the daemon's server certificate is signed by, when not given a Machine."""
    cert_pem: Input[str] | None = None
    """A client certificate the daemon trusts, when not given a Machine."""
    private_key_pem: Input[str] | None = None
    """Its private key, when not given a Machine."""
    labels: Input[Mapping[str, Input[str]]] | None = None
    """Node labels (placement constraints: `node.labels.KEY==VALUE`)."""
    availability: Input[str] | None = None
    """active (default), pause or drain."""
    advertise_addr: Input[str] | None = None
    """The IP the other nodes reach this one at (default: the docker_host address)."""


@dataclass
class SwarmClusterArgs:
    """Inputs of a SwarmCluster: Machines (or SwarmNodeArgs) as managers and workers."""

    managers: Sequence[Machine | SwarmNodeArgs]
    """Manager nodes; the first creates the swarm. Use an odd number: 3 tolerate one down, 5 two."""
    workers: Sequence[Machine | SwarmNodeArgs] = ()
    """Worker nodes."""
    ca_rotation: Input[int] | None = None
    """Change to rotate the swarm's root CA."""
    token_rotation: Input[int] | None = None
    """Change to rotate the join tokens."""
    drain_timeout: Input[int] | None = None
    """Seconds to wait for a removed node's tasks to move (default 120)."""


def _node(entry: Machine | SwarmNodeArgs, role: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(name, node input, credentials) of one entry."""
    node = entry if isinstance(entry, SwarmNodeArgs) else SwarmNodeArgs(machine=entry)
    machine = node.machine
    name = node.name or (machine.name if machine else None)
    if not name:
        raise ValueError("a swarm node needs a name (or a Machine)")
    spec: dict[str, Any] = {
        "name": name,
        "role": role,
        "docker_host": node.docker_host or (machine.docker_host if machine else None),
        "labels": node.labels,
        "availability": node.availability,
        "advertise_addr": node.advertise_addr,
    }
    connection = getattr(machine.docker, "connection", None) if machine else None
    if connection is not None:
        spec["via_jump_host"] = Output.unsecret(connection.apply(lambda c: bool(c and c.get("proxy"))))
    creds = {
        "ca_cert_pem": node.ca_cert_pem or (machine.ca_cert_pem if machine else None),
        "cert_pem": node.cert_pem or (machine.cert_pem if machine else None),
        "private_key_pem": node.private_key_pem or (machine.private_key_pem if machine else None),
    }
    return name, {k: v for k, v in spec.items() if v is not None}, creds


def assemble_cluster(owner: Any, name: str, args: SwarmClusterArgs) -> None:
    """Create a SwarmCluster's Swarm under the component `owner` and set its outputs as attributes: swarm,
    cluster_id, managers, members, ca_cert_pem, operations, env, env_command. Shared by the Python
    SwarmCluster and the component package's."""
    entries = [_node(e, "manager") for e in args.managers] + [_node(e, "worker") for e in args.workers]
    owner.swarm = Swarm(
        f"{name}-swarm",
        SwarmArgs(
            nodes=[spec for _, spec, _ in entries],
            credentials={n: creds for n, _, creds in entries},
            ca_rotation=args.ca_rotation,
            token_rotation=args.token_rotation,
            drain_timeout=args.drain_timeout,
        ),
        ResourceOptions(parent=owner),
    )
    manager_names = [n for n, _, _ in entries[: len(args.managers)]]
    first = args.managers[0]
    machine = first if isinstance(first, Machine) else first.machine
    owner.cluster_id = owner.swarm.cluster_id
    owner.managers = owner.swarm.managers
    owner.members = owner.swarm.members
    owner.ca_cert_pem = owner.swarm.ca_cert_pem
    owner.operations = owner.swarm.operations
    owner.env = machine.env if machine is not None else Output.from_input({})
    owner.env_command = Output.from_input(
        "pulumi-docker-machine env --first-manager " + " ".join(manager_names)
    )


class SwarmCluster(pulumi.ComponentResource):
    """Machines made one Docker swarm: quorum-safe changes, drift, rotation, a client env."""

    cluster_id: Output[str]
    managers: Output[list[str]]
    members: Output[list[dict[str, Any]]]
    env: Output[dict[str, str]]
    env_command: Output[str]

    def __init__(self, name: str, args: SwarmClusterArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("docker-machine:index:SwarmCluster", name, None, opts)
        assemble_cluster(self, name, args)
        self.register_outputs(
            {
                "cluster_id": self.cluster_id,
                "managers": self.managers,
                "members": self.members,
                "env": self.env,
                "env_command": self.env_command,
            }
        )
