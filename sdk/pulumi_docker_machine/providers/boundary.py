"""Where provider calls meet the engine: check results in one form, and our errors as one clean line.

Pulumi's dynamic provider server (`pulumi/dynamic/__main__.py`) wraps every call in
`_abort_with_traceback`, which answers any exception with `traceback.format_exc()` as the gRPC error
text: the CLI then prints `error: Traceback (most recent call last): ...` with our message on the last
line. `reports_errors` answers the call itself instead, for the errors we anticipate: it sets the
status and our message on the call's gRPC context and returns a placeholder result, which the engine
discards because the status is an error. Any other exception passes through with its traceback (that
is a bug report). Outside the server (unit tests) there is no context and the error is raised as is.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any, ClassVar, TypeVar

import grpc
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..errors import DockerMachineError, ValidationError
from ..spec.reader import SpecReader

Method = TypeVar("Method", bound=Callable[..., Any])

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?(-----END \1-----|$)", re.DOTALL)
# `key_pem`: the old name of private keys, still in state written before the renames (CHANGELOG.md).
_SECRET_KEY = re.compile(r"password|private_?key|key_pem|privateKey", re.IGNORECASE)
_PLACEHOLDERS: dict[str, Callable[[tuple[Any, ...]], Any]] = {
    "check": lambda args: CheckResult(dict(args[1]), []),
    "diff": lambda args: DiffResult(),
    "create": lambda args: CreateResult("", {}),
    "update": lambda args: UpdateResult({}),
    "read": lambda args: ReadResult(args[0], {}),
    "delete": lambda args: None,
}


def check_result(inputs: dict[str, Any], errors: Iterable[ValidationError]) -> CheckResult:
    """The engine's answer to `check`: normalised inputs, one failure per problem, `path: reason`.

    The failure's `property` stays empty: for a property the engine prints `property NAME value
    {VALUE} has a problem`, with the program's whole top-level input as VALUE, secrets unmasked
    (`{&{{...}}}`) and PEMs included. The field path leads the reason instead.
    """
    return CheckResult(inputs, [CheckFailure("", str(error)) for error in errors])


def reports_errors(method: Method) -> Method:
    """Decorate a provider method so that a DockerMachineError reaches the CLI as its message alone."""

    @functools.wraps(method)
    def call(self: Any, *args: Any) -> Any:
        try:
            return method(self, *args)
        except DockerMachineError as exc:
            context = _servicer_context()
            if context is None:
                raise
            context.set_code(grpc.StatusCode.UNKNOWN)
            context.set_details(redact(str(exc), _secret_values(args)))
            return _PLACEHOLDERS[method.__name__](args)

    return call  # type: ignore[return-value]


def _servicer_context() -> grpc.ServicerContext | None:
    """The gRPC context of the call being served: a local of the server's method that called us (Pulumi's
    dynamic provider server, a `grpc.ServicerContext`; or the component package's asyncio server, whose
    context has the same two setters but no common base class)."""
    frame: FrameType | None = sys._getframe(2)
    for _ in range(3):
        if frame is None:
            break
        context = frame.f_locals.get("context")
        if isinstance(context, grpc.ServicerContext) or all(
            callable(getattr(context, name, None)) for name in ("set_code", "set_details")
        ):
            return context
        frame = frame.f_back
    return None


def redact(message: str, secrets: Iterable[str]) -> str:
    """`message` without PEM blocks and without any of the `secrets`."""
    message = _PEM.sub(lambda match: f"[{match.group(1)} PEM]", message)
    for secret in sorted(set(secrets), key=len, reverse=True):
        message = message.replace(secret, "[secret]")
    return message


def _secret_values(value: Any, secret: bool = False) -> list[str]:
    """Every string under a key that names a credential, at any depth of the call's arguments."""
    if isinstance(value, str):
        return [value] if secret and len(value) >= 4 else []
    if isinstance(value, Mapping):
        return [
            found
            for key, item in value.items()
            for found in _secret_values(item, secret or bool(_SECRET_KEY.search(str(key))))
        ]
    if isinstance(value, list | tuple):
        return [found for item in value for found in _secret_values(item, secret)]
    return []


class SpecProvider(ResourceProvider):
    """A dynamic provider whose `check` is its spec's: normalised inputs and every problem."""

    SPEC: ClassVar[type[SpecReader]]

    @reports_errors
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_result(*self.SPEC.check(news))
