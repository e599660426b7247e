"""Shell scripts for the apply transaction: stage, validate, swap, restart, check, roll back (pure).

Each script runs as root in one SSH round trip. The previous version of every file we
replace is kept as `FILE.pdm-prev` (or marked `FILE.pdm-absent`) until the change is
confirmed, so a failure at any step restores what was there and restarts the daemon.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Iterable, Mapping

from . import paths

# Exit codes the provider maps to messages.
EXIT_INVALID = 10  # dockerd --validate refused the new daemon.json
EXIT_NOT_RUNNING = 11  # the daemon did not come back; files were rolled back

# Shell functions every script starts with. pdm_restart: a daemon that ran with `-H unix://...`
# deletes the socket file docker.socket listens on, leaving socket activation (`-H fd://`) dead
# until docker.socket restarts; restarting it while docker still runs fails ("already active"),
# so stop docker first. pdm_wait: active, and answering on $PDM_SOCKET when that is set.
_PRELUDE = """
pdm_restart() {
  systemctl stop docker || return 1
  if systemctl cat docker.socket >/dev/null 2>&1 && [ ! -S /run/docker.sock ]; then
    systemctl restart docker.socket || return 1
  fi
  systemctl start docker
}
pdm_wait() {
  i=0
  while [ $i -lt 60 ]; do
    if systemctl is-active -q docker &&
       { [ -z "${PDM_SOCKET:-}" ] || timeout 5 docker -H "$PDM_SOCKET" version >/dev/null 2>&1; }; then
      return 0
    fi
    if systemctl is-failed -q docker; then return 1; fi
    i=$((i+1)); sleep 0.5
  done
  return 1
}
"""
LOCAL_SOCKET = "unix:///var/run/docker.sock"


def _q(value: str) -> str:
    return shlex.quote(value)


def apply_script(
    files: Mapping[str, tuple[str, int]], restart: bool, validate: bool, socket: str = LOCAL_SOCKET
) -> str:
    """Replace `files` ({path: (content, mode)}) atomically and restart docker if asked.

    The change counts once the daemon is active and answers on `socket` (empty: active is enough,
    and the TLS endpoint is checked from the client side).
    """
    lines = [
        "set -u",
        "umask 077",
        f"PDM_SOCKET={_q(socket)}",
        _PRELUDE,
        f"mkdir -p /etc/docker {_q(paths.DROPIN_DIR)}",
    ]
    for path, (content, mode) in sorted(files.items()):
        data = base64.b64encode(content.encode()).decode()
        new = _q(path + ".pdm-new")
        lines.append(
            f"printf %s {_q(data)} | base64 -d > {new} && chmod {mode:o} {new} && chown 0:0 {new} || exit 1"
        )
    changed = " ".join(_q(p) for p in sorted(files))
    if validate and paths.DAEMON_JSON in files:
        new_json = _q(paths.DAEMON_JSON + ".pdm-new")
        lines.append(
            f"if ! out=$(dockerd --validate --config-file {new_json} 2>&1); then"
            f' for f in {changed}; do rm -f "$f.pdm-new"; done; echo "$out" >&2; exit {EXIT_INVALID}; fi'
        )
    lines.append(
        f'for f in {changed}; do rm -f "$f.pdm-prev" "$f.pdm-absent";'
        ' if [ -e "$f" ]; then cp -p "$f" "$f.pdm-prev"; else : > "$f.pdm-absent"; fi; done'
    )
    lines.append(f'for f in {changed}; do mv -f "$f.pdm-new" "$f"; done')
    if restart:
        lines.append("systemctl daemon-reload")
        lines.append(
            "if ! { pdm_restart && pdm_wait; }; then"
            " log=$(journalctl -u docker -n 25 --no-pager -o cat 2>/dev/null | grep -v '^$' | tail -n 12);"
            f" {_restore_lines(files)}"
            ' echo "docker did not start with the new configuration; previous files restored.'
            ' dockerd said:"; echo "$log"; } >&2;'
            f" exit {EXIT_NOT_RUNNING}; fi"
        )
    lines.append("echo applied")
    return "\n".join(lines) + "\n"


def _restore_lines(files: Iterable[str]) -> str:
    changed = " ".join(_q(p) for p in sorted(files))
    return (
        f'{{ PDM_SOCKET=; for f in {changed}; do if [ -e "$f.pdm-prev" ]; then mv -f "$f.pdm-prev" "$f";'
        ' elif [ -e "$f.pdm-absent" ]; then rm -f "$f" "$f.pdm-absent"; fi; done;'
        " systemctl daemon-reload; pdm_restart; pdm_wait;"
    )


def rollback_script(files: Iterable[str]) -> str:
    """Restore the previous versions kept by `apply_script` and restart docker."""
    return "set -u\n" + _PRELUDE + _restore_lines(files) + " }\necho rolled-back\n"


def commit_script(files: Iterable[str]) -> str:
    """Forget the previous versions once the change is confirmed from the client side."""
    changed = " ".join(_q(p) for p in sorted(files))
    return f'for f in {changed}; do rm -f "$f.pdm-prev" "$f.pdm-absent"; done\n'


def remove_script(original_daemon_json: str | None) -> str:
    """Give the host back: drop our drop-in, certificates and settings; restart on the unit's own flags."""
    lines = ["set -u", f"PDM_SOCKET={LOCAL_SOCKET}", _PRELUDE]
    ours = [paths.DROPIN, paths.CA_CERT, paths.SERVER_CERT, paths.SERVER_KEY]
    for path in [*ours, paths.DAEMON_JSON]:
        lines.append(f"rm -f {_q(path + '.pdm-new')} {_q(path + '.pdm-prev')} {_q(path + '.pdm-absent')}")
    lines.append("rm -f " + " ".join(_q(p) for p in ours))
    if original_daemon_json is None:
        lines.append(f"rm -f {_q(paths.DAEMON_JSON)}")
    else:
        data = base64.b64encode(original_daemon_json.encode()).decode()
        lines.append(f"printf %s {_q(data)} | base64 -d > {_q(paths.DAEMON_JSON)}")
    lines.append(f"rmdir {_q(paths.DROPIN_DIR)} 2>/dev/null || true")
    lines.append("if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then")
    lines.append("  systemctl daemon-reload; pdm_restart && pdm_wait || {")
    lines.append("    journalctl -u docker -n 12 --no-pager -o cat >&2; exit 11; }")
    lines.append("fi")
    lines.append("echo removed")
    return "\n".join(lines) + "\n"
