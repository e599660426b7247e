"""The host-side transaction: a bundle of files and an agent that applies it on the host by itself (pure).

The provider uploads one bundle (the new files, a manifest and the agent script) and starts the agent
detached from the SSH session (a transient systemd unit, else `setsid`). The agent holds the host's
lock, stages every file beside its target, swaps them in, restarts the daemon, checks it locally, and
then waits for the provider to confirm after its client-side TLS check ("commit confirmed"). Without
a confirmation before the deadline (connection lost, `pulumi` killed, TLS check failed), or when the
provider aborts, the agent restores the previous files and restarts the daemon on them. A host that
restarts mid-transaction is rolled back at boot by the recovery hook (`recover.sh`) before docker
starts. Every transaction leaves a status record in `last-status`.

This module only writes text: scripts, manifests and the status format.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from . import paths

EXIT_BUSY = 75
"""Another change holds the host's lock."""

FINAL_STATES = frozenset({"confirmed", "rolled-back", "failed", "refused"})
"""States after which the agent has finished (and released the lock)."""

Action = Literal["write", "delete", "dir", "rmdir"]


@dataclass(frozen=True)
class Entry:
    """One step of a transaction: write or delete a file, make sure a directory exists, or remove an
    empty one.

    A write takes its bytes from `content` (uploaded with the bundle) or from `source`, a file
    already on the host (the recorded original, restored byte for byte).
    """

    action: Action
    path: str
    mode: int = 0o644
    content: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Transaction:
    """What the agent does, from start to confirmation."""

    id: str
    entries: tuple[Entry, ...]
    restart: bool
    validate: bool
    """Run `dockerd --validate` on the new daemon.json before anything changes."""
    confirm_timeout: int
    """Seconds to wait for the provider's confirmation; 0: confirmed once the daemon is up (destroy)."""
    socket: str
    """The local socket that must answer after the restart ('' when not kept)."""
    tls_port: int | None
    """The port that must be listening after the restart (None when TLS is not served)."""
    owner: str
    """Who holds the lock, for the message another run sees."""

    @property
    def dir(self) -> str:
        return f"{paths.TXN_DIR}/{self.id}"

    @property
    def unit(self) -> str:
        return f"pdm-txn-{self.id}"


@dataclass(frozen=True)
class Status:
    """A transaction's status record on the host."""

    id: str
    state: str
    started: int = 0
    updated: int = 0
    deadline: int = 0
    reason: str = ""

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def parse_status(text: str) -> Status | None:
    """Parse a status record (`key=value` lines; a later line wins). None when there is none."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    if "state" not in fields:
        return None

    def number(key: str) -> int:
        value = fields.get(key, "")
        return int(value) if value.isdigit() else 0

    return Status(
        id=fields.get("id", ""),
        state=fields["state"],
        started=number("started"),
        updated=number("updated"),
        deadline=number("deadline"),
        reason=fields.get("reason", ""),
    )


def _q(value: str) -> str:
    return shlex.quote(value)


def sha256(text: str) -> str:
    """Hex SHA-256 of a file's content, as `sha256sum` prints it (drift baseline, bundle check)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Init-system adapters: reload unit files, restart docker, tell active/failed, show its log.
