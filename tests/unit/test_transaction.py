"""The host-side transaction scripts, run for real with sh in a temp root (system tools stubbed).

Every absolute path the scripts use (/etc, /var/lib, /run) is moved under the test's root, so the
agent stages, swaps, waits, rolls back and records exactly as on a host, in milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shlex
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pulumi_docker_machine.daemon import paths, transaction
from pulumi_docker_machine.daemon.transaction import Entry, OriginalSource, Transaction
from pulumi_docker_machine.remote import facts
from pulumi_docker_machine.remote.facts import Original, _parse_original

pytestmark = pytest.mark.unit


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Root:
    """A fake host's file system with stubbed systemctl, docker, dockerd, journalctl."""

    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "root"
        self.bin = tmp / "bin"
        self.fail = tmp / "FAIL_DOCKER"
        self.restarts = tmp / "restarts"
        self.bin.mkdir()
        (self.dir / "etc/docker").mkdir(parents=True)
        stubs = {
            "systemctl": f'case "$1" in is-failed) [ -e {self.fail} ];; start) echo x >> {self.restarts};'
            f" [ ! -e {self.fail} ];; is-active) [ ! -e {self.fail} ];; *) exit 0;; esac",
            "docker": f"[ ! -e {self.fail} ]",
            "dockerd": 'if grep -q loudest "$3"; then echo "invalid log level: loudest" >&2; exit 1; fi\n'
            'c=$(sed -n \'s/.*"tlscert": "\\([^"]*\\)".*/\\1/p\' "$3")\n'
            'if [ -n "$c" ] && [ ! -f "$c" ]; then echo "open $c: no such file or directory" >&2; exit 1; fi',
            "journalctl": "echo 'unable to configure the Docker daemon: invalid key'",
            "chown": "exit 0",
            "setsid": 'exec "$@"',
        }
        for name, body in stubs.items():
            (self.bin / name).write_text(f"#!/bin/sh\n{body}\n")
            (self.bin / name).chmod(0o755)

    def path(self, host_path: str) -> Path:
        return self.dir / host_path.lstrip("/")

    def rooted(self, script: str) -> str:
        """`script` with every host path under the root, also inside the files it uploads (base64)."""

        digests: dict[str, str] = {}

        def payload(match: re.Match[str]) -> str:
            text = base64.b64decode(match.group(1)).decode()
            moved = self.rooted(text)
            digests[_sha(text)] = _sha(moved)
            return f"printf %s {shlex.quote(base64.b64encode(moved.encode()).decode())} |"

        script = re.sub(r"printf %s '?([A-Za-z0-9+/=]+)'? \|", payload, script)
        for old, new in digests.items():  # the bundle's integrity check
            script = script.replace(old, new)
        return re.sub(r"(?<=[\s'\"=])/(etc|var/lib|run)/", f"{self.dir}/\\1/", script)

    def run(self, script: str) -> subprocess.CompletedProcess[str]:
        rooted = self.rooted(script)
        env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}"}
        return subprocess.run(["sh", "-c", rooted], text=True, capture_output=True, env=env, check=False)

    def wait(self, txn_id: str, *states: str, timeout: float = 90) -> transaction.Status:
        proc = self.run(transaction.wait_script(txn_id, states, timeout))
        status = transaction.parse_status(proc.stdout)
        assert status is not None, proc.stdout + proc.stderr
        return status

    @property
    def restart_count(self) -> int:
        return len(self.restarts.read_text().split()) if self.restarts.exists() else 0


def parse_probe_record(record: Path) -> Original:
    """The record as the probe reads it (its `original` section)."""
    original = _parse_original(record.read_text())
    assert original is not None
    return original


@pytest.fixture
def root(tmp_path: Path) -> Root:
    return Root(tmp_path)


def txn(*entries: Entry, confirm: int = 30, tls_port: int | None = None) -> Transaction:
    txn_id = f"{int(time.time())}-{os.urandom(3).hex()}"
    return Transaction(txn_id, entries, True, True, confirm, "unix:///var/run/docker.sock", tls_port, "t")


NEW = transaction.file_entries(
    {paths.DAEMON_JSON: ('{"tls": true}\n', 0o644), paths.SERVER_KEY: ("key\n", 0o600)}
)
DIRS = (Entry("dir", paths.DOCKER_DIR), Entry("dir", paths.DROPIN_DIR))


