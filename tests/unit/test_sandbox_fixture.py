"""Where the sandbox cannot start, tests that need hosts fail (skip only with PDM_ALLOW_SKIP=1)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = """
import pdm_sandbox.pytest_fixtures as fixtures

fixtures.sandbox_unavailable_reason = lambda: "test hosts need root (as on a contributor's laptop)"
pytest_plugins = ["pdm_sandbox.pytest_fixtures"]
"""

TESTS = """
def test_needs_a_host(test_hosts):
    raise AssertionError("must not run without a sandbox")


def test_pure():
    pass
"""


@pytest.fixture
def without_sandbox(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(TESTS)
    return pytester


def test_a_sandbox_that_cannot_start_fails_the_run(
    without_sandbox: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PDM_ALLOW_SKIP", raising=False)
    result = without_sandbox.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*test hosts need root*set PDM_ALLOW_SKIP=1*"])


def test_contributors_may_opt_into_skipping(
    without_sandbox: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDM_ALLOW_SKIP", "1")
    monkeypatch.delenv("CI", raising=False)
    result = without_sandbox.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*skipped because PDM_ALLOW_SKIP=1*"])


def test_ci_cannot_skip(without_sandbox: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDM_ALLOW_SKIP", "1")
    monkeypatch.setenv("CI", "true")
    result = without_sandbox.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret != 0
    said = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test"), "-m", "unit"],
        env={**os.environ, "CI": "true", "PDM_ALLOW_SKIP": "1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert said.returncode == 2 and "PDM_ALLOW_SKIP is refused in CI" in said.stderr
