"""Certificate providers driven with dicts: check, diff replace rules, renewal by clock, create, read."""

from __future__ import annotations

import base64
import socket
from datetime import datetime, timedelta

import dill
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from pulumi_docker_machine import clock
from pulumi_docker_machine.clock import NOW_ENV
from pulumi_docker_machine.diff import changed_fields, is_unknown
from pulumi_docker_machine.pki.inspection import load_certificate
from pulumi_docker_machine.pki.keys import KeyType, key_type_of, load_private_key
from pulumi_docker_machine.pki.validity import BACKDATE
from pulumi_docker_machine.providers.certs import (
    OUTPUT_FIELDS,
    CertificateAuthorityProvider,
    ClientCertProvider,
    ServerCertProvider,
)

pytestmark = pytest.mark.unit

NOW = "2030-01-01T00:00:00Z"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The test world's real time is NOW (certificates are issued then); `_at` moves the renewal clock."""
    monkeypatch.setenv(NOW_ENV, NOW)
    monkeypatch.setattr(clock, "wall_now", lambda: datetime.fromisoformat(NOW))


def _at(monkeypatch, moment: str) -> None:
    monkeypatch.setenv(NOW_ENV, moment)


def _create(provider, inputs):
    check = provider.check({}, inputs)
    assert check.failures == []
    result = provider.create(check.inputs)
    return check.inputs, result.id, result.outs


@pytest.fixture
def ca():
    return _create(CertificateAuthorityProvider(), {"common_name": "Test CA", "organization": "Org"})[2]


def _server_inputs(ca, **extra):
    return {"ca_cert_pem": ca["cert_pem"], "ca_private_key_pem": ca["private_key_pem"], **extra}


# diff.py


@pytest.mark.parametrize(
    ("value", "unknown"),
    [
        (Unknown(), True),
        (UNKNOWN, True),
        (["a", Unknown()], True),
        ({"a": {"b": [UNKNOWN]}}, True),
        (("x", UNKNOWN), True),
        ("a", False),
        (None, False),
        (["a", 1, {"b": None}], False),
    ],
)
def test_is_unknown(value, unknown):
    assert is_unknown(value) is unknown


def test_changed_fields():
    olds = {"a": 1, "b": [1, 2], "c": "x", "d": "same"}
    news = {"a": 1.0, "b": [2, 1], "d": Unknown(), "e": None}
    assert changed_fields(olds, news, ["a", "b", "c", "d", "e"]) == ["b", "c", "d"]


# check


def test_check_returns_failures_naming_fields(ca):
    result = ServerCertProvider().check({}, _server_inputs(ca, ip_addresses=["1.2.3.999"], key_type="dsa"))
    assert [failure.property for failure in result.failures] == ["", ""]
    assert result.failures[0].reason == "ip_addresses: '1.2.3.999' is not an IP address"
    assert result.failures[1].reason.startswith("key_type: 'dsa' is not one of ecdsa-p256")


def test_check_fills_defaults_and_keeps_unknowns():
    news = {
        "ca_cert_pem": Unknown(),
        "ca_private_key_pem": Unknown(),
        "common_name": "bob",
        "__provider": "p",
    }
    result = ClientCertProvider().check({}, news)
    assert result.failures == []
    assert result.inputs["ca_cert_pem"] is news["ca_cert_pem"] and result.inputs["__provider"] == "p"
    assert result.inputs["validity_hours"] == 8760 and result.inputs["key_type"] == "ecdsa-p256"


def test_check_plans_the_certificate_create_issues(monkeypatch, ca):
    provider = ClientCertProvider()
    inputs = provider.check({}, _server_inputs(ca, common_name="c", validity_hours=1000)).inputs
    planned = {name: inputs[name] for name in ("not_after", "ready_for_renewal", "renewal")}
    assert planned == {
        "not_after": "2030-02-11T16:00:00Z",
        "ready_for_renewal": False,
        "renewal": "expires 2030-02-11, renew from 2030-01-12",
    }
    monkeypatch.setattr(clock, "wall_now", lambda: datetime.fromisoformat("2030-01-01T00:05:00Z"))
    outs = provider.create(inputs).outs
    assert {name: outs[name] for name in planned} == planned  # issued as planned, minutes later


def test_check_describes_the_held_certificate(monkeypatch, server):
    """With `olds` (an update keeps the certificate) the stored one; without (create, replace) a new one:
    `pulumi preview --diff` of a renewal shows `renewal` going from the old certificate to the new."""
    inputs, _, outs = server
    provider = ServerCertProvider()
    news = {key: value for key, value in inputs.items() if key not in ("not_after", "renewal")}
    _at(monkeypatch, "2030-12-15T00:00:00Z")
    kept = provider.check(inputs, {**news, "early_renewal_hours": 24}).inputs
    assert kept["renewal"] == "expires 2031-01-01, renew from 2030-12-31"
    due = provider.check(inputs, news).inputs
    assert due["renewal"] == outs["renewal"].replace("expires", "due: expires").replace(
        "renew from", "renewal window opened"
    )
    monkeypatch.setattr(clock, "wall_now", lambda: datetime.fromisoformat("2030-12-15T00:00:00Z"))
    assert provider.check({}, news).inputs["renewal"] == "expires 2031-12-15, renew from 2031-11-15"
    legacy = {
        key: value
        for key, value in inputs.items()
        if key not in ("not_after", "ready_for_renewal", "renewal")
    }
    assert "renewal" not in provider.check(legacy, news).inputs  # state from before: nothing to describe


