"""The one source of "now".

`now()` decides renewal and may be moved by tests through `PULUMI_DOCKER_MACHINE_NOW` (the dynamic
provider process inherits the CLI's environment). Certificates are always issued from `wall_now()`,
the real time, so that what a test renews still works with real TLS clients and daemons.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from .errors import ValidationError

NOW_ENV = "PULUMI_DOCKER_MACHINE_NOW"
"""ISO 8601 timestamp that replaces the wall clock; inherited by the dynamic provider process."""


def wall_now() -> datetime:
    """The real current time in UTC, whole seconds: the start of a new certificate's validity."""
    return datetime.now(UTC).replace(microsecond=0)


def now() -> datetime:
    """Current time in UTC, whole seconds; `PULUMI_DOCKER_MACHINE_NOW` overrides it (naive means UTC)."""
    raw = os.environ.get(NOW_ENV, "").strip()
    if not raw:
        return wall_now()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(NOW_ENV, f"{raw!r} is not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)
