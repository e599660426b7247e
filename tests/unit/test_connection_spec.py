"""Connection inputs: pulumi-command's camelCase names, nested jump hosts, defaults filled in."""

import pytest
from pulumi_docker_machine.spec.connection import ConnectionSpec

from ..throwaway_pki import ssh_private_key

pytestmark = pytest.mark.unit

KEY = ssh_private_key()


def test_accepts_pulumi_command_names_and_nested_proxy() -> None:
    spec = ConnectionSpec.from_inputs(
        {
            "host": "10.0.0.2",
            "port": 2222.0,
            "privateKey": KEY,
            "perDialTimeout": 3,
            "proxy": {"host": "bastion.example.com", "user": "jump", "privateKey": KEY},
        }
    )
    assert spec.port == 2222 and spec.per_dial_timeout == 3 and spec.private_key == KEY
    assert spec.proxy is not None and spec.proxy.label == "jump@bastion.example.com:22"


def test_check_returns_inputs_with_defaults_and_the_given_key_names() -> None:
    """Names stay as given: the engine keeps a secret input secret by matching its key name."""
    inputs, errors = ConnectionSpec.check({"host": "h", "privateKey": KEY, "port": "2222"})
    assert errors == []
    assert inputs == {
        "host": "h",
        "port": 2222,
        "user": "root",
        "privateKey": KEY,
        "dial_error_limit": 3,
        "per_dial_timeout": 4,
    }


def test_every_error_is_collected() -> None:
    _, errors = ConnectionSpec.check({"host": "bad host!", "port": 0, "proxy": {"port": "x"}})
    assert [e.field for e in errors] == [
        "host",
        "port",
        "proxy.host",
        "proxy.port",
        "proxy.private_key",
        "private_key",
    ]


def test_replacing_and_secret_fields_come_from_the_dataclass() -> None:
    assert ConnectionSpec.replacing_fields() == ("host", "port")
    secrets = ("password", "private_key", "private_key_password", "sudo_password")
    assert ConnectionSpec.secret_fields() == secrets
