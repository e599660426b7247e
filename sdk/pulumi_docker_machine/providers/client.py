"""ClientConfig provider: a machine's client files in the local store and its Docker context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from .. import docker_context, store
from ..diff import changed_fields, is_unknown
from ..spec.client import ClientConfigSpec
from ..spec.values import SSH_PORT, SSH_USER
from .boundary import SpecProvider, reports_errors

INPUT_FIELDS = ClientConfigSpec.input_fields()


def _store(props: dict[str, Any]) -> Path:
    return Path(props["store"]) if props.get("store") else store.default_store()


def _write(props: dict[str, Any]) -> dict[str, Any]:
    record = store.MachineRecord(
        name=props["name"],
        docker_host=props["docker_host"],
        ssh_host=props.get("ssh_host") or "",
        ssh_port=int(props.get("ssh_port") or SSH_PORT),
        ssh_user=props.get("ssh_user") or SSH_USER,
        host_key=props.get("host_key") or "",
        cert_not_after=props.get("cert_not_after") or "",
        server_cert_not_after=props.get("server_cert_not_after") or "",
    )
    root = _store(props)
    directory = store.save(root, record, props["ca_cert_pem"], props["cert_pem"], props["private_key_pem"])
    context = props["name"] if props.get("docker_context", True) else ""
    if context:
        docker_context.upsert(context, props["docker_host"], directory)
    inputs = {k: props.get(k) for k in INPUT_FIELDS}
    return {
        **inputs,
        "cert_path": str(directory),
        "context": context,
        "sha256": store.digest(root, props["name"]),
        "drift": {},
    }


def _settled(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """`news` with an unknown `host_key` read as the stored one while the SSH endpoint it is pinned for
    (`ssh_host`, `ssh_port`) is unchanged. A preview that plans a DockerHost update sees all its outputs
    unknown, but an update keeps the pinned key; a changed pin is diffed again at apply, known."""
    endpoint = ("ssh_host", "ssh_port")
    if is_unknown(news.get("host_key")) and all(
        not is_unknown(news.get(f)) and news.get(f) == olds.get(f) for f in endpoint
    ):
        return {**news, "host_key": olds.get("host_key")}
    return news


class ClientConfigProvider(SpecProvider):
    """Writes ca.pem, cert.pem, key.pem (0600) and machine.json; creates the Docker context."""

    SPEC = ClientConfigSpec

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["name"], _write(props))

    @reports_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds = ClientConfigSpec.upgrade(olds)
        changed = changed_fields(olds, _settled(olds, news), INPUT_FIELDS)
        replaces = [f for f in ClientConfigSpec.replacing_fields() if f in changed]
        return DiffResult(
            changes=bool(changed or olds.get("drift")), replaces=replaces, delete_before_replace=True
        )

    @reports_errors
    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_write(news))

    @reports_errors
    def read(self, id_: str, received: dict[str, Any]) -> ReadResult:
        props = ClientConfigSpec.upgrade(received)
        seen = store.digest(_store(props), props["name"])
        drift = {
            f: "missing" if not seen[f] else "changed"
            for f in seen
            if seen[f] != (props.get("sha256") or {}).get(f)
        }
        if props.get("context") and not docker_context.exists(props["context"]):
            drift["docker context"] = "missing"
        inputs = {k: props.get(k) for k in INPUT_FIELDS}
        return ReadResult(
            id_,
            ClientConfigSpec.named_like({**props, "drift": drift}, received),
            inputs=ClientConfigSpec.named_like({**inputs, "drift": drift}, received),
        )

    @reports_errors
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("context"):
            docker_context.remove(props["context"])
        store.remove(_store(props), props["name"])
