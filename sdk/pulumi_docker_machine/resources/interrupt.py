"""A program that uses our resources stops quietly when Pulumi stops it.

When an update fails (a resource's check refuses an input, a host is unreachable), the engine ends
the program's run and the Python language host interrupts the program (SIGINT). Python answers with
a KeyboardInterrupt traceback, twice (in the run loop, then in the executor's shutdown), which the
CLI prints under the stack beside the one clean line of the real error. The error has already been
shown, so the program exits at once with the code by which Pulumi's program runner says so."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from pulumi.runtime import settings
from pulumi.runtime.mocks import MockMonitor

ERROR_ALREADY_SHOWN = 32
"""The exit code of Pulumi's Python program runner for "an error message was shown to the user"."""


def _exit_quietly(_signum: int, _frame: FrameType | None) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(ERROR_ALREADY_SHOWN)


def run_by_engine() -> bool:
    """Whether this process registers resources with a Pulumi engine (not Pulumi's test mocks)."""
    monitor = settings.SETTINGS.monitor
    return monitor is not None and not isinstance(monitor, MockMonitor)


def stop_quietly_when_interrupted() -> None:
    """In a program run by Pulumi, install the handler, unless the program has a SIGINT handler of its
    own (tests and mocks keep Python's)."""
    if not run_by_engine() or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _exit_quietly)
