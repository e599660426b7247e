"""One way to read engine inputs into a spec: defaults filled in, every error collected, fields named.

A spec dataclass declares its fields (with `meta(...)` for those that replace the resource or hold a
secret) and a `_read(reader)` that parses each one; `SpecReader` gives it `check` (normalised inputs
and every problem) and `from_inputs` (the typed spec). Nested specs read through `Reader.nested`, so
errors carry the whole path (`connection.proxy.port`).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, ClassVar, Self

from ..diff import is_unknown
from ..errors import ValidationError

REQUIRED: Any = object()
"""`default` of a field that must be given."""

Parser = Callable[[str, Any], Any]
"""Turns a raw value into a typed one, or raises ValidationError naming the field path it is given."""


def meta(*, replaces: bool = False, secret: bool = False) -> dict[str, bool]:
    """Field metadata: whether a change replaces the resource, whether the value is a secret."""
    return {"replaces": replaces, "secret": secret}


class Reader:
    """Reads one mapping of inputs field by field: fills defaults, collects every error, skips unknowns."""

    def __init__(
        self,
        inputs: Mapping[str, Any],
        prefix: str = "",
        errors: list[ValidationError] | None = None,
        checking: bool = False,
    ) -> None:
        self.checking = checking
        """Whether new inputs are checked (`check`): facts of the moment, such as expiry, count too.
        Not when state is read back for read and delete, which must work with expired certificates."""
        self.inputs = dict(inputs)
        self.values: dict[str, Any] = {}
        self.errors: list[ValidationError] = [] if errors is None else errors
        self.prefix = prefix
        self._first_error = len(self.errors)

    def path(self, field: str) -> str:
        """The full path of `field` (`connection.port`)."""
        return f"{self.prefix}.{field}" if self.prefix else field

    def given(self, field: str) -> bool:
        """Whether the input has a value (known or not)."""
        return self.inputs.get(field) is not None

    def known(self, *fields: str) -> bool:
        """Whether all `fields` were parsed without error (so cross-field checks may run)."""
        return all(field in self.values for field in fields)

    def fail(self, field: str, message: str) -> None:
        """Record a problem with `field`."""
        self.errors.append(ValidationError(self.path(field), message))

    def only(self, fields: Iterable[str]) -> None:
        """Refuse every input that is not one of `fields` (the engine's own `__provider` aside)."""
        allowed = set(fields)
        for name in sorted(set(self.inputs) - allowed):
            if self.inputs[name] is not None and not name.startswith("__"):
                self.fail(name, f"is not a known field (known: {', '.join(sorted(allowed))})")

    def read(self, field: str, parse: Parser, default: Any = REQUIRED) -> None:
        """Parse `field` into `values`, filling a `default` into the inputs; skip it while unknown."""
        raw = self.inputs.get(field)
        if raw is None:
            if default is REQUIRED:
                self.fail(field, "is required")
                return
            if default is None:
                self.values[field] = None
                return
            raw = self.inputs[field] = default
        if is_unknown(raw):
            return
        try:
            value = self.values[field] = parse(self.path(field), raw)
        except ValidationError as exc:
            self.errors.append(exc)
            return
        self.inputs[field] = plain(value)

    def nested(self, field: str, spec: type[SpecReader], default: Any = REQUIRED) -> None:
        """Read `field` as a mapping of `spec`'s inputs, its errors named `field.sub`; normalise it."""
        raw = self.inputs.get(field)
        if raw is None and default is not REQUIRED:
            if default is None:
                self.values[field] = None
                return
            raw = default
        if raw is None:
            self.fail(field, "is required")
            return
        if is_unknown(raw) and not isinstance(raw, Mapping):
            return
        if not isinstance(raw, Mapping):
            self.fail(field, f"must be an object of {spec.__name__.removesuffix('Spec').lower()} settings")
            return
        child = Reader(raw, self.path(field), self.errors, self.checking)
        built = spec.read(child)
        self.inputs[field] = child.inputs
        if built is not None:
            self.values[field] = built

    def build(self, spec: type[SpecReader]) -> Any:
        """`spec` of the values read, or None when one is unknown or this mapping had errors."""
        if len(self.errors) > self._first_error:
            return None
        names = [field.name for field in dataclasses.fields(spec)]  # type: ignore[arg-type]
        if not all(name in self.values for name in names):
            return None
        return spec(**{name: self.values[name] for name in names})


class SpecReader:
    """Mixin of the spec dataclasses: `check`, `from_inputs` and the field lists, all from `_read`."""

    renamed: ClassVar[Mapping[str, str]] = {}
    """Old input names still accepted for one release, each to its new name (see CHANGELOG.md)."""

    @classmethod
    def _read(cls, reader: Reader) -> None:
        raise NotImplementedError

    @classmethod
    def upgrade(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """`props` with every old name in `renamed` moved to its new name (programs and state written
        before the rename); a value under the new name wins."""
        upgraded = dict(props)
        for old, new in cls.renamed.items():
            if old in upgraded:
                value = upgraded.pop(old)
                if upgraded.get(new) is None:
                    upgraded[new] = value
        return upgraded

    @classmethod
    def named_like(cls, props: Mapping[str, Any], received: Mapping[str, Any]) -> dict[str, Any]:
        """`props` under the old names `received` used. A read returns state that way: the engine keeps
        a value secret on a refresh only under a name that held a secret before."""
        named = dict(props)
        for old, new in cls.renamed.items():
            if old in received and new not in received and new in named:
                named[old] = named.pop(new)
        return named

    @classmethod
    def read(cls, reader: Reader) -> Self | None:
        """Read every field (old names first moved to new ones); the spec when all are known and valid."""
        reader.inputs = cls.upgrade(reader.inputs)
        cls._read(reader)
        built: Self | None = reader.build(cls)
        return built

    @classmethod
    def check(cls, inputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[ValidationError]]:
        """The inputs with defaults filled in and values normalised, and every problem among them."""
        reader = Reader(inputs, checking=True)
        cls.read(reader)
        return reader.inputs, reader.errors

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Self:
        """The spec of fully known inputs; raises the first ValidationError."""
        reader = Reader(inputs)
        spec = cls.read(reader)
        if reader.errors:
            raise reader.errors[0]
        if spec is None:
            missing = [f.name for f in dataclasses.fields(cls) if f.name not in reader.values]  # type: ignore[arg-type]
            raise ValidationError(missing[0] if missing else cls.__name__, "is not known yet")
        return spec

    @classmethod
    def input_fields(cls) -> tuple[str, ...]:
        """Names of all input fields."""
        return tuple(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]

    @classmethod
    def replacing_fields(cls) -> tuple[str, ...]:
        """Field paths whose change replaces the resource (nested specs give `connection.host`)."""
        return tuple(_paths(cls, "replaces"))

    @classmethod
    def secret_fields(cls) -> tuple[str, ...]:
        """Field paths that hold secrets."""
        return tuple(_paths(cls, "secret"))


def plain(value: Any) -> Any:
    """`value` as the engine stores it: enums by value, tuples as lists, specs as mappings."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def _paths(spec: type, flag: str, prefix: str = "") -> list[str]:
    hints = typing.get_type_hints(spec)
    found = []
    for field in dataclasses.fields(spec):
        path = prefix + field.name
        if field.metadata.get(flag):
            found.append(path)
        kind = hints[field.name]
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            found += _paths(kind, flag, path + ".")
    return found
