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


class Renewal(NamedTuple):
    """Where a certificate stands in its renewal window at one moment: the flag and its reason."""

    due: bool
    text: str


def renewal(
    not_after: datetime, early_renewal_hours: float, now: datetime, renewable: bool = True
) -> Renewal:
    """The renewal status at `now`, with a line a person reads in `pulumi preview --diff`:
    `expires 2027-11-27, renew from 2027-10-28`, or once inside the window
    `due: expires 2027-11-27, renewal window opened 2027-10-28` (`expired` past `not_after`).
    An adopted CA (`renewable=False`) is never renewed here: its line says so."""
    opens = not_after - timedelta(hours=early_renewal_hours)
    due = renewal_due(not_after, early_renewal_hours, now)
    expiry = f"{'expired' if now >= not_after else 'expires'} {_day(not_after)}"
    if not renewable:
        return Renewal(due, f"{expiry}, adopted: renew it by replacing existing_cert_pem")
    if due:
        return Renewal(due, f"due: {expiry}, renewal window opened {_day(opens)}")
    return Renewal(due, f"{expiry}, renew from {_day(opens)}")


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
