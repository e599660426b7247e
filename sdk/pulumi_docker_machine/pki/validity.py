"""Validity windows and renewal timing, computed from an explicit `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

BACKDATE = timedelta(hours=24)
"""How far not_before lies before `now`: a host whose clock is up to a day behind the machine that
issued the certificate still accepts it (the daemon checks client certificates with its own clock)."""


class Validity(NamedTuple):
    """The validity period of a certificate."""

    not_before: datetime
    not_after: datetime


def validity_window(now: datetime, validity_hours: int) -> Validity:
    """The validity of a certificate issued at `now` for `validity_hours`, backdated by `BACKDATE`."""
    return Validity(now - BACKDATE, now + timedelta(hours=validity_hours))


def renewal_due(not_after: datetime, early_renewal_hours: float, now: datetime) -> bool:
    """Whether `now` is within `early_renewal_hours` of `not_after`, or past it."""
    return now >= not_after - timedelta(hours=early_renewal_hours)


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
