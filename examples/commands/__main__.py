"""A Machine, then pulumi-command on it: `remote.Command` over the Machine's own SSH connection (host key
pinned) prepares a page on the host, and `local.Command` runs the real `docker` CLI here, over TLS with
the Machine's `env`, to serve it from a container.

pulumi config set host 10.0.0.5
pulumi config set --secret private_key < ~/.ssh/id_ed25519
pulumi config set image busybox:stable   # any image with /bin/sh and cat; the host must reach it
pulumi up
"""

import shlex

import pulumi
from pulumi_command import local, remote
from pulumi_docker_machine import Machine, MachineArgs

cfg = pulumi.Config()
name = cfg.get("name") or "cmd"
site = shlex.quote(cfg.get("site") or "/srv/hello")  # a folder on the host
message = cfg.get("message") or "hello from a pulumi-docker-machine host"
image = cfg.get("image") or "busybox:stable"

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

# Runs once Docker is up (the connection comes from the DockerHost's pinned host keys); destroy undoes it.
page = remote.Command(
    "page",
    connection=machine.connection,
    create=f"mkdir -p {site} && printf '%s\\n' {shlex.quote(message)} > {site}/index.html"
    f" && cat {site}/index.html",
    delete=f"rm -rf {site}",
)

# The docker CLI on this machine, against the host's TLS endpoint, with the issued client certificate.
served = local.Command(
    "served",
    create=f"docker run --rm -v {site}:/site:ro {shlex.quote(image)} cat /site/index.html",
    environment=machine.env,
    opts=pulumi.ResourceOptions(depends_on=[page]),
)

pulumi.export("docker_host", machine.docker_host)
pulumi.export("prepared", page.stdout)
pulumi.export("served", served.stdout)
