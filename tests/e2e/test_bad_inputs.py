"""Bad inputs through the real CLI: one clean line naming the field, no traceback, no secret, host untouched.

The kinds that `check` refuses share one stack and one host; those only a host can answer (wrong
credentials, host keys, unreachable hosts) fail at `up`, each leaving the host as it was.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.pki import keys

from ..throwaway_pki import new_ca, ssh_private_key
from .pulumi_cli import Stack
from .test_docker_host import on_host

pytestmark = pytest.mark.e2e

PROGRAM = (Path(__file__).parent / "programs" / "bad_inputs.py").read_text()
LOGIN_PASSWORD = "pl41n-login-pw"
SUDO_PASSWORD = "pl41n-sud0-pw"
PASSPHRASE = "pl41n-passphrase"
OTHER_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


def host_state(host: Any) -> str:
    """What a change would touch: daemon.json, server PEMs, drop-ins (their hashes) and dockerd's PID."""
    return on_host(
        host,
        "{ sha256sum /etc/docker/daemon.json /etc/docker/*.pem /etc/systemd/system/docker.service.d/*"
        " 2>/dev/null; true; }; systemctl show -p MainPID --value docker",
    )


class Cases:
    """One stack whose program takes its whole input from config; runs a case and checks the output."""

    def __init__(self, stack: Stack, host: Any, tmp_path: Path, secrets: list[str]) -> None:
        self.stack, self.host, self.tmp_path = stack, host, tmp_path
        self.secrets = [*secrets, Path(host.key_path).read_text()]

    def set(self, case: dict[str, Any], key_file: str | None = None) -> None:
        connection = {"host": self.host.address, "user": self.host.user, **case.pop("connection", {})}
        full = {"key_file": key_file or self.host.key_path, "store": str(self.tmp_path / "store"), **case}
        self.stack.config_set("case", json.dumps({**full, "connection": connection}))

    def refused(self, command: str, fragment: str) -> str:
        run = self.stack.preview if command == "preview" else self.stack.up
        proc = run(expect_fail=True)
        out = proc.stdout + proc.stderr
        assert fragment in out, (fragment, out[-3000:])
        assert "Traceback" not in out, out[-3000:]
        assert "-----BEGIN" not in out, out[-3000:]
        assert not [s for s in self.secrets if s in out], "a secret is in the CLI output"
        return out


URL_PASSWORD = "url-password-6f1d"
"""In a bad install_script_url: the message must not repeat the URL."""

# (config case, fragment of the one line that names the field, whether `up --skip-preview` is tried too)
PREVIEW_CASES: list[tuple[dict[str, Any], str, bool]] = [
    ({"connection": {"port": "ssh"}}, "connection.port: must be a whole number", True),
    ({"connection": {"port": 0}}, "connection.port: must be between 1 and 65535; got 0", False),
    (
        {"connection": {"host_key": "ssh-rsa AAAA"}},
        "connection.host_key: must be an OpenSSH public key",
        False,
    ),
    (
        {"connection": {"proxy": {"host": "999.1.1.1", "private_key": "KEY"}}},
        "connection.proxy.host: '999.1.1.1' is neither an IP address nor a DNS name",
        True,
    ),
    ({"connection": {"sudo_password": ""}}, "connection.sudo_password: must be a non-empty string", False),
    ({"daemon": {"labels": "rack=1"}}, "daemon.labels: must be a list of `key=value` strings", False),
    ({"daemon": {"log_opts": {"max-file": 0}}}, "daemon.log_opts.max-file: '0' is not a whole number", False),
    ({"daemon": {"tls_port": 22}}, "daemon.tls_port: is 22, the SSH port", True),
    ({"ip_addresses": ["999.1.1.1"]}, "ip_addresses: '999.1.1.1' is not an IP address", True),
    ({"name": "web\n"}, "is not a machine name", True),
    ({"confirm_timeout": 5}, "confirm_timeout: must be between 10 and 3600 seconds; got 5", False),
    ({"install_method": "magic"}, "install_method: 'magic' is not one of packages", False),
    ({"install_method": "script"}, "install_script_url: is required when install_method is 'script'", False),
    (
        {
            "install_method": "script",
            "install_script_url": f"ftp://user:{URL_PASSWORD}@get.example/docker.sh",
        },
        "install_script_url: must be an http:// or https:// URL with a host name",
        False,
    ),
]


