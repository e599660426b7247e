"""Fixtures for the end-to-end tier: real stacks with the real pulumi CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .pulumi_cli import Stack


@pytest.fixture
def pulumi_stack(tmp_path: Path) -> Callable[..., Stack]:
    """Factory: `pulumi_stack(program, name="t", env=None)` -> a fresh Stack with its own dir and backend.

    Everything a stack keeps (backend, client files, docker config) lives under the test's tmp_path,
    and its hosts are thrown away after the test, so there is nothing to destroy afterwards; tests of
    `pulumi destroy` call it themselves.
    """
    made: list[Stack] = []

    def make(
        program: str, name: str = "t", env: dict[str, str] | None = None, refresh_always: bool = False
    ) -> Stack:
        stack = Stack(
            tmp_path / f"{name}-{len(made)}", program, name=name, env=env, refresh_always=refresh_always
        )
        made.append(stack)
        return stack

    return make
