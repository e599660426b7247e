"""Running machine commands with checked exit codes, and progress lines on stderr."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

from .errors import SandboxError

_T0 = time.monotonic()


def log(message: str) -> None:
    """Print one progress line to stderr (slow steps only)."""
    print(f"[sandbox {time.monotonic() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def run(
    argv: Sequence[str],
    *,
    input: str | None = None,
    check: bool = True,
    timeout: float | None = 600,
    env: Mapping[str, str] | None = None,
    quiet: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `argv`; raise SandboxError with the command and stderr tail when it fails and `check` is set.

    With `quiet=False` the output goes straight to this process's stderr (for long builds).
    """
    out = subprocess.PIPE if quiet else 2  # fd 2: works under pytest's fd capture too
    try:
        proc = subprocess.run(
            list(argv), input=input, text=True, stdout=out, stderr=out,
            timeout=timeout, env=dict(env) if env is not None else None,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise SandboxError(f"`{argv[0]}` is not installed: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise SandboxError(f"`{shlex.join(argv)}` timed out after {timeout} s") from exc
    if check and proc.returncode != 0:
        tail = ((proc.stderr or "") + (proc.stdout or "")).strip()[-2000:]
        raise SandboxError(f"`{shlex.join(argv)}` exited {proc.returncode}: {tail}")
    return proc
