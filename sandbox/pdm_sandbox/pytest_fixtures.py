"""Pytest fixtures for real test hosts.

Register with `pytest_plugins = ["pdm_sandbox.pytest_fixtures"]`, then:

    def test_something(test_hosts):
        web1, web2 = test_hosts(2, variant="docker")
        admin = test_hosts.one(variant="base", login="sudo")
        old = test_hosts.one(release="bullseye")
        sysv = test_hosts.one(init="sysvinit")

When the sandbox cannot start here (not root, no systemd-nspawn) the tests that need it FAIL, so a green run
means they ran; a contributor without root may set PDM_ALLOW_SKIP=1 to skip them instead (refused where
CI is set).
Sessions running at the same time share the networks and keep off each other's hosts.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
from collections.abc import Iterator, Sequence
from types import FrameType

import pytest

from .host import Host
from .image import DEFAULT_INIT, DEFAULT_RELEASE
from .sandbox import HostRequest, Sandbox


def sandbox_unavailable_reason() -> str | None:
    """Why real hosts cannot run here, or None."""
    if os.geteuid() != 0:
        return "test hosts need root (mounts, network namespaces, systemd-nspawn)"
    if shutil.which("systemd-nspawn") is None:
        return "systemd-nspawn is missing (apt-get install systemd-container)"
    return None


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The session's Sandbox: sweeps leftovers of earlier runs first; at the end stops every host this
    session started, then the bridges and apt server if no host (e.g. of a CLI `up`) is left.
    SIGTERM is turned into KeyboardInterrupt so this teardown runs."""
    reason = sandbox_unavailable_reason()
    if reason and os.environ.get("PDM_ALLOW_SKIP") == "1" and not os.environ.get("CI"):
        pytest.skip(f"{reason} (skipped because PDM_ALLOW_SKIP=1)")
    if reason:
        pytest.fail(f"{reason}; set PDM_ALLOW_SKIP=1 to skip the tests that need test hosts", pytrace=False)
    sb = Sandbox(stop_at_exit=True)
    sb.cleanup_leftovers()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield sb
    finally:
        sb.down(owned_only=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class HostFactory:
    """Starts hosts for one test and stops them when it ends: `factory(2)`, `factory.one(login="sudo")`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.hosts: list[Host] = []

    def __call__(
        self,
        count: int = 1,
        variant: str = "docker",
        login: str = "root",
        networks: Sequence[str] = ("public",),
        names: Sequence[str] | None = None,
        password: str | None = None,
        release: str = DEFAULT_RELEASE,
        init: str = DEFAULT_INIT,
    ) -> list[Host]:
        """Start `count` hosts of `release` with `init` as PID 1 in parallel (named `names`, else after their
        address)."""
        picked: Sequence[str | None] = list(names) if names is not None else [None] * count
        specs = [HostRequest(n, variant, login, tuple(networks), password, release, init) for n in picked]
        hosts = self.sandbox.start_many(specs)
        self.hosts += hosts
        return hosts

    def one(
        self,
        name: str | None = None,
        variant: str = "docker",
        login: str = "root",
        networks: Sequence[str] = ("public",),
        password: str | None = None,
        release: str = DEFAULT_RELEASE,
        init: str = DEFAULT_INIT,
    ) -> Host:
        """Start one host."""
        names = [name] if name else None
        return self(1, variant, login, networks, names, password, release, init)[0]

    def close(self) -> None:
        """Stop every host this factory started (those still up)."""
        running = {h.name for h in self.sandbox.ls()}
        self.sandbox.stop_many(h.name for h in self.hosts if h.name in running)
        self.hosts.clear()


@pytest.fixture
def test_hosts(sandbox: Sandbox) -> Iterator[HostFactory]:
    """A factory of hosts for this test; all of them are stopped when the test ends, pass or fail."""
    factory = HostFactory(sandbox)
    try:
        yield factory
    finally:
        factory.close()
