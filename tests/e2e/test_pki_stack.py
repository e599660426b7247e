"""Certificate resources end to end with the real pulumi CLI: issue, verify, renew, replace, adopt."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.pki.validity import BACKDATE

from .pulumi_cli import Stack, pem_body_line

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_docker_machine.resources.certs import (
    CertificateAuthority,
    CertificateAuthorityArgs,
    ClientCert,
    ClientCertArgs,
    ServerCert,
    ServerCertArgs,
)

cfg = pulumi.Config()
ca = CertificateAuthority("ca", CertificateAuthorityArgs(common_name="e2e CA", organization="pdm"))
other = CertificateAuthority("other", CertificateAuthorityArgs(common_name="other CA", key_type="rsa-2048"))
server = ServerCert(
    "server",
    ServerCertArgs(
        ca_cert_pem=ca.cert_pem,
        ca_private_key_pem=ca.private_key_pem,
        ip_addresses=cfg.get_object("ips") or ["10.0.0.5"],
        dns_names=cfg.get_object("dns_names") or ["h1.example"],
        key_type="ecdsa-p384",
        validity_hours=2000,
    ),
)
client = ClientCert(
    "client",
    ClientCertArgs(
        ca_cert_pem=ca.cert_pem,
        ca_private_key_pem=ca.private_key_pem,
        common_name="alice",
        key_type=cfg.get("client_key_type") or "ed25519",
        validity_hours=cfg.get_int("client_validity_hours"),
    ),
)
for name, cert in {"ca": ca, "other": other, "server": server, "client": client}.items():
    pulumi.export(f"{name}_cert", cert.cert_pem)
    pulumi.export(f"{name}_key", cert.private_key_pem)
    pulumi.export(f"{name}_serial", cert.serial)
    pulumi.export(f"{name}_not_after", cert.not_after)
"""

BYO_PROGRAM = """
import pulumi
from pulumi_docker_machine.resources.certs import (
    CertificateAuthority,
    CertificateAuthorityArgs,
    ServerCert,
    ServerCertArgs,
)

cfg = pulumi.Config()
ca = CertificateAuthority(
    "byo",
    CertificateAuthorityArgs(
        existing_cert_pem=cfg.require("ca_cert"), existing_private_key_pem=cfg.require("ca_key")
    ),
)
server = ServerCert(
    "server",
    ServerCertArgs(ca_cert_pem=ca.cert_pem, ca_private_key_pem=ca.private_key_pem, dns_names=["byo.example"]),
)
pulumi.export("server_cert", server.cert_pem)
pulumi.export("ca_key_type", ca.key_type)
pulumi.export("ca_key", ca.private_key_pem)
"""

RESOURCES = ("ca", "other", "server", "client")


def _write(tmp_path: Path, outputs: dict[str, Any]) -> dict[str, Path]:
    """Write each `<name>_cert` output to a PEM file; return them by name."""
    paths = {}
    for name in RESOURCES:
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_text(outputs[f"{name}_cert"])
    return paths


def _openssl(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=check)


def _plan(stack: Stack, env: dict[str, str] | None = None) -> dict[str, tuple[str, list[str]]]:
    """Resource name -> (operation, sorted replace reasons) from `pulumi preview --json`."""
    plan: dict[str, tuple[str, list[str]]] = {name: ("same", []) for name in RESOURCES}
    for step in stack.preview_json(env=env)["steps"]:
        name = step["urn"].split("::")[-1]
        if name in plan:
            plan[name] = (step["op"], sorted(step.get("replaceReasons") or []))
    return plan


def _lifetime(pem: Path) -> timedelta:
    """notAfter - notBefore of a certificate, as openssl reads them."""
    out = _openssl("x509", "-in", pem, "-noout", "-startdate", "-enddate").stdout
    dates = dict(line.split("=", 1) for line in out.splitlines())
    start, end = (datetime.strptime(dates[key], "%b %d %H:%M:%S %Y %Z") for key in ("notBefore", "notAfter"))
    return end - start


