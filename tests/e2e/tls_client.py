"""The real docker CLI, pointed at a host with `--tlsverify` and certificate files from stack outputs."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path


class DockerTLS:
    """Client certificate files in a directory, and a `docker` runner that uses them."""

    def __init__(self, directory: Path, ca_cert_pem: str, cert_pem: str, private_key_pem: str) -> None:
        self.dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in (("ca.pem", ca_cert_pem), ("cert.pem", cert_pem), ("key.pem", private_key_pem)):
            path = directory / name
            path.write_text(content)
            path.chmod(0o600 if name == "key.pem" else 0o644)

    @staticmethod
    def binary() -> str:
        found = shutil.which("docker")
        assert found, "the docker CLI is needed for end-to-end tests (scripts/bootstrap checks for it)"
        return found

    def run(
        self, docker_host: str, *args: str, tls: bool = True, timeout: float = 60, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """`docker -H docker_host ARGS` with this client's certificates (or plain, tls=False)."""
        cmd = [self.binary(), "-H", docker_host]
        if tls:
            cmd[1:1] = [
                "--tlsverify",
                f"--tlscacert={self.dir / 'ca.pem'}",
                f"--tlscert={self.dir / 'cert.pem'}",
                f"--tlskey={self.dir / 'key.pem'}",
            ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env["DOCKER_CONFIG"] = str(self.dir / "config")
        return subprocess.run(
            cmd + list(args), input=stdin, capture_output=True, timeout=timeout, env=env, check=False
        )

    def text(self, docker_host: str, *args: str, **kw: object) -> str:
        """Run and return stdout; fail the test with stderr if docker failed."""
        proc = self.run(docker_host, *args, **kw)  # type: ignore[arg-type]
        assert proc.returncode == 0, f"docker {' '.join(args)} failed: {proc.stderr.decode()}"
        return proc.stdout.decode().strip()


def tiny_image_tar() -> bytes:
    """A root filesystem with dash and its libraries from this machine (no registry is reachable)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", dereference=True) as tar:
        for path in (
            "usr/bin/dash",
            "usr/lib/x86_64-linux-gnu/libc.so.6",
            "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        ):
            tar.add(Path("/") / path, arcname=path)
        for link, target in (("lib", "usr/lib"), ("lib64", "usr/lib/x86_64-linux-gnu"), ("bin", "usr/bin")):
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buf.getvalue()
