"""Fixtures for the end-to-end tier: real stacks with the real pulumi CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .pulumi_cli import Stack


@pytest.fixture
def pulumi_stack(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """Factory: `pulumi_stack(program, name="t", env=None)` -> a fresh Stack with its own dir and backend.

    Stacks still holding resources are destroyed at the end of the test.
    """
    made: list[Stack] = []

    def make(program: str, name: str = "t", env: dict[str, str] | None = None) -> Stack:
        stack = Stack(tmp_path / f"{name}-{len(made)}", program, name=name, env=env)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        if stack.export()["deployment"].get("resources"):
            stack.destroy()
