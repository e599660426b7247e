"""`pdm-sandbox up|ls|down|ssh|image|cleanup`: test hosts from a shell."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .errors import SandboxError
from .host import LOGINS, Host
from .image import (
    DEFAULT_INIT,
    DEFAULT_RELEASE,
    INITS,
    RELEASES,
    VARIANTS,
    ensure_image,
    prune_images,
    verify_image,
)
from .network import NETWORKS
from .sandbox import HostRequest, Sandbox


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pdm-sandbox",
        description="Test hosts (systemd-nspawn, one network namespace each) on this machine.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start hosts (in parallel)")
    up.add_argument("names", nargs="*", help="host names (default: one host named after its address)")
    up.add_argument("--variant", choices=VARIANTS, default="docker", help="image: with Docker or without")
    up.add_argument("--release", choices=RELEASES, default=DEFAULT_RELEASE, help="Debian release")
    up.add_argument("--init", choices=INITS, default=DEFAULT_INIT, help="PID 1 of the host")
    up.add_argument(
        "--login", choices=LOGINS, default="root", help="SSH login: root, or user deploy with sudo"
    )
    up.add_argument(
        "--network",
        dest="networks",
        action="append",
        choices=sorted(NETWORKS),
        help="network to join (repeat for several; default public)",
    )
    up.add_argument("--password", help="sudo password of user deploy with --login sudo (default: random)")
    up.add_argument("--json", action="store_true", help="print the hosts as JSON")
    ls = sub.add_parser("ls", help="list running hosts")
    ls.add_argument("--json", action="store_true", help="print the hosts as JSON")
    down = sub.add_parser(
        "down", help="stop the named hosts, or --all (then also bridges and the apt server)"
    )
    _names_or_all(down, "stop every host on this machine, other sessions' included")
    ssh = sub.add_parser("ssh", help="ssh into a host (host key pinned)")
    ssh.add_argument("name")
    ssh.add_argument("cmd", nargs=argparse.REMAINDER, help="command to run (default: a login shell)")
    img = sub.add_parser("image", help="build (if needed) and verify the images")
    img.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    img.add_argument("--release", choices=[*RELEASES, "all"], default=DEFAULT_RELEASE)
    img.add_argument("--init", choices=INITS, default=DEFAULT_INIT)
    img.add_argument("--json", action="store_true")
    img.add_argument("--prune", action="store_true", help="delete images of older recipes (no host may run)")
    cleanup = sub.add_parser("cleanup", help="remove what crashed runs left of the named hosts, or --all")
    _names_or_all(cleanup, "sweep every leftover: hosts of dead sessions, strays no record accounts for")
    return p


def _names_or_all(parser: argparse.ArgumentParser, all_help: str) -> None:
    parser.add_argument("names", nargs="*", help="host names")
    parser.add_argument("--all", action="store_true", help=all_help)


def _check_names_or_all(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """`down` and `cleanup` act on every host only when told so: names or --all, not both, not neither."""
    if args.command not in ("down", "cleanup"):
        return
    if args.names and args.all:
        parser.error(f"{args.command}: give host names or --all, not both")
    if not args.names and not args.all:
        parser.error(f"{args.command}: give host names, or --all for every host on this machine")


def _print_hosts(hosts: list[Host], as_json: bool, sandbox: Sandbox) -> None:
    if as_json:
        print(json.dumps([h.to_dict() for h in hosts], indent=2))
        return
    for h in hosts:
        extra = f"  password={h.password}" if h.password else ""
        via = f"  via {h.jump}" if h.jump else ""
        print(f"{h.name:<12} {h.address:<12} {h.user:<7} {h.key_path}  {h.fingerprint}{via}{extra}")
    if hosts:
        print(f"# ssh -F {sandbox.ssh_config} {hosts[0].name}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox CLI with `argv` (default: sys.argv[1:]); return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _check_names_or_all(parser, args)
    if os.geteuid() != 0:
        print("error: the sandbox needs root (mounts, network namespaces, systemd-nspawn)", file=sys.stderr)
        return 1
    try:
        return _dispatch(args)
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    sandbox = Sandbox()
    if args.command == "image":
        if args.prune:
            if sandbox.ls():
                raise SandboxError("hosts are running; `down` them before pruning images")
            for path in prune_images():
                print(f"pruned {path}", file=sys.stderr)
        return _images(args.variant, args.release, args.init, args.json)
    if args.command == "up":
        networks = tuple(args.networks or ("public",))
        specs = [
            HostRequest(n, args.variant, args.login, networks, args.password, args.release, args.init)
            for n in (args.names or [None])
        ]
        _print_hosts(sandbox.start_many(specs), args.json, sandbox)
    elif args.command == "ls":
        _print_hosts(sandbox.ls(), args.json, sandbox)
    elif args.command == "down":
        sandbox.down(None if args.all else args.names)
    elif args.command == "ssh":
        host = sandbox.get(args.name)
        argv = host.ssh_argv() + list(args.cmd)
        sys.stdout.flush()
        os.execvp(argv[0], argv)
    elif args.command == "cleanup":
        for line in sandbox.cleanup_leftovers() if args.all else sandbox.cleanup_hosts(args.names):
            print(line)
    return 0


def _images(variant: str, release: str, init: str, as_json: bool) -> int:
    report: list[dict[str, Any]] = []
    for r in RELEASES if release == "all" else (release,):
        for v in VARIANTS if variant == "all" else (variant,):
            img = ensure_image(v, release=r, init=init)
            name = img.path.name.rsplit("-", 1)[0]
            problems = verify_image(img)
            report.append({"name": name, "path": str(img.path), **img.build_info, "problems": problems})
            if v == "base":
                repo = Sandbox().apt_repo_dir(r, init)
                info = json.loads((repo.parent / "build.json").read_text())
                report.append({"name": f"aptrepo-{r}", "path": str(repo), **info, "problems": []})
    if as_json:
        print(json.dumps(report, indent=2))
    for row in [] if as_json else report:
        state = "ok" if not row["problems"] else "PROBLEMS: " + "; ".join(row["problems"])
        size = f"{row['bytes'] / 1e6:.0f} MB"
        print(f"{row['name']:<16} {row['path']}  {size}, built in {row['seconds']} s  {state}")
    return 1 if any(row["problems"] for row in report) else 0