def test_scripts_are_valid_sh() -> None:
    t = txn(*DIRS, *NEW)
    for script in (
        transaction.begin_script(t, "systemd"),
        transaction.agent_script(t, "systemd"),
        transaction.wait_script(t.id, ["waiting"], 5),
        transaction.signal_script(t.id, True),
        transaction.signal_script(t.id, False, "it's broken"),
        transaction.setup_script(OriginalSource(from_host=True), "systemd"),
        transaction.setup_script(OriginalSource(from_host=False, content=None, why="stripped"), "systemd"),
        transaction.forget_script(),
        transaction.RECOVER_SCRIPT,
    ):
        subprocess.run(["sh", "-n"], input=script, text=True, check=True)


def test_confirmed_change_swaps_files_and_leaves_only_its_status(root: Root) -> None:
    root.path(paths.DAEMON_JSON).write_text("old\n")
    t = txn(*DIRS, *NEW)
    assert root.run(transaction.begin_script(t, "systemd")).returncode == 0
    assert root.wait(t.id, "waiting").state == "waiting"
    assert root.path(paths.DAEMON_JSON).read_text() == '{"tls": true}\n'
    key = root.path(paths.SERVER_KEY)
    assert key.read_text() == "key\n" and key.stat().st_mode & 0o777 == 0o600
    assert root.path(paths.LOCK_OWNER).read_text() == "t\n"
    root.run(transaction.signal_script(t.id, True))
    final = root.wait(t.id)
    assert (final.id, final.state) == (t.id, "confirmed")
    assert not root.path(t.dir).exists() and not root.path(paths.LOCK_OWNER).exists()
    assert not list(root.dir.rglob("*.pdm-*"))
    assert transaction.parse_status(root.path(paths.LAST_STATUS).read_text()) == final


def test_a_daemon_that_does_not_start_is_rolled_back_and_our_new_directories_go(root: Root) -> None:
    root.path(paths.DAEMON_JSON).write_text("old\n")
    root.fail.touch()
    t = txn(*DIRS, *transaction.file_entries({paths.DROPIN: ("[Service]\n", 0o644)}), *NEW)
    root.run(transaction.begin_script(t, "systemd"))
    final = root.wait(t.id)
    assert final.state == "rolled-back" and "invalid key" in final.reason
    assert root.path(paths.DAEMON_JSON).read_text() == "old\n"
    assert not root.path(paths.SERVER_KEY).exists() and not root.path(paths.DROPIN_DIR).exists()
    assert not list(root.dir.rglob("*.pdm-*"))


def test_abort_rolls_back_at_once_with_the_reason(root: Root) -> None:
    root.path(paths.DAEMON_JSON).write_text("old\n")
    t = txn(*DIRS, *NEW)
    root.run(transaction.begin_script(t, "systemd"))
    assert root.wait(t.id, "waiting").state == "waiting"
    root.run(transaction.signal_script(t.id, False, "TLS check failed: bad certificate"))
    final = root.wait(t.id)
    assert (final.state, final.reason) == ("rolled-back", "TLS check failed: bad certificate")
    assert root.path(paths.DAEMON_JSON).read_text() == "old\n"
    assert root.restart_count == 2  # the change, then the rollback


def test_no_confirmation_before_the_deadline_rolls_back_by_itself(root: Root) -> None:
    root.path(paths.DAEMON_JSON).write_text("old\n")
    t = txn(*DIRS, *NEW, confirm=1)
    root.run(transaction.begin_script(t, "systemd"))
    final = root.wait(t.id)
    assert final.state == "rolled-back" and "not confirmed within 1s" in final.reason
    assert root.path(paths.DAEMON_JSON).read_text() == "old\n"


def test_validate_refuses_before_anything_changes(root: Root) -> None:
    root.path(paths.DAEMON_JSON).write_text("old\n")
    bad = transaction.file_entries({paths.DAEMON_JSON: ('{"log-level": "loudest"}\n', 0o644)})
    t = txn(*DIRS, *bad)
    root.run(transaction.begin_script(t, "systemd"))
    final = root.wait(t.id)
    assert final.state == "failed" and "loudest" in final.reason
    assert root.path(paths.DAEMON_JSON).read_text() == "old\n" and root.restart_count == 0


