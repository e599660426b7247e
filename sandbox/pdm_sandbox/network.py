"""Test networks: Linux bridges in the root namespace, one network namespace per host, veth legs.

`public` is bridge pdmbr0 (10.231.0.0/24) where the machine is 10.231.0.1; `private` is bridge pdmbr1
(10.231.1.0/24) where the machine has no address at all. Hosts get no default route, the bridges do not
forward to other interfaces, and 10.231.0.0/16 is an unreachable route on the machine, so nothing from or
to a test address ever leaves through the machine's uplink.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import SandboxError
from .locks import file_lock
from .paths import LINK_PREFIX, NETNS_PREFIX, SUPERNET
from .shell import run

SLOTS = range(2, 255)
LOCK_PATH = Path("/run/lock/pdm-sandbox-network.lock")


@dataclass(frozen=True)
class Network:
    """One test network: its bridge, /24 prefix and the machine's address on it (None: not reachable)."""

    name: str
    bridge: str
    prefix: str
    machine_address: str | None

    def address(self, slot: int) -> str:
        return f"{self.prefix}.{slot}"


NETWORKS = {
    "public": Network("public", "pdmbr0", "10.231.0", "10.231.0.1"),
    "private": Network("private", "pdmbr1", "10.231.1", None),
}
BRIDGE_RE = re.compile(r"^pdmbr\d+$")
VETH_RE = re.compile(rf"^{LINK_PREFIX}\d+n\d+$")


def network(name: str) -> Network:
    """The network called `name` ('public' or 'private')."""
    try:
        return NETWORKS[name]
    except KeyError:
        raise SandboxError(f"unknown network {name!r}; expected one of {', '.join(NETWORKS)}") from None


def netns_name(host: str) -> str:
    return f"{NETNS_PREFIX}{host}"


def veth_name(slot: int, index: int) -> str:
    """The machine-side end of a host's leg `index` (at most 15 characters)."""
    return f"{LINK_PREFIX}{slot}n{index}"


def _sysctl(path: str, value: str) -> None:
    Path("/proc/sys", path).write_text(value)


def links() -> list[str]:
    """Names of the network interfaces in the root namespace."""
    return [p.name for p in Path("/sys/class/net").iterdir()]


def namespaces() -> list[str]:
    """Named network namespaces that belong to the sandbox."""
    return (
        sorted(p.name for p in Path("/run/netns").glob(f"{NETNS_PREFIX}*"))
        if Path("/run/netns").is_dir()
        else []
    )


def ensure_bridge(net: Network) -> None:
    """Create the bridge of `net` if missing: no IPv6, no forwarding, the machine address only on public."""
    with file_lock(LOCK_PATH):
        _ensure_bridge(net)


def _ensure_bridge(net: Network) -> None:
    if net.bridge not in links():
        run(["ip", "link", "add", "name", net.bridge, "type", "bridge"])
        _sysctl(f"net/ipv6/conf/{net.bridge}/disable_ipv6", "1")
        if net.machine_address:
            run(["ip", "addr", "add", f"{net.machine_address}/24", "dev", net.bridge])
        run(["ip", "link", "set", net.bridge, "up"])
    # Every start, since setting net.ipv4.ip_forward=1 on the machine turns it back on for all interfaces.
    _sysctl(f"net/ipv4/conf/{net.bridge}/forwarding", "0")
    run(["ip", "route", "replace", "unreachable", SUPERNET])
    _allow_bridged_traffic(net.bridge, add=True)


def _forward_rules(bridge: str) -> list[list[str]]:
    """FORWARD rules for a machine with iptables: frames bridged between two ports pass (br_netfilter with
    a DROP policy, as Docker sets it, would drop them), nothing is routed off or onto the test network."""
    return [
        ["-i", bridge, "-o", bridge, "-j", "ACCEPT"],
        ["-i", bridge, "!", "-o", bridge, "-j", "DROP"],
        ["!", "-i", bridge, "-o", bridge, "-j", "DROP"],
    ]


def _allow_bridged_traffic(bridge: str, add: bool) -> None:
    """Add (or remove) the FORWARD rules of `bridge` when iptables is installed; without it nothing routes
    anyway (forwarding is off on the bridge and no NAT exists)."""
    if not shutil.which("iptables"):
        return
    for rule in _forward_rules(bridge):
        present = run(["iptables", "-C", "FORWARD", *rule], check=False).returncode == 0
        if add and not present:
            run(["iptables", "-I", "FORWARD", "1", *rule])
        elif not add and present:
            run(["iptables", "-D", "FORWARD", *rule], check=False)


def remove_bridges() -> list[str]:
    """Delete every sandbox bridge and the unreachable route; return what was removed."""
    with file_lock(LOCK_PATH):
        return _remove_bridges()


def _remove_bridges() -> list[str]:
    removed = []
    for name in links():
        if BRIDGE_RE.match(name):
            _allow_bridged_traffic(name, add=False)
            run(["ip", "link", "del", name], check=False)
            removed.append(name)
    if run(["ip", "route", "show", "type", "unreachable", SUPERNET], check=False).stdout.strip():
        run(["ip", "route", "del", "unreachable", SUPERNET], check=False)
        removed.append(f"route unreachable {SUPERNET}")
    return removed


@dataclass(frozen=True)
class Leg:
    """One interface of a host: network name, name inside the host, machine-side veth, address."""

    network: str
    inside: str
    veth: str
    address: str


def create_host_network(host: str, slot: int, networks: tuple[str, ...]) -> list[Leg]:
    """Create the host's namespace and an addressed veth per network (eth0, eth1...), no default route."""
    ns = netns_name(host)
    legs = [Leg(n, f"eth{i}", veth_name(slot, i), network(n).address(slot)) for i, n in enumerate(networks)]
    run(["ip", "netns", "add", ns])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])
    # nspawn mounts /proc/sys read-only, so dockerd cannot enable forwarding itself; set it per namespace.
    # It only routes between the host's own legs and its containers: no leg has a default route.
    run(["ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
    for leg in legs:
        net = network(leg.network)
        ensure_bridge(net)
        run(["ip", "link", "add", leg.veth, "type", "veth", "peer", "name", leg.inside, "netns", ns])
        _sysctl(f"net/ipv6/conf/{leg.veth}/disable_ipv6", "1")
        run(["ip", "link", "set", leg.veth, "master", net.bridge, "up"])
        run(["ip", "-n", ns, "addr", "add", f"{leg.address}/24", "dev", leg.inside])
        run(["ip", "-n", ns, "link", "set", leg.inside, "up"])
    return legs


def destroy_host_network(host: str, veths: list[str], timeout: float = 10) -> None:
    """Delete the host's machine-side veths (each takes its peer along) and its namespace, and wait
    until the kernel no longer lists the veths: a veth of a namespace whose last process was just
    killed is removed asynchronously, so one pass can see it and fail to delete it."""
    deadline = time.monotonic() + timeout
    while True:
        for veth in set(veths) & set(links()):
            run(["ip", "link", "del", veth], check=False)
        if netns_name(host) in namespaces():
            run(["ip", "netns", "del", netns_name(host)], check=False)
        left = sorted(set(veths) & set(links()))
        if not left:
            return
        if time.monotonic() > deadline:
            raise SandboxError(f"{host}: veths {', '.join(left)} still present after {timeout:.0f} s")
        time.sleep(0.2)


def set_link(veth: str, up: bool) -> None:
    """Bring a host's machine-side veth up or down (down: the host is cut off the bridge)."""
    run(["ip", "link", "set", veth, "up" if up else "down"])