# Nothing the agent starts may inherit the lock (fd 9): `9>&-` on what can outlive it.
# Our restarts are deliberate: reset-failed keeps them from tripping the unit's StartLimitBurst.
# pdm_restart: a daemon that ran with `-H unix://...` deletes the socket file docker.socket listens
# on, leaving socket activation (`-H fd://`) dead until docker.socket restarts; restarting it while
# docker still runs fails ("already active"), so stop docker first.
_SYSTEMD = r"""
pdm_reload() { systemctl daemon-reload; }
pdm_restart() {
  RESTARTED_AT=$(now) RESTART_STEP=
  systemctl stop docker || { RESTART_STEP="systemctl stop docker"; return 1; }
  if systemctl cat docker.socket >/dev/null 2>&1 && [ ! -S /run/docker.sock ]; then
    systemctl restart docker.socket || { RESTART_STEP="systemctl restart docker.socket"; return 1; }
  fi
  systemctl reset-failed docker 2>/dev/null
  # A failed start is not final: the unit's Restart= may bring dockerd up (a transient failure on a
  # loaded host); pdm_wait waits for active, or for systemd giving up (is-failed).
  systemctl start docker || RESTART_STEP="systemctl start docker"
  return 0
} 9>&-
pdm_active() { systemctl is-active -q docker; }
pdm_failed() { systemctl is-failed -q docker; }
pdm_log() {
  # systemd's verdict, then dockerd's own last lines since the restart (systemd's restart cycles can
  # push them out of the unit's tail), without their timestamps: the status keeps 1500 characters.
  unit=$(systemctl show docker -p ActiveState -p SubState -p Result 2>/dev/null | tr '\n' ' ')
  since=${RESTARTED_AT:+--since=@$RESTARTED_AT}
  said=$(journalctl _SYSTEMD_UNIT=docker.service _COMM=dockerd $since --no-pager -o cat 2>/dev/null |
    grep -v '^$' | sed 's/^time="[^"]*" //' | tail -n 6)
  [ -n "$said" ] ||
    said=$(journalctl -u docker $since --no-pager -o cat 2>/dev/null | grep -v '^$' | tail -n 6)
  printf '%s[%s] %s\n' "${RESTART_STEP:+$RESTART_STEP failed; }" "${unit% }" "$said"
}
"""


def _init_script_adapter(run: str, failed: str) -> str:
    """Restart, status and log through `run ACTION` (an init script, or OpenRC's `rc-service docker`);
    `failed`: the status codes (a `case` pattern) that mean dead rather than stopped.

    sysvinit: Debian's /etc/init.d/docker (start-stop-daemon, LSB status codes: 0 running, 1 dead with its
    pidfile left, 3 stopped); its `restart` of a stopped daemon returns 1 without starting it, so stop (no
    error when already stopped), then start. OpenRC runs the same LSB script, or a native openrc-run script
    (32: crashed), whose `start` does nothing while a crashed service still counts as started: stop first
    there too. dockerd's output is appended to /var/log/docker.log either way (its last lines, without
    timestamps: the status keeps 1500 characters).
    """
    return f"""
pdm_reload() {{ :; }}
pdm_restart() {{
  {run} stop >/dev/null 2>&1
  {run} start >/dev/null 2>&1
}} 9>&-
pdm_active() {{ {run} status >/dev/null 2>&1; }}
pdm_failed() {{ {run} status >/dev/null 2>&1; case $? in {failed}) return 0 ;; esac; return 1; }}
pdm_log() {{
  tail -n 200 /var/log/docker.log 2>/dev/null | grep -v '^$' | sed 's/^time="[^"]*" //' | tail -n 5
}}
"""


_SYSVINIT = _init_script_adapter("/etc/init.d/docker", "1")
_OPENRC = _init_script_adapter("rc-service docker", "1|32")

# Waiting: active, answering on $WAIT_SOCKET and listening on $WAIT_PORT (each when set).
_WAIT = r"""
pdm_listening() {
  hex=$(printf ':%04X' "$1")
  awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
pdm_wait() {
  i=0
  while [ $i -lt 60 ]; do
    if pdm_active &&
       { [ -z "${WAIT_SOCKET:-}" ] || timeout 5 docker -H "$WAIT_SOCKET" version >/dev/null 2>&1; } &&
       { [ -z "${WAIT_PORT:-}" ] || pdm_listening "$WAIT_PORT"; }; then
      return 0
    fi
    if pdm_failed; then return 1; fi
    i=$((i+1)); sleep 0.5
  done
  return 1
}
"""

