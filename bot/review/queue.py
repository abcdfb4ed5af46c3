"""The inbox as a work queue: who is overdue for a first contact, the search, the filters, the order "who to
call first", and paging — all as SQL, so that the database sorts and counts and only one page of rows is read.

A referral is *overdue* when no contact attempt has been made and its site's first-contact target has passed
(bot/sitetime.py: `study_team.first_contact_working_days` working days in `study_team.timezone`, from the
trial's protocol). The target only grows with the arrival time, so for each trial one arrival time splits the
overdue from the rest (`overdue_from`), and the condition is a plain comparison of `created_at`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from typing import Mapping, Optional, Sequence

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from bot import i18n, outbox, sitetime
from bot.review import attempts, display, labels, workflow
from bot.store import OutboxMessage, Referral, ReferralChange

PAGE_SIZE = 50
SORTS = {"call": "Who to call first", "oldest": "Oldest first", "newest": "Newest first"}
SEARCH_LENGTH = 100
# What a typed phone number may contain: digits and the usual separators (anything else is a name or reference).
_PHONE_TYPED = re.compile(r"[\d\s()+.\-/]+")


def not_yet_contacted():
    """Referrals with no contact attempt logged yet (bot/review/attempts.py)."""
    return ~attempts.attempted()


def last_activity():
    """When a referral last changed: its latest status change or note, else its arrival."""
    latest = (select(func.max(ReferralChange.at)).where(ReferralChange.referral_id == Referral.id)
              .correlate(Referral).scalar_subquery())
    return func.coalesce(latest, Referral.created_at)


def overdue_from(now: dt.datetime, timezone: str, working_days: int) -> dt.datetime:
    """The latest arrival time (naive UTC) that is overdue at `now`: sitetime.overdue(arrived, now, ...) holds
    for every arrival up to this one and for none after it. Found by bisection, to the microsecond."""
    def late(arrived):
        return sitetime.overdue(arrived, now, timezone, working_days)

    step = dt.timedelta(days=7)
    early = now - step
    while not late(early):
        step *= 2
        early = now - step
    later = now  # the target always comes after the arrival: not overdue
    while later - early > dt.timedelta(microseconds=1):
        middle = early + (later - early) / 2
        if late(middle):
            early = middle
        else:
            later = middle
    return early


def overdue(trial_ids, now: dt.datetime):
    """The condition: not yet contacted, and arrived before its own trial's overdue time."""
    parts = []
    for trial_id in trial_ids:
        team = labels.study_team(trial_id)
        parts.append(and_(Referral.trial_id == trial_id, Referral.created_at <= overdue_from(
            now, team.timezone, team.first_contact_working_days)))
    return and_(not_yet_contacted(), or_(*parts)) if parts else false()


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(text: str):
    """Referrals whose reference, name, e-mail or phone contains the text. A reference matches with or without
    its dashes; a phone number however it is typed (spaces, dashes, brackets, +country code, 00 or a leading
    0): only its digits are compared."""
    text = text.strip()[:SEARCH_LENGTH]
    parts = [Referral.contact_name.ilike(_like(text), escape="\\"),
             Referral.contact_email.ilike(_like(text), escape="\\")]
    compact = re.sub(r"[^0-9A-Za-z]", "", text)
    if compact:
        parts.append(func.replace(Referral.reference, "-", "").ilike(_like(compact), escape="\\"))
    digits = re.sub(r"\D", "", text)
    if _PHONE_TYPED.fullmatch(text) and len(digits) >= 3:
        stored = Referral.contact_phone
        for separator in ("+", " ", "-", "(", ")"):
            stored = func.replace(stored, separator, "")
        for typed in {digits, digits[2:] if digits.startswith("00") else digits, digits.lstrip("0") or digits}:
            parts.append(stored.like(_like(typed), escape="\\"))
    return or_(*parts)


def channel(key: str):
    prefixes = labels.CHANNEL_PREFIXES
    if key in prefixes:
        return Referral.sender_id.like(prefixes[key] + "%")
    return and_(*(Referral.sender_id.notlike(prefix + "%") for prefix in prefixes.values()))


@dataclass(frozen=True)
class View:
    """What the coordinator asked for, from the URL's parameters: every one of them is kept in the links."""
    q: str = ""
    status: str = ""
    verdict: str = ""
    trial: str = ""
    channel: str = ""
    language: str = ""
    overdue: str = ""  # "1": overdue only
    since: str = ""  # a date, 2026-11-25
    sort: str = "call"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping) -> "View":
        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        return cls(q=args.get("q", "").strip()[:SEARCH_LENGTH], status=pick("status", workflow.LABELS),
                   verdict=pick("verdict", labels.VERDICTS), trial=args.get("trial", "")[:64],
                   channel=pick("channel", labels.CHANNELS), language=pick("language", i18n.NAMES),
                   overdue="1" if args.get("overdue") == "1" else "", since=args.get("since", "")[:10],
                   sort=args.get("sort") if args.get("sort") in SORTS else "call", page=page)

    def params(self, **changes) -> dict:
        """The URL parameters of this view (with `changes`), leaving out the empty ones and the defaults."""
        values = asdict(replace(self, **changes))
        return {k: v for k, v in values.items()
                if v and not (k == "sort" and v == "call") and not (k == "page" and v == 1)}

    @property
    def filtered(self) -> bool:
        return any(self.params(sort="call", page=1).values())


