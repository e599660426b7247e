"""Debian root file systems for test hosts, built once with debootstrap and cached by recipe hash.

One image per release (bullseye, bookworm, trixie) and variant: `base` (systemd + sshd, no Docker) and
`docker` (base plus that release's docker.io, installed from the release's local apt repository so both
variants see the same package versions). Each image lives in `<cache>/images/<variant>-<hash>/rootfs`
(bookworm, the default) or `<cache>/images/<variant>-<release>-<hash>/rootfs`; a build happens in a
temporary directory that is renamed into place only when complete, so an interrupted build never leaves
a half image. The Debian mirror is the one this machine's apt uses, never one named in the code.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import aptrepo, aptsources, sysvinit
from .errors import SandboxError
from .locks import file_lock
from .mounts import building, remove_tree
from .paths import images_dir, recipe_digest
from .shell import log, run, write_file

VARIANTS = ("docker", "base")
RELEASES = ("bookworm", "bullseye", "trixie")
DEFAULT_RELEASE = "bookworm"
INITS = ("systemd", "sysvinit", "openrc")
DEFAULT_INIT = "systemd"
RECIPE_VERSION = "1"
BASE_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "openssh-server",
    "dbus",
    "iproute2",
    "ca-certificates",
    "sudo",
    "iputils-ping",
)
# trixie split the client out of docker.io into docker-cli (a Recommends, which images do not install).
DOCKER_PACKAGES = {
    "bullseye": ("docker.io",),
    "bookworm": ("docker.io",),
    "trixie": ("docker.io", "docker-cli"),
}
MASKED_UNITS = ("apt-daily.timer", "apt-daily-upgrade.timer")

CGROUP_RW_SCRIPT = """#!/bin/sh
# systemd-nspawn mounts the cgroup v1 controllers read-only; dockerd must create cgroups in them.
set -e
awk '$3 == "cgroup" { print $2 }' /proc/self/mounts | while read -r point; do
    mount -o remount,rw "$point" 2>/dev/null || mount -o remount,bind,rw "$point"
done
"""
CGROUP_RW_UNIT = """[Unit]
Description=Make the cgroup v1 controllers writable for container engines
DefaultDependencies=no
ConditionVirtualization=container
ConditionPathIsDirectory=/sys/fs/cgroup/memory
Before=containerd.service docker.service sysinit.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/pdm-cgroup-rw

