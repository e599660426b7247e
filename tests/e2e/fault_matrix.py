"""The fault-injection matrix as data: each row is one fault that a test in `test_faults.py` injects.

docs/reliability.md shows the table and its counts rendered from these rows (a unit test keeps them
equal), and each test names its rows with `injected(ROW)` where it injects the fault, so a row without a
test, a test without a row, or a count that drifts fails the unit tier. `python -m tests.e2e.fault_matrix`
prints the block for the docs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

BEGIN, END = "<!-- fault-matrix: generated from tests/e2e/fault_matrix.py -->", "<!-- /fault-matrix -->"


@dataclass(frozen=True)
class Row:
    id: str
    test: str
    fault: str
    step: str
    outcome: str
    then: str
    """The documented recovery and the `pulumi up` that converges, or why the case has none."""
    converges: bool = True
    """Whether the test ends with a `pulumi up` that converges (else `then` says why there is none)."""


KILLED, WAITING, STARTED = "`pulumi` SIGKILLed with its provider, during", "`waiting`", "`started`"
MATRIX: tuple[Row, ...] = (
    Row(
        "killed-create",
        "test_pulumi_killed_mid_create_then_recreated_keeps_the_original",
        f"{KILLED} a **create**",
        WAITING,
        "rolled back by itself at the deadline: original `daemon.json`, no TLS",
        "`pulumi cancel`, `refresh --clear-pending-creates`, `up` converges; the recorded original is"
        " kept; destroy restores it with its mode",
    ),
    Row(
        "killed-update-started",
        "test_pulumi_killed_mid_update_rolls_back_by_itself_and_up_converges",
        f"{KILLED} an **update**",
        STARTED,
        "rolled back at the deadline: old configuration",
        "`cancel`, then (after the next row) `up` converges",
    ),
    Row(
        "killed-update-waiting",
        "test_pulumi_killed_mid_update_rolls_back_by_itself_and_up_converges",
        "same",
        WAITING,
        "rolled back at the deadline: old configuration",
        "`cancel`, `up` converges; destroy restores the original",
    ),
    Row(
        "orphaned-provider",
        "test_an_orphaned_provider_does_not_confirm",
        "`pulumi` SIGKILLed, provider **orphaned** (keeps running)",
        WAITING,
        "the provider aborts instead of confirming (`pulumi stopped before the change could be"
        " recorded`): old configuration",
        "`cancel`, `up` converges",
    ),
    Row(
        "ssh-killed-started",
        "test_dropped_ssh_sessions_are_survived_and_a_lasting_outage_rolls_back",
        "sshd's sessions killed on the host",
        STARTED,
        "the provider reconnects and finishes: new configuration",
        "none needed: that `up` itself succeeded",
        converges=False,
    ),
    Row(
        "ssh-killed-waiting",
        "test_dropped_ssh_sessions_are_survived_and_a_lasting_outage_rolls_back",
        "same",
        WAITING,
        "the provider reconnects and confirms: new configuration",
        "none needed: that `up` itself succeeded",
        converges=False,
    ),
    Row(
        "link-down",
        "test_dropped_ssh_sessions_are_survived_and_a_lasting_outage_rolls_back",
        "the host's link down (lasting)",
        WAITING,
        "`up` fails, saying the change was in flight; the host rolls back by itself at the deadline: old"
        " configuration",
        "link back, `up` converges",
    ),
    Row(
        "power-cut-waiting",
        "test_a_power_cut_before_confirmation_boots_on_the_old_configuration",
        "power cut (hard reset of the host)",
        WAITING,
        "the boot hook restored the old files before Docker started: old configuration",
        "`up` reports `the change was rolled back: interrupted ...`; the next `up` converges",
    ),
    Row(
        "power-cut-confirmed",
        "test_a_power_cut_before_confirmation_boots_on_the_old_configuration",
        "same",
        "`confirmed`",
        "new configuration stays",
        "`up` converges (nothing to change); destroy restores the original",
    ),
    Row(
        "dockerd-killed",
        "test_dockerd_killed_right_after_its_restart",
        "`dockerd` SIGKILLed right after its restart",
        WAITING,
        "systemd restarts it; the TLS check decides: old or new configuration, Docker running",
        "`up` converges",
    ),
    Row(
        "disk-full",
        "test_a_full_disk_fails_before_anything_changes",
        "`/etc/docker` full (a 256 KiB tmpfs)",
        "(staging)",
        "`the change failed: could not write /etc/docker/daemon.json (is the disk full?); nothing was"
        " changed`: same files, same dockerd PID, no `*.pdm-*` left",
        "space freed, `up` converges",
    ),
    Row(
        "second-stack",
        "test_two_stacks_on_one_host_are_serialized",
        "a second stack on the same host at once",
        "`waiting` (first stack)",
        "second refused at once: `another change is in progress on this host (lock held by pulumi on"
        " HOST (pid N, uid 0))`; first finishes",
        "none needed for the first (its `up` finished); the second's retry is refused, naming the first"
        " as the host's owner (one owner per host)",
        converges=False,
    ),
    Row(
        "clock-ahead",
        "test_certificates_issued_an_hour_off_the_hosts_clock_work",
        "certificates issued 1 h **ahead of** the host's clock",
        "—",
        "accepted (certificates are backdated by 24 h)",
        "none needed: the `up` succeeded and the `docker` CLI talks TLS",
        converges=False,
    ),
    Row(
        "clock-behind",
        "test_certificates_issued_an_hour_off_the_hosts_clock_work",
        "certificates issued 1 h **behind** the host's clock",
        "—",
        "accepted",
        "none needed: the `up` succeeded and the `docker` CLI talks TLS",
        converges=False,
    ),
    Row(
        "dpkg-lock",
        "test_install_waits_for_a_dpkg_lock_held_by_another_process",
        "dpkg's lock held by another package manager run while Docker is to be installed",
        "(install)",
        "the install waits for it (bounded: `DPkg::Lock::Timeout=120`), then installs",
        "none needed: the `up` that waited succeeded",
        converges=False,
    ),
)
BY_ID = {row.id: row for row in MATRIX}


def injected(row_id: str) -> None:
    """Mark where a test injects the fault of row `row_id` (it must be that test's row)."""
    row = BY_ID[row_id]
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    assert f"::{row.test}" in current, f"row {row_id} belongs to {row.test}, not {current}"


def render() -> str:
    """The docs block: the table and its counts."""
    lines = [BEGIN, "", "| Fault | Step | Outcome on the host | Then |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.fault} | {r.step} | {r.outcome} | {r.then} |" for r in MATRIX]
    tests = len({r.test for r in MATRIX})
    converging = sum(r.converges for r in MATRIX)
    lines += [
        "",
        f"{len(MATRIX)} faults injected in {tests} test functions. After each, Docker runs on the old or the"
        f" new configuration; {converging} end with the documented recovery and a `pulumi up` that"
        f" converges, and the other {len(MATRIX) - converging} need none (the table says why).",
        "",
        END,
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
