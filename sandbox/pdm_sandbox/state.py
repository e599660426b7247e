"""The sandbox's persisted state (which hosts are up and how to reach them) as JSON, edited under a lock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .locks import file_lock
from .shell import write_atomic

State = dict[str, Any]


def _empty() -> State:
    return {"version": 1, "hosts": {}, "aptrepos": None}


class StateStore:
    """`state.json` in the state directory; `edit()` is the only writer, so processes and threads agree."""

    def __init__(self, root: Path) -> None:
        self.path = root / "state.json"
        self.lock_path = root / "state.lock"

    def read(self) -> State:
        """A snapshot of the state (an empty state when the file is missing or unreadable)."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return _empty()
        return data if isinstance(data, dict) and data.get("version") == 1 else _empty()

    @contextmanager
    def edit(self) -> Iterator[State]:
        """Lock, load, let the block change the dict, then write it back atomically."""
        with file_lock(self.lock_path):
            state = self.read()
            yield state
            write_atomic(self.path, json.dumps(state, indent=2, sort_keys=True) + "\n")
