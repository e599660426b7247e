"""The Swarm dynamic provider: spec -> observe -> plan -> execute -> observe -> outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..diff import changed_fields, is_unknown
from ..errors import ValidationError
from ..spec.values import split_docker_host
from ..swarm.drift import down_nodes, drift
from ..swarm.execute import Executor, SwarmError
from ..swarm.observe import Endpoint, observe
from ..swarm.plan import Action, Op, Plan, plan, teardown
from ..swarm.quorum import ManagerChange, quorum_problem, removal_order
from ..swarm.spec import Credentials, SwarmSpec
from ..swarm.view import ClusterView
from .boundary import check_result, reports_errors

INPUT_FIELDS = SwarmSpec.input_fields()
OUTPUT_FIELDS = (
    "cluster_id",
    "node_ids",
    "members",
    "managers",
    "manager_join_token",
    "worker_join_token",
    "ca_cert_pem",
    "operations",
)
SECRET_OUTPUTS = ("credentials", "manager_join_token", "worker_join_token")


def _inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in INPUT_FIELDS}


def _endpoints(spec: SwarmSpec, olds: Mapping[str, Any] | None = None) -> dict[str, Endpoint]:
    """Every node to talk to: the declared ones, then those only the last apply declared."""
    found = {n.name: Endpoint(n.docker_host, spec.credentials[n.name], n.advertise_addr) for n in spec.nodes}
    if olds:
        creds = olds.get("credentials") or {}
        for node in olds.get("nodes") or []:
            name = node.get("name")
            if name not in found and name in creds:
                address = node.get("advertise_addr") or split_docker_host(node["docker_host"])[0]
                found[name] = Endpoint(node["docker_host"], Credentials(**creds[name]), address)
    return found


def _manager_names(nodes: Any) -> set[str] | None:
    """Names of the managers among `nodes`, or None if a name or role is not known yet."""
    if not isinstance(nodes, list):
        return None
    names: set[str] = set()
    for node in nodes:
        if not isinstance(node, Mapping) or is_unknown(node.get("name")) or is_unknown(node.get("role")):
            return None
        if node.get("role") == "manager":
            names.add(str(node.get("name")))
    return names


def _preview_quorum(olds: Mapping[str, Any], news: Mapping[str, Any]) -> str | None:
    """At check: would the manager changes from the last apply lose quorum, given the nodes the last
    refresh saw down? (The apply checks again against what it observes.)"""
    before, after = _manager_names(olds.get("nodes")), _manager_names(news.get("nodes"))
    if not before or after is None:
        return None
    healthy = before - down_nodes(olds.get("drift") or {})
    changes = [ManagerChange(name, add=True) for name in sorted(after - before)]
    changes += [ManagerChange(name, add=False) for name in removal_order(before - after, healthy)]
    return quorum_problem(before, healthy, changes)


def _rotations(olds: Mapping[str, Any], spec: SwarmSpec) -> list[Op]:
    rotate = []
    if spec.token_rotation != (olds.get("token_rotation") or 0):
        rotate.append(Op(Action.ROTATE_TOKENS))
    if spec.ca_rotation != (olds.get("ca_rotation") or 0):
        rotate.append(Op(Action.ROTATE_CA))
    return rotate


def _outputs(spec: SwarmSpec, view: ClusterView, endpoints: Mapping[str, Endpoint]) -> dict[str, Any]:
    """What the swarm looks like now, from a manager."""
    names = [n.name for n in spec.nodes]
    members = []
    for name in names:
        member = view.member(name)
        if member is not None:
            members.append(
                {
                    "name": name,
                    "node_id": member.node_id,
                    "role": member.role,
                    "availability": member.availability,
                    "labels": dict(member.labels),
                    "state": member.state,
                    "leader": member.leader,
                    "docker_host": endpoints[name].docker_host,
                }
            )
    outs: dict[str, Any] = {
        "cluster_id": view.cluster_id,
        "node_ids": {name: view.node_id(name) for name in names if view.node_id(name)},
        "members": members,
        "managers": [n.docker_host for n in spec.managers],
    }
    for node in spec.managers:
        if view.healthy(node.name):
            swarm = endpoints[node.name].api().swarm()
            outs["manager_join_token"] = swarm["JoinTokens"]["Manager"]
            outs["worker_join_token"] = swarm["JoinTokens"]["Worker"]
            outs["ca_cert_pem"] = (swarm.get("TLSInfo") or {}).get("TrustRoot", "")
            break
    return outs


def _refuse(found: Plan) -> None:
    if found.refusal:
        raise SwarmError(f"refused, nothing was changed: {found.refusal}")


def _observed(id_: str, props: Mapping[str, Any]) -> tuple[SwarmSpec, dict[str, Endpoint], ClusterView]:
    """The swarm the state declares, its endpoints, and what they say now."""
    spec = SwarmSpec.from_inputs(_inputs(props))
    endpoints = _endpoints(spec)
    return spec, endpoints, observe(endpoints, props.get("cluster_id") or id_, props.get("node_ids") or {})


def _execute(
    spec: SwarmSpec, endpoints: dict[str, Endpoint], view: ClusterView, found: Plan
) -> tuple[Executor, list[str]]:
    """Run the plan's operations against the swarm as observed; the executor and what it did."""
    ids = {name: view.node_id(name) for name in endpoints if view.node_id(name)}
    executor = Executor(endpoints, {n.name: n for n in spec.nodes}, ids, spec.drain_timeout)
    executor.cluster_id = view.cluster_id
    return executor, executor.run(found.ops)


