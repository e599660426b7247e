"""Scripts that install Docker on a host that lacks it (pure)."""

from __future__ import annotations

import shlex

_PACKAGES = """set -u
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1; then
  out=$(apt-get update 2>&1); code=$?
  # apt-get update exits 0 even when every source failed: read its warnings too.
  if [ $code -ne 0 ] || printf '%s\\n' "$out" | grep -qE '^(W|E|Err):'; then
    printf '%s\\n' "$out" >&2; echo "apt-get update could not read every package source" >&2; exit 20
  fi
  # Another package manager run (unattended-upgrades, a person) holds dpkg's lock: wait for it, bounded.
  apt-get -o DPkg::Lock::Timeout=120 install -y -q docker.io >&2 || exit $?
elif command -v dnf >/dev/null 2>&1; then dnf install -y docker >&2 || exit $?
elif command -v yum >/dev/null 2>&1; then yum install -y docker >&2 || exit $?
elif command -v apk >/dev/null 2>&1; then apk add --no-cache docker >&2 || exit $?
elif command -v zypper >/dev/null 2>&1; then zypper --non-interactive install docker >&2 || exit $?
else echo "no supported package manager (apt-get, dnf, yum, apk, zypper)" >&2; exit 21
fi
"""

# Docker Machine ran `curl -sSL URL | sh` on the host. Here the script is downloaded whole first (a cut-off
# download never runs), with the first of curl, wget, python3 and busybox the host has.
_SCRIPT = r"""set -eu
f=$(mktemp)
trap 'rm -f "$f"' EXIT
fetch='import sys, urllib.request as u; open(sys.argv[2], "wb").write(u.urlopen(sys.argv[1]).read())'
if command -v curl >/dev/null 2>&1; then curl -fsSL "$url" -o "$f"
elif command -v wget >/dev/null 2>&1; then wget -qO "$f" "$url"
elif command -v python3 >/dev/null 2>&1; then python3 -c "$fetch" "$url" "$f"
elif command -v busybox >/dev/null 2>&1; then busybox wget -qO "$f" "$url"
else
  echo "cannot download install_script_url: the host has none of curl, wget, python3, busybox" >&2
  exit 23
fi || { echo "could not download install_script_url (see above)" >&2; exit 24; }
sh "$f" >&2 || { code=$?; echo "the install script exited $code" >&2; exit $code; }
"""

_ENABLE = """
if [ -d /run/systemd/system ]; then systemctl enable --now docker >&2
elif command -v rc-update >/dev/null 2>&1; then rc-update add docker default >&2; rc-service docker start >&2
else service docker start >&2; fi
command -v dockerd >/dev/null || { echo "dockerd is still missing after the install" >&2; exit 22; }
"""


def install_script(method: str, command: str | None = None, url: str | None = None) -> str:
    """The script for an install method: packages, script (`url`, run with sh as root) or a user command."""
    if method == "packages":
        body = _PACKAGES
    elif method == "script" and url:
        body = f"url={shlex.quote(url)}\n" + _SCRIPT
    elif method == "command" and command:
        body = "set -eu\n" + command + "\n"
    else:
        raise ValueError(f"no install script for method {method!r}")
    return body + _ENABLE


def uninstall_script() -> str:
    """Remove what `install_script('packages')` added."""
    return """set -u
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1; then apt-get purge -y -q docker.io >&2
elif command -v dnf >/dev/null 2>&1; then dnf remove -y docker >&2
elif command -v yum >/dev/null 2>&1; then yum remove -y docker >&2
elif command -v apk >/dev/null 2>&1; then apk del docker >&2
elif command -v zypper >/dev/null 2>&1; then zypper --non-interactive remove docker >&2
fi
"""
