"""Quickstart: one host becomes a TLS-secured Docker engine (`docker-machine create -d generic`).

pulumi config set host 10.0.0.5
pulumi config set user root
pulumi config set --secret private_key < ~/.ssh/id_ed25519
pulumi up
docker --context quickstart version
"""

import pulumi
from pulumi_docker_machine import Machine, MachineArgs

cfg = pulumi.Config()
name = cfg.get("name") or "quickstart"

machine = Machine(
    name,
    MachineArgs(
        connection={
            "host": cfg.require("host"),
            "port": cfg.get_int("port"),  # None: 22
            "user": cfg.get("user"),  # None: root
            "private_key": cfg.require_secret("private_key"),
            "host_key": cfg.get("host_key"),
        },
    ),
)

pulumi.export("docker_host", machine.docker_host)
pulumi.export("env", machine.env)
pulumi.export("cert_path", machine.cert_path)
pulumi.export("host_key_fingerprint", machine.docker.host_key_fingerprint)
pulumi.export("engine_version", machine.docker.engine_version)
