"""The TLS check that confirms a change, against a daemon that is not ours: a wrong address (a stale DNS
record, a machine in the middle) leads to a healthy Docker daemon with a certificate from a foreign CA.
It trusts our client certificate and answers /_ping, so only the check's verification of the server
can refuse it; the host must roll the change back by itself and the error must say which check failed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.providers.certs import CertificateAuthorityProvider, ServerCertProvider

from .test_docker_host import client, daemon_json, docker_setup, entry, host_stack, on_host

pytestmark = pytest.mark.e2e

IMPOSTOR_DROPIN = "/etc/systemd/system/docker.service.d/impostor.conf"


def _issue(provider: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    checked = provider.check({}, inputs)
    assert checked.failures == []
    return dict(provider.create(checked.inputs).outs)


def make_impostor(host: Any, trusted_client_ca: str) -> None:
    """Turn `host`'s Docker into a TLS daemon on 2376 with a certificate from a foreign CA that accepts
    clients of `trusted_client_ca` (ours)."""
    foreign = _issue(CertificateAuthorityProvider(), {"common_name": "foreign CA"})
    server = _issue(
        ServerCertProvider(),
        {
            "ca_cert_pem": foreign["cert_pem"],
            "ca_private_key_pem": foreign["private_key_pem"],
            "ip_addresses": [host.address],
        },
    )
    etc = Path(host.root) / "etc" / "docker"
    for name, text in (
        ("ours.pem", trusted_client_ca),
        ("f.pem", server["cert_pem"]),
        ("f-key.pem", server["private_key_pem"]),
    ):
        (etc / name).write_text(text)
    settings = {
        "tlsverify": True,
        "tlscacert": "/etc/docker/ours.pem",
        "tlscert": "/etc/docker/f.pem",
        "tlskey": "/etc/docker/f-key.pem",
        "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],
    }
    (etc / "daemon.json").write_text(json.dumps(settings))
    dropin = Path(host.root) / IMPOSTOR_DROPIN.lstrip("/")
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text(
        "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock\n"
    )
    on_host(
        host, "systemctl daemon-reload && systemctl restart docker && sleep 1 && ss -ltn | grep -c ':2376 '"
    )


def test_a_change_that_only_a_foreign_daemon_confirms_is_rolled_back(pulumi_stack, test_hosts, tmp_path):
    ours, impostor = test_hosts(2)
    stack = host_stack(pulumi_stack, [entry(ours)])
    stack.up()
    make_impostor(impostor, stack.outputs()["ca_cert_pem"])
    docker = client(stack, tmp_path)
    # Healthy, and it takes our client certificate: only a client that does not verify it is served.
    unverified = [docker.binary(), "--tls", f"--tlscacert={docker.dir / 'ca.pem'}"]
    unverified += [f"--tlscert={docker.dir / 'cert.pem'}"]
    unverified += [f"--tlskey={docker.dir / 'key.pem'}", "-H", f"tcp://{impostor.address}:2376"]
    answered = subprocess.run(
        [*unverified, "version", "--format", "{{.Server.Os}}"], capture_output=True, text=True
    )
    assert answered.stdout.strip() == "linux", answered.stderr

    before = docker_setup(ours)
    # Clients are sent to the impostor's address, which our server certificate names too.
    moved = entry(ours, address=impostor.address, sans=[ours.address, impostor.address])
    stack.config_set("hosts", json.dumps([moved]))
    stack.config_set("daemon", json.dumps({"labels": ["moved=1"]}))
    refused = stack.up(expect_fail=True)
    said = refused.stdout + refused.stderr
    assert f"TLS endpoint tcp://{impostor.address}:2376 did not answer" in said, said[-3000:]
    assert "certificate verify failed" in said and "Traceback" not in said
    assert "rolled back" in said
    after = docker_setup(ours)
    assert after.pop("dockerd") != before.pop("dockerd")  # restarted with the change, then rolled back
    assert after == before  # the host went back to the old configuration by itself
    assert "moved=1" not in daemon_json(ours)
    assert docker.text(f"tcp://{ours.address}:2376", "info", "--format", "{{.Name}}") == ours.name
