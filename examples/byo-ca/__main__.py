"""Bring your own CA: an existing CA certificate and key (secrets) sign the machine's certificates.

pulumi config set ca_cert_pem -- "$(cat ca.pem)"
pulumi config set --secret ca_key_pem -- "$(cat ca-key.pem)"
"""

import pulumi
from pulumi_docker_machine import CertificateAuthority, CertificateAuthorityArgs, Machine, MachineArgs

cfg = pulumi.Config()

ca = CertificateAuthority(
    "corporate-ca",
    CertificateAuthorityArgs(
        existing_cert_pem=cfg.require("ca_cert_pem"),
        existing_private_key_pem=cfg.require_secret("ca_key_pem"),
    ),
)
machine = Machine(
    cfg.get("name") or "byo",
    MachineArgs(
        connection={
            "host": cfg.require("host"),
            "user": cfg.get("user"),  # None: root
            "private_key": cfg.require_secret("private_key"),
        },
        ca=ca,
        dns_names=cfg.get_object("dns_names") or [],
    ),
)

pulumi.export("docker_host", machine.docker_host)
pulumi.export("ca_fingerprint", ca.fingerprint_sha256)
