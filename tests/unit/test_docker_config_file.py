"""docker-py finds contexts only beside `$DOCKER_CONFIG/config.json`: one is made when missing, never
rewritten when a user has one."""

from __future__ import annotations

import pytest
from pulumi_docker_machine import docker_context

pytestmark = pytest.mark.unit


def test_config_json_is_made_once_and_a_users_file_is_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    docker_context._ensure_config_file()
    made = tmp_path / "docker" / "config.json"
    assert made.read_text() == "{}\n" and made.stat().st_mode & 0o777 == 0o600
    made.write_text('{"auths": {"registry.test": {}}}\n')  # the user's own settings
    docker_context._ensure_config_file()
    assert made.read_text() == '{"auths": {"registry.test": {}}}\n'
