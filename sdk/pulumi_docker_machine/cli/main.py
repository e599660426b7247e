"""pulumi-docker-machine: Docker Machine's commands (create -d generic, env, ls, rm, ...) over Pulumi."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import store
from ..errors import DockerMachineError, ValidationError
from ..spec.values import split_docker_host
from . import lifecycle_commands, probe, shellenv, templates

ENV_NAMES = ("DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME")


def _detect_shell() -> str:
    """The shell SHELL names (bash when unset); another shell is refused rather than given bash syntax."""
    name = Path(os.environ.get("SHELL") or "bash").name
    if name not in shellenv.SHELLS:
        raise ValidationError(
            "--shell", f"SHELL is {name!r}, which env does not know: pass one of {', '.join(shellenv.SHELLS)}"
        )
    return name


def cmd_env(args: argparse.Namespace, root: Path) -> int:
    shell = args.shell or _detect_shell()
    proxy_name, proxy_value = shellenv.no_proxy_variable(os.environ)
    if args.unset:
        if args.name or args.first_manager:
            raise ValidationError("--unset", "takes no machine name: it unsets the variables of any machine")
        variables: dict[str, str | None] = dict.fromkeys(ENV_NAMES)
        if args.no_proxy:
            variables[proxy_name] = None
        command = "pulumi-docker-machine env --unset"
    else:
        if args.first_manager:
            args.name = probe.first_manager(root, args.first_manager, args.timeout)
        record = store.load(root, args.name)
        probe.require_running(root, args.name, args.timeout)
        variables = {
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_HOST": record.docker_host,
            "DOCKER_CERT_PATH": str(store.machine_dir(root, args.name)),
            "DOCKER_MACHINE_NAME": args.name,
        }
        if args.no_proxy:
            host = split_docker_host(record.docker_host)[0]
            variables[proxy_name] = shellenv.with_no_proxy(proxy_value, host)
        command = f"pulumi-docker-machine env {args.name}"
        if args.first_manager:
            command = f"pulumi-docker-machine env --first-manager {' '.join(args.first_manager)}"
    if args.no_proxy:
        command += " --no-proxy"
    if args.shell:
        command += f" --shell {args.shell}"
    if args.storage_path:
        command = command.replace("pulumi-docker-machine", f"pulumi-docker-machine -s {args.storage_path}", 1)
    sys.stdout.write(shellenv.render(variables, shell, shellenv.usage_hint(shell, command)))
    return 0


def cmd_config(args: argparse.Namespace, root: Path) -> int:
    """One flag per line, as docker/machine's config.go prints them (`docker $(... config NAME) ps`)."""
    record = store.load(root, args.name)
    probe.require_running(root, args.name, args.timeout)
    directory = store.machine_dir(root, args.name)
    print("--tlsverify")
    for flag, name in (("--tlscacert", "ca.pem"), ("--tlscert", "cert.pem"), ("--tlskey", "key.pem")):
        print(f'{flag}="{directory / name}"')
    print(f"-H={record.docker_host}")
    return 0


FILTER_KEYS = ("name", "state", "driver", "label", "swarm")
LS_FIELDS = {
    "Name": "NAME",
    "Active": "ACTIVE",
    "DriverName": "DRIVER",
    "State": "STATE",
    "URL": "URL",
    "Swarm": "SWARM",
    "DockerVersion": "DOCKER",
    "Certs": "CERTS",
    "Error": "ERRORS",
}


def _filters(given: list[str]) -> dict[str, list[str]]:
    """`--filter KEY=VALUE` by key: values of one key match any, keys must all match (Docker Machine's)."""
    found: dict[str, list[str]] = {}
    for item in given:
        key, sep, value = item.partition("=")
        key = key.lower()
        if not sep or key not in FILTER_KEYS:
            raise ValidationError("--filter", f"unsupported filter {item!r} (keys: {', '.join(FILTER_KEYS)})")
        found.setdefault(key, []).append(value)
    return found


def _matches(row: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    checks = {
        "name": lambda v: re.search(v, row["name"]) is not None,
        "state": lambda v: v.lower() == row["state"].lower(),
        "driver": lambda v: v.lower() == row.get("driver", "generic").lower(),
        "label": lambda v: v in row["labels"],
        "swarm": lambda v: v.lower() == row["swarm"],
    }
    return all(any(checks[key](value) for value in values) for key, values in filters.items())


def _template_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": row["name"],
        "Active": row["active"],
        "DriverName": row.get("driver", "generic"),
        "State": row["state"],
        "URL": row["url"],
        "Swarm": row["swarm"],
        "DockerVersion": row["docker"],
        "Certs": row["certs"],
        "Error": row["errors"],
    }