# create


def test_create_ca(ca):
    assert set(OUTPUT_FIELDS) <= set(ca)
    cert = load_certificate(ca["cert_pem"])
    assert ca["ca_cert_pem"] == ca["cert_pem"]
    assert ca["serial"] == f"{cert.serial_number:X}".rjust(len(ca["serial"]), "0")
    assert ca["not_before"] == "2029-12-31T00:00:00Z" and ca["not_after"] == "2032-12-31T00:00:00Z"
    assert ca["ready_for_renewal"] is False and ca["key_type"] == "ecdsa-p256"
    assert ca["common_name"] == "Test CA" and ca["validity_hours"] == 26280
    assert key_type_of(load_private_key(ca["private_key_pem"])) is KeyType.ECDSA_P256


@pytest.mark.parametrize("key_type", list(KeyType))
def test_create_server_cert(ca, key_type):
    inputs, id_, outs = _create(
        ServerCertProvider(),
        _server_inputs(ca, ip_addresses=["10.0.0.5"], dns_names=["h1.example"], key_type=key_type.value),
    )
    assert id_ == outs["serial"]
    assert {name: outs[name] for name in inputs} == inputs
    cert = load_certificate(outs["cert_pem"])
    cert.verify_directly_issued_by(load_certificate(ca["cert_pem"]))
    assert outs["ca_cert_pem"] == ca["cert_pem"]
    assert outs["common_name"] == "h1.example" and outs["key_type"] == key_type.value
    assert outs["not_after"] == "2031-01-01T00:00:00Z"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["h1.example", "localhost"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.5", "127.0.0.1"]
    assert key_type_of(load_private_key(outs["private_key_pem"])) is key_type


def test_create_client_cert(ca):
    _, _, outs = _create(ClientCertProvider(), _server_inputs(ca, common_name="alice", validity_hours=1000))
    cert = load_certificate(outs["cert_pem"])
    cert.verify_directly_issued_by(load_certificate(ca["cert_pem"]))
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert outs["not_after"] == "2030-02-11T16:00:00Z"


def test_adopt_ca(ca):
    provider = CertificateAuthorityProvider()
    inputs, id_, outs = _create(
        provider, {"existing_cert_pem": ca["cert_pem"], "existing_private_key_pem": ca["private_key_pem"]}
    )
    assert id_ == ca["serial"]
    assert outs["cert_pem"] == outs["ca_cert_pem"] == ca["cert_pem"]
    assert outs["private_key_pem"] == ca["private_key_pem"]
    assert outs["not_after"] == ca["not_after"] and outs["key_type"] == "ecdsa-p256"
    assert "common_name" not in outs and {name: outs[name] for name in inputs} == inputs
    _, _, server = _create(ServerCertProvider(), _server_inputs(outs))
    load_certificate(server["cert_pem"]).verify_directly_issued_by(load_certificate(ca["cert_pem"]))


# diff


@pytest.fixture
def server(ca):
    return _create(ServerCertProvider(), _server_inputs(ca, ip_addresses=["10.0.0.5"]))


def test_diff_no_change(server):
    inputs, id_, outs = server
    result = ServerCertProvider().diff(id_, outs, inputs)
    assert (result.changes, result.replaces) == (False, [])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ip_addresses": ["10.0.0.6"]}, "ip_addresses"),
        ({"dns_names": ["h.example"]}, "dns_names"),
        ({"include_localhost": False}, "include_localhost"),
        ({"common_name": "other"}, "common_name"),
        ({"organization": "Org"}, "organization"),
        ({"key_type": "rsa-2048"}, "key_type"),
        ({"validity_hours": 9000}, "validity_hours"),
        ({"ca_cert_pem": "another CA"}, "ca_cert_pem"),
        ({"ca_cert_pem": Unknown()}, "ca_cert_pem"),
        ({"ip_addresses": ["10.0.0.5", UNKNOWN]}, "ip_addresses"),
    ],
)
def test_diff_replaces_on_any_input_change(server, change, field):
    inputs, id_, outs = server
    result = ServerCertProvider().diff(id_, outs, {**inputs, **change})
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, [field], False)


def test_diff_updates_the_renewal_window_in_place(server):
    inputs, id_, outs = server
    result = ServerCertProvider().diff(id_, outs, {**inputs, "early_renewal_hours": 48})
    assert (result.changes, result.replaces) == (True, [])
    result = ServerCertProvider().diff(id_, outs, {**inputs, "early_renewal_hours": Unknown()})
    assert (result.changes, result.replaces) == (True, [])


