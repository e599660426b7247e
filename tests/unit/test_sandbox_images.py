"""Images per Debian release: the mirror comes from apt's configuration, bookworm's recipes stay as cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdm_sandbox import aptsources, image
from pdm_sandbox.errors import SandboxError

pytestmark = pytest.mark.unit

MIRROR = "http://mirror.test/debian"


def _etc_apt(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_deb822_sources_give_the_first_debian_release_uri(tmp_path: Path) -> None:
    etc = _etc_apt(
        tmp_path,
        {
            "sources.list.d/other.sources": "Types: deb\nURIs: http://vendor.test/apt\nSuites: nodistro\n",
            "sources.list.d/debian.sources": (
                "Types: deb-src\nURIs: http://src.test/debian\nSuites: bookworm\n\n"
                f"Types: deb\n# a comment\nURIs: {MIRROR}\nSuites: bookworm bookworm-updates\n"
            ),
        },
    )
    assert aptsources.debian_mirror(image.RELEASES, etc) == MIRROR
    assert aptsources.suites(etc) == {"nodistro", "bookworm", "bookworm-updates"}


def test_one_line_sources_with_options_and_disabled_files(tmp_path: Path) -> None:
    etc = _etc_apt(
        tmp_path,
        {
            "sources.list": f"# deb http://old.test/d bullseye main\ndeb [arch=amd64] {MIRROR} trixie main\n",
            "sources.list.d/x.list.disabled": "deb http://off.test/debian bookworm main\n",
        },
    )
    assert aptsources.entries(etc) == [(MIRROR, ["trixie"])]


def test_no_debian_source_asks_for_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    etc = _etc_apt(tmp_path, {"sources.list": "deb http://vendor.test/apt nodistro main\n"})
    monkeypatch.delenv("PDM_DEBIAN_MIRROR", raising=False)
    with pytest.raises(SandboxError, match="PDM_DEBIAN_MIRROR"):
        aptsources.debian_mirror(image.RELEASES, etc)
    monkeypatch.setenv("PDM_DEBIAN_MIRROR", MIRROR)
    assert aptsources.debian_mirror(image.RELEASES, etc) == MIRROR


def test_bookworm_images_keep_the_names_they_are_cached_under(tmp_path: Path) -> None:
    # Other engineers share the cache: the existing recipes must not change meaning (or hash).
    assert image.image_path("base", tmp_path).name == "base-1a2aba1da095"
    assert image.image_path("docker", tmp_path).name == "docker-8bc755499f58"


def test_every_release_has_its_own_images_and_repository(tmp_path: Path) -> None:
    paths = {image.image_path(v, tmp_path, r).name for v in image.VARIANTS for r in image.RELEASES}
    assert len(paths) == len(image.VARIANTS) * len(image.RELEASES)
    assert "debootstrap --variant=minbase" in image.recipe("base", "trixie")
    assert image.recipe("base", "trixie").count(" trixie") == 1
    assert "docker-cli" in image.recipe("docker", "trixie")
    with pytest.raises(SandboxError, match="unknown release"):
        image.recipe("base", "sid")


def test_openrc_images_are_the_sysvinit_recipe_plus_openrc_and_leave_sysvinit_names_alone(
    tmp_path: Path,
) -> None:
    # Adding OpenRC must not rebuild anyone's cached sysvinit images.
    assert (
        image.image_path("base", tmp_path, "bookworm", "sysvinit").name
        == "base-bookworm-sysvinit-a7419b2434bd"
    )
    assert image.image_path("docker", tmp_path, "bookworm", "sysvinit").name.endswith("-ffd9a327b022")
    openrc, sysv = image.recipe("base", "bookworm", "openrc"), image.recipe("base", "bookworm", "sysvinit")
    assert openrc.replace("apt-get install openrc\n", "") == sysv
    assert image.image_path("docker", tmp_path, "bookworm", "openrc").name.startswith(
        "docker-bookworm-openrc-"
    )