[Install]
WantedBy=sysinit.target
"""
_DOCKER_ENABLED = {
    "systemd": "etc/systemd/system/multi-user.target.wants/docker.service",
    "sysvinit": "etc/rc2.d/S*docker",
    "openrc": "etc/runlevels/default/docker",
}
POLICY_RC_D = "#!/bin/sh\n# Nothing starts while the image is built.\nexit 101\n"
SOURCES_PLACEHOLDER = (
    "# Test host: no mirror is reachable. The sandbox points base hosts at its local repository.\n"
)


@dataclass(frozen=True)
class Image:
    """A built image: its variant, cache directory and read-only root file system."""

    variant: str
    path: Path
    release: str = DEFAULT_RELEASE
    init: str = DEFAULT_INIT

    @property
    def rootfs(self) -> Path:
        return self.path / "rootfs"

    @property
    def build_info(self) -> dict[str, object]:
        """What `build.json` recorded: seconds, bytes, recipe hash, build time."""
        return dict(json.loads((self.path / "build.json").read_text()))


def base_recipe(release: str = DEFAULT_RELEASE, init: str = DEFAULT_INIT) -> str:
    """Everything that shapes the base image of `release` and `init`, as text: change any of it and it is
    rebuilt."""
    if init != "systemd":
        openrc = ["apt-get install " + " ".join(sysvinit.OPENRC_PACKAGES)] if init == "openrc" else []
        return "\n".join(
            [
                f"recipe {RECIPE_VERSION}",
                f"debootstrap --variant=minbase --include={','.join(sysvinit.PACKAGES)} {release}",
                *sysvinit.recipe_lines(),
                *openrc,
                "finalize: empty machine-id, no ssh host keys, no apt sources, empty resolv.conf, apt clean",
            ]
        )
    return "\n".join(
        [
            f"recipe {RECIPE_VERSION}",
            f"debootstrap --variant=minbase --include={','.join(BASE_PACKAGES)} {release}",
            f"file /usr/local/sbin/pdm-cgroup-rw {recipe_digest(CGROUP_RW_SCRIPT)}",
            f"file /etc/systemd/system/pdm-cgroup-rw.service {recipe_digest(CGROUP_RW_UNIT)} enabled",
            f"mask {' '.join(MASKED_UNITS)}",
            "finalize: empty machine-id, no ssh host keys, no apt sources, empty resolv.conf, apt clean",
        ]
    )


def docker_recipe(release: str = DEFAULT_RELEASE, init: str = DEFAULT_INIT) -> str:
    """The base recipe plus installing docker.io from the local repository with a blocking policy-rc.d."""
    return "\n".join(
        [
            base_recipe(release, init),
            f"aptrepo {aptrepo.repo_key(base_recipe(release, init), DOCKER_PACKAGES[release])}",
            f"apt-get install --no-install-recommends {' '.join(DOCKER_PACKAGES[release])}",
            f"with policy-rc.d {recipe_digest(POLICY_RC_D)}",
            *([f"patch {sysvinit.DOCKER_INIT_PATCH}"] if init != "systemd" else []),
            "finalize",
        ]
    )


def recipe(variant: str, release: str = DEFAULT_RELEASE, init: str = DEFAULT_INIT) -> str:
    """The recipe text of `variant` ('docker' or 'base') on `release` with `init` as PID 1."""
    if release not in RELEASES:
        raise SandboxError(f"unknown release {release!r}; expected one of {', '.join(RELEASES)}")
    if init not in INITS:
        raise SandboxError(f"unknown init {init!r}; expected one of {', '.join(INITS)}")
    if variant == "base":
        return base_recipe(release, init)
    if variant == "docker":
        return docker_recipe(release, init)
    raise SandboxError(f"unknown image variant {variant!r}; expected one of {', '.join(VARIANTS)}")


def image_path(
    variant: str, cache: Path | None = None, release: str = DEFAULT_RELEASE, init: str = DEFAULT_INIT
) -> Path:
    """`<cache>/images/<variant>-<hash of recipe>` for bookworm with systemd, else with the release and
    the init system (other than systemd) in the name: `<variant>-<release>[-<init>]-<hash>`."""
    label = variant if (release, init) == (DEFAULT_RELEASE, DEFAULT_INIT) else f"{variant}-{release}"
    label += "" if init == DEFAULT_INIT else f"-{init}"
    return images_dir(cache) / f"{label}-{recipe_digest(recipe(variant, release, init))}"


def ensure_image(
    variant: str, cache: Path | None = None, release: str = DEFAULT_RELEASE, init: str = DEFAULT_INIT
) -> Image:
    """Return the cached image, building it (and what it needs) first if missing."""
    final = image_path(variant, cache, release, init)
    if not final.is_dir():
        if variant == "docker":  # built from these two; built first so build.json times the docker step only
            ensure_repo(release, cache, init)
        _build_locked(variant, release, init, final, cache)
    return Image(variant, final, release, init)


def ensure_repo(release: str = DEFAULT_RELEASE, cache: Path | None = None, init: str = DEFAULT_INIT) -> Path:
    """The local apt repository of `release` (docker.io and what its base image lacks), built if missing."""
    base = ensure_image("base", cache, release, init)
    mirror = aptsources.debian_mirror(RELEASES)
    packages = DOCKER_PACKAGES[release]
    return aptrepo.ensure_repo(base.rootfs, base_recipe(release, init), packages, release, mirror, cache)


def _build_locked(variant: str, release: str, init: str, final: Path, cache: Path | None) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(final.parent / f".{final.name}.lock"):
        if final.is_dir():
            return
        started = time.monotonic()
        with building(final) as tmp:
            if variant == "base":
                _build_base(tmp / "rootfs", release, init)
            else:
                _build_docker(tmp / "rootfs", release, init, cache)
            seconds = round(time.monotonic() - started, 1)
            size = _tree_bytes(tmp / "rootfs")
            (tmp / "recipe.txt").write_text(recipe(variant, release, init) + "\n")
            info = {"variant": variant, "seconds": seconds, "bytes": size, "built_at": time.time()}
            if (release, init) != (DEFAULT_RELEASE, DEFAULT_INIT):
                info.update(release=release, init=init)
            (tmp / "build.json").write_text(json.dumps(info, indent=2) + "\n")
        log(f"image {final.name} built in {seconds} s ({size / 1e6:.0f} MB)")


def _build_base(root: Path, release: str, init: str) -> None:
    log(f"debootstrap {release} into {root.parent.name} from this machine's Debian mirror (about a minute)")
    argv = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(BASE_PACKAGES if init == 'systemd' else sysvinit.PACKAGES)}",
        release,
        str(root),
        aptsources.debian_mirror(RELEASES),
    ]
    proc = run(argv, check=False, timeout=1800)
    if proc.returncode != 0:
        logfile = root / "debootstrap" / "debootstrap.log"
        detail = logfile.read_text(errors="replace")[-3000:] if logfile.exists() else proc.stdout[-3000:]
        raise SandboxError(f"debootstrap exited {proc.returncode}: {proc.stderr.strip()[-500:]}\n{detail}")
    if init != "systemd":
        sysvinit.prepare(root)
        if init == "openrc":
            _install_from_mirror(root, release, sysvinit.OPENRC_PACKAGES)
        _finalize(root)
        return
    write_file(root / "usr/local/sbin/pdm-cgroup-rw", CGROUP_RW_SCRIPT, 0o755)
    write_file(root / "etc/systemd/system/pdm-cgroup-rw.service", CGROUP_RW_UNIT)
    _symlink(
        "/etc/systemd/system/pdm-cgroup-rw.service",
        root / "etc/systemd/system/sysinit.target.wants/pdm-cgroup-rw.service",
    )
    for unit in MASKED_UNITS:
        _symlink("/dev/null", root / "etc/systemd/system" / unit)
    _finalize(root)


def _build_docker(root: Path, release: str, init: str, cache: Path | None) -> None:
    base = ensure_image("base", cache, release, init)
    repo = ensure_repo(release, cache, init)
    log(f"copying the base image to {root.parent.name}")
    run(["cp", "-a", "--reflink=auto", str(base.rootfs), str(root)])
    chroot_repo = root / "tmp/pdm-repo"
    if run(["cp", "-al", str(repo), str(chroot_repo)], check=False).returncode != 0:
        run(["cp", "-a", str(repo), str(chroot_repo)])
    write_file(root / "etc/apt/sources.list", "deb [trusted=yes] file:/tmp/pdm-repo ./\n")
    write_file(root / "usr/sbin/policy-rc.d", POLICY_RC_D, 0o755)
    log(f"installing {' '.join(DOCKER_PACKAGES[release])} into the docker image (about 10 s)")
    chroot_apt(root, ["update"])
    chroot_apt(root, ["install", "-y", "--no-install-recommends", *DOCKER_PACKAGES[release]])
    enabled = _DOCKER_ENABLED[init]
    if not _present(root, enabled):
        raise SandboxError(f"docker.io installed but docker is not enabled in the image (no /{enabled})")
    (root / "usr/sbin/policy-rc.d").unlink()
    if init != "systemd":
        sysvinit.patch_docker_init(root)
    remove_tree(chroot_repo)
    _finalize(root)


def _install_from_mirror(root: Path, release: str, packages: tuple[str, ...]) -> None:
    """apt-get install `packages` into the chroot `root` from this machine's Debian mirror; nothing starts."""
    log(f"installing {' '.join(packages)} into {root.parent.name} from this machine's Debian mirror")
    aptrepo.use_sources(root, release, aptsources.debian_mirror(RELEASES))
    write_file(root / "usr/sbin/policy-rc.d", POLICY_RC_D, 0o755)
    chroot_apt(root, ["update"])
    chroot_apt(root, ["install", "-y", "--no-install-recommends", *packages])
    (root / "usr/sbin/policy-rc.d").unlink()


