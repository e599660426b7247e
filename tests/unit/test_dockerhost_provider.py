"""DockerHost diff rules: what replaces, what updates, and preview unknowns (no host needed)."""

import pytest
from pulumi.output import Unknown
from pulumi_docker_machine.errors import ValidationError
from pulumi_docker_machine.providers.dockerhost import DockerHostProvider, _pins
from pulumi_docker_machine.spec.host import HostSpec

from .test_bad_inputs import HOST

pytestmark = pytest.mark.unit

CONN = {"host": "10.0.0.2", "port": 22, "user": "root", "private_key": "k"}
OLDS = {"connection": CONN, "daemon": {"labels": ["a=1"]}, "drift": {}, "host_key": "ssh-ed25519 AAAA"}


def _diff(news: dict) -> tuple[bool, list[str]]:
    result = DockerHostProvider().diff("id", OLDS, {**OLDS, **news})
    return bool(result.changes), list(result.replaces or [])


def test_same_inputs_no_changes() -> None:
    assert _diff({}) == (False, [])


def test_daemon_settings_update_in_place() -> None:
    assert _diff({"daemon": {"labels": ["a=2"]}}) == (True, [])


def test_another_host_replaces() -> None:
    assert _diff({"connection": {**CONN, "host": "10.0.0.3"}}) == (True, ["connection.host"])


def test_unknown_credential_at_preview_is_an_update_not_a_replacement() -> None:
    assert _diff({"connection": {**CONN, "private_key": Unknown()}}) == (True, [])


def test_drift_recorded_by_refresh_is_a_change() -> None:
    result = DockerHostProvider().diff(
        "id", {**OLDS, "drift": {"/etc/docker/ca.pem": "missing on host"}}, OLDS
    )
    assert result.changes


def test_pins_fall_back_to_the_single_host_key_of_older_state() -> None:
    assert _pins(OLDS) == {"10.0.0.2:22": "ssh-ed25519 AAAA"}
    assert _pins({**OLDS, "host_keys": {"j:22": "x", "10.0.0.2:22": "y"}}) == {
        "j:22": "x",
        "10.0.0.2:22": "y",
    }


@pytest.mark.parametrize("init", ["sysvinit", "openrc"])
def test_daemon_environment_on_a_host_applied_without_systemd_is_refused_at_preview(init: str) -> None:
    olds = {**OLDS, "init_system": init}
    news = {**olds, "daemon": {"environment": {"HTTP_PROXY": "http://proxy.test:3128"}}}
    with pytest.raises(ValidationError, match=f"daemon.environment: root@10.0.0.2:22 runs {init}"):
        DockerHostProvider().diff("id", olds, news)
    assert DockerHostProvider().diff("id", {**olds, "init_system": "systemd"}, news).changes
    unknown = {**olds, "daemon": {"environment": Unknown()}}
    assert DockerHostProvider().diff("id", olds, unknown).changes  # known only at apply: decided there
    moved = {**news, "connection": {**CONN, "host": "10.0.0.3"}}  # another host: probed at create
    assert DockerHostProvider().diff("id", olds, moved).replaces == ["connection.host"]


def test_state_of_a_script_install_from_before_install_script_url_still_reads() -> None:
    """Refresh and destroy read the state as written; only check demands the URL of new inputs."""
    old = {**HOST, "install_method": "script"}
    assert HostSpec.from_inputs(old).install_script_url is None
    _, errors = HostSpec.check(old)
    assert [str(e) for e in errors if e.field == "install_script_url"] == [
        "install_script_url: is required when install_method is 'script'"
    ]


@pytest.mark.parametrize("bind", ["0.0.0.0", "::", "127.0.0.1", "10.0.0.2"])
def test_a_bind_address_the_host_has_is_accepted_at_preview(bind: str) -> None:
    olds = {**OLDS, "addresses": ["10.0.0.2", "fd00::2"]}
    assert DockerHostProvider().diff("id", olds, {**olds, "daemon": {"bind_address": bind}}).changes


def test_a_bind_address_the_host_does_not_have_is_refused_at_preview() -> None:
    olds = {**OLDS, "addresses": ["10.0.0.2", "fd00::2"]}
    news = {**olds, "daemon": {"bind_address": "10.9.9.9"}}
    with pytest.raises(ValidationError) as err:
        DockerHostProvider().diff("id", olds, news)
    assert str(err.value) == (
        "daemon.bind_address: root@10.0.0.2:22 has no address 10.9.9.9 (it has 10.0.0.2, fd00::2; 0.0.0.0 or"
        " :: listen on all of them); nothing was changed"
    )
    assert DockerHostProvider().diff("id", OLDS, news).changes  # no addresses recorded: decided at apply
