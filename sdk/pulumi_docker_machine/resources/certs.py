"""Certificate resources: a CA, and the server and client certificates it signs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pulumi import Input, Output, ResourceOptions

from ..providers.certs import (
    OUTPUT_FIELDS,
    CertificateAuthorityProvider,
    ClientCertProvider,
    ServerCertProvider,
)
from .served import ServedResource

MODULE = "docker-machine"
"""Module of the resource type tokens (`pulumi-python:dynamic/docker-machine:<Name>`)."""


def _props(args: object, secret: str) -> dict[str, Any]:
    """Inputs from an args dataclass with the `secret` one always a secret (it lands in the state),
    plus every output name as None so that the SDK resolves it."""
    inputs = vars(args)
    if inputs[secret] is not None:
        inputs = {**inputs, secret: Output.secret(inputs[secret])}
    return {**dict.fromkeys(OUTPUT_FIELDS), **inputs}


def _opts(opts: ResourceOptions | None, secret: str) -> ResourceOptions:
    """`opts` plus the private keys among the outputs as additional secret outputs."""
    return ResourceOptions.merge(opts, ResourceOptions(additional_secret_outputs=["private_key_pem", secret]))


@dataclass
class CertificateAuthorityArgs:
    """Inputs of a CertificateAuthority: a subject to generate a CA, or an existing CA to adopt."""

    common_name: Input[str] | None = None
    """Subject common name of a generated CA (required unless adopting)."""
    organization: Input[str] | None = None
    """Subject organization of a generated CA."""
    key_type: Input[str] | None = None
    """ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519; derived when adopting."""
    validity_hours: Input[int] | None = None
    """Lifetime of a generated CA in hours (default 26280, three years)."""
    early_renewal_hours: Input[int] | None = None
    """Renew this many hours before expiry (default 720); changing it does not replace the CA."""
    existing_cert_pem: Input[str] | None = None
    """PEM of an existing CA certificate to adopt instead of generating one."""
    existing_private_key_pem: Input[str] | None = None
    """Unencrypted PEM private key of the adopted CA certificate (always stored as a secret)."""


@dataclass
class ServerCertArgs:
    """Inputs of a ServerCert: the signing CA and the names the daemon is reached by."""

    ca_cert_pem: Input[str]
    """PEM certificate of the signing CA (a CertificateAuthority's `cert_pem`)."""
    ca_private_key_pem: Input[str]
    """PEM private key of the signing CA (a CertificateAuthority's `private_key_pem`)."""
    ip_addresses: Input[Sequence[Input[str]]] | None = None
    """IP addresses the daemon is reached at (IP SANs)."""
    dns_names: Input[Sequence[Input[str]]] | None = None
    """DNS names the daemon is reached at (DNS SANs)."""
    include_localhost: Input[bool] | None = None
    """Also name `localhost` and 127.0.0.1 (default true)."""
    common_name: Input[str] | None = None
    """Subject common name (default: the first DNS name, else the first IP address)."""
    organization: Input[str] | None = None
    """Subject organization."""
    key_type: Input[str] | None = None
    """ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519."""
    validity_hours: Input[int] | None = None
    """Lifetime in hours (default 8760, one year)."""
    early_renewal_hours: Input[int] | None = None
    """Renew this many hours before expiry (default 720); changing it does not replace the certificate."""


@dataclass
class ClientCertArgs:
    """Inputs of a ClientCert: the signing CA and the client's name."""

    ca_cert_pem: Input[str]
    """PEM certificate of the signing CA (a CertificateAuthority's `cert_pem`)."""
    ca_private_key_pem: Input[str]
    """PEM private key of the signing CA (a CertificateAuthority's `private_key_pem`)."""
    common_name: Input[str]
    """Subject common name: who the client is."""
    organization: Input[str] | None = None
    """Subject organization."""
    key_type: Input[str] | None = None
    """ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519."""
    validity_hours: Input[int] | None = None
    """Lifetime in hours (default 8760, one year)."""
    early_renewal_hours: Input[int] | None = None
    """Renew this many hours before expiry (default 720); changing it does not replace the certificate."""


class _CertificateOutputs:
    """Outputs every certificate resource has."""

    cert_pem: Output[str]
    """PEM of the certificate."""
    private_key_pem: Output[str]
    """PEM (PKCS#8 when generated) of the private key; secret."""
    ca_cert_pem: Output[str]
    """PEM of the CA certificate that verifies this one (for a CA: itself)."""
    serial: Output[str]
    """Serial number, upper-case hex (as `openssl x509 -serial` prints it)."""
    fingerprint_sha256: Output[str]
    """SHA-256 fingerprint, colon-separated upper-case hex."""
    not_before: Output[str]
    """Start of validity, ISO 8601 UTC."""
    not_after: Output[str]
    """End of validity, ISO 8601 UTC."""
    ready_for_renewal: Output[bool]
    """Whether the certificate is within `early_renewal_hours` of expiry (as of the last operation)."""
    renewal: Output[str]
    """The same in words: `expires 2027-11-27, renew from 2027-10-28`, or `due: ...` inside the window."""
    key_type: Output[str]
    """Key type of the certificate's key."""
    early_renewal_hours: Output[int]
    """Echo of the input."""


class CertificateAuthority(_CertificateOutputs, ServedResource, module=MODULE, name="CertificateAuthority"):
    """A CA for a Docker daemon's TLS: generated and self-signed, or adopted ("bring your own CA")."""

    common_name: Output[str | None]
    organization: Output[str | None]
    validity_hours: Output[int | None]
    existing_cert_pem: Output[str | None]
    existing_private_key_pem: Output[str | None]

    def __init__(
        self, resource_name: str, args: CertificateAuthorityArgs, opts: ResourceOptions | None = None
    ) -> None:
        super().__init__(
            CertificateAuthorityProvider(),
            resource_name,
            _props(args, "existing_private_key_pem"),
            _opts(opts, "existing_private_key_pem"),
        )


class ServerCert(_CertificateOutputs, ServedResource, module=MODULE, name="ServerCert"):
    """A TLS server certificate for a Docker daemon, signed by a CertificateAuthority."""

    ca_private_key_pem: Output[str]
    common_name: Output[str]
    organization: Output[str | None]
    ip_addresses: Output[list[str]]
    dns_names: Output[list[str]]
    include_localhost: Output[bool]
    validity_hours: Output[int]

    def __init__(self, resource_name: str, args: ServerCertArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__(
            ServerCertProvider(),
            resource_name,
            _props(args, "ca_private_key_pem"),
            _opts(opts, "ca_private_key_pem"),
        )


class ClientCert(_CertificateOutputs, ServedResource, module=MODULE, name="ClientCert"):
    """A TLS client certificate for Docker clients, signed by a CertificateAuthority."""

    ca_private_key_pem: Output[str]
    common_name: Output[str]
    organization: Output[str | None]
    validity_hours: Output[int]

    def __init__(self, resource_name: str, args: ClientCertArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__(
            ClientCertProvider(),
            resource_name,
            _props(args, "ca_private_key_pem"),
            _opts(opts, "ca_private_key_pem"),
        )
