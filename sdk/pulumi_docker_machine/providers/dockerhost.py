"""DockerHost and DaemonConfig dynamic providers: thin wiring of spec -> lifecycle -> outputs."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .. import lifecycle
from ..daemon import render
from ..diff import changed_fields, is_unknown
from ..errors import DockerMachineError, ValidationError
from ..remote.hostio import SshHost
from ..spec.daemon import DaemonSpec
from ..spec.host import INPUT_FIELDS, HostSpec, check_inputs

# A different machine is a different resource.
_REPLACING = ("connection.host", "connection.port")


def _inputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in INPUT_FIELDS}


class DockerHostProvider(ResourceProvider):
    """Provision and keep a TLS-secured Docker daemon on a host over SSH."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [CheckFailure(e.field, str(e)) for e in check_inputs(news)]
        return CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = HostSpec.from_inputs(_inputs(props))
        outs = lifecycle.apply(SshHost(spec.connection), spec, None)
        conn = spec.connection
        return CreateResult(f"{conn.host}:{conn.port}", {**_inputs(props), **outs.to_dict()})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = changed_fields(olds, news, INPUT_FIELDS)
        replaces = [f for f in _REPLACING if _sub_changed(olds, news, f)]
        if olds.get("drift"):
            changed.append("drift")
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spec = HostSpec.from_inputs(_inputs(news))
        outs = lifecycle.apply(SshHost(spec.connection, _pins(olds)), spec, olds)
        return UpdateResult({**_inputs(news), **outs.to_dict()})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        spec = HostSpec.from_inputs(_inputs(props))
        seen = lifecycle.observe(SshHost(spec.connection, _pins(props)), props)
        outs = {**props, **seen}
        # Drift shows as a diff of the `drift` input (empty in every program) in `preview --refresh`.
        return ReadResult(id_, outs, inputs={**_inputs(props), "drift": seen["drift"]})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        spec = HostSpec.from_inputs(_inputs(props))
        uninstall = bool(props.get("uninstall_on_delete") and spec.install_method == "packages")
        lifecycle.remove(SshHost(spec.connection, _pins(props)), spec, props, uninstall)


def _pins(state: dict[str, Any]) -> dict[str, str]:
    """The SSH host keys recorded at the last apply, by `host:port` (target and jump hosts)."""
    pins = dict(state.get("host_keys") or {})
    conn = state.get("connection") or {}
    if not pins and state.get("host_key") and conn.get("host"):
        pins[f"{conn['host']}:{int(conn.get('port') or 22)}"] = state["host_key"]
    return pins


def _sub_changed(olds: dict[str, Any], news: dict[str, Any], dotted: str) -> bool:
    top, _, sub = dotted.partition(".")
    new = news.get(top)
    if is_unknown(new) and not isinstance(new, dict):
        return True
    value = (new or {}).get(sub)
    return is_unknown(value) or (olds.get(top) or {}).get(sub) != value


class DaemonConfigProvider(ResourceProvider):
    """Validate daemon settings and render them; no I/O (DockerHost applies them)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        settings = news.get("settings") or {}
        if is_unknown(settings):
            return CheckResult(news, [])
        try:
            DaemonSpec.from_inputs(settings, "settings")
        except ValidationError as exc:
            return CheckResult(news, [CheckFailure(exc.field, str(exc))])
        return CheckResult(news, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("daemon-config", self._outputs(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=bool(changed_fields(olds, news, ("settings",))), replaces=[])

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outputs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    @staticmethod
    def _outputs(props: dict[str, Any]) -> dict[str, Any]:
        try:
            spec = DaemonSpec.from_inputs(props.get("settings") or {}, "settings")
        except ValidationError as exc:
            raise DockerMachineError(str(exc)) from exc
        normalized = spec.to_dict()
        return {
            "settings": props.get("settings") or {},
            "normalized": normalized,
            "daemon_json": render.daemon_json(spec),
            "docker_port": spec.tls_port,
        }
