"""`create -d generic`'s flags, as Docker Machine spells them, checked and mapped onto a Machine (pure).

The options are kept in the machine's stack config as JSON, so `provision` and `regenerate-certs` run the
same program again; they hold the SSH key's path, never the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import ValidationError
from ..spec import values
from ..spec.daemon import DaemonConfigSpec

DRIVERS = ("generic",)
DOCKER_MACHINE_DROPIN = "10-machine.conf"
"""The systemd drop-in Docker Machine's provisioners write (ExecStart with its -H and --tls flags)."""

FLAG_OF_SETTING = {
    "tls_port": "--generic-engine-port",
    "labels": "--engine-label",
    "registry_mirrors": "--engine-registry-mirror",
    "insecure_registries": "--engine-insecure-registry",
    "storage_driver": "--engine-storage-driver",
    "environment": "--engine-env",
    "extra": "--engine-opt",
}
"""The Docker Machine flag behind each daemon setting (an error about the setting names the flag)."""


@dataclass(frozen=True)
class CreateOptions:
    """What `create` was given, after checking."""

    name: str
    ip_address: str
    ssh_user: str = values.SSH_USER
    ssh_key: str | None = None
    """Path of the private key; None: the SSH agent of SSH_AUTH_SOCK."""
    ssh_port: int = values.SSH_PORT
    engine_port: int = 2376
    labels: tuple[str, ...] = ()
    registry_mirrors: tuple[str, ...] = ()
    insecure_registries: tuple[str, ...] = ()
    storage_driver: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    opts: dict[str, Any] = field(default_factory=dict)
    tls_san: tuple[str, ...] = ()
    install_url: str | None = None
    ca_cert: str | None = None
    """`import`: the path of Docker Machine's CA certificate (its clients keep working); None: a new CA."""
    ca_key: str | None = None
    take_over_dropins: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CreateOptions:
        data = json.loads(text)
        for name in ("labels", "registry_mirrors", "insecure_registries", "tls_san", "take_over_dropins"):
            data[name] = tuple(data.get(name) or ())
        return cls(**data)

    def daemon_settings(self) -> dict[str, Any]:
        """The Machine's `daemon` mapping."""
        settings: dict[str, Any] = {"tls_port": self.engine_port}
        for name in ("labels", "registry_mirrors", "insecure_registries"):
            if getattr(self, name):
                settings[name] = list(getattr(self, name))
        if self.storage_driver:
            settings["storage_driver"] = self.storage_driver
        if self.env:
            settings["environment"] = dict(self.env)
        if self.opts:
            settings["extra"] = dict(self.opts)
        return settings

    def sans(self) -> tuple[list[str], list[str]]:
        """`--tls-san` values as (IP addresses, DNS names)."""
        ips = [san for san in self.tls_san if values.is_ip(san)]
        return ips, [san for san in self.tls_san if not values.is_ip(san)]


def _pairs(flag: str, items: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(flag, f"{item!r} is not KEY=VALUE")
        pairs[key] = value
    return pairs


def _opt_value(text: str) -> Any:
    """An `--engine-opt` value as daemon.json wants it: numbers and true/false as such, else the text."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return text
    return parsed if isinstance(parsed, bool | int | float) else text


def from_docker_machine(name: str, config: Mapping[str, Any]) -> CreateOptions:
    """The options of a machine a real `docker-machine` made, from its `config.json`: its address, SSH
    user, port and key, engine options and SANs, its CA (kept, so its clients keep working) and its
    drop-in (`10-machine.conf`, taken over and put back at `rm`). ValidationError naming the field."""
    driver, host = config.get("Driver") or {}, config.get("HostOptions") or {}
    engine, auth = host.get("EngineOptions") or {}, host.get("AuthOptions") or {}
    if config.get("DriverName") != "generic":
        raise ValidationError(
            "DriverName", f"is {config.get('DriverName')!r}: only generic machines can be imported"
        )
    raw = {
        "name": name,
        "generic_ip_address": driver.get("IPAddress"),
        "generic_ssh_user": driver.get("SSHUser"),
        "generic_ssh_key": driver.get("SSHKeyPath") or None,
        "generic_ssh_port": driver.get("SSHPort"),
        "generic_engine_port": driver.get("EnginePort"),
        "engine_label": engine.get("Labels") or (),
        "engine_registry_mirror": engine.get("RegistryMirror") or (),
        "engine_insecure_registry": engine.get("InsecureRegistry") or (),
        "engine_storage_driver": engine.get("StorageDriver") or None,
        "engine_env": engine.get("Env") or (),
        "engine_opt": engine.get("ArbitraryFlags") or (),
        "tls_san": auth.get("ServerCertSANs") or (),
    }
    for key in ("CaCertPath", "CaPrivateKeyPath"):
        if not auth.get(key):
            raise ValidationError(
                f"HostOptions.AuthOptions.{key}", "is missing: the machine's CA cannot be kept"
            )
    return replace(
        check(raw),
        ca_cert=auth["CaCertPath"],
        ca_key=auth["CaPrivateKeyPath"],
        take_over_dropins=(DOCKER_MACHINE_DROPIN,),
    )


def check(raw: Mapping[str, Any]) -> CreateOptions:
    """The options of `create` from argparse's values; ValidationError naming the flag otherwise."""
    driver = raw.get("driver") or "generic"
    if driver not in DRIVERS:
        raise ValidationError(
            "--driver",
            f"{driver!r} is not supported: only 'generic' (create the VM with its own tooling first)",
        )
    name = values.machine_name("NAME", raw.get("name"))
    if not raw.get("generic_ip_address"):
        raise ValidationError("--generic-ip-address", "is required (the host's IP address or DNS name)")
    options = CreateOptions(
        name=name,
        ip_address=values.address("--generic-ip-address", raw["generic_ip_address"]),
        ssh_user=values.single_line("--generic-ssh-user", raw.get("generic_ssh_user") or values.SSH_USER),
        ssh_key=raw.get("generic_ssh_key") or None,
        ssh_port=values.port("--generic-ssh-port", raw.get("generic_ssh_port") or values.SSH_PORT),
        engine_port=values.port("--generic-engine-port", raw.get("generic_engine_port") or 2376),
        labels=tuple(raw.get("engine_label") or ()),
        registry_mirrors=tuple(raw.get("engine_registry_mirror") or ()),
        insecure_registries=tuple(raw.get("engine_insecure_registry") or ()),
        storage_driver=raw.get("engine_storage_driver") or None,
        env=_pairs("--engine-env", raw.get("engine_env") or ()),
        opts={k: _opt_value(v) for k, v in _pairs("--engine-opt", raw.get("engine_opt") or ()).items()},
        tls_san=tuple(raw.get("tls_san") or ()),
        install_url=raw.get("engine_install_url") or None,
    )
    if options.install_url is not None:
        values.http_url("--engine-install-url", options.install_url)
    for san in options.tls_san:
        values.address("--tls-san", san)
    _, errors = DaemonConfigSpec.check({"settings": options.daemon_settings()})
    if errors:
        error = errors[0]
        setting = re.split(r"[.\[]", error.field.removeprefix("settings."))[0]
        raise ValidationError(FLAG_OF_SETTING.get(setting, error.field), error.reason)
    return options
