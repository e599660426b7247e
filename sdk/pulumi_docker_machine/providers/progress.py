"""Progress of a provider call through the engine's log, scoped to the resource: `pulumi up` shows
"installing Docker (packages)" or "checking TLS on 10.0.0.5:2376" on the resource's line.

A dynamic provider has no resource context of its own: the resource's URN comes from the request the
provider's gRPC server is answering (a local of its method, found on the stack as `boundary` finds the
call's context), and the engine's address from the arguments pulumi started the provider with. Best
effort: outside the engine, or once it is gone (a killed `pulumi`), messages go nowhere.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from types import FrameType

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from ..faultpoints import engine_address
from ..lifecycle import Progress, quiet

TIMEOUT = 2.0
"""Seconds one message may take to reach the engine (it answers in about a millisecond)."""


@contextlib.contextmanager
def to_engine(warning: bool = False) -> Iterator[Progress]:
    """A progress sink for the provider call being served: each message an ephemeral info line of
    its resource (the status column of `pulumi up`); with `warning`, a warning that stays in the output."""
    urn, address = _request_urn(), engine_address()
    if not urn or address is None:
        yield quiet
        return
    with grpc.insecure_channel(f"{address[0]}:{address[1]}") as channel:
        stub = engine_pb2_grpc.EngineStub(channel)

        def report(message: str) -> None:
            request = engine_pb2.LogRequest(
                severity=engine_pb2.WARNING if warning else engine_pb2.INFO,
                message=message,
                urn=urn,
                ephemeral=not warning,
            )
            with contextlib.suppress(grpc.RpcError):
                stub.Log(request, timeout=TIMEOUT)

        yield report


def _request_urn() -> str:
    """The URN of the resource whose create, update or delete this thread is serving ("" outside)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        urn = getattr(frame.f_locals.get("request"), "urn", None)
        if isinstance(urn, str) and urn:
            return urn
        frame = frame.f_back
    return ""
