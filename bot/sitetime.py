"""The site's clock: times in its time zone, and the first-contact target counted in its working days.

Times are stored in UTC (naive datetimes, bot/store.now()). A coordinator sees them in the site's time zone
(the protocol's `study_team.timezone`), and a referral is overdue when its first contact attempt has not
been made within `study_team.first_contact_working_days` working days (Monday to Friday in the site's time
zone) of its arrival. Public holidays are not counted as days off: a referral is shown overdue early rather
than late.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(stored: dt.datetime, timezone: str) -> dt.datetime:
    """A stored (naive UTC) time in the site's time zone."""
    return stored.replace(tzinfo=UTC).astimezone(zone(timezone))


def first_contact_due(arrived: dt.datetime, timezone: str, working_days: int) -> dt.datetime:
    """When the first contact attempt is due (naive UTC, as stored): `working_days` working days after the
    referral arrived, counted in the site's time zone. A referral that arrives on a Saturday or Sunday
    counts from the start of Monday."""
    here = local(arrived, timezone)
    while here.weekday() >= 5:  # arrived at the weekend: the clock starts on Monday morning
        here = dt.datetime.combine(here.date() + dt.timedelta(days=1), dt.time(0), here.tzinfo)
    left = working_days
    while left:
        here += dt.timedelta(days=1)
        if here.weekday() < 5:
            left -= 1
    return here.astimezone(UTC).replace(tzinfo=None)


def overdue(arrived: dt.datetime, now: dt.datetime, timezone: str, working_days: int) -> bool:
    """Whether a referral with no contact attempt yet is past its first-contact target at `now` (naive UTC)."""
    return now > first_contact_due(arrived, timezone, working_days)
