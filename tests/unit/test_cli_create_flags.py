"""`create`'s flags as Docker Machine spells them: mapped onto the Machine, bad ones refused naming the flag,
and `create` refusing them in one line before Pulumi runs (no store, no stack written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi_docker_machine.cli import create_flags
from pulumi_docker_machine.cli.main import build_parser, main
from pulumi_docker_machine.errors import ValidationError

pytestmark = pytest.mark.unit

IP = ["--generic-ip-address", "10.0.0.5"]


def _options(*argv: str) -> create_flags.CreateOptions:
    args = build_parser().parse_args(["create", *argv])
    return create_flags.check(vars(args))


def test_the_flags_of_the_migration_guide_map_onto_the_machine() -> None:
    options = _options(
        "-d", "generic", *IP, "--generic-ssh-user", "ubuntu",
        "--generic-ssh-key", "/keys/id", "--generic-ssh-port", "2222", "--generic-engine-port", "2377",
        "--engine-label", "env=prod", "--engine-label", "tier=web",
        "--engine-registry-mirror", "https://mirror.example",
        "--engine-insecure-registry", "registry.lan:5000",
        "--engine-storage-driver", "overlay2", "--engine-env", "HTTP_PROXY=http://proxy:3128",
        "--engine-opt", "log-level=warn", "--engine-opt", "max-concurrent-downloads=3",
        "--tls-san", "web.example.com", "--tls-san", "192.0.2.7", "web",
    )  # fmt: skip
    assert (options.name, options.ip_address, options.ssh_user, options.ssh_port) == (
        "web",
        "10.0.0.5",
        "ubuntu",
        2222,
    )
    assert options.ssh_key == "/keys/id"
    assert options.daemon_settings() == {
        "tls_port": 2377,
        "labels": ["env=prod", "tier=web"],
        "registry_mirrors": ["https://mirror.example"],
        "insecure_registries": ["registry.lan:5000"],
        "storage_driver": "overlay2",
        "environment": {"HTTP_PROXY": "http://proxy:3128"},
        "extra": {"log-level": "warn", "max-concurrent-downloads": 3},
    }
    assert options.sans() == (["192.0.2.7"], ["web.example.com"])
    assert create_flags.CreateOptions.from_json(options.to_json()) == options  # kept in the stack's config


def test_defaults_are_docker_machines() -> None:
    options = _options("--generic-ip-address", "h.example", "m")
    assert (options.ssh_user, options.ssh_port, options.engine_port, options.ssh_key) == (
        "root",
        22,
        2376,
        None,
    )
    assert options.daemon_settings() == {"tls_port": 2376} and options.install_url is None


@pytest.mark.parametrize(
    ("argv", "flag", "fragment"),
    [
        (["-d", "virtualbox", "--generic-ip-address", "10.0.0.5", "m"], "--driver", "only 'generic'"),
        (["m"], "--generic-ip-address", "is required"),
        (["--generic-ip-address", "not an address!", "m"], "--generic-ip-address", "neither an IP address"),
        ([*IP, "--generic-ssh-port", "0", "m"], "--generic-ssh-port", "between"),
        ([*IP, "--generic-engine-port", "x", "m"], "--generic-engine-port", ""),
        ([*IP, "--engine-env", "NOEQUALS", "m"], "--engine-env", "KEY=VALUE"),
        ([*IP, "--engine-opt", "=x", "m"], "--engine-opt", "KEY=VALUE"),
        ([*IP, "--engine-storage-driver", "aufs", "m"], "--engine-storage-driver", ""),
        ([*IP, "--engine-registry-mirror", "ftp://x", "m"], "--engine-registry-mirror", ""),
        ([*IP, "--engine-label", "novalue", "m"], "--engine-label", ""),
        ([*IP, "--tls-san", "bad name!", "m"], "--tls-san", ""),
        ([*IP, "--engine-install-url", "file:///x", "m"], "--engine-install-url", ""),
        ([*IP, "my host"], "NAME", "not a machine name"),
    ],
)  # fmt: skip
def test_bad_flags_are_refused_naming_the_flag(argv: list[str], flag: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _options(*argv)
    assert caught.value.field == flag and fragment in caught.value.reason


def test_create_refuses_in_one_line_before_pulumi_runs(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    for argv, said in (
        (
            [*IP, "--engine-env", "X", "m"],
            "error: --engine-env: 'X' is not KEY=VALUE",
        ),
        (
            [*IP, "--generic-ssh-key", str(tmp_path / "none"), "m"],
            "no such file",
        ),
        ([*IP, "m"], "error: --generic-ssh-key: is required (or an ssh-agent"),
    ):
        assert main(["-s", str(tmp_path / "store"), "create", *argv]) == 1
        err = capsys.readouterr().err
        assert said in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "store").exists()


DM_CONFIG = {
    "DriverName": "generic",
    "Driver": {"IPAddress": "10.0.0.7", "SSHUser": "ubuntu", "SSHPort": 2222, "SSHKeyPath": "/s/id_rsa"},
    "HostOptions": {
        "EngineOptions": {"Labels": ["env=old"], "ArbitraryFlags": ["log-level=warn"], "Env": ["A=b"]},
        "AuthOptions": {"CaCertPath": "/s/certs/ca.pem", "CaPrivateKeyPath": "/s/certs/ca-key.pem"},
    },
}


def test_a_docker_machine_config_maps_onto_the_same_options() -> None:
    options = create_flags.from_docker_machine("old", DM_CONFIG)
    assert (options.ip_address, options.ssh_user, options.ssh_port, options.ssh_key) == (
        "10.0.0.7",
        "ubuntu",
        2222,
        "/s/id_rsa",
    )
    assert options.daemon_settings() == {
        "tls_port": 2376,
        "labels": ["env=old"],
        "environment": {"A": "b"},
        "extra": {"log-level": "warn"},
    }
    assert (options.ca_cert, options.ca_key) == ("/s/certs/ca.pem", "/s/certs/ca-key.pem")
    assert options.take_over_dropins == ("10-machine.conf",)
    assert create_flags.CreateOptions.from_json(options.to_json()) == options


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"DriverName": "virtualbox"}, "DriverName"),
        ({"HostOptions": {"AuthOptions": {}}}, "HostOptions.AuthOptions.CaCertPath"),
        ({"Driver": {"IPAddress": "bad address!"}}, "--generic-ip-address"),
    ],
)
def test_a_docker_machine_config_that_cannot_be_imported_says_why(change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        create_flags.from_docker_machine("old", {**DM_CONFIG, **change})
    assert caught.value.field == field


def test_import_and_create_keep_to_their_own_machines(tmp_path: Path, capsys) -> None:
    made = tmp_path / "machines" / "old"
    made.mkdir(parents=True)
    (made / "config.json").write_text('{"DriverName": "generic"}')
    assert main(["-s", str(tmp_path), "import", "nope"]) == 1
    assert "no machine 'nope' made by docker-machine" in capsys.readouterr().err
    assert (
        main(["-s", str(tmp_path), "create", *IP, "--generic-ssh-key", str(made / "config.json"), "old"]) == 1
    )
    assert "old is a machine docker-machine made in this store: `pulumi-docker-machine import old`" in (
        capsys.readouterr().err
    )
