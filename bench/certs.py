"""Certificate issuance rate per key type: a fresh key and a server certificate signed by a CA."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pulumi_docker_machine.pki import issue, keys, validity


def issuance_rates(seconds_each: float) -> dict[str, float]:
    """Certificates per second for each key type, each measured for about `seconds_each`."""
    now = datetime.now(UTC)
    rates = {}
    for key_type in keys.KeyType:
        ca_key = keys.generate_private_key(key_type)
        ca = issue.self_signed_ca(ca_key, issue.subject_name("bench CA"), validity.validity_window(now, 24))
        count = 0
        started = time.monotonic()
        while True:
            key = keys.generate_private_key(key_type)
            issue.issue_leaf(
                key.public_key(),
                issue.subject_name("bench"),
                issue.LeafUsage.SERVER,
                validity.validity_window(now, 24),
                ca,
                ca_key,
                ip_addresses=["10.0.0.1"],
            )
            count += 1
            elapsed = time.monotonic() - started
            if elapsed >= seconds_each:
                break
        rates[key_type.value] = count / elapsed
    return rates
