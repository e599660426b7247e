"""The fleet benchmark runs at a small size in CI; only its counts are asserted, never its times."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .pulumi_cli import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_fleet_bench_small(sandbox, tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "bench" / "fleet.py"),
            "--sizes",
            "2",
            "--runs",
            "1",
            "--cert-seconds",
            "0.2",
            "--shared-sandbox",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(proc.stdout)
    assert "| N | empty up s |" in proc.stdout and "| ed25519 |" in proc.stdout
    results = json.loads(out.read_text())
    assert [row["n"] for row in results["fleet"]] == [2]  # the loop below cannot pass on no rows
    for row in results["fleet"]:
        assert row["preview_conns"] == 0  # a plain preview reads only the state
        assert row["noop_conns"] == 0  # so does a no-op up
        assert row["refresh_conns_per_host"] == 1  # preview --refresh: one connection per host...
        assert row["refresh_cmds_per_host"] == 1  # ...and one round trip for all facts
    assert set(results["certs"]) == {
        "ecdsa-p256",
        "ecdsa-p384",
        "rsa-2048",
        "rsa-3072",
        "rsa-4096",
        "ed25519",
    }
