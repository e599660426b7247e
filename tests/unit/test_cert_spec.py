"""Certificate input specs: defaults, echo round trip, validation errors naming the field, unknowns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from pulumi_docker_machine.errors import ValidationError
from pulumi_docker_machine.pki.inspection import certificate_to_pem
from pulumi_docker_machine.pki.issue import LeafUsage, issue_leaf, self_signed_ca, subject_name
from pulumi_docker_machine.pki.keys import KeyType, generate_private_key, private_key_to_pem
from pulumi_docker_machine.pki.validity import validity_window
from pulumi_docker_machine.spec.cert import (
    CertificateAuthoritySpec,
    ClientCertSpec,
    ServerCertSpec,
)

pytestmark = pytest.mark.unit

WINDOW = validity_window(datetime(2030, 1, 1, tzinfo=UTC), 1000)


def _ca(key_type: KeyType = KeyType.ECDSA_P256) -> tuple[str, str]:
    key = generate_private_key(key_type)
    return certificate_to_pem(self_signed_ca(key, subject_name("CA"), WINDOW)), private_key_to_pem(key)


@pytest.fixture(scope="module")
def ca() -> dict[str, str]:
    cert, key = _ca()
    other_cert, other_key = _ca()
    leaf_key = generate_private_key(KeyType.ECDSA_P256)
    leaf = issue_leaf(
        leaf_key.public_key(),
        subject_name("leaf"),
        LeafUsage.CLIENT,
        WINDOW,
        self_signed_ca(generate_private_key(KeyType.ED25519), subject_name("x"), WINDOW),
        generate_private_key(KeyType.ED25519),
    )
    rsa_cert, rsa_key = _ca(KeyType.RSA_2048)
    return {
        "cert": cert,
        "key": key,
        "other_cert": other_cert,
        "other_key": other_key,
        "leaf_cert": certificate_to_pem(leaf),
        "leaf_key": private_key_to_pem(leaf_key),
        "rsa_cert": rsa_cert,
        "rsa_key": rsa_key,
    }


def _server(ca, **inputs):
    return {"ca_cert_pem": ca["cert"], "ca_private_key_pem": ca["key"], **inputs}


def _client(ca, **inputs):
    return {"ca_cert_pem": ca["cert"], "ca_private_key_pem": ca["key"], "common_name": "alice", **inputs}


def test_ca_defaults():
    inputs, errors = CertificateAuthoritySpec.check({"common_name": "My CA"})
    assert errors == []
    assert inputs == {
        "common_name": "My CA",
        "key_type": "ecdsa-p256",
        "validity_hours": 26280,
        "early_renewal_hours": 720,
    }
    spec = CertificateAuthoritySpec.from_inputs(inputs)
    assert spec.key_type is KeyType.ECDSA_P256 and spec.existing_cert_pem is None
    assert spec.to_dict() == inputs


def test_server_defaults(ca):
    inputs, errors = ServerCertSpec.check(_server(ca, ip_addresses=["10.0.0.5"]))
    assert errors == []
    assert inputs == _server(
        ca,
        ip_addresses=["10.0.0.5"],
        dns_names=[],
        include_localhost=True,
        common_name="10.0.0.5",
        key_type="ecdsa-p256",
        validity_hours=8760,
        early_renewal_hours=720,
    )
    assert ServerCertSpec.from_inputs(inputs).to_dict() == inputs


def test_client_defaults(ca):
    inputs, errors = ClientCertSpec.check(_client(ca, organization="Team", validity_hours=1000.0))
    assert errors == []
    spec = ClientCertSpec.from_inputs(inputs)
    assert spec.validity_hours == 1000 and isinstance(spec.validity_hours, int)
    assert spec.USAGE is LeafUsage.CLIENT and spec.san_dns_names == () and spec.san_ip_addresses == ()
    assert spec.to_dict() == {**inputs, "validity_hours": 1000}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"dns_names": ["b.example", "a.example"], "ip_addresses": ["10.0.0.1"]}, "b.example"),
        ({"ip_addresses": ["10.0.0.1", "10.0.0.2"]}, "10.0.0.1"),
        ({}, "localhost"),
        ({"dns_names": ["h.example"], "common_name": "docker"}, "docker"),
    ],
)
def test_server_common_name_default(ca, names, expected):
    inputs, errors = ServerCertSpec.check(_server(ca, **names))
    assert errors == [] and inputs["common_name"] == expected


def test_server_sans(ca):
    spec = ServerCertSpec.from_inputs(
        ServerCertSpec.check(
            _server(
                ca, ip_addresses=["fd00:0::1", "10.0.0.5", "127.0.0.1"], dns_names=["h.example", "localhost"]
            )
        )[0]
    )
    assert spec.san_dns_names == ("h.example", "localhost")
    assert spec.san_ip_addresses == ("fd00::1", "10.0.0.5", "127.0.0.1")
    bare = ServerCertSpec.from_inputs(
        ServerCertSpec.check(_server(ca, ip_addresses=["10.0.0.5"], include_localhost=False))[0]
    )
    assert bare.san_dns_names == () and bare.san_ip_addresses == ("10.0.0.5",)


def test_replacing_fields_exclude_only_the_renewal_window():
    assert "early_renewal_hours" not in ServerCertSpec.replacing_fields()
    assert set(ServerCertSpec.replacing_fields()) | {"early_renewal_hours"} == set(
        ServerCertSpec.input_fields()
    )
    assert {"ca_cert_pem", "ip_addresses", "dns_names", "key_type", "validity_hours", "common_name"} <= set(
        ServerCertSpec.replacing_fields()
    )


CASES = [
    (CertificateAuthoritySpec, {}, "common_name", "is required"),
    (CertificateAuthoritySpec, {"common_name": "  "}, "common_name", "non-empty"),
    (
        CertificateAuthoritySpec,
        {"common_name": "c", "key_type": "dsa-1024"},
        "key_type",
        "is not one of ecdsa-p256",
    ),
    (CertificateAuthoritySpec, {"common_name": "c", "validity_hours": 0}, "validity_hours", "at least 1"),
    (CertificateAuthoritySpec, {"common_name": "c", "validity_hours": 1.5}, "validity_hours", "whole number"),
    (
        CertificateAuthoritySpec,
        {"common_name": "c", "validity_hours": True},
        "validity_hours",
        "whole number",
    ),
    (
        CertificateAuthoritySpec,
        {"common_name": "c", "validity_hours": "nine"},
        "validity_hours",
        "whole number",
    ),
    (
        CertificateAuthoritySpec,
        {"common_name": "c", "early_renewal_hours": -1},
        "early_renewal_hours",
        "at least 0",
    ),
    (CertificateAuthoritySpec, {"common_name": "c", "validity_hours": 720}, "validity_hours", "longer than"),
    (CertificateAuthoritySpec, {"common_name": "c", "organization": ""}, "organization", "non-empty"),
    (ServerCertSpec, {"ip_addresses": ["10.0.0.300"]}, "ip_addresses", "'10.0.0.300' is not an IP address"),
    (ServerCertSpec, {"ip_addresses": "10.0.0.1"}, "ip_addresses", "list of strings"),
    (ServerCertSpec, {"dns_names": ["bad name"]}, "dns_names", "'bad name' is not a DNS name"),
    (ServerCertSpec, {"dns_names": ["a" * 64 + ".example"]}, "dns_names", "not a DNS name"),
    (ServerCertSpec, {"dns_names": ["10.1.2.3"]}, "dns_names", "list it in ip_addresses"),
    (ServerCertSpec, {"include_localhost": False}, "ip_addresses", "would name no host"),
    (ServerCertSpec, {"include_localhost": False, "common_name": "d"}, "ip_addresses", "would name no host"),
    (ServerCertSpec, {"include_localhost": "yes"}, "include_localhost", "true or false"),
    (ServerCertSpec, {"key_type": "rsa-1024"}, "key_type", "is not one of ecdsa-p256"),
    (ServerCertSpec, {"validity_hours": 24}, "validity_hours", "longer than early_renewal_hours (720)"),
    (ClientCertSpec, {"common_name": None}, "common_name", "is required"),
]


@pytest.mark.parametrize(("spec", "inputs", "field", "message"), CASES)
def test_validation_errors_name_the_field(ca, spec, inputs, field, message):
    base = {} if spec is CertificateAuthoritySpec else _server(ca) if spec is ServerCertSpec else _client(ca)
    _, errors = spec.check({**base, **inputs})
    assert [(error.field, message in str(error)) for error in errors] == [(field, True)], errors
    assert str(errors[0]).startswith(f"{field}: ")
    with pytest.raises(ValidationError) as info:
        spec.from_inputs({**base, **inputs})
    assert info.value.field == field


@pytest.mark.parametrize(
    ("inputs", "field", "message"),
    [
        ({"ca_cert_pem": "garbage"}, "ca_cert_pem", "not a PEM certificate"),
        (
            {"ca_cert_pem": "leaf_cert", "ca_private_key_pem": "leaf_key"},
            "ca_cert_pem",
            "not a CA certificate",
        ),
        (
            {"ca_private_key_pem": "other_key"},
            "ca_private_key_pem",
            "does not match the public key of ca_cert_pem",
        ),
        ({"ca_private_key_pem": "garbage"}, "ca_private_key_pem", "not an unencrypted PEM private key"),
        ({"ca_private_key_pem": None}, "ca_private_key_pem", "is required"),
    ],
)
def test_leaf_ca_inputs_are_checked(ca, inputs, field, message):
    resolved = {
        name: ca.get(value, value) if isinstance(value, str) else value for name, value in inputs.items()
    }
    for spec, base in ((ServerCertSpec, _server(ca)), (ClientCertSpec, _client(ca))):
        _, errors = spec.check({**base, **resolved})
        assert [(error.field, message in str(error)) for error in errors] == [(field, True)], errors


def test_every_problem_is_reported_at_once(ca):
    _, errors = ServerCertSpec.check(
        _server(ca, ca_private_key_pem=ca["other_key"], ip_addresses=["x"], dns_names=["y z"], key_type="dsa")
    )
    assert [error.field for error in errors] == [
        "ca_private_key_pem",
        "ip_addresses",
        "dns_names",
        "key_type",
    ]


@pytest.mark.parametrize("unknown", [Unknown(), UNKNOWN], ids=["object", "placeholder"])
def test_unknown_values_are_not_validated(ca, unknown):
    inputs = {
        "ca_cert_pem": unknown,
        "ca_private_key_pem": unknown,
        "ip_addresses": ["10.0.0.1", unknown],
        "dns_names": unknown,
        "validity_hours": unknown,
    }
    checked, errors = ServerCertSpec.check(inputs)
    assert errors == []
    assert "common_name" not in checked
    assert checked["ca_cert_pem"] is unknown and checked["key_type"] == "ecdsa-p256"
    with pytest.raises(ValidationError, match="not known yet"):
        ServerCertSpec.from_inputs(inputs)


def test_known_fields_are_still_checked_next_to_unknown_ones(ca):
    _, errors = ServerCertSpec.check(
        {"ca_cert_pem": Unknown(), "ca_private_key_pem": Unknown(), "ip_addresses": ["x"]}
    )
    assert [error.field for error in errors] == ["ip_addresses"]


def test_adopted_ca(ca):
    inputs, errors = CertificateAuthoritySpec.check(
        {"existing_cert_pem": ca["rsa_cert"], "existing_private_key_pem": ca["rsa_key"]}
    )
    assert errors == []
    assert inputs == {
        "existing_cert_pem": ca["rsa_cert"],
        "existing_private_key_pem": ca["rsa_key"],
        "key_type": "rsa-2048",
        "early_renewal_hours": 720,
    }
    spec = CertificateAuthoritySpec.from_inputs(inputs)
    assert spec.existing_cert_pem and spec.key_type is KeyType.RSA_2048 and spec.validity_hours is None
    assert spec.to_dict() == inputs


@pytest.mark.parametrize(
    ("inputs", "field", "message"),
    [
        ({"existing_private_key_pem": "other_key"}, "existing_private_key_pem", "does not match"),
        (
            {"existing_cert_pem": "leaf_cert", "existing_private_key_pem": "leaf_key"},
            "existing_cert_pem",
            "not a CA",
        ),
        ({"existing_private_key_pem": None}, "existing_private_key_pem", "is required"),
        ({"existing_cert_pem": None}, "existing_cert_pem", "is required"),
        ({"common_name": "c"}, "common_name", "leave it unset when adopting"),
        ({"validity_hours": 10}, "validity_hours", "leave it unset when adopting"),
        (
            {"key_type": "ed25519"},
            "key_type",
            "is ed25519 but the key in existing_private_key_pem is ecdsa-p256",
        ),
    ],
)
def test_adopted_ca_errors(ca, inputs, field, message):
    resolved = {
        name: ca.get(value, value) if isinstance(value, str) else value for name, value in inputs.items()
    }
    _, errors = CertificateAuthoritySpec.check(
        {"existing_cert_pem": ca["cert"], "existing_private_key_pem": ca["key"], **resolved}
    )
    assert [(error.field, message in str(error)) for error in errors] == [(field, True)], errors


def test_adopted_ca_with_unknown_pems(ca):
    inputs, errors = CertificateAuthoritySpec.check(
        {"existing_cert_pem": Unknown(), "existing_private_key_pem": Unknown()}
    )
    assert errors == [] and "key_type" not in inputs and "validity_hours" not in inputs


def test_whole_numbers_read_as_written() -> None:
    """The engine sends numbers as floats: a whole one is quoted as the user wrote it, not `got 0.0`."""
    _, errors = CertificateAuthoritySpec.check({"common_name": "c", "validity_hours": 0.0})
    assert [str(e) for e in errors] == ["validity_hours: must be at least 1 hours; got 0"]
