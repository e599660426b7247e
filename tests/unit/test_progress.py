"""Provider progress to the engine's Log RPC: scoped to the served request's URN, harmless without one."""

from __future__ import annotations

import socket
from concurrent import futures
from types import SimpleNamespace

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from pulumi_docker_machine.providers import progress

pytestmark = pytest.mark.unit

URN = "urn:pulumi:dev::p::pulumi-python:dynamic/docker-machine:DockerHost::web"


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[engine_pb2.LogRequest] = []

    def Log(self, request, context):
        self.logs.append(request)
        return empty_pb2.Empty()


@pytest.fixture
def engine(monkeypatch):
    servicer = _Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    engine_pb2_grpc.add_EngineServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    monkeypatch.setattr(progress, "engine_address", lambda: ("127.0.0.1", port))
    yield servicer
    server.stop(0)


def _serve(request, call):
    """Stand-in for the dynamic provider server's method: `request` is one of its locals."""
    return call()


def _report(*messages: str) -> None:
    with progress.to_engine() as report:
        for message in messages:
            report(message)


def test_messages_go_to_the_resource_of_the_request(engine):
    _serve(SimpleNamespace(urn=URN), lambda: _report("installing Docker (packages)", "confirming the change"))
    assert [(log.urn, log.message, log.severity, log.ephemeral) for log in engine.logs] == [
        (URN, "installing Docker (packages)", engine_pb2.INFO, True),
        (URN, "confirming the change", engine_pb2.INFO, True),
    ]


def test_no_request_no_message(engine):
    _report("checking TLS on 10.0.0.5:2376")
    assert engine.logs == []


def test_a_warning_stays_in_the_output(engine):
    def warn() -> None:
        with progress.to_engine(warning=True) as report:
            report("left as it is")

    _serve(SimpleNamespace(urn=URN), warn)
    assert [(log.message, log.severity, log.ephemeral) for log in engine.logs] == [
        ("left as it is", engine_pb2.WARNING, False)
    ]


def test_an_engine_that_is_gone_is_not_an_error(monkeypatch):
    """The message is tried, the engine's absence is an RPC error, and that error stays inside."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(progress, "engine_address", lambda: ("127.0.0.1", port))
    failures: list[grpc.StatusCode] = []
    real_stub = engine_pb2_grpc.EngineStub

    class WatchedStub:
        def __init__(self, channel):
            self.stub = real_stub(channel)

        def Log(self, request, timeout):
            try:
                return self.stub.Log(request, timeout=timeout)
            except grpc.RpcError as exc:
                failures.append(exc.code())
                raise

    monkeypatch.setattr(engine_pb2_grpc, "EngineStub", WatchedStub)
    assert _serve(SimpleNamespace(urn=URN), lambda: _report("restarting docker") or "went on") == "went on"
    assert failures == [grpc.StatusCode.UNAVAILABLE]
