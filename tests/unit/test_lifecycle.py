"""DockerHost's lifecycle (create, update, read, delete) driven through an in-memory host."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_docker_machine import lifecycle
from pulumi_docker_machine.daemon import paths
from pulumi_docker_machine.errors import (
    ChangeNotAppliedError,
    DockerMachineError,
    HostBusyError,
    HostOwnedError,
    ValidationError,
)
from pulumi_docker_machine.pki.issue import LeafUsage
from pulumi_docker_machine.spec.host import HostSpec

from ..throwaway_pki import new_ca, ssh_private_key
from .fake_host import FakeHost, fake_tls_check

pytestmark = pytest.mark.unit

CA = new_ca("unit CA")
SERVER = CA.issue(LeafUsage.SERVER, "server", ip_addresses=["10.0.0.5"])
CLIENT = CA.issue(LeafUsage.CLIENT, "client")
SSH_KEY = ssh_private_key()
ORIGINAL_JSON = '{"debug": true}\n'


def spec(**overrides: Any) -> HostSpec:
    inputs: dict[str, Any] = {
        "connection": {"host": "10.0.0.5", "private_key": SSH_KEY},
        "ca_cert_pem": CA.pem,
        "server_cert_pem": SERVER[0],
        "server_private_key_pem": SERVER[1],
        "client_cert_pem": CLIENT[0],
        "client_private_key_pem": CLIENT[1],
        "daemon": {"labels": ["stage=one"]},
        **overrides,
    }
    return HostSpec.from_inputs(inputs)


def apply(host: FakeHost, state: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    return lifecycle.apply(host, spec(**overrides), state, tls_check=fake_tls_check).to_dict()  # type: ignore[arg-type]


def host_with_own_json(mode: int = 0o600) -> FakeHost:
    return FakeHost(files={paths.DAEMON_JSON: (ORIGINAL_JSON, mode)})


def test_create_records_the_original_then_applies_and_confirms() -> None:
    host = host_with_own_json()
    out = apply(host)
    assert host.original is not None and host.original.daemon_json == ORIGINAL_JSON
    assert host.original.daemon_json_mode == 0o600 and host.original.had_docker
    daemon = json.loads(host.files[paths.DAEMON_JSON][0])
    assert daemon["debug"] is True and daemon["tlsverify"] is True and daemon["labels"] == ["stage=one"]
    assert host.files[paths.SERVER_KEY] == (SERVER[1], 0o600)
    assert out["last_change"].startswith("confirmed") and out["transaction"]
    assert out["restarted"] and not out["installed_docker"] and out["engine_version"] == "20.10.24"
    assert host.pending is None and host.restarts == 1


def test_noop_apply_changes_nothing_and_does_not_restart() -> None:
    host = host_with_own_json()
    state = apply(host)
    pid, restarts, calls = host.pid, host.restarts, len(host.calls)
    again = apply(host, state)
    assert (host.pid, host.restarts) == (pid, restarts)
    assert not again["restarted"] and again["transaction"] == state["transaction"]
    assert host.calls[calls:] == ["probe"]


def test_a_second_create_after_a_cut_off_one_keeps_the_recorded_original() -> None:
    """Issue 10, case 1: a re-create must never take our own daemon.json for the original."""
    host = host_with_own_json()
    apply(host)  # the first create reached the host, but its state was lost (pulumi killed)
    apply(host, None)  # `pulumi up` again: a create with no state
    assert host.original is not None and host.original.daemon_json == ORIGINAL_JSON
    lifecycle.restore(host, spec(), {}, uninstall=False)
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o600)}


def test_a_daemon_that_does_not_start_rolls_back_on_the_host() -> None:
    host = host_with_own_json()
    state = apply(host)
    before = dict(host.files)
    with pytest.raises(ChangeNotAppliedError, match="did not start") as caught:
        apply(host, state, daemon={"extra": {"log-level": "loudest"}})
    assert caught.value.state == "rolled-back"
    assert host.files == before and host.running


def test_a_first_create_that_rolls_back_leaves_no_record_or_hook() -> None:
    host = host_with_own_json()
    with pytest.raises(ChangeNotAppliedError):
        apply(host, daemon={"extra": {"log-level": "loudest"}})
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o600)} and paths.DROPIN_DIR not in host.dirs
    assert host.original is None and host.owner is None and not host.recover_hook and host.running


@pytest.mark.parametrize("own", ['{"debug": tru', "[1, 2]"])
def test_a_first_create_refused_for_the_hosts_own_daemon_json_leaves_nothing(own: str) -> None:
    """Issue 20: a refused create must not leave the record of an original it could not read."""
    host = FakeHost(files={paths.DAEMON_JSON: (own, 0o640)})
    with pytest.raises(DockerMachineError, match=r"original /etc/docker/daemon\.json is not"):
        apply(host)
    assert host.original is None and not host.recover_hook and host.calls[-1] == "forget"
    host.files[paths.DAEMON_JSON] = (ORIGINAL_JSON, 0o640)  # the user fixes the file, as the message says
    apply(host)
    assert host.original is not None and host.original.daemon_json == ORIGINAL_JSON
    assert host.original.daemon_json_mode == 0o640


def test_a_failed_client_side_tls_check_aborts_and_the_host_rolls_back() -> None:
    host = host_with_own_json()
    state = apply(host)
    before = dict(host.files)
    host.tls_fails = True
    with pytest.raises(ChangeNotAppliedError, match="did not answer /_ping"):
        apply(host, state, daemon={"labels": ["stage=two"]})
    assert host.files == before and host.running and host.last and host.last.state == "rolled-back"


def test_a_connection_lost_before_confirming_leaves_the_host_to_roll_back_by_itself() -> None:
    host = host_with_own_json()
    state = apply(host)
    before = dict(host.files)
    host.cut_off_at = "signal"
    with pytest.raises(DockerMachineError) as lost:
        apply(host, state, daemon={"labels": ["stage=two"]})
    assert str(lost.value) == (
        f"root@fake:22: connection lost during signal; transaction {host.pending[0].id} was in flight:"
        " unless it was confirmed, the host rolls it back by itself within 120 s of its start. The next"
        " `pulumi up` or `pulumi preview --refresh` reads how it ended"
        " (/var/lib/pulumi-docker-machine/last-status on the host)"
    )
    assert host.pending is not None  # waiting for a confirmation that will not come
    host.deadline_passes()
    assert host.files == before and host.running
    # The next run reports the rollback and converges.
    out = apply(host, state, daemon={"labels": ["stage=two"]})
    assert json.loads(host.files[paths.DAEMON_JSON][0])["labels"] == ["stage=two"]
    assert out["last_change"].startswith("confirmed")


def test_an_interrupted_transaction_found_by_the_next_run_is_rolled_back_first() -> None:
    host = host_with_own_json()
    state = apply(host)
    host.cut_off_at = "signal"
    with pytest.raises(DockerMachineError):
        apply(host, state, daemon={"labels": ["stage=two"]})
    apply(host, state, daemon={"labels": ["stage=three"]})
    assert "recover" in host.calls
    assert json.loads(host.files[paths.DAEMON_JSON][0])["labels"] == ["stage=three"]


def test_a_busy_host_is_refused_at_once_and_left_alone() -> None:
    host = host_with_own_json()
    host.lock_owner = "pulumi on ci-7 (pid 42, uid 0)"
    with pytest.raises(HostBusyError, match="ci-7"):
        apply(host)
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o600)} and host.original is None


def test_a_full_disk_fails_before_anything_changes() -> None:
    host = host_with_own_json()
    host.disk_full = True
    with pytest.raises(ChangeNotAppliedError, match="disk full"):
        apply(host)
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o600)} and host.restarts == 0


def test_validate_refuses_a_bad_setting_before_any_restart() -> None:
    host = host_with_own_json()
    host.can_validate = True
    state = apply(host)
    restarts, pid = host.restarts, host.pid
    with pytest.raises(ChangeNotAppliedError, match="--validate"):
        apply(host, state, daemon={"extra": {"log-level": "loudest"}})
    assert (host.restarts, host.pid) == (restarts, pid)


def test_destroy_restores_the_original_byte_for_byte_with_its_mode_and_forgets() -> None:
    host = host_with_own_json(mode=0o640)
    state = apply(host)
    lifecycle.restore(host, spec(), state, uninstall=False)
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640)}
    assert paths.DROPIN_DIR not in host.dirs and host.original is None and host.running


def test_destroy_of_a_host_without_daemon_json_leaves_none() -> None:
    host = FakeHost()
    state = apply(host)
    lifecycle.restore(host, spec(), state, uninstall=False)
    assert host.files == {}


def test_docker_installed_by_us_is_recorded_and_uninstalled_on_request() -> None:
    host = FakeHost(has_docker=False, running=False)
    state = apply(host)
    assert host.installs == 1 and state["installed_docker"]
    apply(host, None)  # a re-create must still know we installed it
    assert host.original is not None and not host.original.had_docker
    lifecycle.restore(host, spec(), state, uninstall=True)
    assert not host.has_docker


def test_install_method_none_refuses_before_anything_changes() -> None:
    host = FakeHost(has_docker=False, running=False)
    with pytest.raises(DockerMachineError, match="install_method is 'none'"):
        apply(host, install_method="none")
    assert host.installs == 0 and host.files == {}


def test_hosts_from_older_versions_take_the_original_from_the_state() -> None:
    host = host_with_own_json()
    state = apply(host)
    host.original = None  # a host configured before the record existed
    apply(host, {**state, "base_daemon_json": '{"old": 1}\n'})
    assert host.original is not None and host.original.daemon_json == '{"old": 1}\n'


def test_read_reports_hand_edits_and_a_rollback_nobody_saw() -> None:
    host = host_with_own_json()
    state = apply(host)
    assert lifecycle.observe(host, state)["drift"] == {}  # type: ignore[arg-type]
    host.files[paths.CA_CERT] = ("edited", 0o644)
    drift = lifecycle.observe(host, state)["drift"]  # type: ignore[arg-type]
    assert drift == {paths.CA_CERT: "changed on host"}
    host.cut_off_at = "signal"
    with pytest.raises(DockerMachineError):
        apply(host, state, daemon={"labels": ["stage=two"]})
    host.deadline_passes()
    drift = lifecycle.observe(host, state)["drift"]  # type: ignore[arg-type]
    assert drift["last change"].startswith("rolled back at") and "not confirmed" in drift["last change"]


def test_a_stopped_daemon_is_drift_and_the_next_apply_starts_it() -> None:
    host = host_with_own_json()
    state = apply(host)
    host.running = False  # `systemctl stop docker.socket docker.service` on the host
    assert lifecycle.observe(host, state)["drift"] == {"docker.service": "inactive"}  # type: ignore[arg-type]
    again = apply(host, state)
    assert host.running and again["restarted"] and again["last_change"].startswith("confirmed")


def test_a_bind_address_the_host_does_not_have_is_refused_before_anything_changes() -> None:
    host = host_with_own_json()
    with pytest.raises(DockerMachineError, match=r"daemon\.bind_address: root@10\.0\.0\.5:22 has no address"):
        apply(host, daemon={"bind_address": "10.9.9.9"})
    assert host.restarts == 0 and paths.SERVER_KEY not in host.files


# ---- one owner per host (issue 20) ----

STACK_A, STACK_B = "proj/a/web", "proj/b/web"


def managed(host: FakeHost, by: str, state: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """An apply as the provider makes it: the state it keeps holds the inputs (managed_by) too."""
    return {"managed_by": by, **apply(host, state, managed_by=by, **overrides)}


def test_the_host_records_its_owner_and_another_stack_is_refused_at_every_attempt() -> None:
    host = host_with_own_json(mode=0o640)
    managed(host, STACK_A)
    assert host.owner == STACK_A
    files, restarts = dict(host.files), host.restarts
    for _ in range(2):  # not only while A's change runs: every time
        with pytest.raises(
            HostOwnedError, match=r"managed by proj/a/web .*/var/lib/pulumi-docker-machine/owner"
        ):
            managed(host, STACK_B)
    assert host.files == files and host.restarts == restarts and host.owner == STACK_A


def test_adopting_takes_the_host_over_and_the_old_owner_sees_drift_cannot_update_and_destroys_nothing() -> (
    None
):
    host = host_with_own_json(mode=0o640)
    state_a = managed(host, STACK_A)
    state_b = managed(host, STACK_B, adopt=True)
    assert host.owner == STACK_B and host.original is not None and host.original.daemon_json_mode == 0o640
    assert lifecycle.observe(host, state_a)["drift"] == {
        "owner": "managed by proj/b/web now (it adopted the host)"
    }  # type: ignore[arg-type]
    assert lifecycle.observe(host, state_b)["drift"] == {}  # type: ignore[arg-type]
    with pytest.raises(HostOwnedError, match="managed by proj/b/web"):
        managed(host, STACK_A, state_a)
    files = dict(host.files)
    left = lifecycle.restore(host, spec(), state_a, uninstall=False)  # A's destroy
    assert host.files == files and host.owner == STACK_B and host.original is not None
    assert left == "root@fake:22: managed by proj/b/web now; destroy leaves the host as it is"
    lifecycle.restore(host, spec(), state_b, uninstall=False)  # B's destroy gives back the original
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640)} and host.owner is None


def test_a_destroy_after_the_host_was_given_back_leaves_it_alone() -> None:
    host = host_with_own_json(mode=0o640)
    state_a = managed(host, STACK_A)
    state_b = managed(host, STACK_B, adopt=True)
    lifecycle.restore(host, spec(), state_b, uninstall=False)
    restarts = host.restarts
    left = lifecycle.restore(
        host, spec(), state_a, uninstall=False
    )  # its state's copy must not be written back
    assert left is not None and "not managed any more" in left
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640)} and host.restarts == restarts


def test_a_destroy_after_the_host_was_given_back_leaves_its_own_tls_files_alone() -> None:
    own = {paths.CA_CERT: ("their CA\n", 0o644), paths.SERVER_KEY: ("their key\n", 0o600)}
    host = FakeHost(files={paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640), **own})
    state_a = managed(host, STACK_A)
    state_b = managed(host, STACK_B, adopt=True)
    lifecycle.restore(host, spec(), state_b, uninstall=False)  # the host's own TLS files are back
    left = lifecycle.restore(host, spec(), state_a, uninstall=False)
    assert left is not None and "not managed any more" in left
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640), **own}


def test_a_renamed_stack_is_still_the_owner_and_its_new_name_is_recorded() -> None:
    host = host_with_own_json()
    state = managed(host, STACK_A)
    managed(host, "proj/renamed/web", state)
    assert host.owner == "proj/renamed/web"


def test_a_host_managed_before_owners_were_recorded_is_claimed() -> None:
    host = host_with_own_json()
    state = apply(host)  # no identity: nothing recorded, as with an older version
    assert host.owner is None and host.original is not None
    managed(host, STACK_A, state)
    assert host.owner == STACK_A


def test_a_rollback_names_the_inputs_the_change_altered() -> None:
    host = host_with_own_json()
    state = {"daemon": spec().daemon.to_dict(), "ca_cert_pem": CA.pem, "server_cert_pem": SERVER[0]}
    state |= apply(host)
    bad = {"labels": ["stage=one"], "extra": {"log-level": "loudest"}}
    with pytest.raises(ChangeNotAppliedError) as caught:
        apply(host, state, daemon=bad)
    assert str(caught.value).endswith("(the inputs this change altered: daemon.extra)")
    with pytest.raises(ChangeNotAppliedError) as first:  # a create: nothing to compare with
        apply(host_with_own_json(), daemon=bad)
    assert "inputs this change altered" not in str(first.value)


def test_destroy_gives_back_the_tls_files_the_host_had_of_its_own() -> None:
    """A host that a Docker Machine provisioned has its CA, certificate and key in /etc/docker already."""
    own = {
        paths.CA_CERT: ("their CA\n", 0o644),
        paths.SERVER_CERT: ("their cert\n", 0o644),
        paths.SERVER_KEY: ("their key\n", 0o600),
    }
    host = FakeHost(files={paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640), **own})
    state = apply(host)
    assert host.files[paths.SERVER_KEY] == (SERVER[1], 0o600)  # ours while managed
    lifecycle.restore(host, spec(), state, uninstall=False)
    assert host.files == {paths.DAEMON_JSON: (ORIGINAL_JSON, 0o640), **own}


MACHINE_DROPIN = f"{paths.DROPIN_DIR}/10-machine.conf"


def docker_machine_host() -> FakeHost:
    """A host as Docker Machine left it: its drop-in (ExecStart with -H and --tls flags) and TLS files."""
    return FakeHost(
        files={
            MACHINE_DROPIN: (
                "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H tcp://0.0.0.0:2376\n",
                0o644,
            ),
            paths.CA_CERT: ("their CA\n", 0o644),
            paths.SERVER_CERT: ("their cert\n", 0o644),
            paths.SERVER_KEY: ("their key\n", 0o600),
        },
        dirs={paths.DOCKER_DIR, paths.DROPIN_DIR},
    )


def test_a_foreign_dropin_is_refused_unless_taken_over_and_then_put_back_at_destroy() -> None:
    host = docker_machine_host()
    before = dict(host.files)
    with pytest.raises(DockerMachineError, match="or name them in take_over_dropins"):
        apply(host)
    host = docker_machine_host()
    state = apply(host, take_over_dropins=["10-machine.conf"])
    assert MACHINE_DROPIN not in host.files and paths.DROPIN in host.files and host.running
    assert lifecycle.observe(host, state)["drift"] == {}  # type: ignore[arg-type]
    lifecycle.restore(host, spec(), state, uninstall=False)
    assert host.files == before and paths.DROPIN_DIR in host.dirs


def test_a_dropin_named_after_the_first_up_is_refused_as_it_could_not_be_put_back() -> None:
    host = FakeHost()
    state = apply(host)
    host.files[MACHINE_DROPIN] = ("[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd\n", 0o644)
    with pytest.raises(ValidationError, match=r"take_over_dropins: .*was not on the host when it was first"):
        apply(host, state, take_over_dropins=["10-machine.conf"])
