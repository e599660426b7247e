"""A fleet: several hosts, one CA, one client certificate per person.

Config: `hosts` (list of {name, host, user?}), `people` (list of names), secret `private_key`.
"""

import pulumi
from pulumi_docker_machine import (
    CertificateAuthority,
    CertificateAuthorityArgs,
    ClientCert,
    ClientCertArgs,
    DaemonConfig,
    DaemonConfigArgs,
    Machine,
    MachineArgs,
)

cfg = pulumi.Config()
key = cfg.require_secret("private_key")

ca = CertificateAuthority("fleet-ca", CertificateAuthorityArgs(common_name="fleet CA", organization="ops"))
daemon = DaemonConfig(
    "fleet-daemon", DaemonConfigArgs(labels={"fleet": pulumi.get_stack()}, live_restore=True)
)

machines = {
    h["name"]: Machine(
        h["name"],
        MachineArgs(
            connection={"host": h["host"], "user": h.get("user"), "private_key": key},
            ca=ca,
            daemon=daemon,
        ),
    )
    for h in cfg.require_object("hosts")
}

people = {
    person: ClientCert(
        f"client-{person}",
        ClientCertArgs(ca_cert_pem=ca.cert_pem, ca_private_key_pem=ca.private_key_pem, common_name=person),
    )
    for person in cfg.get_object("people") or []
}

pulumi.export("ca_cert_pem", ca.cert_pem)
pulumi.export("docker_hosts", {name: m.docker_host for name, m in machines.items()})
pulumi.export(
    "clients", {p: {"cert_pem": c.cert_pem, "private_key_pem": c.private_key_pem} for p, c in people.items()}
)
