"""pulumi-docker-machine: env, config, ls, inspect, ip, url and ssh, like Docker Machine."""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from .. import store
from ..errors import DockerMachineError, ValidationError
from ..remote import tlsprobe
from ..remote.engine_api import EngineAPI, EngineAPIError
from ..spec.values import split_docker_host
from . import shellenv

ENV_NAMES = ("DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME")


def _detect_shell() -> str:
    name = Path(os.environ.get("SHELL", "bash")).name
    return name if name in shellenv.SHELLS else "bash"


def cmd_env(args: argparse.Namespace, root: Path) -> int:
    shell = args.shell or _detect_shell()
    if args.unset:
        variables: dict[str, str | None] = dict.fromkeys(ENV_NAMES)
        command = "pulumi-docker-machine env --unset"
    else:
        if args.first_manager:
            args.name = _first_manager(root, args.first_manager, args.timeout)
        record = store.load(root, args.name)
        variables = {
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_HOST": record.docker_host,
            "DOCKER_CERT_PATH": str(store.machine_dir(root, args.name)),
            "DOCKER_MACHINE_NAME": args.name,
        }
        if args.no_proxy:
            host = split_docker_host(record.docker_host)[0]
            variables["NO_PROXY"] = shellenv.with_no_proxy(os.environ.get("NO_PROXY"), host)
        command = f"pulumi-docker-machine env {args.name}"
        if args.first_manager:
            command = f"pulumi-docker-machine env --first-manager {' '.join(args.first_manager)}"
    if args.shell:
        command += f" --shell {args.shell}"
    if args.storage_path:
        command = command.replace("pulumi-docker-machine", f"pulumi-docker-machine -s {args.storage_path}", 1)
    sys.stdout.write(shellenv.render(variables, shell, shellenv.usage_hint(shell, command)))
    return 0


def _swarm_role(root: Path, name: str, timeout: float) -> str:
    """manager, worker or '' (in no swarm), as the machine's daemon says over TLS."""
    record = store.load(root, name)
    host, port = split_docker_host(record.docker_host)
    ca, cert, key = ((store.machine_dir(root, name) / f).read_text() for f in store.FILES)
    api = EngineAPI(host, port, ca, cert, key, timeout=timeout)
    swarm = api.info().get("Swarm") or {}
    if swarm.get("LocalNodeState") != "active":
        return ""
    return "manager" if swarm.get("ControlAvailable") else "worker"


def _first_manager(root: Path, names: list[str], timeout: float) -> str:
    """The first of `names` whose daemon answers as a swarm manager (failover for a cluster's env)."""
    for name in names:
        try:
            if _swarm_role(root, name, timeout) == "manager":
                return name
        except (EngineAPIError, OSError):
            continue
    raise DockerMachineError(f"none of {', '.join(names)} answers as a swarm manager")


def cmd_config(args: argparse.Namespace, root: Path) -> int:
    record = store.load(root, args.name)
    directory = store.machine_dir(root, args.name)
    print(
        f'--tlsverify --tlscacert="{directory / "ca.pem"}" --tlscert="{directory / "cert.pem"}"'
        f' --tlskey="{directory / "key.pem"}" -H={record.docker_host}'
    )
    return 0


def _probe(root: Path, name: str, timeout: float) -> dict[str, str]:
    try:
        return _probe_one(root, name, timeout)
    except Exception as exc:  # one unreadable machine must not hide the others
        return {
            "name": name,
            "url": "",
            "state": "Error",
            "docker": "",
            "swarm": "",
            "certs": "",
            "errors": str(exc)[:120],
        }


def _probe_one(root: Path, name: str, timeout: float) -> dict[str, str]:
    record = store.load(root, name)
    directory = store.machine_dir(root, name)
    row = {"name": name, "url": record.docker_host, "state": "Running", "docker": "", "swarm": ""}
    row["errors"] = ""
    row["certs"] = _expiry(record.server_cert_not_after, record.cert_not_after)
    try:  # a record written before the stricter DOCKER_HOST parser is one bad row, not a failed `ls`
        host, port = split_docker_host(record.docker_host)
        ca, cert, key = ((directory / f).read_text() for f in store.FILES)
        engine = tlsprobe.probe(
            lambda: tlsprobe.tcp_stream(host, port, timeout), host, ca, cert, key, timeout
        )
        row["docker"] = f"v{engine.version}"
    except (OSError, tlsprobe.TLSProbeError, ValidationError) as exc:
        row["state"], row["errors"] = "Unreachable", str(exc)[:120]
        return row
    try:  # the daemon answered: a failed swarm probe leaves the state Running
        row["swarm"] = _swarm_role(root, name, timeout)
    except (OSError, EngineAPIError) as exc:
        row["swarm"], row["errors"] = "?", str(exc)[:120]
    return row


def _expiry(*moments: str) -> str:
    known = [datetime.fromisoformat(m.replace("Z", "+00:00")) for m in moments if m]
    if not known:
        return ""
    soonest = min(known)
    days = (soonest - datetime.now(UTC)).days
    return f"{soonest:%Y-%m-%d} ({days}d)" if days >= 0 else f"EXPIRED {soonest:%Y-%m-%d}"


def cmd_ls(args: argparse.Namespace, root: Path) -> int:
    names = store.names(root)
    with ThreadPoolExecutor(max_workers=max(1, min(16, len(names)))) as pool:
        rows = list(pool.map(lambda n: _probe(root, n, args.timeout), names))
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    columns = ("name", "url", "state", "docker", "swarm", "certs", "errors")
    widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in columns}
    print("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        print("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())
    return 0


def cmd_inspect(args: argparse.Namespace, root: Path) -> int:
    data = asdict(store.load(root, args.name))
    data["cert_path"] = str(store.machine_dir(root, args.name))
    print(json.dumps(data, indent=2, sort_keys=True))
    return 0


def cmd_ip(args: argparse.Namespace, root: Path) -> int:
    print(split_docker_host(store.load(root, args.name).docker_host)[0])
    return 0


def cmd_url(args: argparse.Namespace, root: Path) -> int:
    print(store.load(root, args.name).docker_host)
    return 0


def cmd_ssh(args: argparse.Namespace, root: Path) -> int:
    record = store.load(root, args.name)
    directory = store.machine_dir(root, args.name)
    argv = [
        "ssh",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"UserKnownHostsFile={directory / 'known_hosts'}",
        "-p",
        str(record.ssh_port),
    ]
    if args.identity:
        argv += ["-i", args.identity]
    argv += [f"{record.ssh_user}@{record.ssh_host}", *args.command]
    os.execvp("ssh", argv)
    return 0  # pragma: no cover - exec does not return


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
    config.set_defaults(func=cmd_config)
    ls = sub.add_parser("ls", help="list machines with their live state")
    ls.add_argument("--timeout", "-t", type=float, default=5.0, help="seconds per machine (default 5)")
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.set_defaults(func=cmd_ls)
    for verb, func, text in (
        ("inspect", cmd_inspect, "print a machine's record as JSON"),
        ("ip", cmd_ip, "print a machine's address"),
        ("url", cmd_url, "print a machine's URL"),
    ):
        p = sub.add_parser(verb, help=text)
        p.add_argument("name")
        p.set_defaults(func=func)
    ssh = sub.add_parser("ssh", help="ssh to a machine, checking its pinned host key")
    ssh.add_argument("name")
    ssh.add_argument("--identity", "-i", help="private key file")
    ssh.add_argument("command", nargs=argparse.REMAINDER)
    ssh.set_defaults(func=cmd_ssh)
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
