"""Fault injection: a run cut off at any step never leaves a host without a working daemon.

Each test drives a real stack with the real `pulumi` CLI against a sandbox host, holds the provider
at a named step (`PULUMI_DOCKER_MACHINE_BREAK`, see `faultpoints.py`), injects a fault there
(SIGKILL of pulumi, a dropped SSH connection, the host's link down, a power cut, dockerd killed, a
full disk, a second stack), and then asserts what the host must always be: Docker running with
either the old or the new configuration, the documented recovery plus one `pulumi up` converging,
and `pulumi destroy` restoring the recorded original byte for byte with its mode.

The faults, the step each is injected at and what it must leave are the rows of
`fault_matrix.MATRIX` (docs/reliability.md renders them); each test marks its rows with `injected(ROW)`
where it injects the fault.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.pki import inspection, issue, keys, validity

from .fault_matrix import injected
from .pulumi_cli import Stack, pulumi_binary
from .test_docker_host import entry, host_stack, on_host
from .tls_client import DockerTLS

pytestmark = pytest.mark.e2e

CONFIRM = 20
"""confirm_timeout of these stacks: how long a host waits before rolling back by itself."""
ORIGINAL = '{"debug": true, "labels": ["original=yes"]}\n'
STATE = "/var/lib/pulumi-docker-machine"


class Run:
    """`pulumi up` in the background, held at a breakpoint until released."""

    def __init__(self, stack: Stack, step: str, tmp: Path) -> None:
        self.marks = tmp / f"break-{step}-{time.monotonic_ns()}"
        self.marks.mkdir()
        self.step = step
        env = stack.env({"PULUMI_DOCKER_MACHINE_BREAK": f"{step}:{self.marks}"})
        cmd = [pulumi_binary(), "up", "--yes", "--skip-preview", "--non-interactive"]
        self.proc = subprocess.Popen(
            [*cmd, "--cwd", str(stack.workdir), "--stack", stack.stack],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def hit(self, timeout: float = 240) -> int:
        """Wait until the provider holds at the breakpoint; its pid."""
        marker = self.marks / self.step
        deadline = time.monotonic() + timeout
        while not marker.exists():
            if self.proc.poll() is not None:
                raise AssertionError(f"pulumi ended before {self.step}:\n{self.proc.stdout.read()}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise AssertionError(f"breakpoint {self.step} not reached")
            time.sleep(0.05)
        return int(marker.read_text())

    def release(self) -> None:
        (self.marks / self.step).unlink(missing_ok=True)

    def kill_all(self) -> None:
        """SIGKILL pulumi and everything it started (the provider too): a machine that died."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    @staticmethod
    def recover(stack: Stack) -> None:
        """After a killed run, drop the stack lock it left (docs/troubleshooting.md)."""
        stack.run("cancel", "--yes")

    def kill_pulumi_only(self) -> None:
        """SIGKILL the pulumi CLI alone: its provider process is orphaned and keeps running."""
        self.proc.kill()
        self.proc.wait(30)

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out


