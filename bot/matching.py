"""Screening for several trials at once: one set of answers, a verdict per trial, and the next question.

Answers are keyed by criterion id, and a shared question (data/concepts/questions.yml) has one id across the
catalogue, so it is asked once and read by every trial that shares it. Each trial's verdict is exactly
`screening.evaluate(its protocol, the answers)`: reuse never changes a result (bench/matching.py checks it
on simulated volunteers).

Which question next:
- FIXED: every trial in turn, each in its own protocol order, skipping what is already answered and the
  trials already decided (the baseline).
- ADAPTIVE: greedy, DQueST-style: the question that decides the most still-open trials. With no measured
  rates of how often each question rules people out, each question a trial still needs carries an equal
  part of that trial's decision (1 / the questions it still needs), and a question several open trials ask
  adds up their parts. So shared questions come first, and a trial that one or two questions can decide
  (the newly-diagnosed trial, for a volunteer whose cancer came back) is decided early, not at the end.
  Ties go to the question more open trials ask, then to the one earlier in its trial's own order (its
  authors put the commonest reasons not to qualify first). bench/matching.py measures it against FIXED.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

from bot import screening
from bot.protocol import Criterion, Protocol
from bot.screening import Answers, Evaluation

ADAPTIVE, FIXED = "adaptive", "fixed"
ORDERS = (ADAPTIVE, FIXED)


@dataclass(frozen=True)
class Step:
    """The question to ask next, and the trials it answers for."""

    criterion: Criterion  # as the first of those trials words its reason and explanation
    trial_ids: Tuple[str, ...]


def verdicts(protocols: Sequence[Protocol], answers: Answers) -> Dict[str, Evaluation]:
    """Each trial's evaluation of the same answers, exactly as screening it alone would give."""
    return {p.trial_id: screening.evaluate(p, answers) for p in protocols}


def still_open(protocols: Sequence[Protocol], answers: Answers) -> Tuple[Protocol, ...]:
    return tuple(p for p in protocols if screening.evaluate(p, answers).verdict is None)


def _unanswered(protocol: Protocol, answers: Answers) -> Tuple[str, ...]:
    return tuple(c.id for c in protocol.questions if c.id not in answers)


def next_step(protocols: Sequence[Protocol], answers: Answers, order: str = ADAPTIVE) -> Optional[Step]:
    """The next question for the trials still open, or None when every trial has its verdict."""
    remaining = still_open(protocols, answers)
    if not remaining:
        return None
    if order == FIXED:
        first = remaining[0]
        chosen = screening.evaluate(first, answers).next_criterion
    elif order == ADAPTIVE:
        chosen = _most_deciding(remaining, answers)
    else:
        raise ValueError(f"order is one of {ORDERS}, not {order!r}")
    askers = tuple(p for p in remaining if chosen in p.by_id)
    return Step(askers[0].by_id[chosen], tuple(p.trial_id for p in askers))


def _most_deciding(remaining: Sequence[Protocol], answers: Answers) -> str:
    needed = {p.trial_id: _unanswered(p, answers) for p in remaining}
    scores: Dict[str, float] = {}
    askers: Dict[str, int] = {}
    rank: Dict[str, int] = {}  # the earliest place a trial asking it gives it in its own order
    for protocol in remaining:
        ids = needed[protocol.trial_id]
        for place, cid in enumerate(ids):
            # each question a trial still needs carries an equal part of that trial's decision
            scores[cid] = scores.get(cid, 0.0) + 1 / len(ids)
            askers[cid] = askers.get(cid, 0) + 1
            rank[cid] = min(rank.get(cid, place), place)
    return max(scores, key=lambda cid: (round(scores[cid], 9), askers[cid], -rank[cid]))
