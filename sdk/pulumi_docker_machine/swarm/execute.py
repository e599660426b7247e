"""Carry out a swarm plan through the nodes' TLS Docker APIs, one operation at a time, in order.

Each operation that changes the swarm waits until the swarm shows the change (a demoted manager is out
of the raft set, a drained node runs no task) before the next one starts: that is what keeps the
quorum arithmetic of the plan true while it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import DockerMachineError
from ..remote.engine_api import EngineAPI, EngineAPIError
from .observe import Endpoint
from .plan import Op
from .spec import SWARM_PORT, Availability, NodeSpec, Role

SETTLE_TIMEOUT = 90.0
"""Seconds to wait for the swarm to show a role change, a node leaving or a CA rotation."""
POLL_INTERVAL = 0.5
ACTIVE_TASK_STATES = {"new", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running"}


class SwarmError(DockerMachineError):
    """A swarm operation failed or did not settle in time."""


def wait_for(what: str, done: Callable[[], bool], timeout: float = SETTLE_TIMEOUT) -> None:
    """Poll `done` until it holds; raise SwarmError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SwarmError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_INTERVAL)


def running_tasks(tasks: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Tasks still placed on a node: desired to run and not yet finished."""
    return [
        t
        for t in tasks
        if t.get("DesiredState") == "running" and (t.get("Status") or {}).get("State") in ACTIVE_TASK_STATES
    ]


class Executor:
    """Runs operations on the nodes named in `endpoints`; `declared` gives labels, roles, addresses."""

    def __init__(
        self,
        endpoints: Mapping[str, Endpoint],
        declared: Mapping[str, NodeSpec],
        node_ids: Mapping[str, str],
        drain_timeout: float,
    ) -> None:
        self.endpoints = endpoints
        self.declared = declared
        self.node_ids = dict(node_ids)
        self.drain_timeout = drain_timeout
        self.cluster_id = ""
        self.done: list[str] = []

    def run(self, ops: Sequence[Op]) -> list[str]:
        """Carry out `ops` in order; the descriptions of those done (also when one fails)."""
        for op in ops:
            try:
                note = getattr(self, f"_{op.action.name.lower()}")(op)
            except EngineAPIError as exc:
                raise SwarmError(f"{op.describe()}: {exc} (done before it: {self.done})") from None
            self.done.append(op.describe() + (f" ({note})" if note else ""))
        return self.done

    def settle(self) -> None:
        """After a change of managers, wait until the (possibly new) leader has heard from every node
        it lists as `unknown`, so that the outputs show the swarm as it is."""
        if not self.done:
            return
        api = self._manager()[1]
        wait_for(
            "the swarm to hear from every node again",
            lambda: all((n.get("Status") or {}).get("State") != "unknown" for n in api.nodes()),
        )

    def api(self, name: str) -> EngineAPI:
        return self.endpoints[name].api()

    def _manager(self, avoid: str = "") -> tuple[str, EngineAPI]:
        """A node of ours that is a manager of the swarm now (declared managers first), not `avoid`."""
        order = [n for n, s in self.declared.items() if s.role is Role.MANAGER] + list(self.endpoints)
        for name in dict.fromkeys(order):
            if name == avoid or name not in self.endpoints:
                continue
            api = self.api(name)
            try:
                swarm = api.info().get("Swarm") or {}
            except EngineAPIError:
                continue
            if swarm.get("ControlAvailable") and (
                not self.cluster_id or (swarm.get("Cluster") or {}).get("ID") == self.cluster_id
            ):
                return name, api
        raise SwarmError("no manager of the swarm answers")

    def _node_id(self, name: str) -> str:
        if name not in self.node_ids:
            self.node_ids[name] = str(self.api(name).info()["Swarm"]["NodeID"])
        return self.node_ids[name]

    def _listen(self, name: str) -> tuple[str, str]:
        return self.endpoints[name].advertise_addr, f"0.0.0.0:{SWARM_PORT}"

    def _init(self, op: Op) -> str:
        advertise, listen = self._listen(op.node)
        self.node_ids[op.node] = self.api(op.node).init(advertise, listen)
        self.cluster_id = str(self.api(op.node).swarm()["ID"])
        return ""

    def _join(self, op: Op) -> str:
        driver, api = self._manager(avoid=op.node)
        tokens = api.swarm()["JoinTokens"]
        token = tokens["Manager"] if op.role is Role.MANAGER else tokens["Worker"]
        advertise, listen = self._listen(op.node)
        self.api(op.node).join(advertise, listen, [self.endpoints[driver].swarm_addr], token)
        self.node_ids.pop(op.node, None)
        node_id = self._node_id(op.node)
        wait_for(f"{op.node} to be ready", lambda: _state(api, node_id) == "ready")
        return ""

    def _forget(self, op: Op) -> str:
        self._manager()[1].remove_node(op.node_id, force=True)
        return ""

    def _update(self, name: str, change: Callable[[dict[str, Any]], None], avoid: str = "") -> EngineAPI:
        api = self._manager(avoid=avoid)[1]
        node = api.node(self._node_id(name))
        spec = dict(node["Spec"])
        change(spec)
        api.update_node(node["ID"], int(node["Version"]["Index"]), spec)
        return api

    def _promote(self, op: Op) -> str:
        api = self._update(op.node, lambda s: s.update(Role="manager"))
        node_id = self._node_id(op.node)
        wait_for(
            f"{op.node} to be a reachable manager",
            lambda: (api.node(node_id).get("ManagerStatus") or {}).get("Reachability") == "reachable",
        )
        return ""

    def _demote(self, op: Op) -> str:
        api = self._update(op.node, lambda s: s.update(Role="worker"), avoid=op.node)
        node_id = self._node_id(op.node)
        wait_for(f"{op.node} to leave the managers", lambda: not api.node(node_id).get("ManagerStatus"))
        return ""

    def _set(self, op: Op) -> str:
        node = self.declared[op.node]
        labels, availability = node.label_map, node.availability.value
        self._update(op.node, lambda s: s.update(Labels=labels, Availability=availability))
        return ""

    def _drain(self, op: Op) -> str:
        placed = len(running_tasks(self._manager(avoid=op.node)[1].tasks(self._node_id(op.node))))
        self._update(op.node, lambda s: s.update(Availability=Availability.DRAIN.value))
        return f"{placed} task(s) to move"

    def _wait_drained(self, op: Op) -> str:
        api = self._manager(avoid=op.node)[1]
        node_id = self._node_id(op.node)
        wait_for(
            f"the tasks of {op.node} to move",
            lambda: not running_tasks(api.tasks(node_id)),
            timeout=self.drain_timeout,
        )
        return "none left"

    def _leave(self, op: Op) -> str:
        api = self.api(op.node)
        wait_for(
            f"{op.node} to know it is no manager",
            lambda: not (api.info().get("Swarm") or {}).get("ControlAvailable"),
        )
        api.leave(force=False)
        return ""

    def _remove(self, op: Op) -> str:
        self._manager(avoid=op.node)[1].remove_node(op.node_id, force=True)
        return ""

    def _rotate_tokens(self, op: Op) -> str:
        api = self._manager()[1]
        swarm = api.swarm()
        api.update_swarm(
            int(swarm["Version"]["Index"]), swarm["Spec"], rotateWorkerToken=True, rotateManagerToken=True
        )
        return ""

    def _rotate_ca(self, op: Op) -> str:
        api = self._manager()[1]
        swarm = api.swarm()
        spec = dict(swarm["Spec"])
        ca = dict(spec.get("CAConfig") or {})
        ca["ForceRotate"] = int(ca.get("ForceRotate") or 0) + 1
        spec["CAConfig"] = ca
        api.update_swarm(int(swarm["Version"]["Index"]), spec)
        wait_for("the swarm CA rotation to finish", lambda: not api.swarm().get("RootRotationInProgress"))
        return ""

    def _disband(self, op: Op) -> str:
        self.api(op.node).leave(force=True)
        return ""


def _state(api: EngineAPI, node_id: str) -> str:
    return str((api.node(node_id).get("Status") or {}).get("State") or "")
