"""Named points in DockerHost's lifecycle where the end-to-end tests inject faults.

Off unless `PULUMI_DOCKER_MACHINE_BREAK=STEP:DIR` is set (tests only): at STEP the provider writes
`DIR/STEP` (its pid) and waits until the test removes that file, having meanwhile killed `pulumi`,
dropped the network, rebooted the host or killed dockerd. Nothing else reads the variable. The
steps: `probed` (after the probe), `started` (the agent was started), `waiting` (it waits for the
confirmation), `checked` (after the client-side TLS check, before confirming), `confirmed`.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path


def _engine_address() -> tuple[str, int] | None:
    """The engine's gRPC address: the first argument pulumi starts a provider plugin with."""
    for arg in sys.argv[1:]:
        host, sep, port = arg.rpartition(":")
        if sep and port.isdigit() and host in ("127.0.0.1", "localhost", "::1", "[::1]"):
            return host.strip("[]"), int(port)
    return None


_ENGINE = _engine_address()


def engine_address() -> tuple[str, int] | None:
    """The engine's gRPC address, when this process is a provider pulumi started."""
    return _ENGINE


def pause(step: str) -> None:
    """Wait here while a test holds the breakpoint `step`."""
    setting = os.environ.get("PULUMI_DOCKER_MACHINE_BREAK", "")
    wanted, _, directory = setting.partition(":")
    if wanted != step or not directory:
        return
    marker = Path(directory) / step
    marker.write_text(str(os.getpid()))
    while marker.exists():
        time.sleep(0.05)


def engine_alive() -> bool:
    """Whether the `pulumi` engine that started this provider still answers (True outside pulumi).

    A killed `pulumi` leaves its provider running (its parent is the plugin's shell wrapper, which
    outlives it); the engine's port, though, is gone.
    """
    if _ENGINE is None:
        return True
    try:
        socket.create_connection(_ENGINE, timeout=2).close()
    except OSError:
        return False
    return True