@pytest.mark.parametrize(
    ("now", "replaces"),
    [
        ("2030-12-01T23:59:59Z", []),
        ("2030-12-02T00:00:00Z", ["renewal"]),
        ("2031-06-01T00:00:00+00:00", ["renewal"]),
    ],
)
def test_diff_replaces_when_due_for_renewal(monkeypatch, server, now, replaces):
    inputs, id_, outs = server
    _at(monkeypatch, now)
    result = ServerCertProvider().diff(id_, outs, inputs)
    assert (result.changes, result.replaces) == (bool(replaces), replaces)


def test_diff_uses_the_new_renewal_window(monkeypatch, server):
    inputs, id_, outs = server
    _at(monkeypatch, "2030-10-01T00:00:00Z")
    result = ServerCertProvider().diff(id_, outs, {**inputs, "early_renewal_hours": 24 * 100})
    assert (result.changes, result.replaces) == (True, ["renewal"])


def test_diff_combines_input_changes_and_renewal(monkeypatch, server):
    inputs, id_, outs = server
    _at(monkeypatch, "2031-01-01T00:00:00Z")
    result = ServerCertProvider().diff(id_, outs, {**inputs, "dns_names": ["x.example"]})
    assert result.replaces == ["dns_names", "renewal"]


def test_adopted_ca_is_never_renewed_by_replacement(monkeypatch, ca):
    provider = CertificateAuthorityProvider()
    inputs, id_, outs = _create(
        provider, {"existing_cert_pem": ca["cert_pem"], "existing_private_key_pem": ca["private_key_pem"]}
    )
    _at(monkeypatch, "2033-01-01T00:00:00Z")
    assert provider.diff(id_, outs, inputs).changes is False
    assert provider.read(id_, outs).outs["ready_for_renewal"] is True
    generated = {name: ca[name] for name in ("common_name", "organization", "key_type", "validity_hours")}
    assert provider.diff(ca["serial"], ca, {**generated, "early_renewal_hours": 720}).replaces == ["renewal"]


def test_diff_ca_adoption_switch_replaces(ca):
    provider = CertificateAuthorityProvider()
    inputs = {"existing_cert_pem": ca["cert_pem"], "existing_private_key_pem": ca["private_key_pem"]}
    result = provider.diff(ca["serial"], ca, provider.check({}, inputs).inputs)
    assert result.replaces == [
        "common_name",
        "organization",
        "validity_hours",
        "existing_cert_pem",
        "existing_private_key_pem",
    ]


# update, read, delete


def test_update_changes_only_the_renewal_window(monkeypatch, server):
    inputs, id_, outs = server
    _at(monkeypatch, "2030-06-01T00:00:00Z")
    result = ServerCertProvider().update(id_, outs, {**inputs, "early_renewal_hours": 24 * 365})
    assert result.outs == {
        **outs,
        "early_renewal_hours": 24 * 365,
        "ready_for_renewal": True,
        "renewal": "due: expires 2031-01-01, renewal window opened 2030-01-01",
    }


def test_read_returns_state_with_renewal_recomputed(monkeypatch, server):
    _, id_, outs = server
    result = ServerCertProvider().read(id_, {**outs, "__provider": "p"})
    assert result.id == id_ and result.outs == {**outs, "__provider": "p"}
    _at(monkeypatch, "2031-01-01T00:00:00Z")
    due = "due: expired 2031-01-01, renewal window opened 2030-12-02"
    assert ServerCertProvider().read(id_, outs).outs == {**outs, "ready_for_renewal": True, "renewal": due}


def test_delete_only_forgets(server, monkeypatch, tmp_path):
    """Nothing to undo anywhere: no connection is opened and no file is written."""
    _, id_, outs = server

    def forbidden(*_args, **_kw):
        raise AssertionError("a certificate's delete must not open a connection")

    monkeypatch.setattr(socket, "socket", forbidden)
    monkeypatch.chdir(tmp_path)
    ServerCertProvider().delete(id_, outs)
    assert list(tmp_path.iterdir()) == []


# pickling into the stack


@pytest.mark.parametrize("provider", [CertificateAuthorityProvider, ServerCertProvider, ClientCertProvider])
def test_providers_are_stateless_and_pickled_by_reference(provider):
    instance = provider()
    assert vars(instance) == {}
    payload = base64.b64decode(serialize_provider(instance))
    assert b"pulumi_docker_machine.providers.certs" in payload and len(payload) < 300
    assert type(dill.loads(payload)) is provider


def test_validity_is_measured_from_the_clock(monkeypatch, ca):
    _at(monkeypatch, "2030-01-01T00:00:00Z")
    _, _, outs = _create(ClientCertProvider(), _server_inputs(ca, common_name="c", validity_hours=721))
    assert outs["ready_for_renewal"] is False
    not_after = datetime.fromisoformat(outs["not_after"])
    assert not_after - datetime.fromisoformat(outs["not_before"]) == timedelta(hours=721) + BACKDATE
