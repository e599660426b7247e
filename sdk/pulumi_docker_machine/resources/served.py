"""How our custom resources register: as Python dynamic resources (a Python program), or as resources
of the `docker-machine` package that the component package's plugin serves itself (a program in any
other language, see `polyglot/`).

In a Python program the engine starts Pulumi's dynamic provider server with the program's virtualenv.
Inside the plugin no such virtualenv reaches the engine, so the dynamic provider server would run the
`python3` on PATH; instead the plugin, which runs in its own virtualenv, serves the same providers."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic

from .interrupt import stop_quietly_when_interrupted

PACKAGE = "docker-machine"
HOSTED_MODULE = "hosted"
"""Type tokens of resources the plugin serves: `docker-machine:hosted:<Name>`."""

_hosted = False


def serve_here() -> None:
    """Register this process's resources for the plugin to serve (called once, before it serves)."""
    global _hosted
    _hosted = True


def hosted_token(resource: type[pulumi.dynamic.Resource]) -> str:
    """`docker-machine:hosted:DockerHost` for the dynamic resource class DockerHost."""
    return f"{PACKAGE}:{HOSTED_MODULE}:{resource._resource_type_name.rpartition(':')[2]}"


class ServedResource(pulumi.dynamic.Resource):
    """A dynamic resource, or, inside the component package's plugin, a custom resource of its package."""

    def __init__(
        self,
        provider: pulumi.dynamic.ResourceProvider,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        stop_quietly_when_interrupted()
        if _hosted:  # the plugin knows each token's provider: nothing to pickle into the state
            pulumi.CustomResource.__init__(self, hosted_token(type(self)), name, props, opts)
        else:
            super().__init__(provider, name, props, opts)
