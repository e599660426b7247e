"""A running test host as tests see it: how to reach it (address, user, key, pinned host key) and helpers."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SandboxError
from .sshfiles import fingerprint, known_hosts_line

if TYPE_CHECKING:
    from .sandbox import Sandbox

LOGINS = ("root", "sudo", "sudo-nopasswd")


@dataclass(frozen=True)
class Host:
    """One booted systemd-nspawn host; `ssh()` checks its host key against the sandbox's known_hosts."""

    name: str
    address: str
    user: str
    key_path: str
    host_public_key: str
    password: str | None = field(default=None, repr=False)
    port: int = 22
    networks: tuple[str, ...] = ("public",)
    addresses: Mapping[str, str] = field(default_factory=dict, hash=False)
    variant: str = "docker"
    release: str = "bookworm"
    init: str = "systemd"
    login: str = "root"
    jump: str | None = None
    pid: int = 0
    slot: int = 0
    root: str = ""
    veths: tuple[str, ...] = ()
    ssh_config: str = ""
    known_hosts: str = ""
    sandbox: Sandbox | None = field(default=None, compare=False, repr=False, hash=False)

    @property
    def fingerprint(self) -> str:
        """SHA256 fingerprint of the pinned ed25519 host key."""
        return fingerprint(self.host_public_key)

    def known_hosts_line(self) -> str:
        """A known_hosts line pinning this host's key for its name and addresses."""
        return known_hosts_line([self.name, *self.addresses.values()], self.host_public_key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (no sandbox reference)."""
        data = asdict(replace(self, sandbox=None))
        data.pop("sandbox")
        data["networks"], data["veths"] = list(self.networks), list(self.veths)
        data["addresses"], data["fingerprint"] = dict(self.addresses), self.fingerprint
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], sandbox: Sandbox | None = None) -> Host:
        """Rebuild a Host from `to_dict()` output or a state record."""
        known = set(cls.__dataclass_fields__) - {"sandbox"}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["networks"] = tuple(kwargs.get("networks", ()))
        kwargs["veths"] = tuple(kwargs.get("veths", ()))
        return cls(**kwargs, sandbox=sandbox)

    def ssh_argv(
        self,
        user: str | None = None,
        known_hosts: str | None = None,
        options: Mapping[str, str] | None = None,
    ) -> list[str]:
        """The `ssh ... NAME` argv prefix (host key checking stays strict; only the file can be swapped)."""
        argv = ["ssh", "-F", self.ssh_config]
        opts = dict(options or {})
        if known_hosts is not None:
            opts["UserKnownHostsFile"] = known_hosts
        for key, value in opts.items():
            if key.lower() == "stricthostkeychecking" and value.lower() != "yes":
                raise SandboxError("the sandbox never disables host key checking")
            argv += ["-o", f"{key}={value}"]
        if user:
            argv += ["-l", user]
        return [*argv, "--", self.name]

    def ssh(
        self,
        cmd: str | Sequence[str],
        user: str | None = None,
        *,
        input: str | None = None,
        timeout: float = 120,
        check: bool = False,
        known_hosts: str | None = None,
        options: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `cmd` (a sequence is shell-quoted) with the OpenSSH client; raise on failure if `check`."""
        command = cmd if isinstance(cmd, str) else shlex.join(cmd)
        argv = [*self.ssh_argv(user, known_hosts, options), command]
        try:
            proc = subprocess.run(
                argv,
                input=input,
                text=True,
                capture_output=True,
                timeout=timeout,
                stdin=None if input is not None else subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise SandboxError(f"{self.name}: `{command}` timed out after {timeout} s") from exc
        if check and proc.returncode != 0:
            raise SandboxError(
                f"{self.name}: `{command}` exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"
            )
        return proc

    def root_exec(
        self, cmd: str, *, input: str | None = None, timeout: float = 120, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run `cmd` as root in the host without SSH (nsenter into its namespaces): a back door for checks."""
        return self._owner().root_exec(self, cmd, input=input, timeout=timeout, check=check)

    def stop(self) -> None:
        """Power the host off and remove its overlay, namespace and veths."""
        self._owner().stop(self.name)

    def reboot(self) -> Host:
        """Power-cycle the host (no clean shutdown) and wait until it is up again; returns the new Host."""
        return self._owner().reboot(self.name)

    def regenerate_host_key(self, trust: bool = False) -> Host:
        """Give the host new SSH host keys and restart sshd; unless `trust`, known_hosts keeps the old key
        (so a strict client must now refuse it). Returns the host with its new `host_public_key`."""
        return self._owner().regenerate_host_key(self.name, trust=trust)

    def kill_network(self) -> None:
        """Cut the host off its bridges (its machine-side veths go down): it becomes unreachable."""
        self._owner().set_network(self.name, up=False)

    def restore_network(self) -> None:
        """Undo `kill_network()`."""
        self._owner().set_network(self.name, up=True)

    def _owner(self) -> Sandbox:
        if self.sandbox is None:
            raise SandboxError(f"{self.name}: this Host is not attached to a Sandbox")
        return self.sandbox

    @property
    def root_path(self) -> Path:
        """The host's root file system as seen from the machine (its overlay mount)."""
        return Path(self.root)
