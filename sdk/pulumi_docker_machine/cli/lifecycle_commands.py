"""create, import, rm, provision and regenerate-certs: the commands that run Pulumi (its Automation API)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from .. import store
from ..errors import DockerMachineError, ValidationError


def cmd_create(args: argparse.Namespace, root: Path) -> int:
    from . import create_flags  # its checks load the Pulumi SDK: only for this command

    options = create_flags.check(vars(args))
    if options.name in store.names(root):
        raise DockerMachineError(f'Host already exists: "{options.name}"')
    if options.name in store.docker_machine_records(root):
        raise DockerMachineError(
            f"{options.name} is a machine docker-machine made in this store: `pulumi-docker-machine import"
            f" {options.name}` takes it over"
        )
    if options.ssh_key and not Path(options.ssh_key).expanduser().is_file():
        raise ValidationError("--generic-ssh-key", f"{options.ssh_key}: no such file")
    if not options.ssh_key and not os.environ.get("SSH_AUTH_SOCK"):
        raise ValidationError("--generic-ssh-key", "is required (or an ssh-agent in SSH_AUTH_SOCK)")
    from . import machine_stacks  # loads Pulumi: only for the commands that run it

    url = machine_stacks.create(root, options, _say)
    _remember_key(root, options.name, options.ssh_key)
    print(f"Docker is up and running at {url}")
    hint = f"pulumi-docker-machine env {options.name}"
    print(f"To see how to connect your Docker Client to this machine, run: {hint}")
    return 0


DOCKER_MACHINE_FILES = "docker-machine-files"
"""Inside an imported machine's folder: docker-machine's own client files, put back by `rm`."""


def cmd_import(args: argparse.Namespace, root: Path) -> int:
    """Take over a machine a real `docker-machine` made: its CA is kept (its clients keep working), its
    drop-in is taken over; `rm` gives the host and the folder back as docker-machine left them."""
    from . import create_flags, machine_stacks

    if args.name not in store.docker_machine_records(root):
        raise ValidationError("NAME", f"no machine {args.name!r} made by docker-machine in {root}")
    directory = store.machine_dir(root, args.name)
    try:
        config = json.loads((directory / "config.json").read_text())
    except ValueError as exc:
        raise ValidationError("config.json", f"{directory / 'config.json'} is not JSON: {exc}") from None
    options = create_flags.from_docker_machine(args.name, config)
    kept = directory / DOCKER_MACHINE_FILES
    kept.mkdir(mode=0o700, exist_ok=True)
    for name in (*store.FILES, "known_hosts"):
        if (directory / name).is_file() and not (kept / name).exists():
            shutil.copy2(directory / name, kept / name)
    url = machine_stacks.create(root, options, _say)
    _remember_key(root, args.name, options.ssh_key)
    print(f"Imported {args.name}: Docker is up and running at {url}, with its own CA kept")
    return 0


def _remember_key(root: Path, name: str, ssh_key: str | None) -> None:
    """The SSH key's path (never the key) for `ssh` and `scp`."""
    if ssh_key:
        path = str(Path(ssh_key).expanduser().resolve())
        store.write_atomic(store.machine_dir(root, name) / store.SSH_KEY_PATH, path + "\n", 0o600)


def _put_back_docker_machine_files(root: Path, name: str) -> None:
    kept = store.machine_dir(root, name) / DOCKER_MACHINE_FILES
    if kept.is_dir():
        for path in kept.iterdir():
            os.replace(path, kept.parent / path.name)
        kept.rmdir()


def _say(line: str) -> None:
    sys.stdout.write(line if line.endswith("\n") else line + "\n")
    sys.stdout.flush()


def _created_here(root: Path, name: str, verb: str) -> None:
    """Refuse to change a machine that a user's own program manages (its stack is not ours)."""
    from . import machine_stacks

    if not machine_stacks.made_by_create(root, name):
        store.load(root, name)  # a machine that is not in the store at all: say that instead
        raise DockerMachineError(
            f"{name} was made by a Pulumi program, not by `create`: {verb} it with `pulumi up` (or"
            " `pulumi destroy`) in that program's project"
        )


