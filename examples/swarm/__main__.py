"""A Docker swarm from Machines: 3 managers and 2 workers, one CA, changes made quorum-safe.

Config: `machines` (list of {name, host, user?}); `managers` and `workers` (lists of machine names:
a machine in neither stays a plain TLS Docker host, and no managers means no swarm); `labels`
({name: {key: value}}); secret `private_key`; `token_rotation` / `ca_rotation` (change to rotate).
"""

import pulumi
from pulumi_docker_machine import (
    CertificateAuthority,
    CertificateAuthorityArgs,
    Machine,
    MachineArgs,
    SwarmCluster,
    SwarmClusterArgs,
    SwarmNodeArgs,
)

cfg = pulumi.Config()
key = cfg.require_secret("private_key")
labels = cfg.get_object("labels") or {}

ca = CertificateAuthority("swarm-ca", CertificateAuthorityArgs(common_name="swarm CA"))
machines = {
    m["name"]: Machine(
        m["name"],
        MachineArgs(
            connection={"host": m["host"], "user": m.get("user"), "private_key": key},
            ca=ca,
        ),
    )
    for m in cfg.require_object("machines")
}


def node(name: str) -> SwarmNodeArgs:
    return SwarmNodeArgs(machine=machines[name], labels=labels.get(name))


pulumi.export("docker_hosts", {name: m.docker_host for name, m in machines.items()})
managers = cfg.get_object("managers") or []
if managers:  # no managers: the machines are plain TLS Docker hosts
    cluster = SwarmCluster(
        "swarm",
        SwarmClusterArgs(
            managers=[node(n) for n in managers],
            workers=[node(n) for n in cfg.get_object("workers") or []],
            token_rotation=cfg.get_int("token_rotation"),
            ca_rotation=cfg.get_int("ca_rotation"),
        ),
    )
    pulumi.export("managers", cluster.managers)
    pulumi.export("members", cluster.members)
    pulumi.export("env", cluster.env)
    pulumi.export("env_command", cluster.env_command)
    pulumi.export("swarm_ca_cert_pem", cluster.ca_cert_pem)
    pulumi.export("operations", cluster.operations)
