"""What a host looks like: the read-only probe script (one round trip) and its parser (pure)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from ..daemon import paths
from ..daemon.transaction import Status, kept_path, parse_status

_MARK = "@@pdm:"

# POSIX sh, run as root. Every section is printed even when empty, so the parser can
# rely on it; nothing here changes the host.
PROBE_SCRIPT = f"""
m() {{ printf '\\n{_MARK}%s\\n' "$1"; }}
m os-release; cat /etc/os-release 2>/dev/null
# OpenRC is running when it keeps its runlevel in /run/openrc (on Debian it is the rc system under
# sysvinit's /sbin/init; elsewhere openrc-init is PID 1); its tools alone (`rc-service`) do not say so.
if [ -d /run/systemd/system ]; then init=systemd
elif [ -f /run/openrc/softlevel ]; then init=openrc
else init=sysvinit; fi
m init; echo $init
m dockerd; command -v dockerd 2>/dev/null
if [ $init = openrc ]; then status() {{ rc-service docker status >/dev/null 2>&1; }}
else status() {{ /etc/init.d/docker status >/dev/null 2>&1; }}; fi
if [ $init = systemd ]; then
  m active; systemctl is-active docker 2>/dev/null || true
  m main-pid; systemctl show -p MainPID --value docker 2>/dev/null || true
  m unit
  frag=$(systemctl show -p FragmentPath --value docker 2>/dev/null); [ -n "$frag" ] && cat "$frag" 2>/dev/null
else
  m active
  # LSB: 0 running, 1 dead with its pidfile left, 3 stopped; OpenRC's own scripts: 32 crashed.
  if [ -x /etc/init.d/docker ]; then
    status
    case $? in 0) echo active ;; 1|32) echo failed ;; *) echo inactive ;; esac
  fi
  m main-pid; status && cat /var/run/docker.pid 2>/dev/null
  m unit
fi
m init-script-hosts; grep -lE -- '[[:space:]](-H|--host)([[:space:]=]|$)' /etc/init.d/docker 2>/dev/null
m init-defaults; grep -E '^[[:space:]]*(export[[:space:]]+)?DOCKER_OPTS=' {paths.INIT_DEFAULTS} 2>/dev/null
m foreign-exec-start
for f in {paths.DROPIN_DIR}/*.conf; do
  [ -f "$f" ] && [ "$f" != "{paths.DROPIN}" ] && grep -q '^ExecStart=' "$f" && echo "$f"
done
m sha256
for f in {" ".join(paths.MANAGED)}; do
  if [ -f "$f" ]; then sha256sum "$f"; else echo "- $f"; fi
done
m daemon-json; if [ -f {paths.DAEMON_JSON} ]; then base64 -w0 {paths.DAEMON_JSON}; echo; else echo absent; fi
m server-version
timeout 5 docker version --format '{{{{.Server.Version}}}}' 2>/dev/null || true
m storage
timeout 5 docker info --format '{{{{.Driver}}}} {{{{.Images}}}} {{{{.Containers}}}}' 2>/dev/null || true
m validate; dockerd --help 2>/dev/null | grep -q -- '--validate' && echo yes
m addresses; ip -o addr show scope global 2>/dev/null | awk '{{print $4}}'
m dropin-dir; [ -d {paths.DROPIN_DIR} ] && echo present
m original
if [ -f {paths.ORIGINAL_DIR}/record ]; then
  cat {paths.ORIGINAL_DIR}/record
  if [ -f {paths.ORIGINAL_DIR}/daemon.json ]; then
    echo "mode=$(stat -c %a {paths.ORIGINAL_DIR}/daemon.json)"
    echo "content=$(base64 -w0 {paths.ORIGINAL_DIR}/daemon.json)"
  fi
fi
m owner; cat {paths.OWNER} 2>/dev/null
m lock
if [ -e {paths.LOCK} ] && ! flock -n {paths.LOCK} true 2>/dev/null; then
  cat {paths.LOCK_OWNER} 2>/dev/null || echo unknown
fi
m txn; for s in {paths.TXN_DIR}/*/status; do [ -f "$s" ] && cat "$s"; done
m last; cat {paths.LAST_STATUS} 2>/dev/null
m recover-hook
{{ [ -f {paths.RECOVER_UNIT} ] || [ -f {paths.RECOVER_INIT} ]; }} && [ -f {paths.RECOVER_SCRIPT} ] &&
  echo present
