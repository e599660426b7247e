"""Run a function over items in plain threads (usable from atexit, unlike concurrent.futures)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], items: Iterable[T]) -> list[R | BaseException]:
    """Call `fn(item)` for every item at once; return results and raised exceptions, in item order."""
    todo = list(items)
    results: list[R | BaseException] = [RuntimeError("not run")] * len(todo)

    def work(index: int, item: T) -> None:
        try:
            results[index] = fn(item)
        except BaseException as exc:  # handed back to the caller
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i, item), daemon=True) for i, item in enumerate(todo)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