def since_date(text: str) -> Optional[dt.datetime]:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def page(db: Session, view: View, now: dt.datetime, allowed: Optional[Sequence[str]] = None) -> dict:
    """One page of the inbox, with the counts: everything the template shows. `allowed`: the only trials whose
    referrals the coordinator sees (None: every trial)."""
    scope = [Referral.trial_id.in_(allowed)] if allowed is not None else []
    trials = db.execute(select(Referral.trial_id).where(*scope).distinct().order_by(Referral.trial_id)).scalars().all()
    late = overdue(trials, now)
    conditions = list(scope)
    if view.q:
        conditions.append(search(view.q))
    if view.status:
        conditions.append(Referral.status == view.status)
    if view.verdict:
        conditions.append(Referral.verdict == view.verdict)
    if view.trial:
        conditions.append(Referral.trial_id == view.trial)
    if view.channel:
        conditions.append(channel(view.channel))
    if view.language:
        conditions.append(Referral.language == view.language)
    if view.overdue:
        conditions.append(late)
    if view.since and since_date(view.since):
        conditions.append(Referral.created_at >= since_date(view.since))

    if view.sort == "newest":
        order = [Referral.created_at.desc(), Referral.id.desc()]
    elif view.sort == "oldest":
        order = [Referral.created_at, Referral.id]
    else:  # who to call first: the overdue, oldest first; the other new ones, oldest first; the rest, latest activity
        waiting = not_yet_contacted()
        order = [case((late, 0), (waiting, 1), else_=2), case((waiting, Referral.created_at), else_=None),
                 last_activity().desc(), Referral.id.desc()]

    total = db.execute(select(func.count()).select_from(Referral).where(*conditions)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(view.page, pages)
    # First the page's ids, from the columns of the index ix_referrals_queue alone (bot/store.py), then those
    # rows: on SQLite a referral's answers fill about 10 KB, which a scan of the table would have to read.
    ids = db.execute(select(Referral.id).where(*conditions).order_by(*order)
                     .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).scalars().all()
    found = {r.id: r for r in db.execute(
        select(Referral.id, Referral.reference, Referral.sender_id, Referral.trial_id, Referral.language,
               Referral.verdict, Referral.flags, Referral.status, Referral.created_at, Referral.contact_name,
               Referral.contact_email, Referral.contact_phone, Referral.contact_preferred_way,
               Referral.contact_preferred_time, case((late, True), else_=False).label("overdue"),
               OutboxMessage.state.label("delivery"), OutboxMessage.attempts.label("delivery_attempts"),
               OutboxMessage.last_error)
        .outerjoin(OutboxMessage, OutboxMessage.referral_id == Referral.id).where(Referral.id.in_(ids))).all()}
    rows = [found[i] for i in ids if i in found]
    counts = dict(db.execute(select(Referral.status, func.count()).where(*scope).group_by(Referral.status)).all())
    overdue_count = db.execute(select(func.count()).select_from(Referral).where(late, *scope)).scalar_one()
    return {"rows": [_row(r, now) for r in rows], "total": total, "page": number, "pages": pages,
            "first": (number - 1) * PAGE_SIZE + 1 if total else 0, "last": min(number * PAGE_SIZE, total),
            "counts": counts, "overdue_count": overdue_count, "trials": trials}


def _row(r, now: dt.datetime) -> dict:
    team = labels.study_team(r.trial_id)
    return {**r._asdict(), "not_sure": len(r.flags or ()), "channel": labels.CHANNELS[labels.channel(r.sender_id)],
            "verdict_label": labels.verdict(r.verdict), "status_label": workflow.LABELS.get(r.status, r.status),
            "way": labels.WAYS.get(r.contact_preferred_way, r.contact_preferred_way),
            "tel": display.tel(r.contact_phone) if r.contact_phone else None,
            "mailto": display.mailto(r.contact_email) if r.contact_email else None,
            "delivery": outbox.delivery_of(r.delivery, r.delivery_attempts or 0),
            "waited": waited(now - r.created_at),
            "arrived": sitetime.local(r.created_at, team.timezone).strftime("%Y-%m-%d %H:%M %Z"),
            "arrived_utc": r.created_at.strftime("%Y-%m-%d %H:%M UTC")}


def waited(elapsed: dt.timedelta) -> str:
    """Time since the referral, in plain words: 25 min, 3 h, 1 day, 4 days."""
    minutes = max(0, int(elapsed.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h"
    days = minutes // (24 * 60)
    return "1 day" if days == 1 else f"{days} days"
