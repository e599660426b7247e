"""Test program: one CA and client cert, a ServerCert + DockerHost per host in config `hosts`.

Config: sudo_passwords (secret JSON {name: password}),
hosts (JSON list of {name, ip, user?, key_file, host_key?, proxy?: {...},
install_method?, sans?, confirm_timeout?, address?, adopt?}),
daemon (JSON settings for DaemonConfig), key_type.
"""

import json
from pathlib import Path

import pulumi
from pulumi_docker_machine.resources.certs import (
    CertificateAuthority,
    CertificateAuthorityArgs,
    ClientCert,
    ClientCertArgs,
    ServerCert,
    ServerCertArgs,
)
from pulumi_docker_machine.resources.dockerhost import (
    DaemonConfig,
    DaemonConfigArgs,
    DockerHost,
    DockerHostArgs,
)

cfg = pulumi.Config()
hosts = cfg.require_object("hosts")
settings = cfg.get_object("daemon") or {}
key_type = cfg.get("key_type")
sudo_passwords = (cfg.get_secret("sudo_passwords") or pulumi.Output.secret("{}")).apply(json.loads)


def connection(h: dict) -> dict:
    conn = {
        "host": h["ip"],
        "user": h.get("user", "root"),
        "private_key": Path(h["key_file"]).read_text(),  # plain on purpose: DockerHost must protect it
    }
    for opt in ("host_key", "per_dial_timeout", "dial_error_limit"):
        if h.get(opt) is not None:
            conn[opt] = h[opt]
    conn["sudo_password"] = sudo_passwords.apply(lambda p, n=h["name"]: p.get(n))
    if h.get("proxy"):
        conn["proxy"] = connection(h["proxy"])
    return conn


ca = CertificateAuthority("ca", CertificateAuthorityArgs(common_name="e2e CA", key_type=key_type))
client = ClientCert(
    "client",
    ClientCertArgs(
        ca_cert_pem=ca.cert_pem, ca_private_key_pem=ca.private_key_pem, common_name="e2e", key_type=key_type
    ),
)
daemon = DaemonConfig("daemon", DaemonConfigArgs(**settings))
pulumi.export("ca_cert_pem", ca.cert_pem)
pulumi.export("cert_pem", client.cert_pem)
pulumi.export("private_key_pem", client.private_key_pem)
for h in hosts:
    server = ServerCert(
        f"{h['name']}-server",
        ServerCertArgs(
            ca_cert_pem=ca.cert_pem,
            ca_private_key_pem=ca.private_key_pem,
            ip_addresses=h.get("sans", [h["ip"]]),
            key_type=key_type,
        ),
    )
    host = DockerHost(
        h["name"],
        DockerHostArgs(
            connection=connection(h),
            ca_cert_pem=ca.cert_pem,
            server_cert_pem=server.cert_pem,
            server_private_key_pem=server.private_key_pem,
            client_cert_pem=client.cert_pem,
            client_private_key_pem=client.private_key_pem,
            daemon=daemon.settings,
            install_method=h.get("install_method"),
            install_command=h.get("install_command"),
            install_script_url=h.get("install_script_url"),
            uninstall_on_delete=h.get("uninstall_on_delete"),
            confirm_timeout=h.get("confirm_timeout"),
            address=h.get("address"),
            adopt=h.get("adopt"),
        ),
    )
    pulumi.export(
        h["name"],
        {
            "docker_host": host.docker_host,
            "engine_version": host.engine_version,
            "daemon_pid": host.daemon_pid,
            "host_key_fingerprint": host.host_key_fingerprint,
            "installed_docker": host.installed_docker,
            "os": host.os,
            "init_system": host.init_system,
        },
    )