def last_status(host: Any) -> dict[str, str]:
    text = on_host(host, f"cat {STATE}/last-status 2>/dev/null || true")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def wait_settled(host: Any, timeout: float = CONFIRM + 60) -> dict[str, str]:
    """Wait until no transaction is left on the host (the agent finished by itself); its last status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = on_host(host, f"ls {STATE}/txn 2>/dev/null | grep -v tmp || true")
        if not busy:
            return last_status(host)
        time.sleep(0.5)
    raise AssertionError(f"a transaction is still on the host after {timeout} s")


def daemon_json(host: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(on_host(host, "cat /etc/docker/daemon.json"))
    return data


def labels(host: Any) -> list[str]:
    return list(daemon_json(host).get("labels", []))


def assert_running(host: Any) -> None:
    """Docker answers on its local socket (whatever configuration it runs)."""
    assert on_host(host, "systemctl is-active docker") == "active"
    on_host(host, "timeout 20 docker version --format '{{.Server.Version}}'")


def served_labels(host: Any) -> list[str]:
    """The labels the running daemon reports: which configuration it really runs."""
    return json.loads(on_host(host, "timeout 20 docker info --format '{{json .Labels}}'"))


def stage_stack(pulumi_stack: Any, host: Any, stage: str, project: str = "hosts", **extra: Any) -> Stack:
    """A stack for `host` with label `stage=...` (of project `project`)."""
    return host_stack(
        pulumi_stack,
        [entry(host, confirm_timeout=CONFIRM, **extra)],
        {"labels": [f"stage={stage}"]},
        project=project,
    )


def old_then_new(pulumi_stack: Any, host: Any) -> Stack:
    """A stack applied with `stage=old`, its config already changed to `stage=new`."""
    stack = stage_stack(pulumi_stack, host, "old")
    stack.up()
    set_stage(stack, "new")
    return stack


def preset_original(host: Any) -> None:
    on_host(
        host,
        f"printf '%s' '{ORIGINAL}' > /etc/docker/daemon.json && chmod 640 /etc/docker/daemon.json"
        " && systemctl restart docker",
    )


def set_stage(stack: Stack, stage: str) -> None:
    stack.config_set("daemon", json.dumps({"labels": [f"stage={stage}"]}))


def assert_destroy_restores_original(stack: Stack, host: Any) -> None:
    stack.destroy()
    assert on_host(host, "cat /etc/docker/daemon.json") == ORIGINAL.strip()
    assert on_host(host, "stat -c %a /etc/docker/daemon.json") == "640"
    assert on_host(host, f"ls {STATE} /etc/docker/*.pem 2>/dev/null | wc -l") == "0"
    assert_running(host)


@contextmanager
def held(stack: Stack, step: str, tmp: Path) -> Iterator[Run]:
    run = Run(stack, step, tmp)
    try:
        yield run
    finally:
        if run.proc.poll() is None:
            run.release()
            try:
                run.finish(120)
            except subprocess.TimeoutExpired:
                run.kill_all()


def test_pulumi_killed_mid_create_then_recreated_keeps_the_original(pulumi_stack, test_hosts, tmp_path):
    """Issue 10, case 1: kill -9 during a create; the re-create must not take our files for the original."""
    host = test_hosts.one()
    preset_original(host)
    stack = stage_stack(pulumi_stack, host, "new")
    with held(stack, "waiting", tmp_path) as run:
        run.hit()
        injected("killed-create")
        run.kill_all()
    status = wait_settled(host)
    assert status["state"] == "rolled-back" and "not confirmed" in status["reason"]
    assert_running(host)
    assert on_host(host, "cat /etc/docker/daemon.json") == ORIGINAL.strip()
    # The documented recovery: the stack lock, then the pending create, then up again.
    Run.recover(stack)
    stack.run("refresh", "--yes", "--clear-pending-creates")
    stack.up()
    assert served_labels(host) == ["stage=new"] and daemon_json(host)["debug"] is True  # original kept
    assert_destroy_restores_original(stack, host)


def test_pulumi_killed_mid_update_rolls_back_by_itself_and_up_converges(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    preset_original(host)
    stack = old_then_new(pulumi_stack, host)
    for step in ("started", "waiting"):
        with held(stack, step, tmp_path) as run:
            run.hit()
            injected(f"killed-update-{step}")
            run.kill_all()
        Run.recover(stack)
        status = wait_settled(host)
        assert status["state"] == "rolled-back", (step, status)
        assert_running(host)
        assert served_labels(host) == ["stage=old"] and labels(host) == ["stage=old"]
    stack.up()
    assert "stage=new" in served_labels(host)
    assert_destroy_restores_original(stack, host)


def test_an_orphaned_provider_does_not_confirm(pulumi_stack, test_hosts, tmp_path):
    """Issue 10, case 3: pulumi dies, its provider keeps running; it must roll back, not finish the job."""
    host = test_hosts.one()
    stack = old_then_new(pulumi_stack, host)
    with held(stack, "waiting", tmp_path) as run:
        provider = run.hit()
        injected("orphaned-provider")
        run.kill_pulumi_only()
        assert Path(f"/proc/{provider}").exists()  # orphaned, still running
        run.release()
        status = wait_settled(host)
    Run.recover(stack)
    assert status["state"] == "rolled-back" and "pulumi stopped" in status["reason"]
    assert "stage=old" in served_labels(host)
    stack.up()
    assert "stage=new" in served_labels(host)


def test_dropped_ssh_sessions_are_survived_and_a_lasting_outage_rolls_back(
    pulumi_stack, test_hosts, tmp_path
):
    host = test_hosts.one()
    stack = stage_stack(pulumi_stack, host, "one")
    stack.up()
    # sshd's sessions killed (issue 10, case 2): the provider reconnects and finishes the change.
    for n, step in enumerate(("started", "waiting"), start=2):
        set_stage(stack, str(n))
        with held(stack, step, tmp_path) as run:
            run.hit()
            injected(f"ssh-killed-{step}")
            on_host(host, "pkill -KILL -f '^sshd: root@' || true")
            run.release()
            code, out = run.finish()
        assert code == 0, out
        assert f"stage={n}" in served_labels(host)
    # The link goes down while the host waits for the confirmation: the host rolls back by itself.
    stack.config_set(
        "hosts", json.dumps([entry(host, confirm_timeout=CONFIRM, per_dial_timeout=3, dial_error_limit=2)])
    )
    set_stage(stack, "never")
    with held(stack, "waiting", tmp_path) as run:
        run.hit()
        injected("link-down")
        host.kill_network()
        try:
            run.release()
            code, out = run.finish()
        finally:
            host.restore_network()
    assert code != 0, out
    assert "was in flight: unless it was confirmed, the host rolls it back by itself" in out, out[-3000:]
    status = wait_settled(host)
    assert status["state"] == "rolled-back"
    assert_running(host)
    assert "stage=3" in served_labels(host)
    stack.up()
    assert "stage=never" in served_labels(host)


def test_a_power_cut_before_confirmation_boots_on_the_old_configuration(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    preset_original(host)
    stack = old_then_new(pulumi_stack, host)
    with held(stack, "waiting", tmp_path) as run:
        run.hit()
        injected("power-cut-waiting")
        host = host.reboot()  # the new files are in place, unconfirmed
        run.release()
        code, out = run.finish()
    assert code != 0 and "interrupted" in out
    assert last_status(host)["state"] == "rolled-back"
    assert_running(host)
    assert "stage=old" in served_labels(host)
    # After a confirmation, a power cut keeps the new configuration.
    with held(stack, "confirmed", tmp_path) as run:
        run.hit()
        run.release()
        code, out = run.finish()
    assert code == 0, out
    injected("power-cut-confirmed")
    host = host.reboot()
    assert_running(host)
    assert "stage=new" in served_labels(host)
    stack.up()
    assert "stage=new" in served_labels(host)
    assert_destroy_restores_original(stack, host)


def test_dockerd_killed_right_after_its_restart(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = old_then_new(pulumi_stack, host)
    with held(stack, "waiting", tmp_path) as run:
        run.hit()
        injected("dockerd-killed")
        on_host(host, "kill -KILL $(systemctl show -p MainPID --value docker)")
        run.release()
        run.finish()
    wait_settled(host)
    assert_running(host)
    assert served_labels(host)[-1] in ("stage=old", "stage=new")
    stack.up()
    assert "stage=new" in served_labels(host)


def test_a_full_disk_fails_before_anything_changes(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    stack = stage_stack(pulumi_stack, host, "old")
    stack.up()
    pid = on_host(host, "systemctl show -p MainPID --value docker")
    before = on_host(host, "sha256sum /etc/docker/* /etc/systemd/system/docker.service.d/*")
    # /etc/docker becomes a small tmpfs holding the same files, then fills up.
    on_host(
        host,
        "cp -a /etc/docker /tmp/docker-etc && mount -t tmpfs -o size=256k tmpfs /etc/docker"
        " && cp -a /tmp/docker-etc/. /etc/docker/"
        " && (dd if=/dev/zero of=/etc/docker/filler bs=4k 2>/dev/null; true)",
    )
    set_stage(stack, "new")
    injected("disk-full")
    failed = stack.up(expect_fail=True)
    assert "disk" in failed.stdout and "nothing was changed" in failed.stdout
    on_host(host, "rm /etc/docker/filler")
    assert on_host(host, "sha256sum /etc/docker/* /etc/systemd/system/docker.service.d/*") == before
    assert on_host(host, "systemctl show -p MainPID --value docker") == pid
    assert on_host(host, "ls -a /etc/docker | grep -c pdm || true") == "0"
    stack.up()
    assert "stage=new" in served_labels(host)


def test_two_stacks_on_one_host_are_serialized(pulumi_stack, test_hosts, tmp_path):
    host = test_hosts.one()
    first = stage_stack(pulumi_stack, host, "first")
    second = stage_stack(pulumi_stack, host, "second", project="second")
    with held(first, "waiting", tmp_path) as run:
        run.hit()
        injected("second-stack")
        refused = second.up(expect_fail=True)
        run.release()
        code, out = run.finish()
    assert "another change is in progress" in refused.stdout and "lock held by pulumi on" in refused.stdout
    assert code == 0, out
    assert "stage=first" in served_labels(host)
    # Once the first has finished, the host is still the first stack's: the second is refused again.
    again = second.up(expect_fail=True)
    assert "this host is managed by hosts/dev/" in again.stdout, again.stdout[-3000:]
    assert "stage=first" in served_labels(host)


SKEW_PROGRAM = """
from pathlib import Path

