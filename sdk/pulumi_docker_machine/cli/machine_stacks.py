"""Machines made by `create`: one Pulumi stack each, run through Pulumi's Automation API.

The project `docker-machine` lives in `<store>/pulumi/` (its settings and each stack's config), its state
in `<store>/pulumi/state` unless `PULUMI_BACKEND_URL` names another backend (object storage, Pulumi Cloud).
Secrets use `PULUMI_CONFIG_PASSPHRASE` (or `_FILE`) when set, else a passphrase generated once and kept
in `<store>/pulumi/passphrase` (0600). The program is a `Machine` built from the `create` flags kept in
the stack's config, so `provision` and `regenerate-certs` run the same program again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import DockerMachineError
from ..store import write_atomic
from .create_flags import CreateOptions

PROJECT = "docker-machine"
OPTIONS_KEY = f"{PROJECT}:create"
Print = Callable[[str], Any]


class NoEngineError(DockerMachineError):
    """The Pulumi CLI, which the Automation API drives, is not installed."""


def project_dir(store: Path) -> Path:
    return store / "pulumi"


def _passphrase_env(store: Path) -> dict[str, str]:
    if os.environ.get("PULUMI_CONFIG_PASSPHRASE") is not None or os.environ.get(
        "PULUMI_CONFIG_PASSPHRASE_FILE"
    ):
        return {}
    path = project_dir(store) / "passphrase"
    if not path.is_file():
        write_atomic(path, secrets.token_urlsafe(32) + "\n", 0o600)
    return {"PULUMI_CONFIG_PASSPHRASE_FILE": str(path)}


def _runtime_env() -> dict[str, str]:
    """The dynamic providers run with this Python (its venv), activated or not."""
    return {"PULUMI_RUNTIME_VIRTUALENV": sys.prefix} if sys.prefix != sys.base_prefix else {}


def _workspace(store: Path) -> Any:
    from pulumi import automation as auto  # loads the Pulumi SDK: only for the commands that need it

    if shutil.which("pulumi") is None:
        raise NoEngineError(
            "the Pulumi CLI (`pulumi`) is not on PATH; this command drives it: install it"
            " (https://www.pulumi.com/docs/install/) and run this again"
        )
    backend = os.environ.get("PULUMI_BACKEND_URL") or f"file://{project_dir(store) / 'state'}"
    (project_dir(store) / "state").mkdir(parents=True, exist_ok=True, mode=0o700)
    settings = auto.ProjectSettings(
        name=PROJECT,
        runtime="python",
        backend=None if os.environ.get("PULUMI_BACKEND_URL") else auto.ProjectBackend(backend),
    )
    env = {**_passphrase_env(store), **_runtime_env(), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    return auto.LocalWorkspace(work_dir=str(project_dir(store)), env_vars=env, project_settings=settings)


def _program(options: CreateOptions, store: Path) -> Callable[[], None]:
    def run() -> None:
        import pulumi

        from ..resources.certs import CertificateAuthority, CertificateAuthorityArgs
        from ..resources.machine import Machine, MachineArgs

        connection: dict[str, Any] = {
            "host": options.ip_address,
            "port": options.ssh_port,
            "user": options.ssh_user,
        }
        if options.ssh_key:
            connection["private_key"] = pulumi.Output.secret(Path(options.ssh_key).expanduser().read_text())
        else:
            connection["agent_socket_path"] = os.environ.get("SSH_AUTH_SOCK", "")
        ips, names = options.sans()
        ca = None
        if options.ca_cert and options.ca_key:  # an imported machine keeps its CA: its clients keep working
            ca = CertificateAuthority(
                f"{options.name}-ca",
                CertificateAuthorityArgs(
                    existing_cert_pem=Path(options.ca_cert).read_text(),
                    existing_private_key_pem=pulumi.Output.secret(Path(options.ca_key).read_text()),
                ),
            )
        machine = Machine(
            options.name,
            MachineArgs(
                connection=connection,
                daemon=options.daemon_settings(),
                ip_addresses=ips,
                dns_names=names,
                install_method="script" if options.install_url else None,
                install_script_url=options.install_url,
                store=str(store),
                ca=ca,
                take_over_dropins=list(options.take_over_dropins) or None,
            ),
        )
        pulumi.export("docker_host", machine.docker_host)

    return run


def made_by_create(store: Path, name: str) -> bool:
    """Whether `name` has a stack of ours (made by `create`), as opposed to a user's own program."""

    workspace = _workspace(store)
    return any(summary.name.split("/")[-1] == name for summary in workspace.list_stacks())


