"""Helpers of the swarm tests: an image the hosts can run without a registry, task and node tables."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import urllib.request
from pathlib import Path

from .tls_client import DockerTLS

PAGE = "hello-swarm"
HTTPD = ("/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www")
"""The command of the image's web server (busybox httpd in the foreground, serving PAGE)."""


def busybox_image_tar() -> bytes:
    """A root filesystem of the machine's static busybox (Debian's busybox-static) and one web page."""
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is needed (scripts/bootstrap installs it)"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(Path(busybox).resolve(), arcname="bin/busybox")
        page = f"{PAGE}\n".encode()
        info = tarfile.TarInfo("www/index.html")
        info.size = len(page)
        tar.addfile(info, io.BytesIO(page))
        for applet in ("sh", "cat"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    return buf.getvalue()


def http_get(address: str, port: int) -> str:
    """The body of GET / on a test host (a published port)."""
    with urllib.request.urlopen(f"http://{address}:{port}/", timeout=10) as answer:
        return str(answer.read().decode().strip())


def nodes(docker: DockerTLS, url: str) -> dict[str, dict[str, object]]:
    """Node hostname -> {status, role, labels, availability, manager} from `docker node inspect`."""
    ids = docker.text(url, "node", "ls", "-q").split()
    table = {}
    for node in json.loads(docker.text(url, "node", "inspect", *ids)):
        table[node["Description"]["Hostname"]] = {
            "status": node["Status"]["State"],
            "role": node["Spec"]["Role"],
            "labels": node["Spec"].get("Labels") or {},
            "availability": node["Spec"]["Availability"],
            "manager": (node.get("ManagerStatus") or {}).get("Reachability", ""),
        }
    return table


def running_tasks(docker: DockerTLS, url: str, service: str) -> dict[str, int]:
    """Hostname -> number of the service's tasks running there."""
    lines = docker.text(
        url,
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Node}} {{.CurrentState}}",
    ).splitlines()
    counts: dict[str, int] = {}
    for line in lines:
        node, state = line.split(" ", 1)
        if state.startswith("Running"):
            counts[node] = counts.get(node, 0) + 1
    return counts
