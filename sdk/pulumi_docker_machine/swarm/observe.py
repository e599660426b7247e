"""Observe a swarm through its nodes' TLS Docker APIs: every daemon's /info, a manager's /nodes."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ..remote.engine_api import EngineAPI, EngineAPIError
from ..spec.values import split_docker_host
from .spec import SWARM_PORT, Credentials
from .view import ClusterView, Daemon, Member


@dataclass(frozen=True)
class Endpoint:
    """How to reach one node: its daemon's TLS address and credentials, and its swarm address."""

    docker_host: str
    credentials: Credentials
    advertise_addr: str

    @property
    def swarm_addr(self) -> str:
        """`ADDRESS:2377`."""
        host = f"[{self.advertise_addr}]" if ":" in self.advertise_addr else self.advertise_addr
        return f"{host}:{SWARM_PORT}"

    def api(self) -> EngineAPI:
        """A client of this node's daemon."""
        host, port = split_docker_host(self.docker_host)
        creds = self.credentials
        return EngineAPI(host, port, creds.ca_cert_pem, creds.cert_pem, creds.private_key_pem)


def daemon_of(endpoint: Endpoint) -> Daemon:
    """The daemon's own swarm state, or why it did not answer."""
    try:
        return Daemon.from_info(endpoint.api().info())
    except EngineAPIError as exc:
        return Daemon(reachable=False, error=str(exc))


def observe(endpoints: Mapping[str, Endpoint], cluster_id: str, known_ids: Mapping[str, str]) -> ClusterView:
    """The swarm `cluster_id` as its nodes see it ('' for a swarm still to be created).

    Every daemon is asked at once; the first manager of that swarm that lists its nodes gives the
    member list. When managers answer but none can list (no quorum), the view says so in `trouble`.
    """
    names = list(endpoints)
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(names)))) as pool:
        daemons = dict(zip(names, pool.map(lambda n: daemon_of(endpoints[n]), names), strict=True))
    view = ClusterView("", daemons, {}, dict(known_ids))
    if not cluster_id:
        return view
    managers = [n for n in names if daemons[n].is_manager and daemons[n].cluster_id == cluster_id]
    errors = []
    for name in managers:
        try:
            listed = endpoints[name].api().nodes()
        except EngineAPIError as exc:
            errors.append(str(exc))
            continue
        members = {m.node_id: m for m in map(Member.from_api, listed)}
        return replace(view, cluster_id=cluster_id, members=members)
    if errors:
        return replace(view, trouble=f"managers answer but cannot list the swarm's nodes: {errors[0]}")
    return view
