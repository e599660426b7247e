"""The probe script's parser, and the drift it implies."""

import subprocess

import pytest
from pulumi_docker_machine import converge
from pulumi_docker_machine.daemon import paths
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
@@pdm:end
"""


def test_parse_reads_every_section() -> None:
    f = facts.parse(OUTPUT)
    assert (f.os_id, f.os_version, f.init_system) == ("debian", "12", "systemd")
    assert f.has_docker and f.active == "active" and f.main_pid == 4242
    assert "ExecStart=/usr/sbin/dockerd -H fd://" in f.unit_text
    assert f.sha256[paths.CA_CERT] == "a" * 64 and f.sha256[paths.SERVER_KEY] == ""
    assert f.daemon_json == '{"tls": true}\n'
    assert (f.storage_driver, f.images, f.containers) == ("overlay2", 3, 1)
    assert not f.can_validate and f.foreign_exec_start == ()
    assert f.addresses == ("10.231.0.10", "fd00::10")


def test_truncated_output_is_an_error() -> None:
    with pytest.raises(ValueError, match="truncated"):
        facts.parse(OUTPUT.split("@@pdm:addresses")[0])


def test_drift_names_what_changed() -> None:
    f = facts.parse(OUTPUT)
    desired = {paths.CA_CERT: "a" * 64, paths.SERVER_KEY: "b" * 64, paths.DAEMON_JSON: "c" * 64}
    assert converge.drift(desired, f) == {
        paths.SERVER_KEY: "missing on host",
        paths.DAEMON_JSON: "missing on host",
    }
    assert converge.drift({paths.CA_CERT: "a" * 64}, f) == {}


def test_probe_script_is_valid_sh() -> None:
    subprocess.run(["sh", "-n"], input=facts.PROBE_SCRIPT, text=True, check=True)


def test_absent_daemon_json_and_foreign_dropins() -> None:
    text = OUTPUT.replace("eyJ0bHMiOiB0cnVlfQo=", "absent").replace(
        "@@pdm:foreign-exec-start\n",
        "@@pdm:foreign-exec-start\n/etc/systemd/system/docker.service.d/override.conf\n",
    )
    f = facts.parse(text)
    assert f.daemon_json is None
    assert converge.drift({}, f) == {
        "/etc/systemd/system/docker.service.d/override.conf": "foreign drop-in overrides ExecStart"
    }
