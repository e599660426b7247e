"""Test program: one Machine whose inputs come whole from config `case`, as a new user would write them.

Config `case` (JSON): name, key_file, connection (merged over {host, user, private_key from key_file};
the string "KEY" stands for the key text), and any of daemon, ip_addresses, install_method,
install_script_url, confirm_timeout, address; ca_files: [cert, key] adopts that CA. Credentials are plain
strings on purpose: the resources must keep them out of messages and state.
"""

import json
from pathlib import Path

import pulumi
from pulumi_docker_machine import CertificateAuthority, CertificateAuthorityArgs, Machine, MachineArgs

case = json.loads(pulumi.Config().require("case"))
key = Path(case["key_file"]).read_text()


def with_key(value):
    if isinstance(value, dict):
        return {k: with_key(v) for k, v in value.items()}
    return key if value == "KEY" else value


connection = {"private_key": key, **with_key(case["connection"])}
ca = None
if case.get("ca_files"):
    cert, private = (Path(p).read_text() for p in case["ca_files"])
    ca = CertificateAuthority(
        "byo-ca", CertificateAuthorityArgs(existing_cert_pem=cert, existing_private_key_pem=private)
    )
options = {
    k: case[k]
    for k in ("daemon", "ip_addresses", "install_method", "install_script_url", "confirm_timeout", "address")
    if k in case
}
machine = Machine(
    case.get("name", "m1"),
    MachineArgs(connection=connection, ca=ca, store=case["store"], docker_context=False, **options),
)
pulumi.export("docker_host", machine.docker_host)