def test_validate_sees_the_new_certificates_a_first_change_brings(root: Root) -> None:
    # daemon.json names /etc/docker/server.pem, which only the swap puts in place.
    settings = f'{{"tls": true, "tlscert": "{paths.SERVER_CERT}"}}\n'
    new = transaction.file_entries({paths.DAEMON_JSON: (settings, 0o644), paths.SERVER_CERT: ("c\n", 0o644)})
    t = txn(*DIRS, *new)
    root.run(transaction.begin_script(t, "systemd"))
    assert root.wait(t.id, "waiting").state == "waiting"
    assert root.path(paths.DAEMON_JSON).read_text() == root.rooted(settings)  # not the bundle paths
    root.run(transaction.signal_script(t.id, True))
    assert root.wait(t.id).state == "confirmed"


def test_without_validate_support_dockerd_is_never_asked(root: Root) -> None:
    bad = transaction.file_entries({paths.DAEMON_JSON: ('{"log-level": "loudest"}\n', 0o644)})
    t = replace(txn(*DIRS, *bad), validate=False)
    assert "VALIDATE_FILE=''" in transaction.agent_script(t, "systemd")
    root.run(transaction.begin_script(t, "systemd"))
    assert root.wait(t.id, "waiting").state == "waiting"  # the stub daemon starts on anything
    root.run(transaction.signal_script(t.id, True))
    assert root.wait(t.id).state == "confirmed"


def test_a_second_change_is_refused_at_once_while_the_lock_is_held(root: Root) -> None:
    t = txn(*DIRS, *NEW)
    root.run(transaction.begin_script(t, "systemd"))
    assert root.wait(t.id, "waiting").state == "waiting"
    other = txn(*DIRS, *NEW)
    proc = root.run(transaction.begin_script(other, "systemd"))
    assert proc.returncode == transaction.EXIT_BUSY and "lock: t" in proc.stderr
    root.run(transaction.signal_script(t.id, True))
    assert root.wait(t.id).state == "confirmed"


def test_an_agent_that_died_is_rolled_back_by_the_recovery_hook(root: Root) -> None:
    root.path(paths.DAEMON_JSON).write_text("old\n")
    t = txn(*DIRS, *NEW, confirm=600)
    root.run(transaction.begin_script(t, "systemd"))
    assert root.wait(t.id, "waiting").state == "waiting"
    subprocess.run(["pkill", "-KILL", "-f", f"{t.id}/agent.sh"], check=True)
    root.run(transaction.setup_script(None, "systemd"))  # installs recover.sh
    proc = root.run(f"sh {paths.RECOVER_SCRIPT} boot")
    assert proc.returncode == 0, proc.stderr
    final = transaction.parse_status(root.path(paths.LAST_STATUS).read_text())
    assert final is not None and (final.id, final.state) == (t.id, "rolled-back")
    assert "interrupted" in final.reason and root.path(paths.DAEMON_JSON).read_text() == "old\n"
    assert not root.path(t.dir).exists()


def test_the_original_is_recorded_once_and_restored_byte_for_byte_with_its_mode(root: Root) -> None:
    live = root.path(paths.DAEMON_JSON)
    live.write_text('{"debug": true}\n')
    live.chmod(0o640)
    assert root.run(transaction.setup_script(OriginalSource(from_host=True), "systemd")).returncode == 0
    live.write_text("ours\n")
    root.run(transaction.setup_script(OriginalSource(from_host=True), "systemd"))  # never overwritten
    record = root.path(paths.ORIGINAL_DIR)
    assert (record / "daemon.json").read_text() == '{"debug": true}\n'
    assert "docker=present" in (record / "record").read_text()  # the stub dockerd is on PATH
    assert root.path(paths.RECOVER_LINK).is_symlink()
    source = f"{paths.ORIGINAL_DIR}/daemon.json"
    back = Transaction(
        "9-restore",
        (Entry("write", paths.DAEMON_JSON, 0o640, source=source), Entry("rmdir", paths.DROPIN_DIR)),
        True,
        False,
        0,
        "",
        None,
        "t",
    )
    root.run(transaction.begin_script(back, "systemd"))
    assert root.wait(back.id).state == "confirmed"
    assert live.read_text() == '{"debug": true}\n' and live.stat().st_mode & 0o777 == 0o640
    root.run(transaction.forget_script())
    assert not root.path(paths.STATE_DIR).exists() and not root.path(paths.RECOVER_UNIT).exists()