# The agent: `agent.sh run` applies, `agent.sh recover boot|now` rolls back an interrupted run.
# Variables set before this body: D T ID RESTART VALIDATE_FILE CONFIRM_TIMEOUT SOCKET PORT OWNER.
_AGENT = r"""
now() { date +%s; }
key() { printf '%s' "$1" | tr / _; }
STARTED=${STARTED:-$(now)}
DEADLINE=${DEADLINE:-}
st() {
  reason=$(printf '%s' "$2" | tr '\n' ' ' | cut -c1-1500)
  printf 'id=%s\nstate=%s\nstarted=%s\nupdated=%s\ndeadline=%s\nreason=%s\n' \
    "$ID" "$1" "$STARTED" "$(now)" "$DEADLINE" "$reason" > "$T/status.tmp" &&
    mv -f "$T/status.tmp" "$T/status"
}
finish() {
  cp -f "$T/status" "$D/last-status.tmp" && mv -f "$D/last-status.tmp" "$D/last-status"
  rm -f "$D/lock.owner"
  rm -rf "$T"
  exit "$1"
}
stage() {
  while read -r action src dest mode; do
    if [ "$action" = dir ] && [ ! -d "$dest" ]; then
      mkdir -p "$dest" && echo "$dest" >> "$T/created-dirs" || { FAILED="could not create $dest"; return 1; }
    fi
  done < "$T/manifest"
  while read -r action src dest mode; do
    case $action in dir|rmdir|"") continue ;; esac
    k=$T/prev/$(key "$dest")
    if [ -e "$dest" ] || [ -L "$dest" ]; then
      cp -a "$dest" "$k" || { FAILED="could not keep a copy of $dest"; return 1; }
    else
      : > "$k.absent" || { FAILED="could not record that $dest is absent"; return 1; }
    fi
    if [ "$action" = write ]; then
      { cp "$src" "$dest.pdm-new" && cmp -s "$src" "$dest.pdm-new" && chmod "$mode" "$dest.pdm-new" &&
        chown 0:0 "$dest.pdm-new"; } || { FAILED="could not write $dest"; return 1; }
    fi
  done < "$T/manifest"
}
undirs() {
  if [ -f "$T/created-dirs" ]; then
    sort -r "$T/created-dirs" | while read -r d; do rmdir "$d" 2>/dev/null; done
  fi
  return 0
}
unstage() {
  while read -r action src dest mode; do rm -f "$dest.pdm-new" "$dest.pdm-rb"; done < "$T/manifest"
  undirs
}
swap() {
  while read -r action src dest mode; do
    case $action in
      write) mv -f "$dest.pdm-new" "$dest" ;;
      delete) rm -f "$dest" ;;
      rmdir) rmdir "$dest" 2>/dev/null ;;
    esac
  done < "$T/manifest"
}
restore() {
  while read -r action src dest mode; do
    if [ "$action" = rmdir ] && [ ! -d "$dest" ]; then mkdir -p "$dest"; fi
  done < "$T/manifest"
  while read -r action src dest mode; do
    case $action in dir|rmdir|"") continue ;; esac
    k=$T/prev/$(key "$dest")
    if [ -e "$k" ] || [ -L "$k" ]; then
      rm -f "$dest.pdm-rb"
      if ! { cp -a "$k" "$dest.pdm-rb" && mv -f "$dest.pdm-rb" "$dest"; }; then
        rm -f "$dest.pdm-rb" "$dest"; cp -a "$k" "$dest"
      fi
    elif [ -e "$k.absent" ]; then
      rm -f "$dest"
    fi
    rm -f "$dest.pdm-new"
  done < "$T/manifest"
  undirs
}
rollback() {
  st rolling-back "$1"
  restore
  pdm_reload
  if [ "$RESTART" = 1 ]; then
    WAIT_SOCKET= WAIT_PORT=
    if ! { pdm_restart && pdm_wait; }; then
      st rolled-back "$1; the daemon did not come back on the previous files either: $(pdm_log)"
      finish "$2"
    fi
  fi
  st rolled-back "$1"
  finish "$2"
}
run() {
  exec 9>>"$D/lock"
  if ! flock -n 9; then
    st refused "another change holds the host's lock: $(cat "$D/lock.owner" 2>/dev/null || echo unknown)"
    exit 75
  fi
  printf '%s\n' "$OWNER" > "$D/lock.owner"
  st started ""
  if [ -n "$VALIDATE_FILE" ]; then
    if ! out=$(dockerd --validate --config-file "$VALIDATE_FILE" 2>&1); then
      st failed "dockerd --validate refused the new daemon.json, nothing was changed: $out"
      finish 10
    fi
  fi
  if ! stage; then
    unstage
    st failed "${FAILED:-could not stage the new files} (is the disk full?); nothing was changed"
    finish 12
  fi
  st swapped ""
  swap
  if [ "$RESTART" = 1 ]; then
    pdm_reload
    WAIT_SOCKET=$SOCKET WAIT_PORT=$PORT
    if ! { pdm_restart && pdm_wait; }; then
      rollback "docker did not start with the new configuration; previous files restored.\
 dockerd said: $(pdm_log)" 11
    fi
  fi
  if [ "$CONFIRM_TIMEOUT" -gt 0 ]; then
    DEADLINE=$(( $(now) + CONFIRM_TIMEOUT ))
    st waiting ""
    while [ "$(now)" -lt "$DEADLINE" ]; do
      if [ -e "$T/confirm" ]; then st confirmed ""; finish 0; fi
      if [ -e "$T/abort" ]; then rollback "$(head -c 1500 "$T/abort")" 13; fi
      sleep 0.2 9>&-
    done
    rollback "not confirmed within ${CONFIRM_TIMEOUT}s (the client-side TLS check never confirmed it:\
 connection lost, pulumi stopped or the check failed); previous files restored" 14
  fi
  st confirmed ""
  finish 0
}
recover() {
  exec 9>>"$D/lock"
  flock -n 9 || exit 0
  STARTED=$(sed -n 's/^started=//p' "$T/status" 2>/dev/null)
  STARTED=${STARTED:-$(now)}
  state=$(sed -n 's/^state=//p' "$T/status" 2>/dev/null)
  case $state in
    confirmed|rolled-back|failed|refused) finish 0 ;;
    swapped|waiting|rolling-back)
      restore
      pdm_reload
      if [ "$1" = now ] && [ "$RESTART" = 1 ]; then WAIT_SOCKET= WAIT_PORT=; pdm_restart && pdm_wait; fi
      st rolled-back "interrupted before it was confirmed (the host restarted or the transaction agent\
 was stopped); previous files restored"
      finish 0 ;;
    *)
      unstage
      st failed "interrupted before anything changed (the host restarted or the transaction agent\
 was stopped)"
      finish 0 ;;
  esac
}
case ${1:-} in
  run) run ;;
  recover) recover "${2:-now}" ;;
  *) echo "usage: agent.sh run | recover boot|now" >&2; exit 2 ;;
esac
"""


