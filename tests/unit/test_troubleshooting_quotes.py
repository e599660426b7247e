"""docs/troubleshooting.md quotes real messages: each ```message block is made of the code's own text.

A quote mixes the code's words with example values (hosts, names, numbers) and, in `<...>`, what a
library said. It passes when the string literals of the package (each piece of an f-string on its
own; docstrings left out) cover at least three quarters of its other letters; a leading field path
(`connection.port: `) and identifiers are not counted.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pulumi_docker_machine
import pytest

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"
PACKAGE = Path(pulumi_docker_machine.__file__).parent
_BLOCK = re.compile(r"^( *)```message\n(.*?)^\1```", re.DOTALL | re.MULTILINE)
_FIELD_PATH = re.compile(r"^[A-Za-z_][\w.\[\]-]*: ")
_LIBRARY = re.compile(r"<[^<>]*>")
_IDENTIFIER = re.compile(r"\w*_\w*")


def quoted_messages() -> list[str]:
    """Each ```message block of the troubleshooting page, its wrapped lines joined."""
    return [
        " ".join(line.strip() for line in block.splitlines()) for _, block in _BLOCK.findall(DOC.read_text())
    ]


def code_texts() -> set[str]:
    """Every string constant of the package (f-string pieces too, docstrings not), five letters or more."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        docs = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                text = node.value.strip()
                if sum(c.isalpha() for c in text) >= 5:
                    found.add(text)
    return found


def coverage(message: str, texts: set[str]) -> float:
    """The share of the message's words' letters found inside some code text.

    Left out of the count: a leading field path, `<...>` (what a library said) and identifiers such as
    `private_key` (field names are everywhere in the code, so they prove nothing).
    """
    neutral = [False] * len(message)
    found = [False] * len(message)
    skipped = (_FIELD_PATH.match(message), *_LIBRARY.finditer(message), *_IDENTIFIER.finditer(message))
    for match in filter(None, skipped):
        neutral[match.start() : match.end()] = [True] * (match.end() - match.start())
    for text in texts:
        start = message.find(text)
        while start != -1:
            found[start : start + len(text)] = [True] * len(text)
            start = message.find(text, start + 1)
    letters = [i for i, c in enumerate(message) if c.isalpha() and not neutral[i]]
    return sum(found[i] for i in letters) / len(letters)


def test_the_page_quotes_messages() -> None:
    assert len(quoted_messages()) >= 12


@pytest.mark.parametrize("message", quoted_messages())
def test_every_quoted_message_is_in_the_code(message: str) -> None:
    assert coverage(message, code_texts()) >= 0.75, message


def test_a_message_the_code_does_not_have_fails() -> None:
    removed = "connection: needs one of private_key, password or agent_socket_path"
    assert coverage(removed, code_texts()) < 0.75
