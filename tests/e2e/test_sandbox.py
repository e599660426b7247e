"""The test-host harness itself: real systemd-nspawn hosts, real SSH, real Docker, real teardown."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pdm_sandbox import Host, HostRequest, Sandbox, aptrepo, network, nspawn
from pdm_sandbox.mounts import mounts_under
from pdm_sandbox.procs import alive, all_pids, cmdline

pytestmark = pytest.mark.e2e

REFUSED = ("Host key verification failed", "REMOTE HOST IDENTIFICATION HAS CHANGED")


def wait_active(host: Host, unit: str, timeout: float = 60) -> str:
    deadline, state = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        state = host.ssh(f"systemctl is-active {unit}").stdout.strip()
        if state in ("active", "failed"):
            break
        time.sleep(0.5)
    return state


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("pdm-sandbox")), *args],
        text=True,
        capture_output=True,
        timeout=300,
        env=os.environ.copy(),
    )


def assert_nothing_left(sandbox: Sandbox, hosts: list[dict[str, Any]]) -> None:
    """None of `hosts` (records) left a process, mount, namespace, veth, directory or record, whatever
    else runs on the machine; and when no host at all is recorded, no shared piece (bridge, route,
    repository server) remains either."""
    for rec in hosts:
        name, host_dir = rec["name"], sandbox.hosts_dir / rec["name"]
        assert not alive(rec["pid"]), name
        assert nspawn.find_ours(host_dir) == [], name
        assert [p for p in all_pids() if any(str(host_dir) in a for a in cmdline(p))] == [], name
        assert mounts_under(host_dir) == [], name
        assert network.netns_name(name) not in network.namespaces()
        with sandbox.store.edit() as state:  # a host started meanwhile may reuse the freed slot's veths
            reused = {v for r in state["hosts"].values() for v in r.get("veths", [])}
            assert not (set(rec["veths"]) - reused) & set(network.links()), name
        assert not host_dir.exists()
        assert name not in sandbox.store.read()["hosts"]
        assert not re.search(rf"^Host {name}$", sandbox.ssh_config.read_text(), re.M), name
    with sandbox.store.edit() as state:  # the lock keeps concurrent sessions from starting hosts meanwhile
        if state["hosts"]:
            assert_all_accounted_for(sandbox, state)
            return
        assert nspawn.find_ours(sandbox.hosts_dir) == []
        assert [p for p in all_pids() if cmdline(p)[:1] == ["systemd-nspawn"] and alive(p)] == []
        assert mounts_under(sandbox.state_dir) == []
        assert network.namespaces() == []
        assert [link for link in network.links() if link.startswith("pdm")] == []
        assert aptrepo.find_servers("10.231.0.1") == []
        routes = subprocess.run(["ip", "route", "show", "table", "all"], text=True, capture_output=True)
        assert "10.231." not in routes.stdout
        assert not sandbox.hosts_dir.exists() or list(sandbox.hosts_dir.iterdir()) == []


def assert_all_accounted_for(sandbox: Sandbox, state: dict[str, Any]) -> None:
    """With hosts of other tests recorded (called under the state lock): the shared pieces serve them, and
    every nspawn process, host directory, namespace, veth and repository server belongs to a recorded
    host or to the sandbox itself. A host is recorded (with its veths) before any of its pieces exist
    and forgotten after they are gone, so this holds at any instant."""
    hosts = state["hosts"]
    dirs = [str(sandbox.hosts_dir / name) for name in hosts]
    for pid in nspawn.find_ours(sandbox.hosts_dir):
        assert any(d in arg for arg in cmdline(pid) for d in dirs), f"nspawn {pid}: {cmdline(pid)}"
    if sandbox.hosts_dir.exists():
        assert {p.name for p in sandbox.hosts_dir.iterdir()} <= set(hosts)
    assert set(network.namespaces()) <= {network.netns_name(name) for name in hosts}
    veths = {v for rec in hosts.values() for v in rec.get("veths", [])}
    assert {link for link in network.links() if network.VETH_RE.match(link)} <= veths
    server = (state.get("aptrepos") or {}).get("pid")
    assert set(aptrepo.find_servers("10.231.0.1")) <= ({server} if server else set())


def test_host_boots_with_systemd_as_pid_1(test_hosts):
    host = test_hosts.one()
    assert host.ssh("cat /proc/1/comm", check=True).stdout.strip() == "systemd"
    state = host.ssh("systemctl is-system-running --wait", timeout=120).stdout.strip()
    assert state in ("running", "degraded"), host.ssh("systemctl --failed --no-pager").stdout
    assert host.ssh("hostname", check=True).stdout.strip() == host.name
    assert re.fullmatch(r"[0-9a-f]{32}", host.ssh("cat /etc/machine-id", check=True).stdout.strip())


def test_ssh_uses_the_key_and_pins_the_host_key(test_hosts, tmp_path):
    host = test_hosts.one(variant="base")
    assert host.user == "root" and host.port == 22
    assert Path(host.key_path).stat().st_mode & 0o777 == 0o600
    assert host.host_public_key.startswith("ssh-ed25519 AAAA")
    scanned = subprocess.run(
        ["ssh-keyscan", "-t", "ed25519", host.address], text=True, capture_output=True, timeout=30
    ).stdout.split()
    assert " ".join(scanned[1:3]) == host.host_public_key
    assert host.ssh("whoami", check=True).stdout.strip() == "root"

    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    wrong = tmp_path / "known_hosts_wrong"
    wrong.write_text(f"{host.name},{host.address} {other.with_suffix('.pub').read_text()}")
    refused = host.ssh("true", known_hosts=str(wrong))
    assert refused.returncode == 255 and any(m in refused.stderr for m in REFUSED), refused.stderr
    empty = tmp_path / "known_hosts_empty"
    empty.write_text("")
    unknown = host.ssh("true", known_hosts=str(empty))
    assert unknown.returncode == 255 and "Host key verification failed" in unknown.stderr
    with pytest.raises(Exception, match="never disables"):
        host.ssh("true", options={"StrictHostKeyChecking": "no"})

    changed = host.regenerate_host_key()
    assert changed.host_public_key != host.host_public_key
    refused = host.ssh("true")
    assert refused.returncode == 255 and any(m in refused.stderr for m in REFUSED), refused.stderr
    pinned = tmp_path / "known_hosts_new"
    pinned.write_text(changed.known_hosts_line())
    assert host.ssh("true", known_hosts=str(pinned)).returncode == 0


def test_docker_variant_runs_the_daemon_and_containers(test_hosts):
    host = test_hosts.one(variant="docker")
    assert host.ssh("systemctl is-active docker").stdout.strip() == "active"
    version = host.ssh(
        "docker -H unix:///var/run/docker.sock version --format '{{.Server.Version}}'", check=True
    )
    assert version.stdout.strip().startswith("20.10")
    run = host.ssh(
        "set -e; d=$(mktemp -d); cp /usr/bin/tini-static $d/tini; "
        "tar -C $d -c . | docker import - pdm/tini >/dev/null; docker run --rm pdm/tini /tini --version",
        timeout=180,
    )
    assert run.returncode == 0 and "tini version" in run.stdout, run.stderr


def test_two_hosts_ping_and_ssh_each_other(test_hosts):
    a, b = test_hosts(2, variant="base")
    assert a.address != b.address
    a.ssh(f"ping -c 1 -W 2 {b.address}", check=True)
    b.ssh(f"ping -c 1 -W 2 {a.address}", check=True)
    a.ssh("umask 077; cat > /root/.ssh/id_ed25519", input=Path(a.key_path).read_text(), check=True)
    a.ssh("cat > /root/.ssh/known_hosts", input=b.known_hosts_line(), check=True)
    hop = a.ssh(f"ssh -o BatchMode=yes -o StrictHostKeyChecking=yes root@{b.address} hostname")
    assert hop.returncode == 0 and hop.stdout.strip() == b.name, hop.stderr


def test_hosts_have_no_route_off_the_test_network(test_hosts):
    host = test_hosts.one(variant="base")
    assert host.ssh("ip route show default", check=True).stdout.strip() == ""
    assert host.ssh("ip -6 route show default", check=True).stdout.strip() == ""
    outside = host.ssh("ip route get 1.1.1.1")
    assert outside.returncode != 0 and "unreachable" in outside.stderr.lower()
    test_net = ipaddress.ip_network("10.231.0.0/24")
    for line in host.ssh("ip -4 route show", check=True).stdout.splitlines():
        assert ipaddress.ip_network(line.split()[0]).subnet_of(test_net), line
    assert Path("/proc/sys/net/ipv4/conf/pdmbr0/forwarding").read_text().strip() == "0"
    assert Path("/proc/sys/net/ipv6/conf/pdmbr0/disable_ipv6").read_text().strip() == "1"
    machine = subprocess.run(["ip", "route", "get", "10.231.1.77"], text=True, capture_output=True)
    assert machine.returncode != 0, machine.stdout
    if shutil.which("iptables"):
        forward = subprocess.run(["iptables", "-S", "FORWARD"], text=True, capture_output=True).stdout
        assert "-A FORWARD -i pdmbr0 ! -o pdmbr0 -j DROP" in forward
        nat = subprocess.run(["iptables", "-t", "nat", "-S"], text=True, capture_output=True).stdout
        assert not re.search(r"MASQUERADE.*(10\.231\.|pdmbr)|(10\.231\.|pdmbr).*MASQUERADE", nat)


def test_base_variant_installs_docker_from_the_local_repository(test_hosts, sandbox):
    host = test_hosts.one(variant="base")
    assert host.ssh("command -v dockerd").returncode != 0
    assert host.ssh("cat /etc/apt/sources.list", check=True).stdout == sandbox.apt_source()
    assert host.ssh("ls -A /etc/apt/sources.list.d", check=True).stdout.strip() == ""
    update = host.ssh("apt-get update", timeout=120, check=True)
    assert not re.search(r"^(W|E|Err):", update.stdout + update.stderr, flags=re.M), (
        update.stdout + update.stderr
    )
    install = host.ssh("DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io", timeout=600)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    assert wait_active(host, "docker") == "active"
    assert host.ssh("docker version --format '{{.Server.Version}}'", check=True).stdout.startswith("20.10")


def test_sudo_login_needs_the_password(test_hosts):
    host = test_hosts.one(variant="base", login="sudo")
    assert host.user == "deploy" and host.password
    assert host.ssh("whoami", check=True).stdout.strip() == "deploy"
    no_password = host.ssh("sudo -n true")
    assert no_password.returncode != 0 and "password is required" in no_password.stderr
    assert host.ssh("sudo -S -p '' id -u", input=host.password + "\n", check=True).stdout.strip() == "0"
    assert host.ssh("sudo -S -p '' id -u", input="not-the-password\n").returncode != 0
    as_root = host.ssh("true", user="root")
    assert as_root.returncode == 255 and "Permission denied" in as_root.stderr


def test_sudo_nopasswd_login(test_hosts):
    host = test_hosts.one(variant="base", login="sudo-nopasswd")
    assert host.password is None  # nobody is told the account's password: sudo must not need one
    assert host.ssh("whoami", check=True).stdout.strip() == "deploy"
    assert host.ssh("sudo -n id -u", check=True).stdout.strip() == "0"


def test_private_host_is_reachable_only_through_the_jump_host(test_hosts, sandbox):
    jump = test_hosts.one(variant="base", networks=("public", "private"))
    inner = test_hosts.one(variant="base", networks=("private",))
    assert inner.address.startswith("10.231.1.") and jump.addresses["private"].startswith("10.231.1.")
    assert sandbox.get(inner.name).jump == jump.name
    assert inner.ssh("hostname", check=True).stdout.strip() == inner.name
    jump.ssh(f"ping -c 1 -W 2 {inner.address}", check=True)
    direct = inner.ssh("true", options={"ProxyJump": "none", "ConnectTimeout": "3"})
    assert direct.returncode == 255
    with pytest.raises(OSError):
        socket.create_connection((inner.address, 22), timeout=3)
    assert inner.ssh("ip route get 10.231.0.1").returncode != 0


def test_killed_network_makes_a_host_unreachable(test_hosts):
    host = test_hosts.one(variant="base")
    host.kill_network()
    assert host.ssh("true", options={"ConnectTimeout": "2"}, timeout=30).returncode == 255
    host.restore_network()
    assert host.ssh("true", check=True).returncode == 0


def test_cli_up_ls_ssh_down(sandbox):
    up = run_cli("up", "clihost", "--variant", "base", "--json")
    assert up.returncode == 0, up.stderr
    [record] = json.loads(up.stdout)
    assert (
        record["name"] == "clihost" and record["user"] == "root" and record["address"].startswith("10.231.0.")
    )
    listed = run_cli("ls")
    assert listed.returncode == 0 and "clihost" in listed.stdout and record["fingerprint"] in listed.stdout
    ssh = run_cli("ssh", "clihost", "hostname")
    assert ssh.returncode == 0 and ssh.stdout.strip() == "clihost", ssh.stderr
    refused = run_cli("down")  # no names: refused, nothing stopped
    assert refused.returncode == 2 and "--all" in refused.stderr
    assert alive(record["pid"]) and "clihost" in run_cli("ls").stdout
    assert run_cli("down", "clihost").returncode == 0
    assert "clihost" not in run_cli("ls").stdout
    assert not alive(record["pid"])


CRASHING_SESSION = """
import os, sys
from pdm_sandbox import Sandbox
host = Sandbox(stop_at_exit=True).start("crashed1", variant="base")
print(host.pid, flush=True)
os._exit(0)  # no atexit, no finally: like a SIGKILLed pytest session
"""


def test_cleanup_removes_hosts_of_a_crashed_session(sandbox):
    crashed = subprocess.run([sys.executable, "-c", CRASHING_SESSION], text=True, capture_output=True)
    assert crashed.returncode == 0, crashed.stderr
    rec = sandbox.store.read()["hosts"]["crashed1"]
    assert alive(rec["pid"]) and rec["pid"] == int(crashed.stdout)
    removed = sandbox.cleanup_leftovers()
    assert f"host crashed1 (nspawn pid {rec['pid']})" in removed
    assert_nothing_left(sandbox, [rec])


def test_cleanup_keeps_cli_hosts_and_removes_unrecorded_ones(sandbox):
    up = run_cli("up", "kept", "lost", "--variant", "base", "--network", "public", "--network", "private")
    assert up.returncode == 0, up.stderr
    kept, lost = (sandbox.store.read()["hosts"][n] for n in ("kept", "lost"))
    removed = sandbox.cleanup_leftovers()  # detached CLI hosts are not leftovers
    assert not [line for line in removed if "kept" in line or "lost" in line], removed
    assert alive(kept["pid"]) and alive(lost["pid"])
    with sandbox.store.edit() as state:  # the record of one host is lost (e.g. a crash mid-write)
        del state["hosts"]["lost"]
    removed = sandbox.cleanup_leftovers()
    assert f"nspawn pid {lost['pid']}" in removed and "netns pdm-lost" in removed
    assert "host dir lost" in removed and not alive(lost["pid"])
    assert alive(kept["pid"]) and sandbox.get("kept").ssh("true").returncode == 0
    sandbox.down(["kept"])
    assert_nothing_left(sandbox, [kept, lost])


def test_down_leaves_nothing_behind(sandbox):
    hosts = sandbox.start_many(
        [
            HostRequest("td1", "base", "root", ("public", "private")),
            HostRequest("td2", "docker", "sudo"),
            HostRequest("td3", "base", "root", ("private",)),
        ]
    )
    records = [sandbox.store.read()["hosts"][h.name] for h in hosts]
    assert all(alive(r["pid"]) for r in records)
    sandbox.down(owned_only=True)
    assert_nothing_left(sandbox, records)
