"""DockerHost and DaemonConfig dynamic providers: thin wiring of spec -> lifecycle -> outputs."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from .. import lifecycle
from ..daemon import plan, render
from ..diff import changed_fields, is_unknown
from ..remote.hostio import SshHost
from ..spec.daemon import DaemonConfigSpec
from ..spec.host import HostSpec
from ..spec.values import SSH_PORT
from .boundary import SpecProvider, reports_errors
from .progress import to_engine

INPUT_FIELDS = HostSpec.input_fields()
# Who manages the host follows the stack's and resource's names: a rename alone changes nothing on the
# host (the next update records the new name), and states written before it existed preview no change.
_COMPARED = tuple(f for f in INPUT_FIELDS if f != "managed_by")
# A different machine is a different resource.
_REPLACING = HostSpec.replacing_fields()


def _inputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in INPUT_FIELDS}


class DockerHostProvider(SpecProvider):
    """Provision and keep a TLS-secured Docker daemon on a host over SSH."""

    SPEC = HostSpec

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = HostSpec.from_inputs(_inputs(props))
        with to_engine() as progress:
            outs = lifecycle.apply(SshHost(spec.connection), spec, None, progress)
        conn = spec.connection
        return CreateResult(f"{conn.host}:{conn.port}", {**_inputs(props), **outs.to_dict()})

    @reports_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds = HostSpec.upgrade(olds)
        replaces = [f for f in _REPLACING if _sub_changed(olds, news, f)]
        # What the state recorded is the old host's: a replacement goes to a host probed at create.
        if not replaces and not is_unknown(news.get("daemon")):  # unknown: decided at apply
            plan.refuse_for_recorded_state(olds, news.get("daemon"))
        unset = {"adopt": False, "take_over_dropins": []}  # states written before these inputs: defaults
        changed = changed_fields({**unset, **olds}, {**unset, **news}, _COMPARED)
        if olds.get("drift"):
            changed.append("drift")
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    @reports_errors
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds = HostSpec.upgrade(olds)
        spec = HostSpec.from_inputs(_inputs(news))
        with to_engine() as progress:
            outs = lifecycle.apply(SshHost(spec.connection, _pins(olds)), spec, olds, progress)
        return UpdateResult({**_inputs(news), **outs.to_dict()})

    @reports_errors
    def read(self, id_: str, received: dict[str, Any]) -> ReadResult:
        props = HostSpec.upgrade(received)
        spec = HostSpec.from_inputs(_inputs(props))
        seen = lifecycle.observe(SshHost(spec.connection, _pins(props)), props)
        outs = HostSpec.named_like({**props, **seen}, received)
        # Drift shows as a diff of the `drift` input (empty in every program) in `preview --refresh`.
        inputs = HostSpec.named_like({**_inputs(props), "drift": seen["drift"]}, received)
        return ReadResult(id_, outs, inputs=inputs)

    @reports_errors
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        props = HostSpec.upgrade(props)
        spec = HostSpec.from_inputs(_inputs(props))
        uninstall = bool(props.get("uninstall_on_delete") and spec.install_method == "packages")
        with to_engine() as progress:
            left = lifecycle.restore(SshHost(spec.connection, _pins(props)), spec, props, uninstall, progress)
        if left:
            with to_engine(warning=True) as warn:
                warn(left)


def _pins(state: dict[str, Any]) -> dict[str, str]:
    """The SSH host keys recorded at the last apply, by `host:port` (target and jump hosts)."""
    pins = dict(state.get("host_keys") or {})
    conn = state.get("connection") or {}
    if not pins and state.get("host_key") and conn.get("host"):
        pins[f"{conn['host']}:{int(conn.get('port') or SSH_PORT)}"] = state["host_key"]
    return pins


def _sub_changed(olds: dict[str, Any], news: dict[str, Any], dotted: str) -> bool:
    top, _, sub = dotted.partition(".")
    new = news.get(top)
    if is_unknown(new) and not isinstance(new, dict):
        return True
    value = (new or {}).get(sub)
    return is_unknown(value) or (olds.get(top) or {}).get(sub) != value


class DaemonConfigProvider(SpecProvider):
    """Validate daemon settings and render them; no I/O (DockerHost applies them)."""

    SPEC = DaemonConfigSpec

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("daemon-config", self._outputs(props))

    @reports_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=bool(changed_fields(olds, news, ("settings",))), replaces=[])

    @reports_errors
    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outputs(news))

    @reports_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    @staticmethod
    def _outputs(props: dict[str, Any]) -> dict[str, Any]:
        spec = DaemonConfigSpec.from_inputs(props).settings
        normalized = spec.to_dict()
        return {
            "settings": props.get("settings") or {},
            "normalized": normalized,
            "daemon_json": render.daemon_json(spec),
            "docker_port": spec.tls_port,
        }