_ADAPTERS = {"systemd": _SYSTEMD, "sysvinit": _SYSVINIT, "openrc": _OPENRC}

SUPPORTED_INITS = tuple(_ADAPTERS)
"""Init systems the agent can restart docker through (the probe reports one of them)."""


def _init_functions(init_system: str) -> str:
    if init_system not in _ADAPTERS:
        raise ValueError(f"no transaction support for init system {init_system!r}")
    return _ADAPTERS[init_system] + _WAIT


def manifest(txn: Transaction) -> str:
    """One line per entry: `ACTION SOURCE DEST MODE` (the paths are ours: no spaces)."""
    lines = []
    for index, entry in enumerate(txn.entries):
        if entry.action == "write":
            source = entry.source or f"{txn.dir}/new/{index}"
            lines.append(f"write {source} {entry.path} {entry.mode:o}")
        else:
            lines.append(f"{entry.action} - {entry.path} -")
    return "\n".join(lines) + "\n"


def validation_json(txn: Transaction) -> str | None:
    """The new daemon.json as `dockerd --validate` must see it before the swap, or None (nothing to
    validate): every setting that names a file this transaction writes (the TLS certificates and key)
    points at that file's new content in the bundle, since the target may not exist yet."""
    new_json = [e for e in txn.entries if e.path == paths.DAEMON_JSON and e.content]
    if not new_json or not txn.validate or new_json[0].content is None:
        return None
    staged = {e.path: f"{txn.dir}/new/{i}" for i, e in enumerate(txn.entries) if e.content is not None}
    settings = json.loads(new_json[0].content)
    for key, value in settings.items():
        if isinstance(value, str) and value in staged:
            settings[key] = staged[value]
    return json.dumps(settings, indent=2, sort_keys=True) + "\n"


