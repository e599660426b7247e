"""The Sandbox: start, list and stop test hosts; sweep whatever an earlier (crashed) run left behind."""

from __future__ import annotations

import atexit
import os
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import aptrepo, image, limits, network, nspawn, rootfs
from .errors import SandboxError
from .host import LOGINS, Host
from .mounts import mount_overlay, remove_tree
from .parallel import in_parallel
from .paths import state_dir
from .procs import alive
from .readiness import wait_ready
from .shell import log, write_atomic
from .sshfiles import ensure_keypair, render
from .state import State, StateStore
from .sweep import is_stale, me, sweep_orphans

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


@dataclass(frozen=True)
class HostRequest:
    """What to start: a name (None: `h<slot>`), image variant, login variant, networks, sudo password,
    Debian release, init system (PID 1)."""

    name: str | None = None
    variant: str = "docker"
    login: str = "root"
    networks: tuple[str, ...] = ("public",)
    password: str | None = None
    release: str = image.DEFAULT_RELEASE
    init: str = image.DEFAULT_INIT


class Sandbox:
    """Test hosts on this machine: systemd-nspawn containers, each in its own network namespace.

    State lives in `state` (default `$PDM_SANDBOX_STATE` or `<cache>/sandbox`), so another process (the
    CLI) can list and stop hosts. With `stop_at_exit`, the hosts belong to this process: they are stopped
    at exit, and once it is gone a later `cleanup_leftovers()` treats them as leftovers. Without it (the
    CLI), hosts stay up until `down`.
    """

    def __init__(
        self,
        state: Path | None = None,
        cache: Path | None = None,
        apt_port: int | None = None,
        stop_at_exit: bool = False,
        boot_timeout: float = 120,
    ) -> None:
        self.state_dir = (state or state_dir()).resolve()
        self.cache = cache
        self.hosts_dir = self.state_dir / "hosts"
        self.store = StateStore(self.state_dir)
        self.key_path = self.state_dir / "id_ed25519"
        self.ssh_config = self.state_dir / "ssh_config"
        self.known_hosts = self.state_dir / "known_hosts"
        self.apt_port = apt_port or int(os.environ.get("PDM_SANDBOX_APT_PORT", aptrepo.DEFAULT_PORT))
        self.boot_timeout = boot_timeout
        self.owned = stop_at_exit
        self._started: set[str] = set()
        self._lock = threading.Lock()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        ensure_keypair(self.key_path)
        if stop_at_exit:
            atexit.register(self._stop_started)

    # ---- images ----

    def ensure_image(
        self, variant: str, release: str = image.DEFAULT_RELEASE, init: str = image.DEFAULT_INIT
    ) -> image.Image:
        """Build (once, cached) the image; a base image also gets its apt repository."""
        img = image.ensure_image(variant, self.cache, release, init)
        if variant == "base":
            self.apt_repo_dir(release, init)
        return img

    def apt_repo_dir(self, release: str = image.DEFAULT_RELEASE, init: str = image.DEFAULT_INIT) -> Path:
        """The local apt repository (docker.io and what the base image lacks) served to base hosts."""
        return image.ensure_repo(release, self.cache, init)

    def apt_source(self, release: str = image.DEFAULT_RELEASE, init: str = image.DEFAULT_INIT) -> str:
        """The sources.list line base hosts of `release` and `init` get."""
        return aptrepo.source_line(_public_address(), self.apt_port, _repo_name(release, init))

    # ---- hosts ----

    def start(
        self,
        name: str | None = None,
        variant: str = "docker",
        login: str = "root",
        networks: Sequence[str] = ("public",),
        password: str | None = None,
        timeout: float | None = None,
        release: str = image.DEFAULT_RELEASE,
        init: str = image.DEFAULT_INIT,
    ) -> Host:
        """Boot one host and wait until SSH (and, for the docker variant, the daemon) is ready."""
        spec = HostRequest(name, variant, login, tuple(networks), password, release, init)
        return self._start(spec, timeout or self.boot_timeout)

    def start_many(
        self,
        specs: Iterable[str | HostRequest | None],
        variant: str = "docker",
        login: str = "root",
        networks: Sequence[str] = ("public",),
        timeout: float | None = None,
    ) -> list[Host]:
        """Boot several hosts in parallel (a str is a name with the given defaults); all or none stay up."""
        resolved = [
            s if isinstance(s, HostRequest) else HostRequest(s, variant, login, tuple(networks))
            for s in specs
        ]
        for v, r, i in sorted({(s.variant, s.release, s.init) for s in resolved}):
            self.ensure_image(v, r, i)
        outcomes = in_parallel(lambda s: self._start(s, timeout or self.boot_timeout), resolved)
        hosts = [o for o in outcomes if isinstance(o, Host)]
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if errors:
            self.stop_many(h.name for h in hosts)
            raise errors[0]
        return hosts

    def get(self, name: str) -> Host:
        """The running host `name`."""
        rec = self.store.read()["hosts"].get(name)
        if not rec or rec.get("status") != "up":
            raise SandboxError(f"no running test host named {name!r}")
        return Host.from_dict(rec, sandbox=self)

    def ls(self) -> list[Host]:
        """Every running host, by name (including those of other processes)."""
        hosts = self.store.read()["hosts"]
        return [Host.from_dict(r, sandbox=self) for _, r in sorted(hosts.items()) if r.get("status") == "up"]

    def stop(self, name: str) -> None:
        """Power off `name` and remove its overlay, data, namespace and veths (no error if it is gone)."""
        rec = self._claim(name, stale_only=False)
        self._teardown(name, rec or {})
        with self._lock:
            self._started.discard(name)

    def stop_many(self, names: Iterable[str]) -> None:
        """Stop several hosts in parallel; raise the first error after all were tried."""
        errors = [r for r in in_parallel(self.stop, list(names)) if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    def down(self, names: Iterable[str] | None = None, owned_only: bool = False) -> None:
        """Stop `names`, or every host (`owned_only`: only those this process started). When no host is
        left afterwards, also stop the apt repository server and remove the bridges and the route."""
        if names is None:
            mine = me()
            hosts = self.store.read()["hosts"]
            names = [n for n, r in hosts.items() if not owned_only or r.get("owner") == mine]
        self.stop_many(names)
        self._release_shared()

    def cleanup_leftovers(self) -> list[str]:
        """Remove what earlier runs left and return it: hosts whose owning process is gone (or whose nspawn
        died), then anything no record accounts for (nspawn processes under the state dir, overlay mounts,
        host dirs, pdm-* namespaces, veths, stray repository servers), then the bridges, route and server
        if no host is left. Hosts of live processes and CLI hosts that still run are kept."""
        removed: list[str] = []
        candidates = [n for n, r in self.store.read()["hosts"].items() if is_stale(r, self.hosts_dir)]
        claimed = {n: self._claim(n, stale_only=True) for n in candidates}
        stale = {n: r for n, r in claimed.items() if r is not None}
        for result in in_parallel(lambda item: self._teardown(*item), list(stale.items())):
            if isinstance(result, BaseException):
                raise result
        removed += [f"host {n} (nspawn pid {r.get('pid')})" for n, r in stale.items()]
        with self.store.edit() as state:
            server = state.get("aptrepos") or {}
            removed += sweep_orphans(state["hosts"], self.hosts_dir, server.get("pid"))
            self._write_ssh_files(state)
        removed += self._release_shared()
        if removed:
            log(f"removed leftovers: {', '.join(removed)}")
        return removed

    def cleanup_hosts(self, names: Iterable[str]) -> list[str]:
        """Remove what is left of the named hosts (process, mounts, namespace, veths, directory) when their
        owner is gone or they have no record; a named host that still runs is kept and reported."""
        report: list[str] = []
        hosts = self.store.read()["hosts"]
        for name in names:
            if not NAME_RE.match(name):
                raise SandboxError(f"host name {name!r} must match {NAME_RE.pattern}")
            rec = None
            if name in hosts:
                rec = self._claim(name, stale_only=True)
                if rec is None:
                    report.append(f"kept {name}: it runs (stop it with `down {name}`)")
                    continue
            self._teardown(name, rec or {})
            report.append(f"host {name}")
        return report + self._release_shared()

    # ---- helpers used by Host ----

    def root_exec(
        self, host: Host, cmd: str, *, input: str | None = None, timeout: float = 120, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run `cmd` as root in the host's namespaces with nsenter (no SSH involved)."""
        pid = nspawn.leader(host.pid)
        if pid is None:
            raise SandboxError(f"{host.name}: no init process found below nspawn pid {host.pid}")
        argv = ["nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "--", "/bin/sh", "-c", cmd]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
        stdin = None if input is not None else subprocess.DEVNULL
        proc = subprocess.run(
            argv, input=input, text=True, capture_output=True, timeout=timeout, env=env, stdin=stdin
        )
        if check and proc.returncode != 0:
            raise SandboxError(
                f"{host.name}: `{cmd}` exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"
            )
        return proc

    def regenerate_host_key(self, name: str, trust: bool = False) -> Host:
        """New SSH host keys for `name`, sshd restarted; known_hosts updated only when `trust`."""
        host = self.get(name)
        key = rootfs.generate_host_keys(Path(host.root))
        self.root_exec(host, "systemctl restart ssh", check=True)
        if trust:
            with self.store.edit() as state:
                state["hosts"][name]["host_public_key"] = key
                self._write_ssh_files(state)
        return Host.from_dict({**host.to_dict(), "host_public_key": key}, sandbox=self)

    def set_network(self, name: str, up: bool) -> None:
        """Bring every machine-side veth of `name` up or down."""
        for veth in self.get(name).veths:
            network.set_link(veth, up)

    def reboot(self, name: str, timeout: float | None = None) -> Host:
        """Reset the host as a power cut would (no clean shutdown) and boot it again on the same root."""
        host = self.get(name)
        if alive(host.pid):
            # Both reboot(2) at once, without stopping anything first.
            self.root_exec(
                host, "systemctl reboot -ff" if host.init == "systemd" else "reboot -f", timeout=30
            )
            deadline = time.monotonic() + 30
            while alive(host.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            nspawn.stop(host.pid)
        host_dir = self.hosts_dir / name
        netns = f"/run/netns/{network.netns_name(name)}"
        data, console = host_dir / "docker-data", host_dir / "console.log"
        pid = nspawn.spawn(name, host_dir / "root", netns, data, console, host.init)
        with self.store.edit() as state:
            state["hosts"][name]["pid"] = pid
        host = self.get(name)
        wait_ready(host, timeout or self.boot_timeout, host_dir / "console.log", self.root_exec)
        return host

    # ---- internals ----

    def _start(self, spec: HostRequest, timeout: float) -> Host:
        self._validate(spec)
        img = self.ensure_image(spec.variant, spec.release, spec.init)
        started = time.monotonic()
        name = self._reserve(spec)
        with self._lock:
            self._started.add(name)
        try:
            host = self._boot(name, spec, img)
            wait_ready(host, timeout, self.hosts_dir / name / "console.log", self.root_exec)
        except BaseException:
            self.stop(name)
            raise
        with self.store.edit() as state:
            state["hosts"][name]["status"] = "up"
            if not self.owned:
                state["hosts"][name]["owner"] = None  # detached: stays up after this process exits
            self._write_ssh_files(state)
        log(f"{name} up at {host.address} in {time.monotonic() - started:.1f} s")
        return self.get(name)

    def _validate(self, spec: HostRequest) -> None:
        if spec.name is not None and not NAME_RE.match(spec.name):
            raise SandboxError(f"host name {spec.name!r} must match {NAME_RE.pattern}")
        if spec.variant not in image.VARIANTS:
            raise SandboxError(
                f"unknown variant {spec.variant!r}; expected one of {', '.join(image.VARIANTS)}"
            )
        if spec.release not in image.RELEASES:
            raise SandboxError(
                f"unknown release {spec.release!r}; expected one of {', '.join(image.RELEASES)}"
            )
        if spec.init not in image.INITS:
            raise SandboxError(f"unknown init {spec.init!r}; expected one of {', '.join(image.INITS)}")
        if spec.login not in LOGINS:
            raise SandboxError(f"unknown login {spec.login!r}; expected one of {', '.join(LOGINS)}")
        if spec.password and spec.login != "sudo":
            raise SandboxError(f"login {spec.login!r} takes no sudo password (only login 'sudo' does)")
        if not spec.networks or len(set(spec.networks)) != len(spec.networks):
            raise SandboxError(f"networks must be distinct and non-empty, got {spec.networks!r}")
        for n in spec.networks:
            network.network(n)

    def _reserve(self, spec: HostRequest) -> str:
        """Pick a free slot (address) and record the host as starting, so a crash leaves a trace."""
        with self.store.edit() as state:
            used = {r["slot"] for r in state["hosts"].values()}
            slot = next((s for s in network.SLOTS if s not in used), None)
            if slot is None:
                raise SandboxError("no free address left on the test networks")
            name = spec.name or f"h{slot}"
            if name in state["hosts"]:
                raise SandboxError(f"a test host named {name!r} exists ({state['hosts'][name]['status']})")
            limits.ensure_inotify_instances(len(state["hosts"]) + 1)
            addresses = {n: network.network(n).address(slot) for n in spec.networks}
            state["hosts"][name] = {
                "name": name,
                "status": "starting",
                "owner": me(),
                "slot": slot,
                "variant": spec.variant,
                "release": spec.release,
                "init": spec.init,
                "login": spec.login,
                "networks": list(spec.networks),
                "addresses": addresses,
                "address": addresses[spec.networks[0]],
                "veths": [network.veth_name(slot, i) for i in range(len(spec.networks))],
                "port": 22,
                "root": str(self.hosts_dir / name / "root"),
                "key_path": str(self.key_path),
                "ssh_config": str(self.ssh_config),
                "known_hosts": str(self.known_hosts),
                "user": "root",
                "password": None,
                "host_public_key": "",
                "pid": 0,
                "jump": None,
            }
        return name

    def _boot(self, name: str, spec: HostRequest, img: image.Image) -> Host:
        host_dir = self.hosts_dir / name
        remove_tree(host_dir)
        root = host_dir / "root"
        mount_overlay(img.rootfs, host_dir / "upper", host_dir / "work", root)
        rootfs.set_identity(root, name)
        host_key = rootfs.generate_host_keys(root)
        password = spec.password
        if spec.login == "sudo" and not password:
            password = secrets.token_urlsafe(12)
        public_key = self.key_path.with_name(self.key_path.name + ".pub").read_text()
        user = rootfs.install_login(root, spec.login, public_key, password)
        with_repo = spec.variant == "base" and "public" in spec.networks
        rootfs.point_apt_at(root, self.apt_source(spec.release, spec.init) if with_repo else None)
        if with_repo:
            self._ensure_apt_server(spec.release, spec.init)
        slot = self.store.read()["hosts"][name]["slot"]
        network.create_host_network(name, slot, spec.networks)
        netns = f"/run/netns/{network.netns_name(name)}"
        pid = nspawn.spawn(name, root, netns, host_dir / "docker-data", host_dir / "console.log", spec.init)
        with self.store.edit() as state:
            rec = state["hosts"][name]
            rec.update(pid=pid, user=user, password=password, host_public_key=host_key, status="booting")
            self._write_ssh_files(state)
        return Host.from_dict(rec, sandbox=self)

    def _ensure_apt_server(self, release: str, init: str) -> None:
        """Serve `<state>/aptrepos` (one link per release and init) on the bridge, linking this one."""
        repo = self.apt_repo_dir(release, init)
        serve_root = self.state_dir / "aptrepos"
        address = _public_address()
        network.ensure_bridge(network.NETWORKS["public"])
        with self.store.edit() as state:
            aptrepo.link_repo(serve_root, _repo_name(release, init), repo)
            server = state.get("aptrepos") or {}
            running = bool(server.get("pid")) and aptrepo.is_server(server["pid"], address)
            if running and server.get("repo") == str(serve_root):
                return
            if running:
                aptrepo.stop_server(server["pid"])
            pid = aptrepo.start_server(serve_root, address, self.apt_port, self.state_dir / "aptrepo.log")
            state["aptrepos"] = {
                "pid": pid,
                "address": address,
                "port": self.apt_port,
                "repo": str(serve_root),
            }

    def _release_shared(self) -> list[str]:
        """With no host recorded: stop the repository server, remove bridges and route (under the lock,
        so a host being reserved by another process keeps them)."""
        removed: list[str] = []
        with self.store.edit() as state:
            if state["hosts"]:
                return removed
            server = state.get("aptrepos") or {}
            if server.get("pid") and aptrepo.is_server(server["pid"], server["address"]):
                aptrepo.stop_server(server["pid"])
                removed.append(f"apt repository server pid {server['pid']}")
            state["aptrepos"] = None
            removed += network.remove_bridges()
        return removed

    def _claim(self, name: str, stale_only: bool) -> dict[str, Any] | None:
        """Mark `name` as being stopped by this process and return its record as it was (None: nothing
        to claim). A host that its live owner is stopping has no nspawn left but is not stale: the mark
        keeps a concurrent `cleanup_leftovers` of another process from tearing it down at the same time;
        if this process dies half-way, the dead owner makes the record stale again."""
        with self.store.edit() as state:
            rec = state["hosts"].get(name)
            if rec is None or (stale_only and not is_stale(rec, self.hosts_dir)):
                return None
            before = dict(rec)
            rec.update(status="stopping", owner=me())
            return before

    def _teardown(self, name: str, rec: dict[str, Any]) -> None:
        host_dir = self.hosts_dir / name
        pid = rec.get("pid") or 0
        if pid and nspawn.is_ours(pid, self.hosts_dir) and not nspawn.stop(pid):
            log(f"{name}: nspawn pid {pid} ignored SIGTERM; killed")
        for leftover in nspawn.find_ours(host_dir):
            nspawn.stop(leftover)
        network.destroy_host_network(name, list(rec.get("veths", [])))
        remove_tree(host_dir)
        with self.store.edit() as state:
            state["hosts"].pop(name, None)
            self._write_ssh_files(state)

    def _write_ssh_files(self, state: State) -> None:
        """Rewrite ssh_config and known_hosts from the state (called with the state lock held)."""
        hosts = state["hosts"]
        for name, rec in hosts.items():
            rec["jump"] = None if "public" in rec["networks"] else _jump_for(name, rec, hosts)
        config, known = render(hosts, self.key_path, self.known_hosts)
        write_atomic(self.ssh_config, config)
        write_atomic(self.known_hosts, known)

    def _stop_started(self) -> None:
        with self._lock:
            names = sorted(self._started)
        if names:
            log(f"stopping hosts left running at exit: {' '.join(names)}")
            self.stop_many(names)
        self._release_shared()


def _public_address() -> str:
    address = network.NETWORKS["public"].machine_address
    if address is None:
        raise SandboxError("the public network has no machine address")
    return address


def _repo_name(release: str, init: str) -> str:
    """The served name of a repository: the release, plus the init system when it is not systemd."""
    return release if init == image.DEFAULT_INIT else f"{release}-{init}"


def _jump_for(name: str, rec: dict[str, Any], hosts: dict[str, Any]) -> str | None:
    """A host on the public network and on `rec`'s first network, to reach `rec` through."""
    for other, o in sorted(hosts.items()):
        reaches = "public" in o["networks"] and rec["networks"][0] in o["networks"]
        if other != name and reaches and o.get("status") in ("booting", "up"):
            return str(other)
    return None
