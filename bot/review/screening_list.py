"""The screenings page: every screening, a page at a time, with filters kept in the URL and plain labels.

Only the page's rows and their answers are read; the counts per verdict are one GROUP BY, and the criterion
that most often ends a screening is worked out from the answers of the ineligible screenings alone (the only
ones a criterion ended)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Mapping, Optional, Sequence

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot import screening, sitetime
from bot.review import labels
from bot.screening import RecordedAnswer
from bot.store import Screening, ScreeningAnswer

PAGE_SIZE = 50
OPEN = "open"  # the verdict filter's value for a screening without a verdict


@dataclass(frozen=True)
class View:
    status: str = ""
    verdict: str = ""
    trial: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping) -> "View":
        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        status = args.get("status", "")
        verdict = args.get("verdict", "")
        return cls(status=status if status in labels.SCREENING_STATUSES else "",
                   verdict=verdict if verdict in labels.VERDICTS or verdict == OPEN else "",
                   trial=args.get("trial", "")[:64], page=page)

    def params(self, **changes) -> dict:
        return {k: v for k, v in asdict(replace(self, **changes)).items() if v and not (k == "page" and v == 1)}

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.verdict or self.trial)


def page(db: Session, view: View, allowed: Optional[Sequence[str]] = None) -> dict:
    """One page of screenings; `allowed`: the only trials the coordinator sees (None: every trial)."""
    scope = [Screening.trial_id.in_(allowed)] if allowed is not None else []
    conditions = list(scope)
    if view.status:
        conditions.append(Screening.status == view.status)
    if view.verdict:
        conditions.append(Screening.verdict.is_(None) if view.verdict == OPEN else Screening.verdict == view.verdict)
    if view.trial:
        conditions.append(Screening.trial_id == view.trial)
    total = db.execute(select(func.count()).select_from(Screening).where(*conditions)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(view.page, pages)
    rows = db.execute(select(Screening).options(selectinload(Screening.answers)).where(*conditions)
                      .order_by(Screening.started_at.desc(), Screening.id.desc())
                      .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).scalars().all()
    verdicts = Counter({labels.verdict(v): n for v, n in
                        db.execute(select(Screening.verdict, func.count()).where(*scope)
                                   .group_by(Screening.verdict)).all()})
    trials = db.execute(select(Screening.trial_id).where(*scope).distinct().order_by(Screening.trial_id)).scalars().all()
    enders = Counter({key: n for key, n in _enders(db).items() if allowed is None or key[0] in allowed})
    top = enders.most_common(1)[0] if enders else None
    return {"screenings": [_row(row) for row in rows], "total": total, "page": number, "pages": pages,
            "first": (number - 1) * PAGE_SIZE + 1 if total else 0, "last": min(number * PAGE_SIZE, total),
            "verdicts": verdicts, "trials": trials,
            "top_ender": (labels.criterion(top[0][0], top[0][1]), top[1]) if top else None}


def _ended_by(trial_id: str, answers: dict):
    protocol = labels.protocol_of(trial_id)
    return screening.evaluate(protocol, answers).ruled_out_by if protocol else None


def _row(row: Screening) -> dict:
    answers = {a.criterion_id: RecordedAnswer(a.answer, a.text) for a in row.answers}
    ended_by = _ended_by(row.trial_id, answers)
    zone = labels.study_team(row.trial_id).timezone
    return {"id": row.id, "trial_id": row.trial_id, "status": labels.SCREENING_STATUSES.get(row.status, row.status),
            "verdict": labels.verdict(row.verdict), "answered": len(answers),
            "not_sure": sum(a.answer == "not_sure" for a in answers.values()),
            "started": sitetime.local(row.started_at, zone).strftime("%Y-%m-%d %H:%M %Z"),
            "started_utc": row.started_at.strftime("%Y-%m-%d %H:%M UTC"),
            "ended_by": labels.criterion(row.trial_id, ended_by),
            "at": labels.criterion(row.trial_id, row.current_criterion) if not ended_by else ""}


_enders_seen = {}  # database URL -> (what the ineligible screenings were, their enders): see _enders


def _enders(db: Session) -> Counter:
    """How many ineligible screenings each criterion ended, as {(trial_id, criterion_id): count}: the first
    criterion in the protocol's order whose answer rules the volunteer out (as bot/screening.evaluate decides).
    The database leaves out the answers that keep the volunteer in (`_keeping`); Criterion.rules_out decides
    on the rest.

    Worked out again only when the ineligible screenings changed: their number and latest update per trial
    (one look at the index ix_screenings_verdict) change with every one added, updated or deleted."""
    state = db.execute(select(Screening.trial_id, func.count(), func.max(Screening.updated_at))
                       .where(Screening.verdict == "likely_ineligible").group_by(Screening.trial_id)
                       .order_by(Screening.trial_id)).all()
    url = str(db.get_bind().url)
    if url in _enders_seen and _enders_seen[url][0] == state:
        return _enders_seen[url][1]
    counted = Counter()
    for trial_id, _, _ in state:
        protocol = labels.protocol_of(trial_id)
        if protocol is None:
            continue
        order = protocol.questions
        position = {c.id: n for n, c in enumerate(order)}
        stored = cast(ScreeningAnswer.answer, Text)  # the answer as its JSON text, decoded here
        kept = {}  # the answers that keep a volunteer in -> the criteria they do it for
        for c in order:
            kept.setdefault(tuple(_keeping(c)), []).append(c.id)
        failing = [and_(ScreeningAnswer.criterion_id.in_(ids), stored.notin_(answers)) for answers, ids in kept.items()]
        first = {}  # screening id -> the position of its first ruling-out criterion
        for screening_id, criterion_id, answer in db.execute(
                select(ScreeningAnswer.screening_id, ScreeningAnswer.criterion_id, stored)
                .join(Screening, Screening.id == ScreeningAnswer.screening_id)
                .where(Screening.verdict == "likely_ineligible", Screening.trial_id == trial_id, or_(*failing))):
            if position[criterion_id] < first.get(screening_id, len(order)) and \
                    order[position[criterion_id]].rules_out(json.loads(answer)):
                first[screening_id] = position[criterion_id]
        for at, count in Counter(first.values()).items():
            counted[(trial_id, order[at].id)] += count
    _enders_seen[url] = (state, counted)
    return counted


def _keeping(criterion) -> list:
    """Answers that never rule the volunteer out on this criterion, as the JSON text stored: Not sure, and the
    answer that meets it (for a number, each whole number of its range, when the range is not too wide)."""
    kept = [json.dumps("not_sure")]
    if criterion.answer_type == "yes_no":
        return kept + [json.dumps(criterion.met_when)]
    if criterion.met.max - criterion.met.min <= 500:
        kept += [json.dumps(n) for n in range(criterion.met.min, criterion.met.max + 1)]
    return kept
