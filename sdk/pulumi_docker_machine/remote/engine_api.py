"""A small Docker Engine API client over TLS with a client certificate (stdlib only).

One HTTPS connection per request, so one client may serve several threads. Only the calls swarm
management needs; errors carry the daemon's own message and never a credential.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ..errors import DockerMachineError
from . import trace
from .tlsprobe import client_context

DEFAULT_TIMEOUT = 20.0


class EngineAPIError(DockerMachineError):
    """The daemon could not be reached, or answered a request with an error."""

    def __init__(self, endpoint: str, what: str, message: str, status: int | None = None) -> None:
        self.endpoint, self.what, self.status = endpoint, what, status
        super().__init__(f"{endpoint}: {what}: {message}")


class EngineAPI:
    """The Docker Engine API of one daemon at `tcp://HOST:PORT`, verified against `ca_cert_pem`."""

    def __init__(
        self,
        host: str,
        port: int,
        ca_cert_pem: str,
        cert_pem: str,
        private_key_pem: str,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.endpoint = f"tcp://{host}:{port}"
        with client_context(ca_cert_pem, cert_pem, private_key_pem) as ctx:
            ctx.check_hostname = True  # the server certificate must name the address we dial
            self._ctx: ssl.SSLContext = ctx

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """`METHOD path?query` with a JSON body; the decoded JSON answer (or text, or None)."""
        url = path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        what = f"{method} {path}"
        started = time.monotonic()
        conn = http.client.HTTPSConnection(
            self.host, self.port, context=self._ctx, timeout=timeout or self.timeout
        )
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json"} if payload is not None else {}
            conn.request(method, url, body=payload, headers=headers)
            response = conn.getresponse()
            status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise EngineAPIError(self.endpoint, what, f"{type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
            trace.record("api", self.endpoint, what, started)
        text = raw.decode("utf-8", "replace")
        if status >= 400:
            try:
                message = json.loads(text).get("message", text)
            except (ValueError, AttributeError):
                message = text
            raise EngineAPIError(self.endpoint, what, f"HTTP {status}: {message.strip()}", status)
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def info(self) -> dict[str, Any]:
        """GET /info: the daemon, with its Swarm section (LocalNodeState, NodeID, Cluster...)."""
        result: dict[str, Any] = self.request("GET", "/info")
        return result

    def swarm(self) -> dict[str, Any]:
        """GET /swarm (managers only): ID, Version, Spec, JoinTokens, TLSInfo."""
        result: dict[str, Any] = self.request("GET", "/swarm")
        return result

    def init(self, advertise_addr: str, listen_addr: str) -> str:
        """POST /swarm/init; the new node's ID."""
        body = {"AdvertiseAddr": advertise_addr, "ListenAddr": listen_addr, "ForceNewCluster": False}
        return str(self.request("POST", "/swarm/init", body, timeout=60))

    def join(self, advertise_addr: str, listen_addr: str, remote_addrs: list[str], token: str) -> None:
        """POST /swarm/join with a join token."""
        body = {
            "AdvertiseAddr": advertise_addr,
            "ListenAddr": listen_addr,
            "RemoteAddrs": remote_addrs,
            "JoinToken": token,
        }
        self.request("POST", "/swarm/join", body, timeout=90)

    def leave(self, force: bool = False) -> None:
        """POST /swarm/leave."""
        self.request("POST", "/swarm/leave", query={"force": str(force).lower()}, timeout=60)

    def update_swarm(self, version: int, spec: Mapping[str, Any], **rotate: bool) -> None:
        """POST /swarm/update at `version`; `rotate` takes rotateWorkerToken, rotateManagerToken."""
        query = {"version": version, **{k: str(v).lower() for k, v in rotate.items()}}
        self.request("POST", "/swarm/update", spec, query=query)

    def nodes(self) -> list[dict[str, Any]]:
        """GET /nodes (managers only)."""
        result: list[dict[str, Any]] = self.request("GET", "/nodes")
        return result

    def node(self, node_id: str) -> dict[str, Any]:
        """GET /nodes/ID."""
        result: dict[str, Any] = self.request("GET", f"/nodes/{node_id}")
        return result

    def update_node(self, node_id: str, version: int, spec: Mapping[str, Any]) -> None:
        """POST /nodes/ID/update at `version` with the whole node spec."""
        self.request("POST", f"/nodes/{node_id}/update", spec, query={"version": version})

    def remove_node(self, node_id: str, force: bool = False) -> None:
        """DELETE /nodes/ID."""
        self.request("DELETE", f"/nodes/{node_id}", query={"force": str(force).lower()})

    def tasks(self, node_id: str) -> list[dict[str, Any]]:
        """GET /tasks of one node."""
        filters = json.dumps({"node": [node_id]})
        result: list[dict[str, Any]] = self.request("GET", "/tasks", query={"filters": filters})
        return result
