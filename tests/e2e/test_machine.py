"""Machine, the examples, the client store, Docker contexts and the CLI, end to end."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.spec.client import ClientConfigSpec
from pulumi_docker_machine.spec.host import HostSpec

from .pulumi_cli import PROJECT_ROOT, Stack, pem_body_line
from .test_docker_host import assert_given_back, daemon_json
from .tls_client import DockerTLS

pytestmark = pytest.mark.e2e

EXAMPLES = PROJECT_ROOT / "examples"


def example(pulumi_stack: Any, name: str, tmp_path: Path) -> Stack:
    """An example's program in its own stack, with a private machine store and docker config."""
    env = {"MACHINE_STORAGE_PATH": str(tmp_path / "store"), "DOCKER_CONFIG": str(tmp_path / "docker")}
    refresh = "refresh: always" in (EXAMPLES / name / "Pulumi.yaml").read_text()
    program = (EXAMPLES / name / "__main__.py").read_text()
    return pulumi_stack(program, name=f"pdm-{name}", env=env, refresh_always=refresh)


def run(stack: Stack, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """A command with the stack's client environment (store, docker config)."""
    return subprocess.run(
        list(argv), env=stack.env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def cli(stack: Stack, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run(stack, "pulumi-docker-machine", *args, timeout=timeout)


def quickstart(pulumi_stack: Any, host: Any, tmp_path: Path, name: str = "qs") -> Stack:
    stack = example(pulumi_stack, "quickstart", tmp_path)
    stack.config_set("name", name)
    stack.config_set("host", host.address)
    stack.config_set("user", host.user)
    stack.config_set("private_key", Path(host.key_path).read_text(), secret=True)
    return stack


@pytest.mark.core
def test_quickstart_context_env_ls_and_destroy(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = quickstart(pulumi_stack, host, tmp_path)
    stack.up()
    out = stack.outputs()
    machine_dir = tmp_path / "store" / "machines" / "qs"
    assert out["env"] == {
        "DOCKER_HOST": f"tcp://{host.address}:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(machine_dir),
        "DOCKER_MACHINE_NAME": "qs",
    }
    assert (machine_dir / "key.pem").stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" not in stack.state_text(f"tcp://{host.address}:2376")

    by_context = run(stack, "docker", "--context", "qs", "version", "--format", "{{.Server.Os}}")
    assert by_context.returncode == 0, by_context.stderr
    assert by_context.stdout.strip() == "linux"
    by_env = run(
        stack,
        "bash",
        "-c",
        'eval "$(pulumi-docker-machine env qs)" && docker version --format "{{.Server.Os}}"',
    )
    assert by_env.returncode == 0, by_env.stderr
    assert by_env.stdout.strip() == "linux"
    flags = cli(stack, "config", "qs").stdout.splitlines()  # one flag per line, as Docker Machine's
    assert flags[0] == "--tlsverify" and flags[-1] == f"-H=tcp://{host.address}:2376"
    by_flags = run(stack, "bash", "-c", "docker $(pulumi-docker-machine config qs) info --format '{{.Name}}'")
    assert by_flags.returncode == 0 and by_flags.stdout.strip() == host.name, by_flags.stderr

    listed = json.loads(cli(stack, "ls", "--format", "json").stdout)
    assert [(m["name"], m["state"]) for m in listed] == [("qs", "Running")]
    assert listed[0]["docker"].startswith("v20.10")
    assert cli(stack, "ip", "qs").stdout.strip() == host.address
    ssh = cli(stack, "ssh", "qs", "-i", host.key_path, "cat", "/etc/hostname")
    assert ssh.returncode == 0, ssh.stderr

    stack.destroy()
    assert run(stack, "docker", "context", "inspect", "qs").returncode != 0
    assert not machine_dir.exists()
    assert cli(stack, "ls", "--format", "json").stdout.strip() == "[]"


def with_old_names(state: dict[str, Any]) -> dict[str, Any]:
    """The state as a release before the PEM renames wrote it: old names in inputs and outputs."""
    renames = {"DockerHost": HostSpec.renamed, "ClientConfig": ClientConfigSpec.renamed}
    for res in state["deployment"]["resources"]:
        renamed = renames.get(res["type"].rpartition(":")[2], {})
        back = {new: old for old, new in renamed.items()}
        for part in ("inputs", "outputs", "propertyDependencies"):
            res[part] = {back.get(k, k): v for k, v in (res.get(part) or {}).items()}
        res["additionalSecretOutputs"] = [back.get(k, k) for k in res.get("additionalSecretOutputs") or []]
    return state


def test_a_plain_preview_shows_a_hand_edit_and_a_changed_host_key(pulumi_stack, test_hosts, tmp_path):
    """The examples refresh before every preview and update (`options: refresh: always`). A state
    written with the old input names converges as it is: no change, no replacement."""
    host = test_hosts.one()
    stack = quickstart(pulumi_stack, host, tmp_path, name="rf")
    stack.up()
    old = with_old_names(stack.export())
    assert "server_key_pem" in json.dumps(old) and "server_private_key_pem" not in json.dumps(old)
    stack.import_state(old)
    stack.preview("--refresh=false", "--expect-no-changes")  # diff of the old names
    stack.preview("--expect-no-changes")  # read of the old names, then diff
    stack.run("refresh", "--yes")  # a refresh writes what read returns: the keys stay secrets
    assert "PRIVATE KEY" not in stack.state_text(f"tcp://{host.address}:2376")
    edit = host.root_exec('sed -i \'s/"tls": true/"tls": true, "debug": true/\' /etc/docker/daemon.json')
    assert edit.returncode == 0, edit.stderr
    drifted = stack.preview("--diff")
    assert "/etc/docker/daemon.json" in drifted.stdout and "changed on host" in drifted.stdout
    # Only the DockerHost changes: the client files are not listed (their inputs do not change).
    assert _plan(stack) == {"rf": "update", "rf-client-config": "same"}
    stack.up()
    assert '"debug"' not in host.root_exec("cat /etc/docker/daemon.json").stdout
    stack.preview("--expect-no-changes")
    rebuilt = host.regenerate_host_key(trust=False)
    for refused in (stack.preview(expect_fail=True), stack.up(expect_fail=True)):
        assert "host key mismatch" in refused.stdout + refused.stderr
    # Pinning the new key changes the client files too (known_hosts, machine.json): both listed. (The
    # refresh would read the host with the old pin: the re-pinning run skips it.)
    stack.config_set("host_key", rebuilt.host_public_key)
    assert _plan(stack, "--refresh=false") == {"rf": "update", "rf-client-config": "update"}
    stack.up("--refresh=false")
    known = (tmp_path / "store" / "machines" / "rf" / "known_hosts").read_text()
    assert rebuilt.host_public_key.split()[1] in known


def _plan(stack: Stack, *args: str) -> dict[str, str]:
    """The operation `pulumi preview --json` plans for the DockerHost and the ClientConfig."""
    steps = stack.preview_json(*args)["steps"]
    ops = {step["urn"].split("::")[-1]: step["op"] for step in steps if step["op"] != "refresh"}
    return {name: ops.get(name, "same") for name in ("rf", "rf-client-config")}


def test_ls_reports_a_stopped_host_as_unreachable(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = quickstart(pulumi_stack, host, tmp_path, name="gone")
    stack.up()
    host.kill_network()
    # The subprocess timeout only guards against a hang; the CLI's own per-host timeout is 2 s.
    listed = json.loads(cli(stack, "ls", "--timeout", "2", "--format", "json", timeout=60).stdout)
    assert listed[0]["name"] == "gone" and listed[0]["state"] == "Unreachable"
    assert listed[0]["errors"]
    host.restore_network()


def test_renewal_and_rotation_reissue_and_redeploy(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = quickstart(pulumi_stack, host, tmp_path, name="rot")
    stack.up()
    before = stack.export()
    serials = {
        r["urn"]: r["outputs"].get("serial") for r in before["deployment"]["resources"] if "Cert" in r["type"]
    }

    # Ten years on, every certificate is inside its renewal window: a plain preview plans replacements.
    later = {"PULUMI_DOCKER_MACHINE_NOW": "2036-01-01T00:00:00Z"}
    steps = stack.preview_json(env=later)["steps"]
    replaced = {s["urn"].rsplit("::", 1)[-1] for s in steps if s["op"] in ("replace", "create-replacement")}
    assert {"rot-server", "rot-client", "rot-ca"} <= replaced
    stack.up(env=later)
    after = stack.export()
    for r in after["deployment"]["resources"]:
        if r["urn"] in serials:
            assert r["outputs"]["serial"] != serials[r["urn"]]
    check = run(stack, "docker", "--context", "rot", "version", "--format", "{{.Server.Os}}")
    assert check.returncode == 0, check.stderr

    # Rotation on demand is `pulumi up --replace <server cert URN>`.
    server_urn = next(r["urn"] for r in after["deployment"]["resources"] if r["urn"].endswith("::rot-server"))
    old_serial = next(
        r["outputs"]["serial"] for r in after["deployment"]["resources"] if r["urn"] == server_urn
    )
    stack.up("--replace", server_urn, env=later)
    new_serial = next(
        r["outputs"]["serial"] for r in stack.export()["deployment"]["resources"] if r["urn"] == server_urn
    )
    assert new_serial != old_serial
    assert run(stack, "docker", "--context", "rot", "info", "--format", "{{.Name}}").returncode == 0


def test_fleet_example_one_ca_a_client_per_person(pulumi_stack, test_hosts, tmp_path):
    hosts = test_hosts(2)
    stack = example(pulumi_stack, "fleet", tmp_path)
    stack.config_set(
        "hosts", json.dumps([{"name": f"node{i}", "host": h.address} for i, h in enumerate(hosts)])
    )
    stack.config_set("people", json.dumps(["alice", "bob"]))
    stack.config_set("private_key", Path(hosts[0].key_path).read_text(), secret=True)
    stack.up()
    out = stack.outputs(show_secrets=True)
    for person in ("alice", "bob"):
        who = out["clients"][person]
        docker = DockerTLS(tmp_path / person, out["ca_cert_pem"], who["cert_pem"], who["private_key_pem"])
        for url in out["docker_hosts"].values():
            labels = docker.text(url, "info", "--format", "{{json .Labels}}")
            assert "fleet=dev" in labels


def test_byo_ca_example(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    ca_key, ca_cert_pem = tmp_path / "ca-key.pem", tmp_path / "ca.pem"
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            str(ca_key),
        ],
        check=True,
    )
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-new",
            "-key",
            str(ca_key),
            "-subj",
            "/CN=Corporate Root",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            str(ca_cert_pem),
        ],
        check=True,
    )
    stack = example(pulumi_stack, "byo-ca", tmp_path)
    stack.config_set("ca_cert_pem", ca_cert_pem.read_text())
    stack.config_set("ca_key_pem", ca_key.read_text(), secret=True)
    stack.config_set("host", host.address)
    stack.config_set("private_key", Path(host.key_path).read_text(), secret=True)
    stack.config_set("name", "byo")
    stack.up()
    assert ca_key.read_text().split("\n")[1] not in stack.state_text(pem_body_line(ca_cert_pem.read_text()))
    served = subprocess.run(
        [
            "openssl",
            "s_client",
            "-connect",
            f"{host.address}:2376",
            "-CAfile",
            str(ca_cert_pem),
            "-verify_return_error",
            "-brief",
        ],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "Verification: OK" in served.stdout + served.stderr
    assert run(stack, "docker", "--context", "byo", "version").returncode == 0


def test_sudo_jump_example(pulumi_stack, test_hosts, tmp_path):
    jump = test_hosts.one(networks=("public", "private"))
    target = test_hosts.one(networks=("private",), login="sudo")
    stack = example(pulumi_stack, "sudo-jump", tmp_path)
    stack.config_set("host", target.addresses["private"])
    stack.config_set("user", target.user)
    stack.config_set("sudo_password", target.password or "", secret=True)
    stack.config_set("bastion", jump.addresses["public"])
    stack.config_set("private_key", Path(target.key_path).read_text(), secret=True)
    original = daemon_json(target)
    stack.up()
    assert stack.outputs()["docker_host"] == f"tcp://{target.addresses['private']}:2376"
    assert target.root_exec("test -s /etc/docker/server.pem && echo ok").stdout.strip() == "ok"
    assert os.path.isfile(tmp_path / "store" / "machines" / "private" / "key.pem")
    # Destroy as the sudo user through the jump host gives the target back.
    stack.destroy()
    assert_given_back(target, original)
    assert not (tmp_path / "store" / "machines" / "private").exists()


def test_client_files_and_context_drift_is_repaired(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = quickstart(pulumi_stack, host, tmp_path, name="drifty")
    stack.up()
    machine_dir = tmp_path / "store" / "machines" / "drifty"
    (machine_dir / "key.pem").unlink()
    assert run(stack, "docker", "context", "rm", "--force", "drifty").returncode == 0
    # The example refreshes first (`refresh: always`); without that, a preview reads only the state.
    stack.preview("--refresh=false", "--expect-no-changes")
    drifted = stack.preview("--diff").stdout
    assert "key.pem" in drifted and "docker context" in drifted
    stack.up("--refresh")
    assert (machine_dir / "key.pem").stat().st_mode & 0o777 == 0o600
    assert run(stack, "docker", "--context", "drifty", "info", "--format", "{{.Name}}").returncode == 0
    stack.preview("--refresh", "--expect-no-changes")


def test_a_stopped_daemon_is_drift_on_a_plain_preview_and_up_starts_it(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = quickstart(pulumi_stack, host, tmp_path, name="stopped")
    stack.up()
    stopped = host.root_exec("systemctl stop docker.socket docker.service && systemctl is-active docker")
    assert stopped.stdout.strip() == "inactive", stopped.stderr
    drifted = stack.preview("--diff")  # the example refreshes first
    assert "docker.service" in drifted.stdout and '"inactive"' in drifted.stdout, drifted.stdout[-3000:]
    stack.up()
    assert host.root_exec("systemctl is-active docker").stdout.strip() == "active"
    by_context = run(stack, "docker", "--context", "stopped", "version", "--format", "{{.Server.Os}}")
    assert by_context.stdout.strip() == "linux", by_context.stderr
    stack.preview("--expect-no-changes")