def agent_script(txn: Transaction, init_system: str) -> str:
    """The agent that runs the transaction on the host (stored in the bundle)."""
    validate = f"{txn.dir}/validate.json" if validation_json(txn) is not None else ""
    header = [
        "#!/bin/sh",
        f"# pulumi-docker-machine transaction {txn.id}: see `cat {txn.dir}/status`",
        "set -u",
        "umask 077",
        f"D={_q(paths.STATE_DIR)}",
        f"T={_q(txn.dir)}",
        f"ID={_q(txn.id)}",
        f"RESTART={1 if txn.restart else 0}",
        f"VALIDATE_FILE={_q(validate)}",
        f"CONFIRM_TIMEOUT={int(txn.confirm_timeout)}",
        f"SOCKET={_q(txn.socket)}",
        f"PORT={_q(str(txn.tls_port) if txn.tls_port else '')}",
        f"OWNER={_q(txn.owner)}",
    ]
    return "\n".join(header) + "\n" + _init_functions(init_system) + _AGENT


def begin_script(txn: Transaction, init_system: str) -> str:
    """Upload the bundle into the transaction's directory and start its agent detached.

    Refuses at once (exit EXIT_BUSY) when another change holds the host's lock. A failed upload
    (a full disk) removes what it wrote; nothing outside our state directory changes here.
    """
    tmp = txn.dir + ".tmp"
    files: dict[str, str] = {
        f"new/{i}": e.content for i, e in enumerate(txn.entries) if e.content is not None
    }
    files["manifest"] = manifest(txn)
    checked = validation_json(txn)
    if checked is not None:
        files["validate.json"] = checked
    files["agent.sh"] = agent_script(txn, init_system)
    lines = [
        "set -u",
        "umask 077",
        f"D={_q(paths.STATE_DIR)}",
        f'mkdir -p {_q(paths.TXN_DIR)} && chmod 700 "$D" || exit 30',
        'if [ -e "$D/lock" ] && ! flock -n "$D/lock" true; then',
        '  owner=$(cat "$D/lock.owner" 2>/dev/null || echo unknown)',
        '  echo "another change holds the host\'s lock: $owner" >&2',
        f"  exit {EXIT_BUSY}",
        "fi",
        f'fail() {{ rm -rf {_q(tmp)}; echo "$1" >&2; exit 31; }}',
        f"rm -rf {_q(tmp)} && mkdir -p {_q(tmp)}/new {_q(tmp)}/prev || fail 'could not create {tmp}'",
    ]
    sums = []
    for name, content in sorted(files.items()):
        target = f"{tmp}/{name}"
        lines.append(
            f"printf %s {_q(_b64(content))} | base64 -d > {_q(target)}"
            f" || fail {_q(f'could not write {target} (is the disk full?)')}"
        )
        sums.append(f"{sha256(content)}  {target}")
    lines.append(
        f"printf '%s\\n' {' '.join(_q(s) for s in sums)} | sha256sum -c --quiet >/dev/null 2>&1"
        f" || fail {_q(f'the bundle in {tmp} was not written whole (is the disk full?)')}"
    )
    lines.append(f"mv {_q(tmp)} {_q(txn.dir)} || fail 'could not move the bundle in place'")
    agent = f"{txn.dir}/agent.sh"
    lines += [
        "if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then",
        f"  systemd-run --unit={_q(txn.unit)} --description='pulumi-docker-machine transaction'"
        f" --collect --quiet /bin/sh {_q(agent)} run >/dev/null"
        f" || {{ rm -rf {_q(txn.dir)}; echo 'could not start the transaction agent' >&2; exit 32; }}",
        "else",
        f"  setsid /bin/sh {_q(agent)} run </dev/null >/dev/null 2>&1 &",
        "fi",
        "echo started",
    ]
    return "\n".join(lines) + "\n"


