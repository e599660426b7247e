"""The probe script's parser, and the drift it implies."""

import subprocess

import pytest
from pulumi_docker_machine.daemon import paths, plan
from pulumi_docker_machine.remote import facts

pytestmark = pytest.mark.unit

OUTPUT = f"""
@@pdm:os-release
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
@@pdm:init
systemd
@@pdm:dockerd
/usr/sbin/dockerd
@@pdm:active
active
@@pdm:main-pid
4242
@@pdm:unit
[Service]
ExecStart=/usr/sbin/dockerd -H fd://
@@pdm:foreign-exec-start

@@pdm:sha256
{"a" * 64}  {paths.CA_CERT}
- {paths.SERVER_KEY}
@@pdm:daemon-json
eyJ0bHMiOiB0cnVlfQo=
@@pdm:server-version
20.10.24+dfsg1
@@pdm:storage
overlay2 3 1
@@pdm:validate

@@pdm:addresses
10.231.0.10
fd00::10
@@pdm:dropin-dir
present
@@pdm:original
docker=absent
dropin_dir=absent
recorded=1700000000
source=host
mode=640
content=eyJkZWJ1ZyI6IHRydWV9Cg==
@@pdm:lock
pulumi on ci-7 (pid 42, uid 0)
@@pdm:txn
id=1-ab
state=waiting
deadline=1700000120
@@pdm:last
id=1-aa
state=rolled-back
updated=1700000000
reason=not confirmed within 120s
@@pdm:recover-hook
present
@@pdm:end
"""


def test_parse_reads_every_section() -> None:
    f = facts.parse(OUTPUT)
    assert (f.os_id, f.init_system) == ("debian", "systemd")
    assert f.has_docker and f.active == "active" and f.main_pid == 4242
    assert "ExecStart=/usr/sbin/dockerd -H fd://" in f.unit_text
    assert f.sha256[paths.CA_CERT] == "a" * 64 and f.sha256[paths.SERVER_KEY] == ""
    assert f.daemon_json == '{"tls": true}\n'
    assert (f.storage_driver, f.images, f.containers) == ("overlay2", 3, 1)
    assert not f.can_validate and f.foreign_exec_start == ()
    assert f.addresses == ("10.231.0.10", "fd00::10")
    assert f.has_dropin_dir and f.recover_hook
    assert f.original is not None and f.original.daemon_json == '{"debug": true}\n'
    assert (f.original.daemon_json_mode, f.original.had_docker, f.original.had_dropin_dir) == (
        0o640,
        False,
        False,
    )
    assert f.lock_owner == "pulumi on ci-7 (pid 42, uid 0)"
    assert f.txn is not None and (f.txn.id, f.txn.state, f.txn.deadline) == ("1-ab", "waiting", 1700000120)
    assert f.last is not None and f.last.reason == "not confirmed within 120s"


def test_a_host_we_never_touched_has_no_record_lock_or_transaction() -> None:
    empty = "@@pdm:original\n@@pdm:lock\n@@pdm:txn\n@@pdm:last\n@@pdm:recover-hook\n@@pdm:end\n"
    f = facts.parse(OUTPUT.split("@@pdm:dropin-dir")[0] + empty)
    assert (f.original, f.lock_owner, f.txn, f.last, f.recover_hook) == (None, None, None, None, False)


def test_truncated_output_is_an_error() -> None:
    with pytest.raises(ValueError, match="truncated"):
        facts.parse(OUTPUT.split("@@pdm:addresses")[0])


def test_drift_names_what_changed() -> None:
    f = facts.parse(OUTPUT)
    desired = {paths.CA_CERT: "a" * 64, paths.SERVER_KEY: "b" * 64, paths.DAEMON_JSON: "c" * 64}
    assert plan.drift(desired, f) == {
        paths.SERVER_KEY: "missing on host",
        paths.DAEMON_JSON: "missing on host",
        "change in progress": "held by pulumi on ci-7 (pid 42, uid 0)",
        "last change": "rolled back at 2023-11-14 22:13:20Z: not confirmed within 120s",
    }
    assert plan.drift({paths.CA_CERT: "a" * 64}, f, "1-aa") == {
        "change in progress": "held by pulumi on ci-7 (pid 42, uid 0)"
    }


def test_probe_script_is_valid_sh() -> None:
    subprocess.run(["sh", "-n"], input=facts.PROBE_SCRIPT, text=True, check=True)


def test_absent_daemon_json_and_foreign_dropins() -> None:
    text = OUTPUT.replace("eyJ0bHMiOiB0cnVlfQo=", "absent").replace(
        "@@pdm:foreign-exec-start\n",
        "@@pdm:foreign-exec-start\n/etc/systemd/system/docker.service.d/override.conf\n",
    )
    f = facts.parse(text)
    assert f.daemon_json is None
    found = plan.drift({}, f, "1-aa")
    assert (
        found["/etc/systemd/system/docker.service.d/override.conf"] == "foreign drop-in overrides ExecStart"
    )


@pytest.mark.parametrize(
    ("seen", "reported"), [("inactive", "inactive"), ("failed", "failed"), ("", "not running")]
)
def test_a_stopped_daemon_is_drift(seen: str, reported: str) -> None:
    """A daemon that does not run is drift, whatever the files say: a refresh lists it, `up` starts it."""
    running = facts.parse(OUTPUT)
    assert "docker.service" not in plan.drift({}, running, "1-aa")
    stopped = facts.parse(OUTPUT.replace("@@pdm:active\nactive\n", f"@@pdm:active\n{seen}\n"))
    assert plan.drift({}, stopped, "1-aa")["docker.service"] == reported
