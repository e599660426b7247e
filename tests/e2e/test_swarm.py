"""The swarm example end to end: 3 managers + 2 workers on sandbox hosts, real pulumi, real docker.

One cluster walks through every step (creating five hosts costs more than any step): create,
services, a manager down, a node that left, rotation, scale-down, destroy.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pdm_sandbox import Host

from .pulumi_cli import PROJECT_ROOT, Stack
from .swarm_tools import HTTPD, PAGE, busybox_image_tar, http_get, nodes, running_tasks
from .tls_client import DockerTLS

pytestmark = pytest.mark.e2e

NAMES = ("m1", "m2", "m3", "w1", "w2")
LABELS = {"w1": {"zone": "a"}, "w2": {"zone": "b", "disk": "ssd"}}


def wait_until(what: str, done: Callable[[], bool], timeout: float = 120) -> None:
    """Poll until `done()`; fail naming `what` if it never holds (a bound on a hang, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(1)


def docker_log(host: Host) -> str:
    return host.root_exec("journalctl -u docker --no-pager", check=True).stdout


def configure(stack: Stack, managers: list[str], workers: list[str], **numbers: int) -> None:
    stack.config_set("managers", json.dumps(managers))
    stack.config_set("workers", json.dumps(workers))
    for key, value in numbers.items():
        stack.config_set(key, str(value))


def swarm_example(pulumi_stack: Any, hosts: dict[str, Any], tmp_path: Path) -> Stack:
    env = {"MACHINE_STORAGE_PATH": str(tmp_path / "store"), "DOCKER_CONFIG": str(tmp_path / "docker")}
    program = (PROJECT_ROOT / "examples" / "swarm" / "__main__.py").read_text()
    stack = pulumi_stack(program, name="pdm-swarm", env=env)
    stack.config_set("machines", json.dumps([{"name": n, "host": h.address} for n, h in hosts.items()]))
    stack.config_set("labels", json.dumps(LABELS))
    stack.config_set("private_key", Path(hosts["m1"].key_path).read_text(), secret=True)
    return stack


def cli(stack: Stack, *args: str) -> str:
    import subprocess

    proc = subprocess.run(
        ["pulumi-docker-machine", *args], env=stack.env(), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_swarm_example_lifecycle(pulumi_stack, test_hosts, tmp_path):
    hosts = dict(zip(NAMES, test_hosts(5), strict=True))
    host_of = {h.name: n for n, h in hosts.items()}  # docker's node hostname -> our name
    url = {n: f"tcp://{h.address}:2376" for n, h in hosts.items()}
    stack = swarm_example(pulumi_stack, hosts, tmp_path)
    configure(stack, ["m1", "m2", "m3"], ["w1", "w2"])

    # Create: five nodes Ready with their roles and labels, seen over TLS with the issued certificates.
    created = stack.up()
    store = tmp_path / "store" / "machines" / "m1"
    docker = DockerTLS(
        tmp_path / "client", *((store / f).read_text() for f in ("ca.pem", "cert.pem", "key.pem"))
    )
    seen = {host_of[h]: v for h, v in nodes(docker, url["m1"]).items()}
    assert sorted(seen) == sorted(NAMES)
    for name, node in seen.items():
        assert node["status"] == "ready"
        assert node["role"] == ("manager" if name.startswith("m") else "worker")
        assert node["labels"] == LABELS.get(name, {})
        assert node["manager"] == ("reachable" if name.startswith("m") else "")
    tokens = [docker.text(url["m1"], "swarm", "join-token", "-q", role) for role in ("worker", "manager")]
    state = stack.state_text(url["m1"])  # holds a known public value, so an unreadable state cannot pass
    for token in tokens:
        assert token not in state and token not in created.stdout + created.stderr
    assert "PRIVATE KEY" not in state
    listed = {row["name"]: row["swarm"] for row in json.loads(cli(stack, "ls", "--format", "json"))}
    assert listed == {"m1": "manager", "m2": "manager", "m3": "manager", "w1": "worker", "w2": "worker"}

    # A replicated service across the nodes, from an image imported on each node (no registry here).
    image = busybox_image_tar()
    for name in NAMES:
        assert docker.run(url[name], "import", "-", "bb:1", stdin=image).returncode == 0
    docker.text(url["m1"], "network", "create", "-d", "overlay", "--attachable", "appnet")
    service = ("service", "create", "--detach=false", "--network", "appnet", "--endpoint-mode", "dnsrr")
    docker.text(url["m1"], *service, "--name", "web", "--replicas", "5", "bb:1", *HTTPD, timeout=180)
    assert len(running_tasks(docker, url["m1"], "web")) >= 3  # spread over the nodes
    # A published port (host mode) on w1, reached over the overlay from m2, which runs none of it.
    w1_only = f"node.hostname=={hosts['w1'].name}"
    publish = ("--constraint", w1_only, "--publish", "mode=host,target=80,published=8080")
    docker.text(url["m1"], *service, "--name", "pub", *publish, "bb:1", *HTTPD, timeout=180)
    assert http_get(hosts["w1"].address, 8080) == PAGE
    fetch = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 5 pub 80"

    def across() -> bool:  # the overlay's peers are gossiped: the first try may come before they are
        run = docker.run(url["m2"], "run", "--rm", "--network", "appnet", "bb:1", "/bin/sh", "-c", fetch)
        return run.returncode == 0 and run.stdout.decode().strip().endswith(PAGE)

    wait_until("m2 to fetch the page of pub on w1 over the overlay network", across)
    # The routing mesh (ingress) answers on every node, by IPVS; the sandbox kernel may lack IPVS.
    mesh = ("--constraint", w1_only, "--publish", "published=8081,target=80")
    docker.text(url["m1"], "service", "create", "--detach=false", "--name", "mesh", *mesh, "bb:1", *HTTPD)
    if Path("/proc/net/ip_vs").exists():
        assert http_get(hosts["m2"].address, 8081) == PAGE
    else:  # m2 learns of the service by gossip, so its daemon's complaint comes when it does
        lacking = "Could not get ipvs family information from the kernel"
        wait_until(f"m2's daemon to log {lacking!r}", lambda: lacking in docker_log(hosts["m2"]))
        with pytest.raises(OSError):
            http_get(hosts["m2"].address, 8081)

    # A manager down: the others keep quorum and keep scheduling; refresh shows it; up converges.
    hosts["m1"].root_exec("systemctl stop docker.socket docker.service", check=True)
    m1_host = hosts["m1"].name
    wait_until("the swarm to see m1 down", lambda: nodes(docker, url["m2"])[m1_host]["status"] == "down")
    docker.text(url["m2"], "service", "scale", "--detach=false", "web=6", timeout=180)

    def rescheduled() -> bool:
        placed = running_tasks(docker, url["m2"], "web")
        return sum(placed.values()) == 6 and m1_host not in placed

    wait_until("6 tasks of web running, none on m1", rescheduled)
    drift = stack.preview("--refresh", "--diff").stdout
    assert 'm1: "down: its daemon does not answer over TLS' in drift, drift
    env = cli(stack, "env", "--first-manager", "m1", "m2", "m3")
    assert f"DOCKER_HOST='{url['m2']}'" in env and "DOCKER_MACHINE_NAME='m2'" in env
    # Keeping only the down manager would lose quorum: refused at preview, with the reason.
    configure(stack, ["m1"], ["m2", "m3", "w1", "w2"])
    refused = stack.preview("--refresh", expect_fail=True)
    said = refused.stdout + refused.stderr
    assert "has a problem: nodes: removing manager m2 would leave 1 of 2 managers reachable" in said
    assert "would lose quorum" in said and "Traceback" not in said
    configure(stack, ["m1", "m2", "m3"], ["w1", "w2"])
    hosts["m1"].root_exec("systemctl start docker.service", check=True)
    wait_until(
        "m1 back in the swarm", lambda: nodes(docker, url["m2"])[hosts["m1"].name]["manager"] == "reachable"
    )
    stack.up("--refresh")
    stack.preview("--refresh", "--expect-no-changes")

    # A node that left is shown and rejoined; its old entry is forgotten.
    docker.text(url["w2"], "swarm", "leave")
    assert 'w2: "left: the daemon is in no swarm"' in stack.preview("--refresh", "--diff").stdout
    stack.up("--refresh")
    assert [op.split(" (")[0] for op in stack.outputs()["operations"]] == [
        "join w2 as worker",
        "forget w2",
        "set w2",
    ]
    assert sorted(host_of[h] for h in nodes(docker, url["m1"])) == sorted(NAMES)

    # Rotation (join tokens and the swarm's root CA, as inputs that change) and a label changed in place.
    ca_before = docker.text(url["m1"], "swarm", "ca")
    configure(stack, ["m1", "m2", "m3"], ["w1", "w2"], token_rotation=1, ca_rotation=1)
    stack.config_set("labels", json.dumps({**LABELS, "w1": {"zone": "c"}}))
    stack.up()
    out = stack.outputs()
    assert out["operations"] == ["set w1", "rotate-join-tokens", "rotate-ca"]
    assert nodes(docker, url["m1"])[hosts["w1"].name]["labels"] == {"zone": "c"}
    rotated = [docker.text(url["m1"], "swarm", "join-token", "-q", role) for role in ("worker", "manager")]
    assert rotated[0] != tokens[0] and rotated[1] != tokens[1]
    ca_after = docker.text(url["m1"], "swarm", "ca")
    assert ca_after != ca_before and out["swarm_ca_cert_pem"].strip() == ca_after.strip()
    assert all(n["status"] == "ready" for n in nodes(docker, url["m1"]).values())

    # Scale down in one up: 3 managers to 1 (m2 demoted, m3 removed) and worker w2 removed, drained first.
    # w2's task moved away when it left; a forced update spreads the 6 tasks over all 5 nodes again
    # (a task that fails to start there is retried by the swarm: the update goes on, and we wait).
    spread = ("--force", "--detach", "--update-failure-action", "continue", "web")
    docker.text(url["m1"], "service", "update", *spread, timeout=180)
    wait_until(
        "a task of web running on w2",
        lambda: running_tasks(docker, url["m1"], "web").get(hosts["w2"].name, 0) >= 1,
        timeout=180,
    )
    # A global service's task stays on w2 until it is drained (web's may move again as the forced update
    # goes on), so the drain always has a task to move.
    every = ("service", "create", "--detach=false", "--mode", "global", "--name", "everywhere", "bb:1")
    docker.text(url["m1"], *every, *HTTPD, timeout=180)
    wait_until(
        "the global task running on w2",
        lambda: running_tasks(docker, url["m1"], "everywhere").get(hosts["w2"].name, 0) == 1,
        timeout=180,
    )
    configure(stack, ["m1"], ["m2", "w1"], token_rotation=1, ca_rotation=1)
    stack.up()
    ops = stack.outputs()["operations"]
    assert [op.split(" (")[0] for op in ops] == [
        "demote m2",
        "demote m3",
        "drain m3",
        "wait-drained m3",
        "leave m3",
        "remove m3",
        "drain w2",
        "wait-drained w2",
        "leave w2",
        "remove w2",
    ]
    moved = re.fullmatch(r"drain w2 \((\d+) task\(s\) to move\)", ops[6])
    assert moved and int(moved[1]) >= 1 and ops[7] == "wait-drained w2 (none left)"
    after = {host_of[h]: v for h, v in nodes(docker, url["m1"]).items()}
    assert {n: (v["role"], v["status"]) for n, v in after.items()} == {
        "m1": ("manager", "ready"),
        "m2": ("worker", "ready"),
        "w1": ("worker", "ready"),
    }

    def replaced() -> bool:  # the moved tasks start on the nodes that stay
        placed = {host_of[h]: c for h, c in running_tasks(docker, url["m1"], "web").items()}
        return sum(placed.values()) == 6 and set(placed) <= {"m1", "m2", "w1"}

    wait_until("6 tasks of web running on m1, m2 and w1", replaced)
    for name in ("m3", "w2"):
        assert docker.text(url[name], "info", "--format", "{{.Swarm.LocalNodeState}}") == "inactive"

    # Destroy the swarm: every daemon stays a plain TLS daemon with no swarm state.
    urn = next(
        r["urn"] for r in stack.export()["deployment"]["resources"] if r["type"].endswith(":SwarmCluster")
    )
    stack.destroy("--target", urn, "--target-dependents")
    for name, host in hosts.items():
        assert docker.text(url[name], "info", "--format", "{{.Swarm.LocalNodeState}}") == "inactive"
        left = host.root_exec("ls -A /var/lib/docker/swarm 2>/dev/null || true", check=True).stdout.split()
        assert "state.json" not in left and "raft" not in left, (name, left)
