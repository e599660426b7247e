"""DaemonConfig validation: bad settings fail naming the field."""

import pytest
from pulumi_docker_machine.errors import ValidationError
from pulumi_docker_machine.spec.daemon import DaemonSpec

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"tls_port": 70000}, "daemon.tls_port"),
        ({"tls_port": "x"}, "daemon.tls_port"),
        ({"bind_address": "nowhere"}, "daemon.bind_address"),
        ({"storage_driver": "aufs2"}, "daemon.storage_driver"),
        ({"log_driver": "carrier-pigeon"}, "daemon.log_driver"),
        ({"registry_mirrors": ["ftp://x"]}, "daemon.registry_mirrors[0]"),
        ({"labels": ["novalue"]}, "daemon.labels[0]"),
        (
            {"default_address_pools": [{"base": "10.0.0.0/33", "size": 24}]},
            "daemon.default_address_pools[0].base",
        ),
        (
            {"default_address_pools": [{"base": "10.0.0.0/16", "size": 8}]},
            "daemon.default_address_pools[0].size",
        ),
        ({"environment": {"BAD-NAME": "1"}}, "daemon.environment"),
        ({"extra": {"hosts": ["tcp://0.0.0.0:2375"]}}, "daemon.extra.hosts"),
        ({"bogus": 1}, "daemon.bogus"),
    ],
)
def test_invalid_settings_name_the_field(settings: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        DaemonSpec.from_inputs(settings)
    assert err.value.field == field


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


def test_environment_values_cannot_inject_unit_lines() -> None:
    with pytest.raises(ValidationError) as err:
        DaemonSpec.from_inputs({"environment": {"HTTP_PROXY": "http://p:3128\nExecStartPre=/bin/evil"}})
    assert err.value.field == "daemon.environment.HTTP_PROXY"
