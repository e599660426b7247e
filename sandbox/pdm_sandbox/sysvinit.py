"""What an image whose PID 1 is sysvinit (sysvinit-core) needs to boot under systemd-nspawn; OpenRC
images are the same with Debian's `openrc` installed (it replaces sysv-rc) and boot `openrc-init` as
PID 1, which runs the same rc scripts (sysinit, boot and default runlevels) without /etc/inittab.

- nspawn mounts /sys, /run and the cgroup controllers itself; Debian's `mountkernfs.sh` would mount a
  fresh sysfs over /sys and hide those cgroups, so the image's copy only makes /run/lock.
- Debian's /etc/init.d/docker mounts every cgroup controller itself unless /etc/fstab names cgroups
  (it then leaves them to the system); a `noauto` line says so, and nothing mounts it.
- The controllers nspawn mounts are read-only: an rcS script remounts them read-write before docker.
- No gettys: a container has no ttys for them (they would respawn forever).
- nspawn must give PID 1 SIGINT to stop it (sysvinit ignores systemd's SIGRTMIN+3), and run /sbin/init
  itself: trixie's minimal system has the systemd binary too, which `nspawn -b` would prefer.
- This machine's root cannot raise resource limits (no CAP_SYS_RESOURCE), so the `ulimit` lines of the
  image's /etc/init.d/docker (run under `set -e`) fall back to what they get: `|| true`. On a real host
  the script is Debian's, unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import SandboxError
from .paths import recipe_digest
from .shell import run, write_file

PACKAGES = (
    "sysvinit-core",
    "openssh-server",
    "iproute2",
    "ca-certificates",
    "sudo",
    "iputils-ping",
    "procps",
)
OPENRC_PACKAGES = ("openrc",)
"""Installed over the sysvinit base (debootstrap cannot: it unpacks sysv-rc, which openrc conflicts with)."""
NSPAWN_OPTIONS = ("--kill-signal=SIGINT",)
DOCKER_INIT_PATCH = "ulimit lines of /etc/init.d/docker: || true"

MOUNTKERNFS = """#!/bin/sh
### BEGIN INIT INFO
# Provides:          mountkernfs
# Required-Start:
# Required-Stop:
# Default-Start:     S
# Default-Stop:
# Short-Description: Test host: systemd-nspawn mounted /proc, /sys, /run and cgroups already.
### END INIT INFO
[ "$1" = start ] && mkdir -p /run/lock && chmod 1777 /run/lock
exit 0
"""
CGROUP_RW = """#!/bin/sh
### BEGIN INIT INFO
# Provides:          pdm-cgroup-rw
# Required-Start:    mountkernfs
# Required-Stop:
# X-Start-Before:    docker
# Default-Start:     S
# Default-Stop:
# Short-Description: Make the cgroup v1 controllers writable for container engines.
### END INIT INFO
[ "$1" = start ] || exit 0
awk '$3 == "cgroup" { print $2 }' /proc/self/mounts | while read -r point; do
    mount -o remount,rw "$point" 2>/dev/null || mount -o remount,bind,rw "$point"
done
exit 0
"""
FSTAB_LINE = "tmpfs /sys/fs/cgroup tmpfs noauto 0 0\n"


def recipe_lines() -> list[str]:
    """The recipe lines of what `prepare` does (part of the image's cache key)."""
    return [
        f"file /etc/init.d/mountkernfs.sh {recipe_digest(MOUNTKERNFS)}",
        f"file /etc/init.d/pdm-cgroup-rw {recipe_digest(CGROUP_RW)} update-rc.d defaults",
        f"fstab {FSTAB_LINE.strip()}",
        "inittab: no gettys",
    ]


def patch_docker_init(root: Path) -> None:
    """Make the `ulimit` lines of the installed /etc/init.d/docker non-fatal (see the module's docstring)."""
    script = root / "etc/init.d/docker"
    text, count = re.subn(r"(?m)^(\s*ulimit -[a-z] \S+)$", r"\1 || true", script.read_text())
    if count == 0:
        raise SandboxError("no ulimit line found in /etc/init.d/docker; the image recipe needs a look")
    write_file(script, text, 0o755)


def prepare(root: Path) -> None:
    """Make the debootstrapped `root` boot under nspawn (see the module's docstring)."""
    write_file(root / "etc/init.d/mountkernfs.sh", MOUNTKERNFS, 0o755)
    write_file(root / "etc/init.d/pdm-cgroup-rw", CGROUP_RW, 0o755)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    run(["chroot", str(root), "update-rc.d", "pdm-cgroup-rw", "defaults"], env=env)
    fstab = root / "etc/fstab"
    text = fstab.read_text() if fstab.exists() else ""
    write_file(fstab, text + FSTAB_LINE)
    inittab = root / "etc/inittab"
    write_file(inittab, re.sub(r"(?m)^([1-6]:)", r"#\1", inittab.read_text()))