def test_wait_keeps_the_final_status_it_read_when_the_agent_exits_meanwhile(root: Root) -> None:
    # The agent removes its directory just before it exits and frees the lock: a stub flock plays that
    # exit between the wait's read of the status and its check that the host is idle.
    t = txn(*DIRS, *NEW)
    tdir = root.path(t.dir)
    tdir.mkdir(parents=True)
    (tdir / "status").write_text(f"id={t.id}\nstate=confirmed\n")
    root.path(paths.LOCK).touch()
    (root.bin / "flock").write_text(f"#!/bin/sh\nrm -rf {tdir}\n")
    (root.bin / "flock").chmod(0o755)
    final = root.wait(t.id)
    assert (final.id, final.state) == (t.id, "confirmed")


def _sysvinit(root: Root) -> Path:
    """A stub /etc/init.d/docker (LSB status codes) and update-rc.d that logs its arguments."""
    running = root.dir / "RUNNING"
    script = root.path("/etc/init.d/docker")
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        '#!/bin/sh\ncase "$1" in\n'
        f"  start) echo x >> {root.restarts}; [ -e {root.fail} ] || touch {running} ;;\n"
        f"  stop) rm -f {running} ;;\n"
        f"  status) [ -e {running} ] && exit 0; [ -e {root.fail} ] && exit 1; exit 3 ;;\n"
        "esac\n"
    )
    script.chmod(0o755)
    calls = root.dir / "update-rc.d.calls"
    (root.bin / "update-rc.d").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    (root.bin / "update-rc.d").chmod(0o755)
    return calls


def test_sysvinit_restarts_through_the_init_script_and_rolls_back_a_daemon_that_dies(root: Root) -> None:
    _sysvinit(root)
    root.path(paths.DAEMON_JSON).write_text("old\n")
    t = txn(Entry("dir", paths.DOCKER_DIR), *NEW)
    root.run(transaction.begin_script(t, "sysvinit"))
    assert root.wait(t.id, "waiting").state == "waiting" and root.restart_count == 1
    root.run(transaction.signal_script(t.id, True))
    assert root.wait(t.id).state == "confirmed"

    root.fail.touch()  # the next daemon dies at start: status says "dead, pidfile left" (1)
    bad = txn(*transaction.file_entries({paths.DAEMON_JSON: ('{"labels": []}\n', 0o644)}))
    root.run(transaction.begin_script(bad, "sysvinit"))
    final = root.wait(bad.id)
    assert final.state == "rolled-back" and "previous files restored" in final.reason
    assert root.path(paths.DAEMON_JSON).read_text() == '{"tls": true}\n'
    assert root.restart_count == 3  # the change, the failed one, the rollback


def _openrc(root: Root) -> Path:
    """A stub `rc-service` with the ways of OpenRC's own scripts: `start` does nothing while the service
    counts as started, even when its daemon died (status 32, crashed); `stop` clears that. Logs its calls."""
    running, started, calls = root.dir / "RUNNING", root.dir / "STARTED", root.dir / "rc-service.calls"
    (root.bin / "rc-service").write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\ncase "$2" in\n'
        f"  start) [ -e {started} ] && exit 0; echo x >> {root.restarts}; touch {started};"
        f" [ -e {root.fail} ] || touch {running} ;;\n"
        f"  stop) rm -f {running} {started} ;;\n"
        f"  status) [ -e {running} ] && exit 0; [ -e {started} ] && exit 32; exit 3 ;;\n"
        "esac\n"
    )
    (root.bin / "rc-service").chmod(0o755)
    return calls


