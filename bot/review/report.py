"""The funnel report: referrals → contacted → visit booked → enrolled, by week, channel, language and verdict;
the median time to first contact; the criteria that most often end screenings or get Not sure.

A referral counts at every stage it has *reached*, not only the one it is at: one that was contacted and then
declined still counts as contacted. Stages reached are read from its history (referral_changes) and its
contact attempts (a reached attempt is a contact), so a later move never hides an earlier one.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from bot import i18n, screening, sitetime
from bot.protocol import ProtocolError, load_protocol
from bot.review import display, labels
from bot.store import ContactAttempt, Referral, ReferralChange, Screening, ScreeningAnswer
from bot.transcripts import referral_channel

STAGES = ("Referred", "Contacted", "Visit booked", "Enrolled")
# The statuses that mean a stage was reached (`withdrew` comes only after enrolment: bot/review/workflow.py).
REACHED_BY_STATUS = {"contacted": 1, "screening_visit_booked": 2, "enrolled": 3, "withdrew": 3}
TOP = 5


@dataclass
class Row:
    """One group's funnel: how many referrals reached each stage."""

    label: str
    counts: List[int] = field(default_factory=lambda: [0] * len(STAGES))

    def bars(self, largest: int, width: int = 240) -> List[Tuple[int, int, int]]:
        """(count, bar width in px, y offset) for the group's chart, scaled to the largest group."""
        return [(count, round(width * count / largest) if largest else 0, 14 * i) for i, count in enumerate(self.counts)]


@dataclass
class Report:
    total: Row
    groupings: Dict[str, List[Row]]
    first_contact_hours: Optional[float]
    first_contacts: int
    enders: List[Tuple[str, int]]
    not_sure: List[Tuple[str, int]]
    screenings: int

    @property
    def largest(self) -> int:
        return self.total.counts[0]


def _short(trial_id: str, criterion_id: str) -> str:
    try:
        return load_protocol(trial_id, for_screening=False).by_id[criterion_id].short
    except (ProtocolError, KeyError):
        return criterion_id


def _stage_of(db: Session) -> Dict[int, int]:
    """Each referral's furthest stage reached (0 referred, 1 contacted, 2 visit booked, 3 enrolled)."""
    reached: Dict[int, int] = defaultdict(int)
    for referral_id, status in db.execute(select(Referral.id, Referral.status)):
        reached[referral_id] = max(reached[referral_id], REACHED_BY_STATUS.get(status, 0))
    for referral_id, status in db.execute(select(ReferralChange.referral_id, ReferralChange.to_status)):
        reached[referral_id] = max(reached[referral_id], REACHED_BY_STATUS.get(status, 0))
    for (referral_id,) in db.execute(select(ContactAttempt.referral_id).where(ContactAttempt.outcome == "reached")):
        reached[referral_id] = max(reached[referral_id], 1)
    return reached


def build(db: Session, allowed: Optional[Sequence[str]] = None) -> Report:
    """The funnel; `allowed`: the only trials the coordinator sees (None: every trial)."""
    scope = [Referral.trial_id.in_(allowed)] if allowed is not None else []
    stages = _stage_of(db)
    first = dict(db.execute(select(ContactAttempt.referral_id, func.min(ContactAttempt.at))
                            .group_by(ContactAttempt.referral_id)).all())
    total = Row("All referrals")
    groups: Dict[str, Dict[str, Row]] = {name: {} for name in ("Week", "Channel", "Language", "Verdict")}
    waits = []
    for referral_id, created_at, sender_id, language, verdict, trial_id in db.execute(select(
            Referral.id, Referral.created_at, Referral.sender_id, Referral.language, Referral.verdict,
            Referral.trial_id).where(*scope)):
        here = sitetime.local(created_at, display.site_timezone(trial_id))
        monday = (here - dt.timedelta(days=here.weekday())).date()
        keys = {"Week": f"Week of {monday:%d %b %Y}", "Channel": referral_channel(sender_id),
                "Language": i18n.NAMES.get(language, language), "Verdict": labels.verdict(verdict)}
        for row in [total] + [groups[name].setdefault(key, Row(key)) for name, key in keys.items()]:
            for stage in range(stages[referral_id] + 1):
                row.counts[stage] += 1
        if referral_id in first:
            waits.append((first[referral_id] - created_at).total_seconds() / 3600)
    groupings = {name: sorted(rows.values(), key=_ordering(name)) for name, rows in groups.items()}
    enders, screenings = _enders(db)
    if allowed is not None:
        enders = Counter({key: n for key, n in enders.items() if key[0] in allowed})
        screenings = db.execute(select(func.count()).select_from(Screening).where(
            Screening.trial_id.in_(allowed))).scalar_one()
    not_sure = Counter({(trial, criterion): count for trial, criterion, count in db.execute(
        select(Screening.trial_id, ScreeningAnswer.criterion_id, func.count())
        .join(ScreeningAnswer, ScreeningAnswer.screening_id == Screening.id)
        .where(cast(ScreeningAnswer.answer, String) == '"not_sure"',
               *([Screening.trial_id.in_(allowed)] if allowed is not None else []))
        .group_by(Screening.trial_id, ScreeningAnswer.criterion_id))})
    return Report(total, groupings, statistics.median(waits) if waits else None, len(waits),
                  [(_short(*key), n) for key, n in enders.most_common(TOP)],
                  [(_short(*key), n) for key, n in not_sure.most_common(TOP)], screenings)


def _ordering(name: str):
    """Weeks newest first, verdicts in their own order, everything else the largest group first."""
    if name == "Week":
        return lambda row: -dt.datetime.strptime(row.label, "Week of %d %b %Y").toordinal()
    if name == "Verdict":
        order = list(labels.VERDICTS.values())
        return lambda row: order.index(row.label) if row.label in order else len(order)
    return lambda row: -row.counts[0]


def _enders(db: Session) -> Tuple[Counter, int]:
    """Which criterion ended each screening that ruled the volunteer out, and how many screenings there are."""
    count = db.execute(select(func.count()).select_from(Screening)).scalar_one()
    ruled_out = db.execute(select(Screening.id, Screening.trial_id).where(
        Screening.verdict == screening.LIKELY_INELIGIBLE)).all()
    trial_of = dict(ruled_out)
    answers: Dict[int, dict] = defaultdict(dict)
    if trial_of:
        for screening_id, criterion_id, answer, text in db.execute(select(
                ScreeningAnswer.screening_id, ScreeningAnswer.criterion_id, ScreeningAnswer.answer,
                ScreeningAnswer.text).join(Screening, Screening.id == ScreeningAnswer.screening_id).where(
                Screening.verdict == screening.LIKELY_INELIGIBLE)):
            answers[screening_id][criterion_id] = screening.RecordedAnswer(answer, text)
    enders: Counter = Counter()
    for screening_id, trial_id in trial_of.items():
        try:
            ended_by = screening.evaluate(load_protocol(trial_id, for_screening=False),
                                          answers[screening_id]).ruled_out_by
        except ProtocolError:
            continue
        if ended_by:
            enders[(trial_id, ended_by)] += 1
    return enders, count
