"""A non-root user with sudo, on a host only reachable through a jump host (bastion).

Config: `host` (private address), `user`, secret `sudo_password`, `bastion` (public address),
`bastion_user`, secret `private_key` (accepted by both).
"""

import pulumi
from pulumi_docker_machine import Machine, MachineArgs

cfg = pulumi.Config()
key = cfg.require_secret("private_key")

machine = Machine(
    cfg.get("name") or "private",
    MachineArgs(
        connection={
            "host": cfg.require("host"),
            "user": cfg.require("user"),
            "private_key": key,
            "sudo_password": cfg.get_secret("sudo_password"),
            "proxy": {
                "host": cfg.require("bastion"),
                "user": cfg.get("bastion_user"),  # None: root
                "private_key": key,
            },
        },
    ),
)

pulumi.export("docker_host", machine.docker_host)
pulumi.export("env", machine.env)
