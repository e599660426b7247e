"""Test program: per host in config `hosts` ({name, ip, key_file, key_type}), a CA, server and client
certificate of that key type and a DockerHost serving them."""

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
from pulumi_docker_machine.resources.dockerhost import DockerHost, DockerHostArgs

for h in pulumi.Config().require_object("hosts"):
    name, key_type = h["name"], h["key_type"]
    ca = CertificateAuthority(f"{name}-ca", CertificateAuthorityArgs(common_name=name, key_type=key_type))
    signer = {"ca_cert_pem": ca.cert_pem, "ca_private_key_pem": ca.private_key_pem, "key_type": key_type}
    client = ClientCert(f"{name}-client", ClientCertArgs(common_name=name, **signer))
    server = ServerCert(f"{name}-server", ServerCertArgs(ip_addresses=[h["ip"]], **signer))
    host = DockerHost(
        name,
        DockerHostArgs(
            connection={"host": h["ip"], "user": "root", "private_key": Path(h["key_file"]).read_text()},
            ca_cert_pem=ca.cert_pem,
            server_cert_pem=server.cert_pem,
            server_private_key_pem=server.private_key_pem,
            client_cert_pem=client.cert_pem,
            client_private_key_pem=client.private_key_pem,
        ),
    )
    pulumi.export(
        name,
        {
            "docker_host": host.docker_host,
            "ca_cert_pem": ca.cert_pem,
            "cert_pem": client.cert_pem,
            "private_key_pem": pulumi.Output.secret(client.private_key_pem),
        },
    )
