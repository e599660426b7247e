"""This machine's apt sources: where its Debian mirror is, and which releases they are for.

The mirror is read here at run time (or taken from `$PDM_DEBIAN_MIRROR`), never written into the code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path

from .errors import SandboxError

ETC_APT = Path("/etc/apt")


def entries(etc_apt: Path = ETC_APT) -> list[tuple[str, list[str]]]:
    """(URI, suites) of every enabled `deb` source under `etc_apt`, in the order apt reads them."""
    files = [etc_apt / "sources.list", *sorted((etc_apt / "sources.list.d").glob("*"))]
    found: list[tuple[str, list[str]]] = []
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^(\w[\w-]*):[ \t]*(.*)$", stanza, flags=re.M))
                enabled = fields.get("Enabled", "yes").lower() != "no"
                if enabled and "deb" in fields.get("Types", "").split() and fields.get("URIs"):
                    found.append((fields["URIs"].split()[0], fields.get("Suites", "").split()))
        elif path.name == "sources.list" or path.suffix == ".list":
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb":
                    found.append((words[1], [words[2]]))
    return found


def debian_mirror(releases: Collection[str], etc_apt: Path = ETC_APT) -> str:
    """`$PDM_DEBIAN_MIRROR`, else the URI of the first `deb` source whose suites name one of `releases`."""
    if os.environ.get("PDM_DEBIAN_MIRROR"):
        return os.environ["PDM_DEBIAN_MIRROR"]
    for uri, suites in entries(etc_apt):
        if any(s in releases for s in suites):
            return uri
    raise SandboxError(
        f"no Debian mirror in {etc_apt}/sources.list(.d) (a `deb` source for one of "
        f"{', '.join(releases)}); set PDM_DEBIAN_MIRROR"
    )


def suites(etc_apt: Path = ETC_APT) -> set[str]:
    """Every suite this machine's apt sources name."""
    return {suite for _, names in entries(etc_apt) for suite in names}