def _stack(store: Path, name: str, options: CreateOptions | None) -> Any:
    """The machine's stack with its program: from `options` (a new machine), else from its config."""
    from pulumi import automation as auto

    workspace = _workspace(store)
    if options is None:
        try:
            stack = auto.Stack.select(name, workspace)
        except auto.StackNotFoundError:
            raise DockerMachineError(f"no machine {name!r} made by `create` in {store}") from None
        options = CreateOptions.from_json(stack.get_config(OPTIONS_KEY).value)
    else:
        stack = auto.Stack.create_or_select(name, workspace)
    workspace.program = _program(options, store)
    return stack


def create(store: Path, options: CreateOptions, say: Print) -> str:
    """`pulumi up` of a new machine's stack; returns its DOCKER_HOST."""
    from pulumi import automation as auto

    stack = _stack(store, options.name, options)
    stack.set_config(OPTIONS_KEY, auto.ConfigValue(options.to_json()))
    result = _run(lambda: stack.up(on_output=say, color="never"), options.name, "create")
    return str(result.outputs["docker_host"].value)


def provision(store: Path, name: str, say: Print) -> None:
    """`pulumi up --refresh` of a machine made by `create`: what differs on the host is put back."""
    stack = _stack(store, name, None)
    _run(lambda: stack.up(on_output=say, color="never", refresh=True), name, "provision")


def regenerate_certs(store: Path, name: str, client_certs: bool, say: Print) -> None:
    """Issue new certificates and deploy them: the server certificate, or with `client_certs` the machine's
    CA (so every certificate it signed too) and the client certificate."""
    stack = _stack(store, name, None)
    kinds = (":CertificateAuthority", ":ServerCert", ":ClientCert") if client_certs else (":ServerCert",)
    resources = stack.export_stack().deployment.get("resources", [])
    urns = [r["urn"] for r in resources if r.get("type", "").endswith(kinds)]
    _run(lambda: stack.up(on_output=say, color="never", replace=urns), name, "regenerate-certs")


def remove(store: Path, name: str, force: bool, say: Print) -> None:
    """`pulumi destroy` (the host is given back as it was) and the stack removed; with `force`, a host that
    cannot be reached is forgotten here anyway."""
    stack = _stack(store, name, None)

    def said(line: str) -> None:  # the stack is removed too: pulumi's hint to remove it does not apply
        if not line.startswith(_KEPT_HINTS):
            say(line)

    try:
        _run(lambda: stack.destroy(on_output=said, color="never", remove=True), name, "rm")
    except DockerMachineError:
        if not force:
            raise
        say(f"could not give {name}'s host back; -f: forgetting it here anyway (the host keeps our files)")
        stack.workspace.remove_stack(name, force=True)


_KEPT_HINTS = (
    "The resources in the stack have been deleted, but the history",
    "If you want to remove the stack completely",
)


def _run(call: Callable[[], Any], name: str, verb: str) -> Any:
    from pulumi import automation as auto

    try:
        return call()
    except auto.CommandError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip().startswith("error:")]
        said = lines[-1].removeprefix("error:").strip() if lines else "see the output above"
        raise DockerMachineError(f"{verb} {name} failed: {said}") from None