def cmd_ls(args: argparse.Namespace, root: Path) -> int:
    names = store.names(root)
    filters = _filters(args.filter or [])
    try:
        for value in filters.get("name", []):
            re.compile(value)
    except re.error as exc:
        raise ValidationError(
            "--filter", f"name={exc.pattern!r} is not a regular expression: {exc}"
        ) from None
    if args.quiet and not set(filters) - {"name", "driver"}:  # names alone: nothing to ask the hosts
        rows: list[dict[str, Any]] = [{"name": n, "state": "", "labels": [], "swarm": ""} for n in names]
    else:
        with ThreadPoolExecutor(max_workers=max(1, min(16, len(names)))) as pool:
            rows = list(pool.map(lambda n: probe.probe_row(root, n, args.timeout), names))
    for name, driver in store.docker_machine_records(root).items():
        note = f"made by docker-machine (driver {driver}); not managed by pulumi-docker-machine"
        rows.append(probe.empty_row(name) | {"state": "Unknown", "driver": driver, "errors": note})
    rows = [row for row in rows if _matches(row, filters)]
    if args.quiet:
        for row in rows:
            print(row["name"])
        return 0
    current = os.environ.get("DOCKER_HOST", "")
    for row in rows:
        row["active"] = "*" if current and row["url"] == current else "-"
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format.startswith("table") and args.format != "table":
        print(templates.table("--format", args.format, [_template_row(r) for r in rows], LS_FIELDS))
    elif args.format != "table":
        for row in rows:
            print(templates.render("--format", args.format, _template_row(row)))
    else:
        columns = ("name", "active", "url", "state", "docker", "swarm", "certs", "errors")
        widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in columns}
        print("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
        for row in rows:
            print("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())
    return 0


def inspect_data(root: Path, name: str) -> dict[str, Any]:
    """The record as `inspect` prints it: ours, plus the fields Docker Machine's templates read."""
    record = store.load(root, name)
    directory = store.machine_dir(root, name)
    data: dict[str, Any] = asdict(record)
    data["cert_path"] = str(directory)
    data.update(
        Name=name,
        DriverName="generic",
        Driver={
            "IPAddress": record.ssh_host,
            "MachineName": name,
            "SSHUser": record.ssh_user,
            "SSHPort": record.ssh_port,
        },
        HostOptions={
            "AuthOptions": {
                "CertDir": str(directory),
                "CaCertPath": str(directory / "ca.pem"),
                "ClientCertPath": str(directory / "cert.pem"),
                "ClientKeyPath": str(directory / "key.pem"),
            }
        },
    )
    return data


def cmd_inspect(args: argparse.Namespace, root: Path) -> int:
    data = inspect_data(root, args.name)
    if args.format:
        print(templates.render("--format", args.format, data))
    else:
        print(json.dumps(data, indent=2, sort_keys=True))
    return 0


def cmd_ip(args: argparse.Namespace, root: Path) -> int:
    addresses = [split_docker_host(store.load(root, name).docker_host)[0] for name in args.names]
    print("\n".join(addresses))
    return 0


def cmd_url(args: argparse.Namespace, root: Path) -> int:
    record = store.load(root, args.name)
    probe.require_running(root, args.name, args.timeout)
    print(record.docker_host)
    return 0


def _ssh_options(root: Path, name: str, identity: str | None, port_flag: str) -> list[str]:
    """Options that pin the machine's host key and pick its port and key (given, else the one `create`
    was given, else the agent's)."""
    record = store.load(root, name)
    directory = store.machine_dir(root, name)
    options = ["-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={directory / 'known_hosts'}"]
    options += [port_flag, str(record.ssh_port)]
    remembered = directory / store.SSH_KEY_PATH
    identity = identity or (remembered.read_text().strip() if remembered.is_file() else None)
    return options + (["-i", identity] if identity else [])


def cmd_ssh(args: argparse.Namespace, root: Path) -> int:
    record = store.load(root, args.name)
    argv = ["ssh", *_ssh_options(root, args.name, args.identity, "-p")]
    argv += [f"{record.ssh_user}@{record.ssh_host}", *args.command]
    os.execvp("ssh", argv)
    return 0  # pragma: no cover - exec does not return


def scp_argv(root: Path, paths: list[str], recursive: bool, identity: str | None) -> list[str]:
    """`scp` with each `MACHINE:PATH` as `USER@HOST:PATH`; one machine per call (they have their own host
    key, port and key). A path without a machine name is local, as in Docker Machine."""
    machines = sorted({p.split(":", 1)[0] for p in paths if ":" in p})
    if len(machines) > 1:
        raise ValidationError("scp", f"copies to or from one machine at a time, not {', '.join(machines)}")
    if not machines:
        raise ValidationError("scp", "needs one MACHINE:PATH (the other path is local)")
    name = machines[0]
    record = store.load(root, name)
    host = f"[{record.ssh_host}]" if ":" in record.ssh_host else record.ssh_host  # an IPv6 address
    copied = [f"{record.ssh_user}@{host}:{p.split(':', 1)[1]}" if ":" in p else p for p in paths]
    return ["scp", *_ssh_options(root, name, identity, "-P"), *(["-r"] if recursive else []), *copied]


def cmd_scp(args: argparse.Namespace, root: Path) -> int:
    argv = scp_argv(root, [args.source, args.destination], args.recursive, args.identity)
    os.execvp("scp", argv)
    return 0  # pragma: no cover - exec does not return


def cmd_status(args: argparse.Namespace, root: Path) -> int:
    print(probe.machine_state(root, args.name, args.timeout))
    return 0


def cmd_active(args: argparse.Namespace, root: Path) -> int:
    current = os.environ.get("DOCKER_HOST", "")
    for name in store.names(root):
        if current and store.load(root, name).docker_host == current:
            print(name)
            return 0
    raise DockerMachineError("No active host found")


def cmd_version(args: argparse.Namespace, root: Path) -> int:
    from .. import __version__

    print(f"pulumi-docker-machine version {__version__}")
    return 0


def cmd_plugin(args: argparse.Namespace, root: Path) -> int:
    from ..polyglot.host import write_plugin  # loads Pulumi: only for this command

    folder = Path(args.folder).resolve()
    write_plugin(folder, Path(sys.prefix))
    print(folder)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulumi-docker-machine", description=__doc__)
    parser.add_argument(
        "--storage-path", "-s", help="machine store (default $MACHINE_STORAGE_PATH or ~/.docker/machine)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env", help="print the environment that points docker at a machine")
    env.add_argument("name", nargs="?")
    env.add_argument("--shell", choices=shellenv.SHELLS)
    env.add_argument("--unset", "-u", action="store_true", help="print commands that unset the variables")
    env.add_argument("--no-proxy", action="store_true", help="add the machine's IP to NO_PROXY")
    env.add_argument(
        "--first-manager", nargs="+", metavar="NAME", help="the first of these that is a swarm manager"
    )
    env.add_argument("--timeout", "-t", type=float, default=5.0, help="seconds per machine (default 5)")
    env.set_defaults(func=cmd_env)
    config = sub.add_parser("config", help="print the docker flags for a machine")
    config.add_argument("name")
    config.add_argument("--timeout", "-t", type=float, default=5.0, help="seconds (default 5)")
    config.set_defaults(func=cmd_config)
    ls = sub.add_parser("ls", help="list machines with their live state")
    ls.add_argument("--timeout", "-t", type=float, default=5.0, help="seconds per machine (default 5)")
    ls.add_argument(
        "--format", "-f", default="table", help="table (default), json, or a template: '{{.Name}} {{.URL}}'"
    )
    ls.add_argument("--quiet", "-q", action="store_true", help="names only")
    ls.add_argument("--filter", action="append", help="KEY=VALUE: name, state, driver, label, swarm")
    ls.set_defaults(func=cmd_ls)
    inspect = sub.add_parser("inspect", help="print a machine's record as JSON")
    inspect.add_argument("name")
    inspect.add_argument("--format", "-f", help="a template: '{{.Driver.IPAddress}}', '{{json .}}'")
    inspect.set_defaults(func=cmd_inspect)
    ip = sub.add_parser("ip", help="print machines' addresses")
    ip.add_argument("names", nargs="+", metavar="NAME")
    ip.set_defaults(func=cmd_ip)
    url = sub.add_parser("url", help="print a machine's URL (exit 1 when its host is not running)")
    url.add_argument("name")
    url.add_argument("--timeout", "-t", type=float, default=5.0, help="seconds (default 5)")
    url.set_defaults(func=cmd_url)
    ssh = sub.add_parser("ssh", help="ssh to a machine, checking its pinned host key")
    ssh.add_argument("name")
    ssh.add_argument("--identity", "-i", help="private key file")
    ssh.add_argument("command", nargs=argparse.REMAINDER)
    ssh.set_defaults(func=cmd_ssh)
    scp = sub.add_parser("scp", help="copy files to or from a machine: NAME:PATH, host key checked")
    scp.add_argument("source")
    scp.add_argument("destination")
    scp.add_argument("--recursive", "-r", action="store_true")
    scp.add_argument("--identity", "-i", help="private key file")
    scp.set_defaults(func=cmd_scp)
    lifecycle_commands.add_lifecycle_commands(sub)
    status = sub.add_parser("status", help="Running, Error (Docker does not answer) or Stopped")
    status.add_argument("name", metavar="NAME")
    status.add_argument("--timeout", "-t", type=float, default=5.0, help="seconds (default 5)")
    status.set_defaults(func=cmd_status)
    active = sub.add_parser("active", help="the machine DOCKER_HOST points at")
    active.set_defaults(func=cmd_active)
    version = sub.add_parser("version", help="this tool's version")
    version.set_defaults(func=cmd_version)
    plugin = sub.add_parser(
        "plugin",
        help="write the plugin folder of the docker-machine component package (YAML, TypeScript, ...)",
    )
    plugin.add_argument("folder", help="where to write it (then name it under `packages:`)")
    plugin.set_defaults(func=cmd_plugin)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command == "env" and not args.unset and not args.name and not args.first_manager:
        build_parser().error("env needs a machine name (or --unset)")
    root = Path(args.storage_path) if args.storage_path else store.default_store()
    try:
        return int(args.func(args, root))
    except DockerMachineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