def _serials(stack: Stack) -> dict[str, str]:
    outputs = stack.outputs()
    return {name: outputs[f"{name}_serial"] for name in RESOURCES}


@pytest.mark.core
def test_issue_verify_and_keep_secrets(pulumi_stack, tmp_path):
    stack = pulumi_stack(PROGRAM, name="pki")
    stack.up()
    pem = _write(tmp_path, stack.outputs())

    assert _openssl("verify", "-CAfile", pem["ca"], "-purpose", "sslserver", pem["server"]).returncode == 0
    assert _openssl("verify", "-CAfile", pem["ca"], "-purpose", "sslclient", pem["client"]).returncode == 0
    for leaf in ("server", "client"):
        refused = _openssl("verify", "-CAfile", pem["other"], pem[leaf], check=False)
        assert refused.returncode != 0, refused.stdout

    server_text = _openssl("x509", "-in", pem["server"], "-noout", "-text").stdout
    assert "DNS:h1.example, DNS:localhost, IP Address:10.0.0.5, IP Address:127.0.0.1" in server_text
    assert "X509v3 Key Usage: critical\n                Digital Signature\n" in server_text
    assert "TLS Web Server Authentication" in server_text and "ecdsa-with-SHA256" in server_text
    assert "NIST CURVE: P-384" in server_text
    client_text = _openssl("x509", "-in", pem["client"], "-noout", "-text").stdout
    assert "TLS Web Client Authentication" in client_text and "ED25519" in client_text
    assert "Subject: CN = alice" in client_text
    ca_text = _openssl("x509", "-in", pem["ca"], "-noout", "-text").stdout
    assert "CA:TRUE" in ca_text and "Certificate Sign, CRL Sign" in ca_text
    assert "Subject: CN = e2e CA, O = pdm" in ca_text
    assert _lifetime(pem["server"]) == timedelta(hours=2000) + BACKDATE
    assert _lifetime(pem["client"]) == timedelta(hours=8760) + BACKDATE
    assert _lifetime(pem["ca"]) == timedelta(hours=26280) + BACKDATE

    stack.up("--expect-no-changes")
    stack.refresh("--expect-no-changes")
    stack.preview("--expect-no-changes")

    assert "PRIVATE KEY" not in stack.state_text(pem_body_line(stack.outputs()["ca_cert"]))
    assert stack.outputs()["server_key"] == "[secret]"
    shown = stack.outputs(show_secrets=True)
    for name in RESOURCES:
        assert "-----BEGIN PRIVATE KEY-----" in shown[f"{name}_key"]


