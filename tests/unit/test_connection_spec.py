"""Connection validation, and pulumi-command's camelCase names."""

import pytest
from pulumi_docker_machine.errors import ValidationError
from pulumi_docker_machine.spec.connection import ConnectionSpec

pytestmark = pytest.mark.unit

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n"


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


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"private_key": KEY}, "connection.host"),
        ({"host": "bad host!", "private_key": KEY}, "connection.host"),
        ({"host": "h", "port": 0, "private_key": KEY}, "connection.port"),
        ({"host": "h", "port": True, "private_key": KEY}, "connection.port"),
        ({"host": "h"}, "connection"),
        ({"host": "h", "private_key": KEY, "host_key": "not a key"}, "connection.host_key"),
        ({"host": "h", "private_key": KEY, "colour": "blue"}, "connection.colour"),
        ({"host": "h", "private_key": KEY, "proxy": {"host": "j"}}, "connection.proxy"),
    ],
)
def test_invalid_connection_names_the_field(raw: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        ConnectionSpec.from_inputs(raw)
    assert err.value.field == field
