"""docs/reliability.md's fault table and counts are the fault matrix's rows, and every row is a fault that
its test in tests/e2e/test_faults.py injects (`injected(ROW)`), and nothing else is: they cannot drift."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ..e2e.fault_matrix import BEGIN, END, MATRIX, render

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FAULT_TESTS = ROOT / "tests" / "e2e" / "test_faults.py"


def _test_functions() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(FAULT_TESTS.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _injected_args(node: ast.AST) -> list[ast.expr]:
    """What the test passes to `injected(...)`."""
    return [
        call.args[0]
        for call in ast.walk(node)
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "injected" and call.args
    ]


def _prefixes(node: ast.AST) -> set[str]:
    """Fixed beginnings of f-strings passed to `injected`: `killed-update-` of `f"killed-update-{step}"`."""
    return {
        arg.values[0].value
        for arg in _injected_args(node)
        if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant)
    }


def test_the_docs_show_the_matrix_as_generated() -> None:
    doc = (ROOT / "docs" / "reliability.md").read_text()
    assert BEGIN in doc and END in doc, "docs/reliability.md lost its generated fault-matrix block"
    block = doc[doc.index(BEGIN) : doc.index(END) + len(END)]
    assert block == render(), f"regenerate with `python -m tests.e2e.fault_matrix`:\n{render()}"


def test_each_row_is_injected_by_its_test_and_each_fault_test_has_rows() -> None:
    tests = _test_functions()
    ids = [row.id for row in MATRIX]
    assert len(ids) == len(set(ids))
    for row in MATRIX:
        assert row.test in tests, f"row {row.id}: no test {row.test} in test_faults.py"
        function = tests[row.test]
        assert _injected_args(function), f"{row.test} marks no fault with injected()"
        # The row's name is written in its test: in the call, as a parameter the test passes to it, or as
        # an f-string's fixed beginning and the value (a step) the test fills in.
        strings = _strings(function)
        named = row.id in strings or any(
            row.id.startswith(p) and row.id[len(p) :] in strings for p in _prefixes(function)
        )
        assert named, f"row {row.id} is not named in {row.test}"
    assert set(tests) == {row.test for row in MATRIX}, "a fault test without a row in the matrix"


def test_a_case_without_a_converging_up_says_why() -> None:
    for row in MATRIX:
        assert row.then.strip() and row.then != "—", row.id
        if not row.converges:
            assert row.then.startswith("none"), f"{row.id}: say why there is no converging `up`"
        else:
            assert "converges" in row.then, row.id
