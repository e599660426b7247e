"""Bad inputs, one row each: inputs -> the field named and a fragment of the message, or the accepted value.

Every row goes through a spec's `check`, as the providers' `check` does at `pulumi preview`. Secrets
are plain strings here on purpose: no message may contain one, nor any PEM.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi_docker_machine.errors import ValidationError
from pulumi_docker_machine.pki import issue, keys
from pulumi_docker_machine.spec.cert import CertificateAuthoritySpec, ClientCertSpec, ServerCertSpec
from pulumi_docker_machine.spec.client import ClientConfigSpec
from pulumi_docker_machine.spec.connection import ConnectionSpec
from pulumi_docker_machine.spec.daemon import DaemonConfigSpec, DaemonSpec
from pulumi_docker_machine.spec.host import HostSpec
from pulumi_docker_machine.spec.reader import SpecReader

from ..throwaway_pki import new_ca, ssh_private_key

pytestmark = pytest.mark.unit

CA = new_ca("table CA")
CA_KEY = keys.private_key_to_pem(CA.key)
OTHER = new_ca("other CA")
EXPIRED = new_ca("expired CA", start=datetime.now(UTC) - timedelta(days=3))
SERVER = CA.issue(issue.LeafUsage.SERVER, "server", ["10.0.0.5"])
CLIENT = CA.issue(issue.LeafUsage.CLIENT, "client")
FOREIGN = OTHER.issue(issue.LeafUsage.SERVER, "server", ["10.0.0.5"])
SSH_KEY = ssh_private_key()
LOCKED_KEY = ssh_private_key("correct horse battery")
PASSWORD = "pl41n-p4ssword"
SUDO_PASSWORD = "pl41n-sud0"
SECRETS = (
    SSH_KEY,
    LOCKED_KEY,
    PASSWORD,
    SUDO_PASSWORD,
    CA_KEY,
    SERVER[1],
    CLIENT[1],
    "correct horse battery",
)
DAMAGED_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
ED25519_BLOB = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
DROP = object()
"""A change that removes the input."""

HOST = {
    "connection": {"host": "10.0.0.5", "private_key": SSH_KEY},
    "ca_cert_pem": CA.pem,
    "server_cert_pem": SERVER[0],
    "server_private_key_pem": SERVER[1],
    "client_cert_pem": CLIENT[0],
    "client_private_key_pem": CLIENT[1],
}
CA_INPUTS = {"common_name": "Fleet CA"}
ADOPT = {"existing_cert_pem": CA.pem, "existing_private_key_pem": CA_KEY}
LEAF = {"ca_cert_pem": CA.pem, "ca_private_key_pem": CA_KEY}
SERVER_CERT = {**LEAF, "ip_addresses": ["10.0.0.5"]}
CLIENT_CERT = {**LEAF, "common_name": "ops"}
DAEMON = {"settings": {}}
FILES = {
    "name": "web",
    "docker_host": "tcp://10.0.0.5:2376",
    "ca_cert_pem": CA.pem,
    "cert_pem": CLIENT[0],
    "private_key_pem": CLIENT[1],
}


@dataclass(frozen=True)
class Row:
    """`spec.check(base + changes)`: refused naming `field` with `fragment`, or accepted with `value`."""

    spec: type[SpecReader]
    base: dict[str, Any]
    changes: dict[str, Any]
    field: str
    fragment: str = ""
    value: Any = None

    @property
    def accepted(self) -> bool:
        return not self.fragment

    def inputs(self) -> dict[str, Any]:
        inputs = copy.deepcopy(self.base)
        for path, value in self.changes.items():
            *parents, leaf = path.split(".")
            target = inputs
            for parent in parents:
                target = target.setdefault(parent, {})
            if value is DROP:
                target.pop(leaf, None)
            else:
                target[leaf] = value
        return inputs


def bad(
    spec: type[SpecReader], base: dict[str, Any], changes: dict[str, Any], field: str, fragment: str
) -> Row:
    return Row(spec, base, changes, field, fragment)


def ok(spec: type[SpecReader], base: dict[str, Any], changes: dict[str, Any], field: str, value: Any) -> Row:
    return Row(spec, base, changes, field, value=value)


H, D = HostSpec, DaemonConfigSpec
ROWS = {
    # connection: address and port
    "host missing": bad(H, HOST, {"connection.host": DROP}, "connection.host", "is required"),
    "host with spaces": bad(H, HOST, {"connection.host": "bad host!"}, "connection.host", "neither an IP"),
    "host 999.1.1.1": bad(H, HOST, {"connection.host": "999.1.1.1"}, "connection.host", "neither an IP"),
    "host not a string": bad(H, HOST, {"connection.host": 10}, "connection.host", "non-empty string"),
    "connection a string": bad(H, HOST, {"connection": "10.0.0.5"}, "connection", "must be an object"),
    "connection missing": bad(H, HOST, {"connection": DROP}, "connection", "is required"),
    "port 0 shown as 0": bad(H, HOST, {"connection.port": 0.0}, "connection.port", "65535; got 0"),
    "port too big": bad(H, HOST, {"connection.port": 70000}, "connection.port", "between 1 and 65535"),
    "port a word": bad(H, HOST, {"connection.port": "ssh"}, "connection.port", "whole number"),
    "port a fraction": bad(H, HOST, {"connection.port": 22.5}, "connection.port", "whole number"),
    "port true": bad(H, HOST, {"connection.port": True}, "connection.port", "whole number"),
    "port as a string": ok(H, HOST, {"connection.port": "2222"}, "connection.port", 2222),
    "port as a float": ok(H, HOST, {"connection.port": 2222.0}, "connection.port", 2222),
    "port default": ok(H, HOST, {}, "connection.port", 22),
    "user with a space": bad(H, HOST, {"connection.user": "ad min"}, "connection.user", "not a user name"),
    "user default": ok(H, HOST, {}, "connection.user", "root"),
    "unknown connection field": bad(
        H, HOST, {"connection.colour": "blue"}, "connection.colour", "not a known"
    ),
    "camelCase name": ok(H, HOST, {"connection.dialErrorLimit": 5.0}, "connection.dialErrorLimit", 5),
    # connection: credentials
    "no credential": bad(
        H, HOST, {"connection.private_key": DROP}, "connection.private_key", "unless password"
    ),
    "key not a key": bad(
        H, HOST, {"connection.private_key": "id_rsa"}, "connection.private_key", "not a private"
    ),
    "key damaged": bad(
        H,
        HOST,
        {"connection.private_key": DAMAGED_KEY},
        "connection.private_key",
        "that can be read",
    ),
    "key encrypted, no passphrase": bad(
        H, HOST, {"connection.private_key": LOCKED_KEY}, "connection.private_key", "private_key_password"
    ),
    "key wrong passphrase": bad(
        H,
        HOST,
        {"connection.private_key": LOCKED_KEY, "connection.private_key_password": "wrong one"},
        "connection.private_key_password",
        "wrong passphrase",
    ),
    "key right passphrase": ok(
        H,
        HOST,
        {"connection.private_key": LOCKED_KEY, "connection.private_key_password": "correct horse battery"},
        "connection.private_key_password",
        "correct horse battery",
    ),
    "passphrase without key": bad(
        H,
        HOST,
        {
            "connection.private_key": DROP,
            "connection.password": PASSWORD,
            "connection.private_key_password": "x",
        },
        "connection.private_key_password",
        "private_key is not",
    ),
    "empty password": bad(H, HOST, {"connection.password": ""}, "connection.password", "non-empty"),
    "password alone": ok(
        H, HOST, {"connection.private_key": DROP, "connection.password": PASSWORD}, "connection.user", "root"
    ),
    "empty sudo password": bad(
        H, HOST, {"connection.sudo_password": ""}, "connection.sudo_password", "non-empty"
    ),
    "agent path with newline": bad(
        H, HOST, {"connection.agent_socket_path": "/a\n/b"}, "connection.agent_socket_path", "line break"
    ),
    # connection: host keys
    "host key not a key line": bad(
        H, HOST, {"connection.host_key": "AAAA"}, "connection.host_key", "OpenSSH"
    ),
    "host key unknown type": bad(
        H, HOST, {"connection.host_key": "ssh-dss AAAA"}, "connection.host_key", "types"
    ),
    "host key not base64": bad(
        H, HOST, {"connection.host_key": "ssh-ed25519 @@@"}, "connection.host_key", "base64"
    ),
    "host key mislabelled": bad(
        H,
        HOST,
        {"connection.host_key": "ssh-rsa " + ED25519_BLOB},
        "connection.host_key",
        "not a ssh-rsa key",
    ),
    "host key with comment": ok(
        H,
        HOST,
        {"connection.host_key": f"ssh-ed25519 {ED25519_BLOB} x@y"},
        "connection.host_key",
        "ssh-ed25519 " + ED25519_BLOB,
    ),
    # connection: retries and jump hosts
    "dial limit 0": bad(
        H, HOST, {"connection.dial_error_limit": 0}, "connection.dial_error_limit", "at least 1"
    ),
    "dial limit no limit": ok(
        H, HOST, {"connection.dial_error_limit": -1}, "connection.dial_error_limit", -1
    ),
    "dial timeout 0": bad(
        H, HOST, {"connection.per_dial_timeout": 0}, "connection.per_dial_timeout", "seconds"
    ),
    "dial defaults within 15 s": ok(H, HOST, {}, "connection.per_dial_timeout", 4),
    "proxy a string": bad(H, HOST, {"connection.proxy": "bastion"}, "connection.proxy", "must be an object"),
    "proxy without credential": bad(
        H, HOST, {"connection.proxy": {"host": "bastion"}}, "connection.proxy.private_key", "is required"
    ),
    "proxy bad host": bad(
        H,
        HOST,
        {"connection.proxy": {"host": "-x-", "private_key": SSH_KEY}},
        "connection.proxy.host",
        "neither an IP",
    ),
    "proxy port 0": bad(
        H,
        HOST,
        {"connection.proxy": {"host": "bastion", "port": 0, "password": PASSWORD}},
        "connection.proxy.port",
        "got 0",
    ),
    "proxy bad host key": bad(
        H,
        HOST,
        {"connection.proxy": {"host": "bastion", "password": PASSWORD, "host_key": "ssh-ed25519"}},
        "connection.proxy.host_key",
        "OpenSSH",
    ),
    "proxy key given only to it": bad(
        H,
        HOST,
        {"connection.proxy": {"host": "bastion", "private_key": "not-a-key " + SSH_KEY[40:80]}},
        "connection.proxy.private_key",
        "not a private key",
    ),
    # daemon settings
    "tls port too big": bad(
        H, HOST, {"daemon": {"tls_port": 70000}}, "daemon.tls_port", "between 1 and 65535"
    ),
    "tls port a word": bad(H, HOST, {"daemon": {"tls_port": "x"}}, "daemon.tls_port", "whole number"),
    "tls port = ssh port": bad(H, HOST, {"daemon": {"tls_port": 22}}, "daemon.tls_port", "SSH port"),
    "tls port float": ok(H, HOST, {"daemon": {"tls_port": 2377.0}}, "daemon.tls_port", 2377),
    "bind address a name": bad(
        H, HOST, {"daemon": {"bind_address": "any"}}, "daemon.bind_address", "IP address"
    ),
    "keep socket a word": bad(
        H, HOST, {"daemon": {"keep_unix_socket": "maybe"}}, "daemon.keep_unix_socket", "true or false"
    ),
    "labels a string": bad(H, HOST, {"daemon": {"labels": "a=b"}}, "daemon.labels", "list of `key=value`"),
    "label without value": bad(H, HOST, {"daemon": {"labels": ["novalue"]}}, "daemon.labels[0]", "key=value"),
    "label number": ok(H, HOST, {"daemon": {"labels": {"rack": 1.0}}}, "daemon.labels", ["rack=1"]),
    "label bool": ok(H, HOST, {"daemon": {"labels": {"gpu": True}}}, "daemon.labels", ["gpu=true"]),
    "storage driver a list": bad(
        H, HOST, {"daemon": {"storage_driver": ["zfs"]}}, "daemon.storage_driver", "unknown"
    ),
    "storage driver": bad(
        H, HOST, {"daemon": {"storage_driver": "floppy"}}, "daemon.storage_driver", "unknown"
    ),
    "mirror ftp": bad(
        H, HOST, {"daemon": {"registry_mirrors": ["ftp://m"]}}, "daemon.registry_mirrors[0]", "http"
    ),
    "mirrors a string": bad(
        H, HOST, {"daemon": {"registry_mirrors": "https://m"}}, "daemon.registry_mirrors", "list of strings"
    ),
    "insecure registry url": bad(
        H,
        HOST,
        {"daemon": {"insecure_registries": ["http://r"]}},
        "daemon.insecure_registries[0]",
        "host[:port]",
    ),
    "insecure registries": ok(
        H,
        HOST,
        {"daemon": {"insecure_registries": ["reg:5000", "10.0.0.0/8"]}},
        "daemon.insecure_registries",
        ["reg:5000", "10.0.0.0/8"],
    ),
    "log driver": bad(
        H, HOST, {"daemon": {"log_driver": "pigeon"}}, "daemon.log_driver", "unknown log driver"
    ),
    "log max-size": bad(
        H, HOST, {"daemon": {"log_opts": {"max-size": "lots"}}}, "daemon.log_opts.max-size", "10m"
    ),
    "log max-file 0": bad(
        H, HOST, {"daemon": {"log_opts": {"max-file": 0}}}, "daemon.log_opts.max-file", "at least"
    ),
    "log opt object": bad(
        H, HOST, {"daemon": {"log_opts": {"tag": {"a": 1}}}}, "daemon.log_opts.tag", "a string"
    ),
    "log opts for none": bad(
        H, HOST, {"daemon": {"log_driver": "none", "log_opts": {"tag": "x"}}}, "daemon.log_opts", "'none'"
    ),
    "log max-file number": ok(
        H, HOST, {"daemon": {"log_opts": {"max-file": 3.0}}}, "daemon.log_opts", {"max-file": "3"}
    ),
    "live restore a word": bad(
        H, HOST, {"daemon": {"live_restore": "on"}}, "daemon.live_restore", "true or false"
    ),
    "pool base": bad(
        H,
        HOST,
        {"daemon": {"default_address_pools": [{"base": "10.0.0.0/33", "size": 24}]}},
        "daemon.default_address_pools[0].base",
        "CIDR",
    ),
    "pool size": bad(
        H,
        HOST,
        {"daemon": {"default_address_pools": [{"base": "10.0.0.0/16", "size": 8}]}},
        "daemon.default_address_pools[0].size",
        "between 16 and 32",
    ),
    "pools an object": bad(
        H,
        HOST,
        {"daemon": {"default_address_pools": {"base": "x"}}},
        "daemon.default_address_pools",
        "a list",
    ),
    "env name": bad(
        H, HOST, {"daemon": {"environment": {"BAD-NAME": "1"}}}, "daemon.environment.BAD-NAME", "name"
    ),
    "env line break": bad(
        H,
        HOST,
        {"daemon": {"environment": {"HTTP_PROXY": "http://p\nExecStartPre=/bin/evil"}}},
        "daemon.environment.HTTP_PROXY",
        "line break",
    ),
    "extra hosts": bad(
        H, HOST, {"daemon": {"extra": {"hosts": ["tcp://0.0.0.0:2375"]}}}, "daemon.extra.hosts", "managed"
    ),
    "extra tlsverify": bad(
        H, HOST, {"daemon": {"extra": {"tlsverify": False}}}, "daemon.extra.tlsverify", "managed"
    ),
    "unknown setting": bad(H, HOST, {"daemon": {"bogus": 1}}, "daemon.bogus", "not a known field"),
    "daemon a list": bad(H, HOST, {"daemon": ["tls_port"]}, "daemon", "must be an object"),
    "allow change a word": bad(
        H,
        HOST,
        {"daemon": {"allow_storage_driver_change": "yes"}},
        "daemon.allow_storage_driver_change",
        "true",
    ),
    "DaemonConfig names settings": bad(
        D, DAEMON, {"settings": {"tls_port": 0}}, "settings.tls_port", "got 0"
    ),
    "DaemonConfig defaults": ok(D, DAEMON, {}, "settings.bind_address", "0.0.0.0"),
    # DockerHost certificates and install
    "no CA": bad(H, HOST, {"ca_cert_pem": DROP}, "ca_cert_pem", "is required"),
    "CA is a leaf": bad(H, HOST, {"ca_cert_pem": SERVER[0]}, "ca_cert_pem", "not a CA certificate"),
    "CA garbage PEM": bad(
        H,
        HOST,
        {"ca_cert_pem": "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"},
        "ca_cert_pem",
        "PEM",
    ),
    "CA expired": bad(H, HOST, {"ca_cert_pem": EXPIRED.pem}, "ca_cert_pem", "expired on"),
    "server cert of another CA": bad(
        H, HOST, {"server_cert_pem": FOREIGN[0]}, "server_cert_pem", "not signed by"
    ),
    "server key of another cert": bad(
        H, HOST, {"server_private_key_pem": FOREIGN[1]}, "server_private_key_pem", "does not match"
    ),
    "server key garbage": bad(
        H, HOST, {"server_private_key_pem": "key"}, "server_private_key_pem", "not an unencrypted PEM"
    ),
    "SAN misses the host": bad(H, HOST, {"connection.host": "10.0.0.6"}, "server_cert_pem", "does not cover"),
    "SAN misses the address": bad(H, HOST, {"address": "web.example"}, "server_cert_pem", "does not cover"),
    "address invalid": bad(H, HOST, {"address": "not an address"}, "address", "neither an IP"),
    "client cert alone": bad(
        H, HOST, {"client_private_key_pem": DROP}, "client_private_key_pem", "is required with"
    ),
    "client key alone": bad(H, HOST, {"client_cert_pem": DROP}, "client_cert_pem", "is required with"),
    "client cert of another CA": bad(
        H,
        HOST,
        {"client_cert_pem": FOREIGN[0], "client_private_key_pem": FOREIGN[1]},
        "client_cert_pem",
        "not signed by",
    ),
    "install method": bad(H, HOST, {"install_method": "magic"}, "install_method", "not one of"),
    "install command missing": bad(H, HOST, {"install_method": "command"}, "install_command", "is required"),
    "install command unused": bad(
        H, HOST, {"install_command": "apt-get install docker.io"}, "install_command", "is set"
    ),
    "install script URL missing": bad(
        H,
        HOST,
        {"install_method": "script"},
        "install_script_url",
        "is required when install_method is 'script'",
    ),
    "install script URL unused": bad(
        H, HOST, {"install_script_url": "https://get.example/docker.sh"}, "install_script_url", "is set"
    ),
    "install script URL not http": bad(
        H,
        HOST,
        {"install_method": "script", "install_script_url": "ftp://get.example/docker.sh"},
        "install_script_url",
        "must be an http:// or https:// URL",
    ),
    "install script URL no host": bad(
        H,
        HOST,
        {"install_method": "script", "install_script_url": "https:///x.sh"},
        "install_script_url",
        "URL",
    ),
    "install script URL": ok(
        H,
        HOST,
        {"install_method": "script", "install_script_url": "http://10.0.0.1:8000/docker.sh"},
        "install_script_url",
        "http://10.0.0.1:8000/docker.sh",
    ),
    "uninstall a word": bad(H, HOST, {"uninstall_on_delete": "sure"}, "uninstall_on_delete", "true or false"),
    "uninstall from config": ok(H, HOST, {"uninstall_on_delete": "true"}, "uninstall_on_delete", True),
    "confirm timeout short": bad(
        H, HOST, {"confirm_timeout": 5}, "confirm_timeout", "between 10 and 3600 seconds"
    ),
    "confirm timeout long": bad(H, HOST, {"confirm_timeout": 3601}, "confirm_timeout", "got 3601"),
    "confirm timeout default": ok(H, HOST, {}, "confirm_timeout", 120),
    "confirm timeout string": ok(H, HOST, {"confirm_timeout": "60"}, "confirm_timeout", 60),
    "unknown DockerHost input": bad(H, HOST, {"colour": "blue"}, "colour", "not a known field"),
    # certificates
    "CA without name": bad(
        CertificateAuthoritySpec, CA_INPUTS, {"common_name": DROP}, "common_name", "required"
    ),
    "CA name too long": bad(
        CertificateAuthoritySpec, CA_INPUTS, {"common_name": "c" * 65}, "common_name", "at most 64"
    ),
    "CA name line break": bad(
        CertificateAuthoritySpec, CA_INPUTS, {"common_name": "a\n"}, "common_name", "line break"
    ),
    "CA key type": bad(CertificateAuthoritySpec, CA_INPUTS, {"key_type": "dsa"}, "key_type", "is not one of"),
    "CA validity 0": bad(
        CertificateAuthoritySpec, CA_INPUTS, {"validity_hours": 0}, "validity_hours", "at least 1"
    ),
    "CA renewal window": bad(
        CertificateAuthoritySpec,
        CA_INPUTS,
        {"validity_hours": 10, "early_renewal_hours": 10},
        "validity_hours",
        "longer",
    ),
    "adopted CA expired": bad(
        CertificateAuthoritySpec, ADOPT, {"existing_cert_pem": EXPIRED.pem}, "existing_cert_pem", "expired on"
    ),
    "adopted CA a leaf": bad(
        CertificateAuthoritySpec, ADOPT, {"existing_cert_pem": SERVER[0]}, "existing_cert_pem", "not a CA"
    ),
    "adopted CA other key": bad(
        CertificateAuthoritySpec,
        ADOPT,
        {"existing_private_key_pem": SERVER[1]},
        "existing_private_key_pem",
        "does not match",
    ),
    "adopted CA with a name": bad(
        CertificateAuthoritySpec, ADOPT, {"common_name": "x"}, "common_name", "leave it unset"
    ),
    "adopted CA key type": ok(CertificateAuthoritySpec, ADOPT, {}, "key_type", "ecdsa-p256"),
    "SAN 999.1.1.1": bad(
        ServerCertSpec, SERVER_CERT, {"ip_addresses": ["999.1.1.1"]}, "ip_addresses", "not an IP"
    ),
    "DNS SAN 999.1.1.1": bad(
        ServerCertSpec, SERVER_CERT, {"dns_names": ["999.1.1.1"]}, "dns_names", "not a valid IP"
    ),
    "DNS SAN an IP": bad(
        ServerCertSpec, SERVER_CERT, {"dns_names": ["10.0.0.1"]}, "dns_names", "ip_addresses"
    ),
    "DNS SANs a string": bad(
        ServerCertSpec, SERVER_CERT, {"dns_names": "a.example"}, "dns_names", "list of strings"
    ),
    "no SAN at all": bad(
        ServerCertSpec,
        SERVER_CERT,
        {"ip_addresses": [], "include_localhost": False},
        "ip_addresses",
        "no host",
    ),
    "CN from a long name": ok(
        ServerCertSpec,
        SERVER_CERT,
        {"ip_addresses": [], "dns_names": ["a" * 63 + ".example"]},
        "common_name",
        "localhost",
    ),
    "CA key of another CA": bad(
        ServerCertSpec, SERVER_CERT, {"ca_private_key_pem": SERVER[1]}, "ca_private_key_pem", "does not match"
    ),
    "client CN too long": bad(
        ClientCertSpec, CLIENT_CERT, {"common_name": "n" * 65}, "common_name", "at most 64"
    ),
    # machine names and client files
    "name with a space": bad(ClientConfigSpec, FILES, {"name": "my host"}, "name", "not a machine name"),
    "name ending in a newline": bad(ClientConfigSpec, FILES, {"name": "web\n"}, "name", "not a machine name"),
    "name of 64": bad(ClientConfigSpec, FILES, {"name": "m" * 64}, "name", "at most 63"),
    "name of 63": ok(ClientConfigSpec, FILES, {"name": "m" * 63}, "name", "m" * 63),
    "docker host without port": bad(
        ClientConfigSpec, FILES, {"docker_host": "tcp://h"}, "docker_host", "tcp://"
    ),
    "ssh port a word": bad(ClientConfigSpec, FILES, {"ssh_port": "ssh"}, "ssh_port", "whole number"),
    "ssh port string": ok(ClientConfigSpec, FILES, {"ssh_port": "2222"}, "ssh_port", 2222),
    "client key of another cert": bad(
        ClientConfigSpec, FILES, {"private_key_pem": SERVER[1]}, "private_key_pem", "does not match"
    ),
}


def _value(inputs: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        inputs = inputs[part]
    return inputs


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_input(name: str) -> None:
    row = ROWS[name]
    inputs, errors = row.spec.check(row.inputs())
    if row.accepted:
        assert errors == []
        assert _value(inputs, row.field) == row.value
        return
    named = [error for error in errors if error.field == row.field]
    assert named, f"no error names {row.field}: {[str(e) for e in errors]}"
    assert row.fragment in named[0].reason
    for error in errors:
        assert "-----BEGIN" not in str(error)
        assert not any(secret in str(error) for secret in SECRETS), str(error)


def test_the_table_is_big_enough() -> None:
    refused = [row for row in ROWS.values() if not row.accepted]
    assert len(ROWS) >= 60 and len(refused) >= 60


def test_state_with_an_expired_certificate_still_reads() -> None:
    """Expiry refuses new inputs at check; refresh and destroy read the state back all the same."""
    old_server = EXPIRED.issue(issue.LeafUsage.SERVER, "server", ["10.0.0.5"])
    state = {
        **HOST,
        "ca_cert_pem": EXPIRED.pem,
        "server_cert_pem": old_server[0],
        "server_private_key_pem": old_server[1],
    }
    state.update(client_cert_pem=None, client_private_key_pem=None)
    assert [error.field for error in HostSpec.check(state)[1]] == ["ca_cert_pem"]
    assert HostSpec.from_inputs(state).ca_cert_pem == EXPIRED.pem


ODD_VALUES = [0, -1, 1.5, True, "", "x", [], {}, ["x"], [1], {"a": 1}, [{}], {"a": {"b": []}}]
BASES = [
    (HostSpec, HOST),
    (HostSpec, {**HOST, "daemon": {}}),
    (CertificateAuthoritySpec, CA_INPUTS),
    (CertificateAuthoritySpec, ADOPT),
    (ServerCertSpec, SERVER_CERT),
    (ClientCertSpec, CLIENT_CERT),
    (ClientConfigSpec, FILES),
    (DaemonConfigSpec, DAEMON),
]


@pytest.mark.parametrize(("spec", "base"), BASES, ids=lambda v: getattr(v, "__name__", ""))
def test_odd_values_in_any_field_give_named_errors_never_a_crash(spec, base) -> None:
    paths = [f.name for f in dataclasses.fields(spec)]
    paths += [f"connection.{f.name}" for f in dataclasses.fields(ConnectionSpec)] if spec is HostSpec else []
    paths += [f"daemon.{f.name}" for f in dataclasses.fields(DaemonSpec)] if "daemon" in base else []
    paths += (
        [f"settings.{f.name}" for f in dataclasses.fields(DaemonSpec)] if spec is DaemonConfigSpec else []
    )
    for path in paths:
        for value in ODD_VALUES:
            _, errors = spec.check(Row(spec, base, {path: value}, path).inputs())
            for error in errors:
                assert isinstance(error, ValidationError) and error.reason


_SPAN = re.compile(r"``(.+?)``|`([^`]+)`")
_FIELD_MESSAGE = re.compile(r"^([a-z_]+(?:\.[\w-]+)*): (.+)$")


def troubleshooting_input_messages() -> list[tuple[str, str]]:
    """(field, message) of each message of an input in troubleshooting's "Other messages" table."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md").read_text()
    table = doc[doc.index("## Other messages") :]
    inputs = {row.field.split(".")[0] for row in ROWS.values()}
    found = []
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        for double, single in _SPAN.findall(line.split(" | ")[0]):
            match = _FIELD_MESSAGE.match(double or single)
            if match and match.group(1).split(".")[0] in inputs:
                found.append((match.group(1), match.group(2)))
    return found


def test_the_troubleshooting_table_quotes_refusals_the_table_here_makes() -> None:
    """Each input's message in docs/troubleshooting.md is one that a row of this table gets."""
    quoted = troubleshooting_input_messages()
    assert len(quoted) >= 15
    for field, message in quoted:
        pattern = re.escape(field).replace("NAME", r"[^.]+")
        rows = [r for r in ROWS.values() if not r.accepted and re.fullmatch(pattern, r.field)]
        assert any(r.fragment in message for r in rows), f"no row refuses {field} with {message!r}"
