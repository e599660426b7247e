"""Running machine commands with checked exit codes, and progress lines on stderr."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

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
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` capturing its output; raise SandboxError with the command and output tail when it fails
    and `check` is set."""
    try:
        proc = subprocess.run(
            list(argv),
            input=input,
            text=True,
            capture_output=True,
            timeout=timeout,
            cwd=cwd,
            env=dict(env) if env is not None else None,
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


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` with `text` in one rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    os.replace(tmp, path)


def write_file(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `text` to `path` with `mode`, replacing a symlink there rather than following it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text(text)
    path.chmod(mode)