def test_openrc_restarts_through_rc_service_and_rolls_back_a_daemon_that_crashes(root: Root) -> None:
    calls = _openrc(root)
    root.path(paths.DAEMON_JSON).write_text("old\n")
    t = txn(Entry("dir", paths.DOCKER_DIR), *NEW)
    root.run(transaction.begin_script(t, "openrc"))
    assert root.wait(t.id, "waiting").state == "waiting" and root.restart_count == 1
    root.run(transaction.signal_script(t.id, True))
    assert root.wait(t.id).state == "confirmed"
    assert calls.read_text().startswith("docker stop\ndocker start\n")

    root.fail.touch()  # the next daemon dies at start: OpenRC still counts it as started (crashed, 32)
    bad = txn(*transaction.file_entries({paths.DAEMON_JSON: ('{"labels": []}\n', 0o644)}))
    root.run(transaction.begin_script(bad, "openrc"))
    final = root.wait(bad.id)
    assert final.state == "rolled-back" and "previous files restored" in final.reason
    assert root.path(paths.DAEMON_JSON).read_text() == '{"tls": true}\n'
    assert root.restart_count == 3  # the change, the failed one, and the rollback (stopped first)


@pytest.mark.parametrize("init", ["sysvinit", "openrc"])
def test_recovery_hook_without_systemd_is_an_init_script_before_docker_and_goes_with_forget(
    root: Root, init: str
) -> None:
    calls = _sysvinit(root)
    assert root.run(transaction.setup_script(OriginalSource(from_host=True), init)).returncode == 0
    hook = root.path(paths.RECOVER_INIT)
    assert hook.stat().st_mode & 0o111 and "X-Start-Before:    docker" in hook.read_text()
    assert calls.read_text() == "pulumi-docker-machine-recover defaults\n"
    assert not root.path(paths.RECOVER_UNIT).exists()
    subprocess.run(["sh", "-n", str(hook)], check=True)
    root.run(transaction.forget_script())
    assert not hook.exists() and calls.read_text().endswith("pulumi-docker-machine-recover remove\n")


@pytest.mark.parametrize(
    ("runlevel", "expected"), [(False, "sysvinit"), (True, "openrc")], ids=["tools-only", "running"]
)
def test_probe_tells_openrc_by_its_running_runlevel_not_by_its_tools(
    root: Root, runlevel: bool, expected: str
) -> None:
    _openrc(root)  # rc-service is installed either way (Debian's openrc package before a reboot into it)
    if runlevel:
        root.path("/run/openrc/softlevel").parent.mkdir(parents=True)
        root.path("/run/openrc/softlevel").write_text("default")
    assert facts.parse(root.run(facts.PROBE_SCRIPT).stdout).init_system == expected


def test_tls_files_the_host_had_are_kept_and_put_back_with_their_modes(root: Root) -> None:
    """Docker Machine left its TLS files in /etc/docker: recorded at first touch, restored at destroy."""
    own = {paths.CA_CERT: ("their CA\n", 0o644), paths.SERVER_KEY: ("their key\n", 0o400)}
    for path, (text, mode) in own.items():
        root.path(path).write_text(text)
        root.path(path).chmod(mode)
    assert root.run(transaction.setup_script(OriginalSource(from_host=True), "systemd")).returncode == 0
    probed = parse_probe_record(root.path(paths.ORIGINAL_DIR) / "record")
    assert probed.kept == ((paths.CA_CERT, 0o644), (paths.SERVER_KEY, 0o400))  # server.pem was not there
    for path in own:
        root.path(path).write_text("ours\n")
    writes = [Entry("write", path, mode, source=transaction.kept_copy(path)) for path, mode in probed.kept]
    entries = (*writes, Entry("delete", paths.SERVER_CERT))
    back = Transaction("9-kept", entries, True, False, 0, "", None, "t")
    root.run(transaction.begin_script(back, "systemd"))
    assert root.wait(back.id).state == "confirmed"
    for path, (text, mode) in own.items():
        assert root.path(path).read_text() == text and root.path(path).stat().st_mode & 0o777 == mode
    assert not root.path(paths.SERVER_CERT).exists()


def test_tls_files_are_not_kept_when_they_are_ours_already(root: Root) -> None:
    """A host configured by an older version (original from the state): its TLS files are ours."""
    root.path(paths.CA_CERT).write_text("ours\n")
    source = OriginalSource(from_host=False, content=None, why="state")
    assert root.run(transaction.setup_script(source, "systemd")).returncode == 0
    assert parse_probe_record(root.path(paths.ORIGINAL_DIR) / "record").kept == ()
