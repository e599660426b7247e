"""The component package's plugin: one gRPC server that constructs the components (Pulumi's schema
inference over `components.py`) and serves the custom resources they create (`resources/served.py`)
with this package's own providers, so no other Python process is involved.

The engine starts it through the Python language host, in the virtualenv that a `PulumiPlugin.yaml`
names (`write_plugin` makes such a folder). Pulumi YAML and TypeScript programs name that folder under
`packages:` (or `pulumi package add` it)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import proto, rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from .. import __version__
from ..errors import ValidationError
from ..providers.certs import CertificateAuthorityProvider, ClientCertProvider, ServerCertProvider
from ..providers.client import ClientConfigProvider
from ..providers.dockerhost import DaemonConfigProvider, DockerHostProvider
from ..providers.swarm import SwarmProvider
from ..resources.served import HOSTED_MODULE, PACKAGE, serve_here
from . import components

SECRET_PROPERTIES = frozenset(
    {"password", "privateKey", "privateKeyPassword", "sudoPassword", "caPrivateKeyPem", "privateKeyPem"}
    | {"existingPrivateKeyPem", "installScriptUrl"}
)
"""Schema properties marked secret, in inputs and outputs: every SDK then wraps them as secrets."""

PROVIDERS: dict[str, Callable[[], ResourceProvider]] = {
    "CertificateAuthority": CertificateAuthorityProvider,
    "ServerCert": ServerCertProvider,
    "ClientCert": ClientCertProvider,
    "DaemonConfig": DaemonConfigProvider,
    "DockerHost": DockerHostProvider,
    "ClientConfig": ClientConfigProvider,
    "Swarm": SwarmProvider,
}
"""The provider of each `docker-machine:hosted:<Name>` resource."""


def package_schema() -> ComponentProvider:
    """The component provider of the package, its schema completed: inherited outputs' descriptions,
    the secret properties marked."""
    provider = ComponentProvider(list(components.COMPONENTS), PACKAGE, version=__version__)
    schema = json.loads(provider.schema or "{}")
    schema["description"] = (
        "TLS-secured Docker engines on plain Linux hosts: Docker Machine's generic driver."
    )
    docs = Analyzer(PACKAGE)  # it reads a component's own docstrings: add those of its outputs' bases
    for component in components.COMPONENTS:
        properties = schema["resources"][f"{PACKAGE}:index:{component.__name__}"]["properties"]
        for base in component.__mro__[1:]:
            for name in inspect.get_annotations(base):
                prop = properties.get(camel_case(name))
                if prop is not None and not prop.get("description"):
                    prop["description"] = docs.get_docstring(base, name)
    for section in ("resources", "types"):
        for spec in schema.get(section, {}).values():
            for group in ("inputProperties", "properties"):
                for name, prop in spec.get(group, {}).items():
                    if name in SECRET_PROPERTIES:
                        prop["secret"] = True
    provider.schema = json.dumps(schema)
    return provider


def _plain(value: Any) -> tuple[Any, bool]:
    """`value` without secret markers, and whether it held a secret."""
    if rpc.is_rpc_secret(value):
        return _plain(rpc.unwrap_rpc_secret(value))[0], True
    if isinstance(value, dict):
        pairs = {k: _plain(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_plain(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


class _Props:
    """A request's properties as our providers take them, remembering which top-level ones were secret."""

    def __init__(self, struct: Any, keep_unknowns: bool = False) -> None:
        raw = rpc.deserialize_properties(struct, keep_unknowns) or {}
        pairs = {k: _plain(v) for k, v in raw.items()}
        self.values: dict[str, Any] = {k: v for k, (v, _) in pairs.items()}
        self.secret = {k for k, (_, s) in pairs.items() if s}

    def marked(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` with the keys that were secret in this request marked secret again."""
        return {k: rpc.wrap_rpc_secret(v) if k in self.secret else v for k, v in values.items()}


_FIELD_PATH = re.compile(r"^[a-z][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z][a-z0-9_]*(?:\[\d+\])?)*(?=: )")


def schema_path(path: str) -> str:
    """A field path in the schema's names, those a YAML or TypeScript program wrote:
    `connection.private_key` -> `connection.privateKey`."""
    return ".".join(map(camel_case, path.split(".")))


def schema_names(message: str) -> str:
    """A message that starts with a field path (`connection.private_key: ...`), in the schema's names."""
    return _FIELD_PATH.sub(lambda path: schema_path(path.group(0)), message)


async def _struct(values: dict[str, Any]) -> Any:
    return await rpc.serialize_properties(values, {})


def _provider(urn: str) -> ResourceProvider:
    """The provider of a hosted resource, from the type in its URN."""
    token = urn.split("::")[-2].split("$")[-1]
    package, module, name = token.split(":")
    if (package, module) != (PACKAGE, HOSTED_MODULE) or name not in PROVIDERS:
        raise ValueError(f"{token} is not a resource this plugin serves")
    return PROVIDERS[name]()


class PackageServicer(ProviderServicer):
    """Construct and the schema (Pulumi's component server), and the CRUD of the hosted resources.

    A provider call runs in a thread with the call's gRPC context as a local named `context`, where
    `providers/boundary.py` finds it to answer our errors as one clean line."""

    async def _construct(self, request: Any, context: Any) -> Any:
        try:
            return await super()._construct(request, context)
        except ComponentInitError as exc:  # ours: one line naming the field, as at a Python preview
            if isinstance(exc.inner, ValidationError):
                raise InputPropertyError(schema_path(exc.inner.field), exc.inner.reason) from None
            raise

    async def Configure(self, request: Any, context: Any) -> Any:
        return proto.ConfigureResponse(acceptSecrets=True, acceptResources=True, acceptOutputs=True)

    @staticmethod
    def _call(method: Callable[..., Any], context: Any, *args: Any) -> Any:
        return method(*args)

    async def _run(self, context: Any, method: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(self._call, method, context, *args)

    async def Check(self, request: Any, context: Any) -> Any:
        olds, news = _Props(request.olds, True), _Props(request.news, True)
        result = await self._run(context, _provider(request.urn).check, olds.values, news.values)
        failures = [
            proto.CheckFailure(property=f.property, reason=schema_names(f.reason)) for f in result.failures
        ]
        return proto.CheckResponse(inputs=await _struct(news.marked(result.inputs)), failures=failures)

    async def Diff(self, request: Any, context: Any) -> Any:
        olds, news = _Props(request.olds, True), _Props(request.news, True)
        result = await self._run(context, _provider(request.urn).diff, request.id, olds.values, news.values)
        changes = {
            None: proto.DiffResponse.DIFF_UNKNOWN,
            True: proto.DiffResponse.DIFF_SOME,
            False: proto.DiffResponse.DIFF_NONE,
        }[None if result.changes is None else bool(result.changes)]
        fields: dict[str, Any] = {"changes": changes}
        if result.replaces is not None:
            fields["replaces"] = result.replaces
        if result.delete_before_replace is not None:
            fields["deleteBeforeReplace"] = result.delete_before_replace
        return proto.DiffResponse(**fields)

    async def Create(self, request: Any, context: Any) -> Any:
        props = _Props(request.properties)
        result = await self._run(context, _provider(request.urn).create, props.values)
        return proto.CreateResponse(id=result.id, properties=await _struct(props.marked(result.outs or {})))

    async def Read(self, request: Any, context: Any) -> Any:
        props = _Props(request.properties)
        result = await self._run(context, _provider(request.urn).read, request.id, props.values)
        fields: dict[str, Any] = {
            "id": result.id,
            "properties": await _struct(props.marked(result.outs or {})),
        }
        if result.inputs is not None:
            fields["inputs"] = await _struct(_Props(request.inputs).marked(result.inputs))
        return proto.ReadResponse(**fields)

    async def Update(self, request: Any, context: Any) -> Any:
        olds, news = _Props(request.olds), _Props(request.news)
        result = await self._run(context, _provider(request.urn).update, request.id, olds.values, news.values)
        return proto.UpdateResponse(properties=await _struct(news.marked(result.outs or {})))

    async def Delete(self, request: Any, context: Any) -> Any:
        props = _Props(request.properties)
        await self._run(context, _provider(request.urn).delete, request.id, props.values)
        return empty_pb2.Empty()


def serve(argv: list[str]) -> None:
    """Serve the package to the engine at `argv[0]` (the address the language host passes)."""
    parser = argparse.ArgumentParser(description="pulumi-docker-machine component package plugin")
    parser.add_argument("engine", help="Pulumi engine address")
    known, _ = parser.parse_known_args(argv)
    serve_here()
    provider = package_schema()

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = PackageServicer(provider, argv, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):  # the engine ends its plugins so
        asyncio.run(run())


PLUGIN_MAIN = '''"""The docker-machine component package (pulumi-docker-machine), served from the virtualenv
that PulumiPlugin.yaml names."""

import sys

from pulumi_docker_machine.polyglot.host import serve

serve(sys.argv[1:])
'''


def write_plugin(folder: Path, venv: Path) -> None:
    """Write a plugin folder (`PulumiPlugin.yaml`, `__main__.py`) that serves the package from `venv`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "PulumiPlugin.yaml").write_text(
        f"runtime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    )
    (folder / "__main__.py").write_text(PLUGIN_MAIN)
