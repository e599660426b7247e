"""DaemonConfig settings: round trip through the engine's form, and values normalised for daemon.json."""

import pytest
from pulumi_docker_machine.daemon import render
from pulumi_docker_machine.spec.daemon import DaemonSpec

pytestmark = pytest.mark.unit


def test_round_trip_and_defaults() -> None:
    spec = DaemonSpec.from_inputs(
        {
            "tls_port": 2376.0,
            "default_address_pools": [{"base": "10.10.0.0/16", "size": 24}],
            "live_restore": True,
        }
    )
    assert spec.tls_port == 2376 and spec.keep_unix_socket
    assert DaemonSpec.from_inputs(spec.to_dict()) == spec


def test_numbers_from_stack_config_reach_daemon_json_as_written() -> None:
    spec = DaemonSpec.from_inputs(
        {"labels": {"rack": 1.0}, "log_opts": {"max-file": 3.0}, "extra": {"max-concurrent-downloads": 5.0}}
    )
    text = render.daemon_json(spec)
    assert '"rack=1"' in text and '"max-file": "3"' in text and '"max-concurrent-downloads": 5' in text
