"""Where the sandbox cannot start, tests that need hosts fail (skip only with PDM_ALLOW_SKIP=1)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit

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
    result = without_sandbox.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*skipped because PDM_ALLOW_SKIP=1*"])
