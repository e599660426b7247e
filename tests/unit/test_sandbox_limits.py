"""The sandbox raises the inotify limit that many booted hosts share before it starts them, or fails
naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdm_sandbox import limits
from pdm_sandbox.errors import SandboxError

pytestmark = pytest.mark.unit


def test_the_default_limit_is_raised_for_32_hosts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setting = tmp_path / "max_user_instances"
    setting.write_text("128\n")
    limits.ensure_inotify_instances(32, setting)
    assert int(setting.read_text()) == limits.needed_instances(32) >= 128 + 9 * 32
    assert (
        "raised fs.inotify.max_user_instances from 128 to 640, for up to 32 test hosts"
        in capsys.readouterr().err
    )


def test_one_host_raises_it_for_a_fleet_at_once(tmp_path: Path) -> None:
    setting = tmp_path / "max_user_instances"
    setting.write_text("128\n")
    limits.ensure_inotify_instances(1, setting)
    assert int(setting.read_text()) == limits.needed_instances(limits.RAISE_FOR)


def test_a_higher_limit_is_left_alone(tmp_path: Path) -> None:
    setting = tmp_path / "max_user_instances"
    setting.write_text("8192\n")
    limits.ensure_inotify_instances(32, setting)
    assert setting.read_text() == "8192\n"


class _ReadOnlySetting:
    """A /proc/sys file this process may read but not write (a sandbox that is not root)."""

    def read_text(self) -> str:
        return "128\n"

    def write_text(self, _text: str) -> int:
        raise PermissionError(13, "Permission denied")


def test_a_limit_that_cannot_be_raised_is_named() -> None:
    with pytest.raises(SandboxError) as err:
        limits.ensure_inotify_instances(32, _ReadOnlySetting())  # type: ignore[arg-type]
    assert str(err.value) == (
        "fs.inotify.max_user_instances is 128; 32 test hosts need 640"
        " (sysctl -w fs.inotify.max_user_instances=640): Permission denied"
    )
