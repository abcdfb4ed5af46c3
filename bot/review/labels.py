"""Plain words for the codes the review app stores: verdicts, screening statuses, channels, ways to contact,
and criteria by their short text from the trial's protocol. Coordinators never read an internal code where
one of these exists."""
from __future__ import annotations

from typing import Optional

from bot.protocol import ProtocolError, StudyTeam, load_protocol
from bot.transcripts import referral_channel

VERDICTS = {"likely_eligible": "Likely eligible", "needs_review": "Needs review",
            "likely_ineligible": "Likely not eligible"}
NO_VERDICT = "Not finished"  # a screening still open, or stopped before its verdict

SCREENING_STATUSES = {"in_progress": "In progress", "stopped": "Stopped by the volunteer", "complete": "Complete"}

# A conversation's channel is not stored: the sender id's prefix says it (bot/senders.py issues these).
CHANNEL_PREFIXES = {"web": "web-", "sms": "sms-", "wechat": "wx-"}
# Named as the referral page and the transcript name them (bot/transcripts.py): web chat, SMS, WeChat, other (REST).
CHANNELS = {**{key: referral_channel(prefix) for key, prefix in CHANNEL_PREFIXES.items()}, "other": referral_channel("")}

WAYS = {"email": "E-mail", "phone": "Phone", "either": "E-mail or phone"}


def verdict(code: Optional[str]) -> str:
    return VERDICTS.get(code, code) if code else NO_VERDICT


def channel(sender_id: str) -> str:
    """The channel's key in CHANNELS: web, sms, wechat or other."""
    return next((key for key, prefix in CHANNEL_PREFIXES.items() if sender_id.startswith(prefix)), "other")


def criterion(trial_id: str, criterion_id: Optional[str]) -> str:
    """A criterion by its short text in its trial's protocol; its id only if the protocol does not have it."""
    if not criterion_id:
        return ""
    found = protocol_of(trial_id)
    return found.by_id[criterion_id].short if found and criterion_id in found.by_id else criterion_id


def study_team(trial_id: str) -> StudyTeam:
    """The trial's study team (time zone, first-contact target); the defaults if its protocol cannot be read."""
    found = protocol_of(trial_id)
    return found.study_team if found else _DEFAULT_TEAM


_DEFAULT_TEAM = StudyTeam(site="unknown", default_phone_region="US")  # UTC, 1 working day


def protocol_of(trial_id: str):
    """The protocol (load_protocol caches it), or None."""
    try:
        return load_protocol(trial_id, for_screening=False)
    except ProtocolError:
        return None
