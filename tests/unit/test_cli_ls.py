"""`ls` rows from the machine store, without a daemon to answer."""

from pathlib import Path

import pytest
from pulumi_docker_machine import store
from pulumi_docker_machine.cli.probe import probe_machine

pytestmark = pytest.mark.unit


def test_a_record_the_docker_host_parser_refuses_is_one_unreachable_row(tmp_path: Path) -> None:
    """A record written before the stricter DOCKER_HOST parser does not abort the whole listing."""
    store.save(tmp_path, store.MachineRecord("old", "tcp://not an address:2376"), "ca", "cert", "key")
    row = probe_machine(tmp_path, "old", timeout=1)
    assert row["state"] == "Unreachable" and "is not `tcp://ADDRESS:PORT`" in row["errors"]
