"""The screening engine: answers in, verdict out. Pure functions over frozen data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from bot.protocol import Answer, Protocol

LIKELY_ELIGIBLE = "likely_eligible"
NEEDS_REVIEW = "needs_review"
LIKELY_INELIGIBLE = "likely_ineligible"


@dataclass(frozen=True)
class RecordedAnswer:
    answer: Answer
    text: str  # the volunteer's own words

    def to_dict(self) -> dict:
        return {"answer": self.answer, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping) -> "RecordedAnswer":
        return cls(answer=data["answer"], text=data.get("text", ""))


Answers = Mapping[str, RecordedAnswer]


@dataclass(frozen=True)
class Evaluation:
    verdict: Optional[str]  # None while questions remain
    next_criterion: Optional[str]  # the first unanswered question, while open
    ruled_out_by: Optional[str]  # the first criterion (in asking order) that rules the volunteer out
    not_sure: Tuple[str, ...]  # criteria answered Not sure, in asking order


def evaluate(protocol: Protocol, answers: Answers) -> Evaluation:
    """The verdict the answers so far support.

    A ruling-out answer decides at once; otherwise the first unanswered
    question is next; a complete screening with any Not sure needs review.
    """
    not_sure = tuple(c.id for c in protocol.questions if c.id in answers and answers[c.id].answer == "not_sure")
    for criterion in protocol.questions:
        if criterion.id in answers and criterion.rules_out(answers[criterion.id].answer):
            return Evaluation(LIKELY_INELIGIBLE, None, criterion.id, not_sure)
    unanswered = [c.id for c in protocol.questions if c.id not in answers]
    if unanswered:
        return Evaluation(None, unanswered[0], None, not_sure)
    return Evaluation(NEEDS_REVIEW if not_sure else LIKELY_ELIGIBLE, None, None, not_sure)


def previous_criterion(protocol: Protocol, answers: Answers, current: Optional[str]) -> Optional[str]:
    """The question to re-ask on "go back": the one before `current`, or after the
    questions ended, the one that decided the verdict (or the last one)."""
    order = [c.id for c in protocol.questions]
    if current is not None:
        index = order.index(current)
        return order[index - 1] if index > 0 else None
    evaluation = evaluate(protocol, answers)
    if evaluation.ruled_out_by:
        return evaluation.ruled_out_by
    answered = [i for i in order if i in answers]
    return answered[-1] if answered else None


@dataclass(frozen=True)
class ChecklistItem:
    criterion_id: str
    short: str
    check: str  # what to check with the doctor


def doctor_checklist(protocol: Protocol, answers: Answers) -> Tuple[ChecklistItem, ...]:
    """For each criterion answered Not sure, what the volunteer could check with their doctor."""
    return tuple(ChecklistItem(c.id, c.short, c.doctor_check) for c in protocol.questions
                 if c.id in answers and answers[c.id].answer == "not_sure")


def question_number(protocol: Protocol, criterion_id: str) -> int:
    return [c.id for c in protocol.questions].index(criterion_id) + 1
