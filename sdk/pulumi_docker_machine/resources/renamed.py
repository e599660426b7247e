"""Old argument names, accepted for one release: moved to the new name with a warning."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi

Args = TypeVar("Args", bound=type)


def deprecated(owner: str, old: str, new: str) -> None:
    """Warn in `pulumi preview`/`up` that `old` is now `new`."""
    pulumi.log.warn(f"{owner}: `{old}` is renamed `{new}`; the old name is accepted until the next release")


def accept_old_names(renamed: Mapping[str, str]) -> Callable[[Args], Args]:
    """Let an args dataclass take each old keyword of `renamed` (old -> new) as its new one."""

    def decorate(cls: Args) -> Args:
        init = cls.__init__  # type: ignore[misc]

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            for old, new in renamed.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{cls.__name__}: give {new} only ({old} is its old name)")
                    deprecated(cls.__name__, old, new)
                    kwargs[new] = kwargs.pop(old)
            init(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[misc]
        return cls

    return decorate
