"""Every test the docs name (`test_x.py::test_name[param]`, e.g. the cells of docs/hosts.md's matrix) is a
test pytest collects, so a renamed or dropped test, or a release that left the matrix, fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
_REFERENCE = re.compile(r"`(test_\w+\.py)::([^`\s]+)`")


def named_in_docs() -> list[tuple[str, str, str]]:
    """(doc, file, test id) for each reference; `…[param]` repeats the last function named for that file."""
    found = []
    for doc in sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")]):
        last: dict[str, str] = {}
        for file, name in _REFERENCE.findall(doc.read_text()):
            if name.startswith("…"):
                name = last[file] + name[1:]
            last[file] = name.split("[")[0]
            found.append((doc.name, file, name))
    return found


def collected(files: set[str]) -> set[str]:
    """Node ids (`test_x.py::test_name[param]`) that pytest collects from `files`."""
    paths = [str(p) for f in sorted(files) for p in ROOT.glob(f"tests/*/{f}")]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return {line.split("/")[-1] for line in run.stdout.splitlines() if "::" in line}


def test_every_test_the_docs_name_exists() -> None:
    references = named_in_docs()
    assert len(references) >= 10  # the host matrix alone names more
    ids = collected({file for _, file, _ in references})
    functions = {node.split("[")[0] for node in ids}
    missing = [
        f"{doc}: {file}::{name}"
        for doc, file, name in references
        if f"{file}::{name}" not in (ids if "[" in name else functions)
    ]
    assert not missing, missing