def _confirmed(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    sys.stdout.write(question)
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def cmd_rm(args: argparse.Namespace, root: Path) -> int:
    from . import machine_stacks

    for name in args.names:
        _created_here(root, name, "remove")
    question = (
        f"About to remove {', '.join(args.names)}\nWARNING: This action will give the host(s) back as they"
        " were and delete the local reference.\nAre you sure? (y/n): "
    )
    if not _confirmed(question, args.y):
        print("Aborting")
        return 1
    for name in args.names:
        machine_stacks.remove(root, name, args.force, _say)
        store.remove(root, name)
        _put_back_docker_machine_files(root, name)
        print(f"Successfully removed {name}")
    return 0


def cmd_provision(args: argparse.Namespace, root: Path) -> int:
    from . import machine_stacks

    for name in args.names:
        _created_here(root, name, "provision")
        machine_stacks.provision(root, name, _say)
    return 0


def cmd_regenerate_certs(args: argparse.Namespace, root: Path) -> int:
    from . import machine_stacks

    for name in args.names:
        _created_here(root, name, "regenerate the certificates of")
    if not _confirmed("Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): ", args.force):
        return 1
    for name in args.names:
        print(f"Regenerating TLS certificates for {name}")
        machine_stacks.regenerate_certs(root, name, args.client_certs, _say)
    return 0


def add_lifecycle_commands(sub: Any) -> None:
    """create, rm, provision, regenerate-certs, status, active, version."""
    create = sub.add_parser(
        "create", help="make a host a TLS Docker engine (Docker Machine's generic driver)"
    )
    create.add_argument("name", metavar="NAME")
    create.add_argument("--driver", "-d", default="generic", help="only generic")
    for flag, text in (
        ("--generic-ip-address", "the host's IP address or DNS name (required)"),
        ("--generic-ssh-user", "SSH user (default root; others use sudo)"),
        (
            "--generic-ssh-key",
            "path of the SSH private key (default: the agent of SSH_AUTH_SOCK); not copied",
        ),
        ("--generic-ssh-port", "SSH port (default 22)"),
        ("--generic-engine-port", "Docker's TLS port (default 2376)"),
        ("--engine-storage-driver", "storage driver"),
        ("--engine-install-url", "install Docker with this script when it is missing (default: packages)"),
    ):
        create.add_argument(flag, help=text)
    for flag, text in (
        ("--engine-label", "engine label KEY=VALUE"),
        ("--engine-registry-mirror", "registry mirror URL"),
        ("--engine-insecure-registry", "insecure registry"),
        ("--engine-env", "environment of dockerd KEY=VALUE"),
        ("--engine-opt", "daemon.json setting KEY=VALUE"),
        ("--tls-san", "extra name or address in the server certificate"),
    ):
        create.add_argument(flag, action="append", help=f"{text} (repeatable)")
    create.set_defaults(func=cmd_create)
    imported = sub.add_parser("import", help="take over a machine a real docker-machine made (generic)")
    imported.add_argument("name", metavar="NAME")
    imported.set_defaults(func=cmd_import)
    rm = sub.add_parser("rm", help="give the host back as it was and forget the machine")
    rm.add_argument("names", nargs="+", metavar="NAME")
    rm.add_argument("--force", "-f", action="store_true", help="forget it even if the host cannot be reached")
    rm.add_argument("-y", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(func=cmd_rm)
    provision = sub.add_parser(
        "provision", help="apply the machine's configuration again (pulumi up --refresh)"
    )
    provision.add_argument("names", nargs="+", metavar="NAME")
    provision.set_defaults(func=cmd_provision)
    regen = sub.add_parser("regenerate-certs", help="issue and deploy new certificates")
    regen.add_argument("names", nargs="+", metavar="NAME")
    regen.add_argument("--force", "-f", action="store_true", help="do not ask for confirmation")
    regen.add_argument("--client-certs", action="store_true", help="also a new CA and client certificate")
    regen.set_defaults(func=cmd_regenerate_certs)