class SwarmProvider(ResourceProvider):
    """Keeps a set of Docker daemons one swarm, through their TLS Docker APIs."""

    @reports_errors
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, errors = SwarmSpec.check(news)
        if not errors and (problem := _preview_quorum(olds, inputs)):
            errors.append(ValidationError("nodes", problem))
        return check_result(inputs, errors)

    @reports_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = SwarmSpec.from_inputs(_inputs(props))
        endpoints = _endpoints(spec)
        view = observe(endpoints, "", {})
        found = plan(spec, view, [])
        if found.unrepairable:
            raise SwarmError("cannot create the swarm: " + "; ".join(found.unrepairable))
        executor = Executor(endpoints, {n.name: n for n in spec.nodes}, {}, spec.drain_timeout)
        done = executor.run(found.ops)
        view = observe(endpoints, executor.cluster_id, executor.node_ids)
        outs = {**_inputs(props), **_outputs(spec, view, endpoints), "operations": done, "drift": {}}
        return CreateResult(view.cluster_id, outs)

    @reports_errors
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds = SwarmSpec.upgrade(olds)
        changed = changed_fields(olds, news, INPUT_FIELDS)
        if olds.get("drift"):
            changed.append("drift")
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    @reports_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds = SwarmSpec.upgrade(olds)
        spec = SwarmSpec.from_inputs(_inputs(news))
        endpoints = _endpoints(spec, olds)
        view = observe(endpoints, olds.get("cluster_id") or id_, olds.get("node_ids") or {})
        managed = [n["name"] for n in olds.get("nodes") or []]
        found = plan(spec, view, managed, _rotations(olds, spec))
        _refuse(found)
        executor, done = _execute(spec, endpoints, view, found)
        executor.settle()
        if found.unrepairable:
            raise SwarmError(
                "could not repair: " + "; ".join(found.unrepairable) + f" (everything else was done: {done})"
            )
        view = observe(endpoints, executor.cluster_id, executor.node_ids)
        outs = {**_inputs(news), **_outputs(spec, view, endpoints), "operations": done, "drift": {}}
        return UpdateResult(outs)

    @reports_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = SwarmSpec.upgrade(props)
        spec, endpoints, view = _observed(id_, props)
        seen = drift(spec, view)
        outs = {**props, "drift": seen}
        if view.cluster_id and not view.trouble:
            outs.update(_outputs(spec, view, endpoints))
        # Drift shows as a diff of the `drift` input (empty in every program) in `preview --refresh`.
        return ReadResult(id_, outs, inputs={**_inputs(props), "drift": seen})

    @reports_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        spec, endpoints, view = _observed(id_, SwarmSpec.upgrade(props))
        found = teardown(view, [n.name for n in spec.nodes])
        _refuse(found)
        _, done = _execute(spec, endpoints, view, found)
        if found.unrepairable:
            raise SwarmError(
                "could not make every node leave: " + "; ".join(found.unrepairable) + f" (done: {done}); "
                "run `docker swarm leave --force` on them, or `pulumi state delete` this resource"
            )