def wait_script(txn_id: str, states: Iterable[str], timeout: float) -> str:
    """Print the status once the transaction reaches one of `states` or a final state.

    After `timeout` seconds prints the status so far followed by `state=timeout`; when the
    transaction vanished without a status of its own, `state=lost`.
    """
    wanted = " ".join(sorted({*states, *FINAL_STATES}))
    tdir = f"{paths.TXN_DIR}/{txn_id}"
    rounds = max(1, int(timeout * 10))
    final = " ".join(sorted(FINAL_STATES))
    return f"""set -u
T={_q(tdir)}; L={_q(paths.LAST_STATUS)}; K={_q(paths.LOCK)}; n=0
# A final state counts once the agent has exited too (its lock is free), so the next run finds
# the host idle. The status is read once: an agent that exits removes its directory first.
idle() {{ [ ! -e "$K" ] || flock -n "$K" true; }}
while :; do
  if [ -f "$T/status" ]; then
    c=$(cat "$T/status" 2>/dev/null); s=$(printf '%s\n' "$c" | sed -n 's/^state=//p')
    case " {final} " in *" $s "*) if idle; then printf '%s\n' "$c"; exit 0; fi ;;
    *) case " {wanted} " in *" $s "*) printf '%s\n' "$c"; exit 0 ;; esac ;; esac
  elif [ -f "$L" ] && grep -qx {_q("id=" + txn_id)} "$L"; then
    if idle; then cat "$L"; exit 0; fi
  elif [ ! -d "$T" ]; then
    echo state=lost
    last=$(tr '\n' ' ' < "$L" 2>/dev/null | cut -c1-400)
    log=$(journalctl -u {_q("pdm-txn-" + txn_id)} -n 8 --no-pager -o cat 2>/dev/null |
      tr '\n' ' ' | cut -c1-800)
    echo "reason=its directory is gone; last status: ${{last:-none}}; its unit said: ${{log:-nothing}}"
    exit 0
  fi
  n=$((n+1))
  if [ $n -ge {rounds} ]; then cat "$T/status" 2>/dev/null; echo state=timeout; exit 0; fi
  sleep 0.1
done
"""


def signal_script(txn_id: str, confirm: bool, reason: str = "") -> str:
    """Confirm a waiting transaction, or abort it with `reason` (it rolls back at once)."""
    tdir = f"{paths.TXN_DIR}/{txn_id}"
    if confirm:
        action = f": > {_q(tdir + '/confirm')}"
    else:
        action = (
            f"printf %s {_q(_b64(reason))} | base64 -d > {_q(tdir + '/abort.tmp')}"
            f" && mv -f {_q(tdir + '/abort.tmp')} {_q(tdir + '/abort')}"
        )
    return f"if [ -d {_q(tdir)} ]; then {action}; fi\n"


RECOVER_SCRIPT = f"""#!/bin/sh
# pulumi-docker-machine: roll back a change that was never confirmed (run at boot, before docker).
rm -rf {paths.TXN_DIR}/*.tmp
for a in {paths.TXN_DIR}/*/agent.sh; do
  [ -f "$a" ] && /bin/sh "$a" recover "${{1:-now}}"
done
exit 0
"""

RECOVER_UNIT = f"""[Unit]
Description=pulumi-docker-machine: roll back an unconfirmed Docker configuration change
DefaultDependencies=no
After=local-fs.target
Before=docker.service docker.socket
ConditionDirectoryNotEmpty={paths.TXN_DIR}

[Service]
Type=oneshot
ExecStart=/bin/sh {paths.RECOVER_SCRIPT} boot

[Install]
WantedBy=multi-user.target
"""


# sysvinit and OpenRC: an LSB init script ordered before docker; `update-rc.d` enables it (insserv reads
# the header; on Debian's OpenRC it runs `rc-update add` to the default runlevel, and OpenRC turns
# X-Start-Before into `before docker`).
RECOVER_INIT_SCRIPT = f"""#!/bin/sh
### BEGIN INIT INFO
# Provides:          pulumi-docker-machine-recover
# Required-Start:    $local_fs
# Required-Stop:
# X-Start-Before:    docker
# Default-Start:     2 3 4 5
# Default-Stop:
# Short-Description: pulumi-docker-machine: roll back an unconfirmed Docker configuration change
### END INIT INFO
case "$1" in
  start) [ -f {paths.RECOVER_SCRIPT} ] && /bin/sh {paths.RECOVER_SCRIPT} boot ;;
esac
exit 0
"""


