"""How the review app shows times and a few stored codes in plain words.

Times are stored in naive UTC; a coordinator reads them in the site's time zone (the protocol's
`study_team.timezone`), e.g. "28 Nov 2026, 09:30 (Shanghai)", with the UTC time on hover.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional
from urllib.parse import quote

from markupsafe import Markup

from bot import sitetime
from bot.protocol import ProtocolError, default_trial_id, load_protocol

from bot.review.labels import WAYS  # noqa: F401 (the words for the ways to contact, shared with the inbox and CSV)


def site_timezone(trial_id: Optional[str] = None) -> str:
    """The time zone of the site running this trial (the default trial's when it has no protocol file here)."""
    for candidate in (trial_id, default_trial_id()):
        try:
            return load_protocol(candidate, for_screening=False).study_team.timezone
        except (ProtocolError, TypeError):
            continue
    return "UTC"


def zone_label(timezone: str) -> str:
    """"Asia/Shanghai" → "Shanghai"; "UTC" stays."""
    return timezone.rsplit("/", 1)[-1].replace("_", " ")


def _format(value: dt.datetime, seconds: bool = False) -> str:
    return f"{value.day} {value:%b %Y, %H:%M}" + (f":{value:%S}" if seconds else "")


def site_time(value: Optional[dt.datetime], timezone: str, seconds: bool = False) -> Markup:
    """A stored time as `<time>` in the site's zone, its UTC in `datetime` and in the hover title."""
    if value is None:
        return Markup("—")
    here = sitetime.local(value, timezone)
    return Markup('<time datetime="{}Z" title="{} UTC">{} ({})</time>').format(
        value.replace(microsecond=0).isoformat(), _format(value, seconds), _format(here, seconds),
        zone_label(timezone))


def local_input(value: str, timezone: str) -> Optional[dt.datetime]:
    """A time typed in a form's `datetime-local` field, in the site's zone, as naive UTC; None when empty.
    Raises ValueError when it is not a time."""
    if not value.strip():
        return None
    typed = dt.datetime.fromisoformat(value.strip())
    if typed.tzinfo is not None:
        raise ValueError(value)
    return typed.replace(tzinfo=sitetime.zone(timezone)).astimezone(sitetime.UTC).replace(tzinfo=None)


def mailto(address: str) -> str:
    """A `mailto:` link's address, percent-encoded so that characters an address may hold (? & =) add no
    header to the coordinator's e-mail."""
    return "mailto:" + quote(address, safe="@")


def tel(number: str) -> str:
    """A `tel:` link of a stored E.164 number: the + and the digits only."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)
