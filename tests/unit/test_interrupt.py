"""A program that uses our resources, interrupted by Pulumi's language host, exits quietly with the
"error already shown" code; anything else keeps Python's own SIGINT handling."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_docker_machine.resources import interrupt

pytestmark = pytest.mark.unit

PROGRAM = """
import os, signal, sys, time
from pulumi_docker_machine.resources import interrupt
interrupt.run_by_engine = lambda: {engine}  # as in a program that `pulumi up` runs, or not
interrupt.stop_quietly_when_interrupted()
print("ready", flush=True)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(10)
print("not interrupted", flush=True)
"""


def _run(tmp_path: Path, engine: bool) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "program.py"
    script.write_text(PROGRAM.format(engine=engine))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)


def test_a_program_run_by_pulumi_exits_quietly(tmp_path: Path) -> None:
    ran = _run(tmp_path, engine=True)
    assert (ran.returncode, ran.stdout, ran.stderr) == (interrupt.ERROR_ALREADY_SHOWN, "ready\n", "")


def test_any_other_process_keeps_pythons_interrupt(tmp_path: Path) -> None:
    ran = _run(tmp_path, engine=False)
    assert "KeyboardInterrupt" in ran.stderr and "not interrupted" not in ran.stdout
    assert not interrupt.run_by_engine()  # pytest itself: no engine, Python's handler unchanged
    interrupt.stop_quietly_when_interrupted()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