def _recovery_hook(init_system: str) -> list[str]:
    """Lines that install the boot-time recovery hook for `init_system`."""
    if init_system == "systemd":
        return [
            "umask 022",
            f"mkdir -p {_q(paths.RECOVER_LINK.rsplit('/', 1)[0])}",
            f"printf %s {_q(_b64(RECOVER_UNIT))} | base64 -d > {_q(paths.RECOVER_UNIT + '.tmp')}"
            f" && mv -f {_q(paths.RECOVER_UNIT + '.tmp')} {_q(paths.RECOVER_UNIT)} || exit 33",
            f"ln -sf {_q(paths.RECOVER_UNIT)} {_q(paths.RECOVER_LINK)} || exit 33",
        ]
    if init_system in ("sysvinit", "openrc"):
        name = paths.RECOVER_INIT.rsplit("/", 1)[1]
        return [
            "umask 022",
            f"printf %s {_q(_b64(RECOVER_INIT_SCRIPT))} | base64 -d > {_q(paths.RECOVER_INIT + '.tmp')}"
            f" && chmod 755 {_q(paths.RECOVER_INIT + '.tmp')}"
            f" && mv -f {_q(paths.RECOVER_INIT + '.tmp')} {_q(paths.RECOVER_INIT)} || exit 33",
            f"update-rc.d {name} defaults >/dev/null 2>&1 || exit 33",
        ]
    return []


KEPT_DIR = "kept"
"""Beside the recorded daemon.json: copies of the TLS files the host had before us."""


def kept_name(path: str) -> str:
    """The name of the kept copy of `path`: a TLS file's own name, `dropin-NAME` for a drop-in."""
    folder, _, name = path.rpartition("/")
    return f"dropin-{name}" if folder == paths.DROPIN_DIR else name


def kept_path(name: str) -> str | None:
    """The host path a kept copy's name stands for (None: not one we keep)."""
    if name.startswith("dropin-"):
        return f"{paths.DROPIN_DIR}/{name.removeprefix('dropin-')}"
    return next((p for p in paths.TLS_FILES if p.rsplit("/", 1)[1] == name), None)


def kept_copy(path: str) -> str:
    """Where the recorded copy of the host's own `path` (a TLS file or a taken-over drop-in) is kept."""
    return f"{paths.ORIGINAL_DIR}/{KEPT_DIR}/{kept_name(path)}"


@dataclass(frozen=True)
class OriginalSource:
    """Where the recorded original daemon.json comes from: the host's file as it is, or given content."""

    from_host: bool
    content: str | None = None
    """With `from_host=False`: the original daemon.json (None: there was none)."""
    why: str = "host"
    dropins: tuple[str, ...] = ()
    """Drop-ins (file names in docker.service.d) to keep beside the original: the ones taken over."""