m end
"""


@dataclass(frozen=True)
class Original:
    """What the host looked like before we first touched it, as recorded on the host."""

    daemon_json: str | None
    daemon_json_mode: int = 0o644
    had_docker: bool = True
    had_dropin_dir: bool = False
    recorded: int = 0
    source: str = "host"
    kept: tuple[tuple[str, int], ...] = ()
    """TLS files the host had of its own at first touch and drop-ins taken over, with their modes (copies
    in the record)."""


@dataclass(frozen=True)
class HostFacts:
    """What a host looks like now, as far as this package cares."""

    os_id: str = ""
    os_pretty: str = ""
    init_system: str = ""
    dockerd_path: str = ""
    active: str = ""
    main_pid: int = 0
    unit_text: str = ""
    init_script_hosts: bool = False
    """Without systemd: /etc/init.d/docker passes -H/--host to dockerd itself."""
    init_defaults_opts: str = ""
    """Without systemd: the DOCKER_OPTS line(s) of /etc/default/docker that the init script reads."""
    foreign_exec_start: tuple[str, ...] = ()
    sha256: dict[str, str] = field(default_factory=dict)
    daemon_json: str | None = None
    server_version: str = ""
    storage_driver: str = ""
    images: int = 0
    containers: int = 0
    can_validate: bool = False
    addresses: tuple[str, ...] = ()
    has_dropin_dir: bool = False
    original: Original | None = None
    owner: str | None = None
    """Which stack manages the host (`project/stack/resource`), or None when none is recorded."""
    lock_owner: str | None = None
    """Who holds the host's lock (a change in progress), or None."""
    txn: Status | None = None
    """A transaction whose directory is still on the host (in progress, or cut off)."""
    last: Status | None = None
    """The status of the last finished transaction."""
    recover_hook: bool = False

    @property
    def has_docker(self) -> bool:
        return bool(self.dockerd_path)


def parse(text: str) -> HostFacts:
    """Parse the probe script's output."""
    sections: dict[str, str] = {}
    current = None
    lines: list[str] = []
    for line in text.split("\n"):
        if line.startswith(_MARK):
            if current is not None:
                sections[current] = "\n".join(lines).strip("\n")
            current, lines = line[len(_MARK) :].strip(), []
        elif current is not None:
            lines.append(line)
    if "end" not in sections and current != "end":
        raise ValueError("probe output is truncated (no end marker)")
    osr = dict(line.split("=", 1) for line in sections.get("os-release", "").splitlines() if "=" in line)
    osr = {k: v.strip().strip('"') for k, v in osr.items()}
    sha: dict[str, str] = {}
    for line in sections.get("sha256", "").splitlines():
        digest, _, path = line.partition(" ")
        sha[path.strip()] = "" if digest == "-" else digest
    storage = sections.get("storage", "").split()
    pid = sections.get("main-pid", "").strip()
    return HostFacts(
        os_id=osr.get("ID", ""),
        os_pretty=osr.get("PRETTY_NAME", ""),
        init_system=sections.get("init", "").strip(),
        dockerd_path=sections.get("dockerd", "").strip(),
        active=sections.get("active", "").strip(),
        main_pid=int(pid) if pid.isdigit() else 0,
        unit_text=sections.get("unit", ""),
        init_script_hosts=bool(sections.get("init-script-hosts", "").strip()),
        init_defaults_opts=sections.get("init-defaults", "").strip(),
        foreign_exec_start=tuple(sections.get("foreign-exec-start", "").split()),
        sha256=sha,
        daemon_json=_decode_file(sections.get("daemon-json", "absent")),
        server_version=sections.get("server-version", "").strip(),
        storage_driver=storage[0] if storage else "",
        images=int(storage[1]) if len(storage) > 1 else 0,
        containers=int(storage[2]) if len(storage) > 2 else 0,
        can_validate=sections.get("validate", "").strip() == "yes",
        addresses=tuple(a.split("/")[0] for a in sections.get("addresses", "").split()),
        has_dropin_dir=sections.get("dropin-dir", "").strip() == "present",
        original=_parse_original(sections.get("original", "")),
        owner=sections.get("owner", "").strip() or None,
        lock_owner=sections.get("lock", "").strip() or None,
        txn=parse_status(sections.get("txn", "")),
        last=parse_status(sections.get("last", "")),
        recover_hook=sections.get("recover-hook", "").strip() == "present",
    )


def _parse_original(text: str) -> Original | None:
    pairs = [line.split("=", 1) for line in text.splitlines() if "=" in line]
    fields = dict(pair for pair in pairs if pair[0] != "kept")
    if not pairs:
        return None
    kept = []
    for key, value in pairs:
        mode, _, name = value.partition(" ")  # `kept=MODE NAME`, NAME as `kept_name` gives it
        path = kept_path(name) if key == "kept" and mode.isdigit() else None
        if path is not None:
            kept.append((path, int(mode, 8)))
    content = fields.get("content")
    mode = fields.get("mode", "644")
    recorded = fields.get("recorded", "0")
    return Original(
        daemon_json=base64.b64decode(content).decode() if content is not None else None,
        daemon_json_mode=int(mode, 8) if mode.isdigit() else 0o644,
        had_docker=fields.get("docker") != "absent",
        had_dropin_dir=fields.get("dropin_dir") == "present",
        recorded=int(recorded) if recorded.isdigit() else 0,
        source=fields.get("source", "host"),
        kept=tuple(kept),
    )


def _decode_file(section: str) -> str | None:
    text = section.strip()
    return None if text == "absent" else base64.b64decode(text).decode()
