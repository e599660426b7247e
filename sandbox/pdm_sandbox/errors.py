"""Errors of the test-host sandbox."""

from __future__ import annotations


class SandboxError(Exception):
    """A sandbox step (image build, network, host start or stop) failed."""


class HostBootError(SandboxError):
    """A host did not become ready in time; the message ends with its console log tail."""

    def __init__(self, name: str, message: str, console_tail: str) -> None:
        self.name, self.console_tail = name, console_tail
        super().__init__(f"{name}: {message}\n--- console log (tail) ---\n{console_tail}")