def setup_script(original: OriginalSource | None, init_system: str, owner: str = "") -> str:
    """First touch of a host: record its original once (never overwritten), which stack manages it
    (`owner`, when given; replaced whole) and install the recovery hook.

    The record is made in `original.new` and renamed into place whole, so a cut-off run leaves
    either no record or a complete one. It runs before Docker is installed, so `docker=absent`
    means we installed it.
    """
    new = paths.ORIGINAL_DIR + ".new"
    lines = [
        "set -u",
        "umask 077",
        f"D={_q(paths.STATE_DIR)}",
        'mkdir -p "$D" && chmod 700 "$D" || exit 30',
        f'fail() {{ rm -rf {_q(new)}; echo "$1" >&2; exit 31; }}',
        f"rm -rf {_q(paths.TXN_DIR)}/*.tmp 2>/dev/null",
    ]
    if original is not None:
        lines += [
            f"if [ ! -f {_q(paths.ORIGINAL_DIR + '/record')} ]; then",
            f"  rm -rf {_q(new)} && mkdir {_q(new)} || fail 'could not create {new}'",
            "  { if command -v dockerd >/dev/null 2>&1; then echo docker=present;",
            "    else echo docker=absent; fi",
            f"    if [ -d {_q(paths.DROPIN_DIR)} ]; then echo dropin_dir=present;",
            "    else echo dropin_dir=absent; fi",
            "    echo recorded=$(date +%s)",
            f"    echo source={original.why}; }} > {_q(new + '/record.tmp')}",
            "  [ -f " + _q(new + "/record.tmp") + " ] || fail 'could not write the record'",
        ]
        copy = f"{new}/daemon.json"
        if original.from_host:
            lines.append(
                f"  if [ -f {_q(paths.DAEMON_JSON)} ]; then cp -a {_q(paths.DAEMON_JSON)} {_q(copy)}"
                " || fail 'could not copy daemon.json'; fi"
            )
            # TLS files the host had of its own (e.g. Docker Machine's) and the drop-ins taken over: kept, to
            # be put back at destroy.
            lines.append(f"  mkdir {_q(new + '/' + KEPT_DIR)} || fail 'could not create the kept folder'")
            for path in (*paths.TLS_FILES, *(f"{paths.DROPIN_DIR}/{d}" for d in original.dropins)):
                name = kept_name(path)
                kept = f"{new}/{KEPT_DIR}/{name}"
                lines.append(
                    f"  if [ -f {_q(path)} ]; then {{ cp -a {_q(path)} {_q(kept)} &&"
                    f' echo "kept=$(stat -c %a {_q(path)}) {name}" >> {_q(new + "/record.tmp")}; }}'
                    f" || fail {_q(f'could not keep {path}')}; fi"
                )
        elif original.content is not None:
            lines.append(
                f"  {{ printf %s {_q(_b64(original.content))} | base64 -d > {_q(copy)}"
                f" && chmod 644 {_q(copy)}; }} || fail 'could not write daemon.json'"
            )
        lines += [
            f"  mv {_q(new + '/record.tmp')} {_q(new + '/record')} && mv {_q(new)} {_q(paths.ORIGINAL_DIR)}"
            " || fail 'could not put the record in place'",
            "fi",
        ]
    if owner:
        lines.append(
            f"printf '%s\\n' {_q(owner)} > {_q(paths.OWNER + '.tmp')}"
            f" && mv -f {_q(paths.OWNER + '.tmp')} {_q(paths.OWNER)} || fail 'could not record the owner'"
        )
    if init_system in SUPPORTED_INITS:
        lines.append(
            f"printf %s {_q(_b64(RECOVER_SCRIPT))} | base64 -d > {_q(paths.RECOVER_SCRIPT)} || exit 33"
        )
        lines += _recovery_hook(init_system)
    lines.append("echo ready")
    return "\n".join(lines) + "\n"


def forget_script() -> str:
    """The last step of destroy: our recovery hook and state directory go, record last."""
    name = paths.RECOVER_INIT.rsplit("/", 1)[1]
    return (
        f"rm -f {_q(paths.RECOVER_LINK)} {_q(paths.RECOVER_UNIT)}\n"
        "if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi\n"
        f"if [ -f {_q(paths.RECOVER_INIT)} ]; then rm -f {_q(paths.RECOVER_INIT)};"
        f" update-rc.d {name} remove >/dev/null 2>&1; fi\n"
        f"rm -rf {_q(paths.TXN_DIR)} {_q(paths.LAST_STATUS)} {_q(paths.RECOVER_SCRIPT)}"
        f" {_q(paths.LOCK_OWNER)} {_q(paths.LOCK)} {_q(paths.OWNER)} {_q(paths.OWNER + '.tmp')}\n"
        f"rm -rf {_q(paths.ORIGINAL_DIR)}\n"
        f"rmdir {_q(paths.STATE_DIR)} 2>/dev/null || true\n"
    )


def file_entries(files: Mapping[str, tuple[str, int]]) -> tuple[Entry, ...]:
    """Write entries for `{path: (content, mode)}`, sorted by path."""
    return tuple(Entry("write", path, mode, content) for path, (content, mode) in sorted(files.items()))
