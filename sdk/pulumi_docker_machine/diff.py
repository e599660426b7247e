"""Pure helpers for provider diffs: unknown preview values and field-by-field comparison."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_PLACEHOLDER


def is_unknown(value: Any) -> bool:
    """Whether `value` is, or contains, a value the engine only knows after apply (preview placeholder)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN_PLACEHOLDER
    if isinstance(value, Mapping):
        return any(is_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(item) for item in value)
    return False


def changed_fields(olds: Mapping[str, Any], news: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """The `fields` whose new value differs from the old one; an unknown new value counts as changed."""
    return [field for field in fields if is_unknown(news.get(field)) or olds.get(field) != news.get(field)]