def chroot_apt(root: Path, args: list[str]) -> str:
    """Run apt-get inside the chroot `root` non-interactively; return its output."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    proc = run(["chroot", str(root), "apt-get", "-q", "-o", "Dpkg::Use-Pty=0", *args], env=env, timeout=1800)
    return proc.stdout


def _finalize(root: Path) -> None:
    """Make the tree a clean image: no identity, no host keys, no mirror, no DNS, no apt caches."""
    write_file(root / "etc/machine-id", "")
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    write_file(root / "etc/apt/sources.list", SOURCES_PLACEHOLDER)
    for extra in (root / "etc/apt/sources.list.d").glob("*"):
        extra.unlink()
    write_file(root / "etc/resolv.conf", "# No DNS on the test network.\n")
    write_file(root / "etc/hostname", "localhost\n")
    for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*"):
        for f in root.glob(pattern):
            f.unlink()


def prune_images(cache: Path | None = None) -> list[Path]:
    """Delete cached images and repositories whose recipe is not the current one; return them.

    Only call this while no host runs: a host's overlay reads from its image.
    """
    kinds = [(v, r, i) for v in VARIANTS for r in RELEASES for i in INITS]
    current = {image_path(v, cache, r, i).name for v, r, i in kinds}
    current |= {aptrepo.repo_key(base_recipe(r, i), DOCKER_PACKAGES[r]) for _, r, i in kinds}
    pruned = []
    for path in sorted(images_dir(cache).glob("*-*")):
        if path.is_dir() and not path.name.startswith(".") and path.name not in current:
            with file_lock(path.parent / f".{path.name}.lock"):
                remove_tree(path)
            (path.parent / f".{path.name}.lock").unlink(missing_ok=True)
            pruned.append(path)
    return pruned


def verify_image(image: Image) -> list[str]:
    """Problems found in a built image (an empty list means it looks right)."""
    root, problems = image.rootfs, []
    checks = {"sbin/init": "no init", "usr/sbin/sshd": "sshd missing", "usr/bin/sudo": "sudo missing"}
    if image.init == "systemd":
        checks["usr/local/sbin/pdm-cgroup-rw"] = "cgroup remount script missing"
        checks["etc/systemd/system/sysinit.target.wants/pdm-cgroup-rw.service"] = "cgroup remount not enabled"
    elif image.init == "sysvinit":
        checks["etc/rcS.d/S*pdm-cgroup-rw"] = "cgroup remount not enabled"
    else:
        checks["etc/runlevels/sysinit/pdm-cgroup-rw"] = "cgroup remount not enabled"
        checks["sbin/openrc"] = "openrc missing"
    if image.variant == "docker":
        checks["usr/sbin/dockerd"] = "dockerd missing"
        checks[_DOCKER_ENABLED[image.init]] = "docker not enabled"
    for rel, problem in checks.items():
        if not _present(root, rel):
            problems.append(f"{problem} (/{rel})")
    init = root / "sbin/init"
    pid1 = os.readlink(init) if init.is_symlink() else "/sbin/init"
    if (image.init == "systemd") != pid1.endswith("/systemd"):
        problems.append(f"/sbin/init is {pid1}, not {image.init}")
    if image.variant == "base" and (root / "usr/sbin/dockerd").exists():
        problems.append("base image contains dockerd")
    if (root / "etc/machine-id").read_text():
        problems.append("/etc/machine-id is not empty")
    if list((root / "etc/ssh").glob("ssh_host_*")):
        problems.append("ssh host keys present in the image")
    if (root / "usr/sbin/policy-rc.d").exists():
        problems.append("policy-rc.d left in the image")
    if (image.path / "recipe.txt").read_text().strip() != recipe(image.variant, image.release, image.init):
        problems.append("recipe.txt does not match the current recipe")
    return problems


def _present(root: Path, pattern: str) -> bool:
    """Whether `pattern` names something under `root`; a link to an absolute path (broken outside the
    image, like OpenRC's runlevel links) counts."""
    return bool(list(root.glob(pattern))) or os.path.lexists(root / pattern)


def _tree_bytes(path: Path) -> int:
    return int(run(["du", "-sb", str(path)]).stdout.split()[0])


def _symlink(target: str, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)