import pulumi
from pulumi_docker_machine.resources.dockerhost import DockerHost, DockerHostArgs

cfg = pulumi.Config()
names = ("ca", "server", "server-key", "client", "client-key")
pems = {name: Path(cfg.require("dir"), name).read_text() for name in names}
host = DockerHost(
    "skewed",
    DockerHostArgs(
        connection={"host": cfg.require("ip"), "private_key": Path(cfg.require("key_file")).read_text()},
        ca_cert_pem=pems["ca"],
        server_cert_pem=pems["server"],
        server_private_key_pem=pems["server-key"],
        client_cert_pem=pems["client"],
        client_private_key_pem=pems["client-key"],
    ),
)
pulumi.export("docker_host", host.docker_host)
"""


@pytest.mark.parametrize(("hours", "row"), [(1, "clock-ahead"), (-1, "clock-behind")])
def test_certificates_issued_an_hour_off_the_hosts_clock_work(pulumi_stack, test_hosts, tmp_path, hours, row):
    """Certificates issued by a machine whose clock is an hour ahead of or behind the host's.

    The issuing code is the product's (validity window with its backdate); only `now` is shifted,
    as on a machine with a wrong clock. The daemon checks client certificates with its own clock.
    """
    host = test_hosts.one()
    injected(row)
    now = datetime.now(UTC) + timedelta(hours=hours)
    ca_key = keys.generate_private_key(keys.KeyType.ECDSA_P256)
    ca = issue.self_signed_ca(ca_key, issue.subject_name("skewed CA"), validity.validity_window(now, 48))
    pems = {"ca": inspection.certificate_to_pem(ca)}
    for name, usage, ips in (
        ("server", issue.LeafUsage.SERVER, [host.address]),
        ("client", issue.LeafUsage.CLIENT, []),
    ):
        key = keys.generate_private_key(keys.KeyType.ECDSA_P256)
        cert = issue.issue_leaf(
            key.public_key(),
            issue.subject_name(name),
            usage,
            validity.validity_window(now, 24),
            ca,
            ca_key,
            ip_addresses=ips,
        )
        pems[name], pems[f"{name}-key"] = inspection.certificate_to_pem(cert), keys.private_key_to_pem(key)
    pem_dir = tmp_path / "pems"
    pem_dir.mkdir()
    for name, text in pems.items():
        (pem_dir / name).write_text(text)
    stack = pulumi_stack(SKEW_PROGRAM, name="skew")
    for key, value in (("dir", str(pem_dir)), ("ip", host.address), ("key_file", host.key_path)):
        stack.config_set(key, value)
    stack.up()  # DockerHost's own client-side TLS check already uses the skewed client certificate
    docker = DockerTLS(tmp_path / "client", pems["ca"], pems["client"], pems["client-key"])
    assert docker.text(stack.outputs()["docker_host"], "version", "--format", "{{.Server.Os}}") == "linux"


def test_install_waits_for_a_dpkg_lock_held_by_another_process(pulumi_stack, test_hosts, tmp_path):
    """Another package manager run holds dpkg's lock while Docker is to be installed: we wait for it."""
    host = test_hosts.one(variant="base")
    package = tmp_path / "holder"
    (package / "DEBIAN").mkdir(parents=True)
    (package / "DEBIAN" / "control").write_text(
        "Package: pdm-lock-holder\nVersion: 1\nArchitecture: all\nMaintainer: tests <t@example.invalid>\n"
        "Description: holds the dpkg lock for a while\n"
    )
    # It holds the lock until the test releases it (at most 5 minutes): once our install waits for it.
    (package / "DEBIAN" / "preinst").write_text(
        "#!/bin/sh\nfor _ in $(seq 1500); do [ -e /root/release ] && exit 0; sleep 0.2; done\n"
    )
    (package / "DEBIAN" / "preinst").chmod(0o755)
    subprocess.run(
        ["dpkg-deb", "--build", str(package), str(host.root_path / "root" / "holder.deb")], check=True
    )
    injected("dpkg-lock")
    on_host(host, "setsid dpkg -i /root/holder.deb </dev/null >/root/holder.log 2>&1 &")
    deadline = time.monotonic() + 30
    while "pdm-lock-holder" not in on_host(host, "cat /var/log/dpkg.log 2>/dev/null || true"):
        assert time.monotonic() < deadline, "dpkg never started"
        time.sleep(0.2)
    stack = host_stack(pulumi_stack, [entry(host)])
    with ThreadPoolExecutor(1) as pool:
        up = pool.submit(stack.up)
        # Our install has started and is waiting: apt-get runs while the holder still has the lock.
        deadline = time.monotonic() + 120
        while host.root_exec("pgrep -f 'apt-get .*install -y -q docker.io'").returncode != 0:
            assert time.monotonic() < deadline and not up.done(), "the install never started"
            time.sleep(0.2)
        time.sleep(2)  # it keeps waiting: nothing was installed meanwhile
        assert "docker.io" not in on_host(host, "grep ' status installed ' /var/log/dpkg.log || true")
        on_host(host, "touch /root/release")
        up.result()
    log = on_host(host, "grep -E ' status installed (pdm-lock-holder|docker.io):' /var/log/dpkg.log")
    assert [line.split()[-2].split(":")[0] for line in log.splitlines()] == ["pdm-lock-holder", "docker.io"]
    assert_running(host)