def test_bad_inputs_fail_with_one_line_and_change_nothing(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    before = host_state(host)
    stack = pulumi_stack(PROGRAM, name="bad")
    cases = Cases(stack, host, tmp_path, [LOGIN_PASSWORD, SUDO_PASSWORD, PASSPHRASE, URL_PASSWORD])

    for case, fragment, also_up in PREVIEW_CASES:
        cases.set(dict(case))
        cases.refused("preview", fragment)
        if also_up:
            cases.refused("up", fragment)
    # An encrypted key and a wrong passphrase, given as plain strings.
    locked = tmp_path / "locked_key"
    locked.write_text(ssh_private_key(PASSPHRASE))
    cases.set({"connection": {"private_key_password": PASSPHRASE + "-wrong"}}, key_file=str(locked))
    cases.refused("preview", "connection.private_key_password: does not open private_key (wrong passphrase)")
    # A bring-your-own CA that has expired.
    old = new_ca("old CA", start=datetime.now(UTC) - timedelta(days=3))
    (tmp_path / "ca.pem").write_text(old.pem)
    (tmp_path / "ca-key.pem").write_text(keys.private_key_to_pem(old.key))
    cases.set({"ca_files": [str(tmp_path / "ca.pem"), str(tmp_path / "ca-key.pem")]})
    cases.refused("preview", "existing_cert_pem: expired on")
    cases.refused("up", "existing_cert_pem: expired on")
    assert host_state(host) == before

    # Only the host can answer these: refused at `up`, the host unchanged.
    cases.set({"connection": {"private_key": None, "password": LOGIN_PASSWORD}})
    cases.refused("up", "connection.password: root@")
    cases.set({"connection": {"host_key": OTHER_HOST_KEY}})
    cases.refused("up", "connection.host_key: root@")
    cases.set({"connection": {"proxy": {"host": host.address, "port": 1, "private_key": "KEY"}}})
    cases.refused("up", f"connection.proxy: jump host root@{host.address}:1: unreachable after 3 attempt(s)")
    assert host_state(host) == before

    # Accepted: the longest name the docs allow, a label number from stack config written as given,
    # pulumi-command's camelCase key name (the key, a plain string, still ends up a secret in the state).
    cases.set(
        {
            "name": "m" * 63,
            "daemon": {"labels": {"rack": 1}},
            "confirm_timeout": "60",
            "connection": {"private_key": None, "privateKey": "KEY", "port": "22"},
        }
    )
    stack.up()
    daemon_json = json.loads(on_host(host, "cat /etc/docker/daemon.json"))
    assert daemon_json["labels"] == ["rack=1"]
    assert stack.outputs()["docker_host"] == f"tcp://{host.address}:2376"
    state = stack.state_text(host.address)
    assert "m" * 63 in state
    assert "PRIVATE KEY" not in state


def test_sudo_password_and_unreachable_host_fail_fast_naming_the_field(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one(login="sudo")
    before = host_state(host)
    stack = pulumi_stack(PROGRAM, name="sudo")
    cases = Cases(stack, host, tmp_path, [SUDO_PASSWORD, host.password])
    cases.set({"connection": {"sudo_password": SUDO_PASSWORD}})
    started = time.monotonic()
    out = cases.refused(
        "up", f"connection.sudo_password: {host.user}@{host.address}:22: sudo refused the password"
    )
    print(f"wrong sudo password refused after {time.monotonic() - started:.1f} s (whole `pulumi up`)")
    assert "3 incorrect password attempts" not in out
    assert host_state(host) == before

    host.kill_network()
    started = time.monotonic()
    cases.refused("up", f"connection.host: {host.user}@{host.address}:22: unreachable after 3 attempt(s)")
    print(f"unreachable host given up after {time.monotonic() - started:.1f} s (whole `pulumi up`)")