def _at(moment: datetime) -> dict[str, str]:
    """Environment that moves the providers' renewal clock to `moment`."""
    return {"PULUMI_DOCKER_MACHINE_NOW": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_renewal_window_replaces_on_preview_and_up(pulumi_stack):
    stack = pulumi_stack(PROGRAM, name="renew")
    stack.up()
    before = _serials(stack)
    not_after = _time(stack.outputs()["server_not_after"])
    window = not_after - timedelta(hours=720)  # the server cert: 2000 h, renewed 720 h (the default) early

    stack.preview("--expect-no-changes", env=_at(window - timedelta(seconds=1)))
    plan = _plan(stack, env=_at(window))
    assert plan["server"] == ("replace", ["renewal"]), plan
    assert {plan[name][0] for name in ("ca", "other", "client")} == {"same"}, plan
    assert "+-1 to replace" in stack.preview("--diff", env=_at(window)).stdout
    # What a person reads: the refresh (as `refresh: always` projects do) turns the line to "due", the
    # replacement's line goes from the old certificate to the new one.
    shown = stack.preview("--refresh", "--diff", env=_at(window)).stdout
    day, opened = f"{not_after:%Y-%m-%d}", f"{window:%Y-%m-%d}"
    due = f'"due: expires {day}, renewal window opened {opened}"'
    assert f'~ renewal            : "expires {day}, renew from {opened}" => {due}' in shown, shown
    replacement = shown.split("+-pulumi-python:dynamic/docker-machine:ServerCert")[1]
    assert f"renewal            : {due}" in replacement, shown

    stack.up(env=_at(window))
    after = _serials(stack)
    assert after["server"] != before["server"]
    assert {name: after[name] for name in ("ca", "other", "client")} == {
        name: before[name] for name in ("ca", "other", "client")
    }
    # Renewed certificates are issued from the real clock, so real clients accept them today.
    assert _time(stack.outputs()["server_not_after"]) >= not_after
    stack.preview("--expect-no-changes")

    expired = _plan(stack, env={"PULUMI_DOCKER_MACHINE_NOW": "2034-01-01T00:00:00Z"})
    assert {name: (op, "renewal" in reasons) for name, (op, reasons) in expired.items()} == {
        name: ("replace", True) for name in RESOURCES
    }


def test_changing_a_san_replaces_only_the_server_cert(pulumi_stack):
    stack = pulumi_stack(PROGRAM, name="san")
    stack.up()
    before = _serials(stack)
    stack.config_set("dns_names", json.dumps(["h2.example"]))
    plan = _plan(stack)
    assert plan["server"] == ("replace", ["common_name", "dns_names"]), plan  # common_name follows dns_names
    assert {plan[name][0] for name in ("ca", "other", "client")} == {"same"}, plan
    stack.up()
    after = _serials(stack)
    assert after["server"] != before["server"]
    assert {k: v for k, v in after.items() if k != "server"} == {
        k: v for k, v in before.items() if k != "server"
    }
    stack.config_set("client_key_type", "rsa-3072")
    plan = _plan(stack)
    assert plan["client"] == ("replace", ["key_type"]) and plan["server"][0] == "same", plan


def test_bring_your_own_ca(pulumi_stack, tmp_path):
    ca_key, ca_cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert, "-days", "30",
        "-subj", "/CN=byo CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    stack = pulumi_stack(BYO_PROGRAM, name="byo")
    stack.config_set("ca_cert", ca_cert.read_text())
    stack.config_set("ca_key", ca_key.read_text(), secret=True)
    stack.up()
    outputs = stack.outputs(show_secrets=True)
    assert outputs["ca_key_type"] == "rsa-2048"
    assert outputs["ca_key"].strip() == ca_key.read_text().strip()
    server = tmp_path / "server.pem"
    server.write_text(outputs["server_cert"])
    assert _openssl("verify", "-CAfile", ca_cert, "-purpose", "sslserver", server).returncode == 0
    assert "PRIVATE KEY" not in stack.state_text(pem_body_line(ca_cert.read_text()))
    stack.up("--expect-no-changes")


def test_check_failures_fail_preview_naming_the_field(pulumi_stack, tmp_path):
    stack = pulumi_stack(PROGRAM, name="bad")
    stack.config_set("ips", json.dumps(["10.0.0.300"]))
    failed = stack.preview(expect_fail=True)
    assert "has a problem: ip_addresses: '10.0.0.300' is not an IP address" in failed.stdout
    stack.config_set("ips", json.dumps(["10.0.0.3"]))
    stack.config_set("client_validity_hours", "100")
    failed = stack.preview(expect_fail=True)
    assert "has a problem: validity_hours: must be longer than early_renewal_hours" in failed.stdout

    other_key = tmp_path / "other.key"
    _openssl("genpkey", "-algorithm", "ed25519", "-out", other_key)
    byo = pulumi_stack(BYO_PROGRAM, name="badbyo")
    byo.config_set("ca_cert", _openssl_ca(tmp_path))
    byo.config_set("ca_key", other_key.read_text(), secret=True)
    failed = byo.preview(expect_fail=True)
    assert "existing_private_key_pem: does not match the public key of existing_cert_pem" in failed.stdout
    assert "PRIVATE KEY" not in failed.stdout + failed.stderr


def _openssl_ca(tmp_path: Path) -> str:
    cert = tmp_path / "unused-ca.pem"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", tmp_path / "unused-ca.key", "-out", cert, "-days", "30", "-subj", "/CN=unused",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
    )  # fmt: skip
    return cert.read_text()
