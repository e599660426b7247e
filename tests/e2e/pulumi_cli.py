"""Drive real stacks with the real `pulumi` CLI: one project dir and local backend per stack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class PulumiCommandError(AssertionError):
    """A pulumi command exited differently than the test expected."""


def pulumi_binary() -> str:
    """Path of the project's pulumi CLI (PATH set by scripts/env.sh)."""
    found = shutil.which("pulumi")
    if not found:
        raise PulumiCommandError("pulumi CLI not on PATH: run the tests through the README command")
    return found


class Stack:
    """A Pulumi project in `workdir` with one stack, using a file:// backend of its own. With a Python
    `program` it writes the project; without, the project is the one already in `workdir`."""

    def __init__(
        self,
        workdir: Path,
        program: str | None,
        name: str = "t",
        stack: str = "dev",
        env: dict[str, str] | None = None,
        refresh_always: bool = False,
        virtualenv: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.base_env = dict(env or {})
        self.name = name
        self.stack = stack
        self.backend = workdir / "backend"
        self.backend.mkdir(parents=True, exist_ok=True)
        if program is not None:
            venv = virtualenv or Path(sys.prefix)
            options = "options:\n  refresh: always\n" if refresh_always else ""
            (workdir / "Pulumi.yaml").write_text(
                f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n{options}"
            )
            self.write_program(program)
        self.run("stack", "init", stack)

    def write_program(self, program: str) -> None:
        """Replace the stack's program (the body of __main__.py)."""
        (self.workdir / "__main__.py").write_text(textwrap.dedent(program))

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PULUMI_BACKEND_URL=f"file://{self.backend}",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_CONFIG_PASSPHRASE=env.get("PULUMI_CONFIG_PASSPHRASE", "test-passphrase"),
            PULUMI_SKIP_CONFIRMATIONS="true",
        )
        env.update(self.base_env)
        env.update(extra or {})
        return env

    def run(
        self, *args: str, env: dict[str, str] | None = None, expect_fail: bool = False, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run `pulumi ARGS` in the project; raise unless it exited as expected."""
        cmd = [pulumi_binary(), *args, "--non-interactive", "--cwd", str(self.workdir)]
        if args and args[0] not in ("stack", "config", "version", "plugin", "package"):
            cmd += ["--stack", self.stack]
        proc = subprocess.run(
            cmd, env=self.env(env), capture_output=True, text=True, timeout=timeout, check=False
        )
        failed = proc.returncode != 0
        if failed != expect_fail:
            raise PulumiCommandError(
                f"`pulumi {' '.join(args)}` exited {proc.returncode}"
                f" (expected {'failure' if expect_fail else 'success'})\n"
                f"--- stdout\n{proc.stdout[-8000:]}\n--- stderr\n{proc.stderr[-8000:]}"
            )
        return proc

    def up(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", *args, **kw)

    def preview(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("preview", *args, **kw)

    def preview_json(self, *args: str, **kw: Any) -> dict[str, Any]:
        """`pulumi preview --json`, parsed."""
        return json.loads(self.run("preview", "--json", *args, **kw).stdout)

    def refresh(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--skip-preview", *args, **kw)

    def destroy(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--skip-preview", *args, **kw)

    def outputs(self, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", "--stack", self.stack]
        if show_secrets:
            args.append("--show-secrets")
        return json.loads(self.run(*args).stdout)

    def export(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "export", "--stack", self.stack).stdout)

    def import_state(self, state: dict[str, Any]) -> None:
        """`pulumi stack import` of an exported (and edited) state."""
        path = self.workdir / "imported-state.json"
        path.write_text(json.dumps(state))
        self.run("stack", "import", "--file", str(path), "--stack", self.stack)

    def export_resource_outputs(self, name: str) -> dict[str, Any]:
        """Outputs of the resource named `name` in the exported state."""
        for res in self.export()["deployment"].get("resources", []):
            if res["urn"].endswith(f"::{name}"):
                return dict(res.get("outputs") or {})
        raise KeyError(name)

    def state_text(self, known: str) -> str:
        """The raw text of every state file of this project's backend, checked to hold `known`, a public
        value of the stack (an address, a certificate's base64 line): that a secret is absent from it
        proves nothing if the files moved, were compressed or are empty."""
        root = self.backend / ".pulumi" / "stacks"
        text = "\n".join(p.read_text() for p in sorted(root.rglob("*.json")))
        assert known and known in text, f"the state files under {root} do not hold {known!r}"
        return text

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        args = ["config", "set", "--stack", self.stack, key]
        if secret:
            args.append("--secret")
        # Values go through stdin so that secrets never appear in a process list.
        proc = subprocess.run(
            [pulumi_binary(), *args, "--cwd", str(self.workdir), "--non-interactive"],
            input=value,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise PulumiCommandError(f"config set {key} failed: {proc.stderr}")


def pem_body_line(pem: str) -> str:
    """The first base64 line of a PEM block: a public value that stands for a certificate in the state."""
    line = pem.strip().splitlines()[1]
    assert len(line) == 64, line
    return line


def resources_by_type(state: dict[str, Any], type_suffix: str) -> list[dict[str, Any]]:
    """Resources of a `pulumi stack export` whose dynamic provider type or URN ends with suffix."""
    found = []
    for res in state["deployment"].get("resources", []):
        if res["urn"].endswith(type_suffix) or res.get("type", "").endswith(type_suffix):
            found.append(res)
    return found
