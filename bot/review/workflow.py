"""A referral's statuses, the moves a coordinator may make between them, and the coded reasons some take.

new → contacted → screening visit booked → enrolled is the way through. A referral can end earlier as not
eligible (which criterion), declined (why) or not reachable (after `not_reachable_after()` attempts in a row
that did not reach the volunteer); an enrolled volunteer can withdraw (why). A referral becomes contacted by
logging the contact attempt that reached the volunteer (bot/review/attempts.py), not by choosing it.

Status ids are stored in the database and never renamed: `could_not_reach` is shown as "Not reachable", and
`withdrew` keeps its meaning for referrals that had it before `declined` existed. Reasons are stored as codes
(`referrals.status_reason`, `referral_changes.reason`) and shown in plain words (`reason_label`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

LABELS: Dict[str, str] = {
    "new": "New",
    "contacted": "Contacted",
    "screening_visit_booked": "Screening visit booked",
    "enrolled": "Enrolled",
    "not_eligible": "Not eligible",
    "declined": "Declined",
    "could_not_reach": "Not reachable",
    "withdrew": "Withdrew",
}

MOVES: Dict[str, Tuple[str, ...]] = {
    "new": ("contacted", "not_eligible", "declined", "could_not_reach"),
    "contacted": ("screening_visit_booked", "not_eligible", "declined", "could_not_reach"),
    "could_not_reach": ("contacted", "not_eligible", "declined"),
    "screening_visit_booked": ("enrolled", "not_eligible", "declined", "could_not_reach"),
    "enrolled": ("withdrew",),
    "not_eligible": (),
    "declined": (),
    "withdrew": (),
}

# Why a volunteer declined (or, once enrolled, withdrew): "other" needs a note.
DECLINE_REASONS: Dict[str, str] = {
    "not_interested": "Not interested",
    "too_far": "Too far to travel",
    "health_changed": "Health changed",
    "other_treatment": "Chose another treatment",
    "family_decision": "Family decision",
    "other": "Other (see note)",
}
OTHER = "other"  # also the not-eligible reason when no criterion of the trial fits; a note says which
OTHER_CRITERION = "Other (see note)"
NEEDS_REASON = ("not_eligible", "declined", "withdrew")


def not_reachable_after() -> int:
    """REVIEW_NOT_REACHABLE_AFTER (3): how many attempts in a row that did not reach the volunteer make the
    page suggest "Not reachable". Before any attempt it is refused."""
    return max(1, int(os.environ.get("REVIEW_NOT_REACHABLE_AFTER") or 3))


def criterion_label(short: str) -> str:
    """A criterion's `short` text (written to the volunteer) as a coordinator's label: "your age" → "Age"."""
    text = short[5:] if short.lower().startswith("your ") else short
    return text[:1].upper() + text[1:]


def reason_label(status: str, reason: Optional[str], criteria: Dict[str, str]) -> str:
    """A stored reason in plain words. `criteria`: the trial's criterion ids → labels (`criterion_label`)."""
    if not reason:
        return ""
    if status == "not_eligible":
        return OTHER_CRITERION if reason == OTHER else criteria.get(reason, reason.replace("_", " "))
    return DECLINE_REASONS.get(reason, reason.replace("_", " "))


def reasons_for(status: str, criteria: Dict[str, str]) -> Dict[str, str]:
    """The reasons a status takes, id → label, in the order offered; empty for a status that takes none."""
    if status == "not_eligible":
        return {**criteria, OTHER: OTHER_CRITERION}
    if status in ("declined", "withdrew"):
        return dict(DECLINE_REASONS)
    return {}


@dataclass(frozen=True)
class Attempts:
    """What the contact attempts logged so far say, for the workflow's checks."""
    logged: int = 0  # attempts of any outcome
    failed_in_a_row: int = 0  # attempts since the last one that reached the volunteer
    reached: bool = False  # any attempt reached them

    @property
    def last_reached(self) -> bool:
        """The latest attempt reached the volunteer."""
        return self.reached and not self.failed_in_a_row


def allowed(current: str, target: str) -> bool:
    """A note alone keeps the status (target == current); otherwise the move must be listed."""
    return target == current or target in MOVES.get(current, ())


def refusal(current: str, target: str, reason: str, note: str, attempts: Attempts,
            criteria: Sequence[str], needed: Optional[int] = None) -> Optional[str]:
    """Why this move may not be made, in plain words; None when it may. `criteria`: the trial's criterion ids."""
    needed = needed or not_reachable_after()
    if target not in LABELS:
        return "That is not a status."
    if not allowed(current, target):
        return f"A referral that is {LABELS[current]} can't move to {LABELS[target]}."
    if target == current:
        return None if note else "Nothing to save: choose a new status or write a note."
    if target == "contacted" and not attempts.last_reached:
        return ("Log the contact attempt that reached the volunteer (outcome: Reached): that marks the referral "
                "Contacted.")
    if target == "could_not_reach":
        if not attempts.logged:
            return "Not reachable needs contact attempts first: log each attempt, then mark it."
        if attempts.failed_in_a_row < needed:
            return (f"Not reachable is for {needed} attempts in a row that did not reach the volunteer; "
                    f"{attempts.failed_in_a_row} so far.")
    if target in NEEDS_REASON:
        choices = criteria if target == "not_eligible" else DECLINE_REASONS
        if not reason:
            what = "which criterion" if target == "not_eligible" else "the reason"
            return f"{LABELS[target]} needs {what}: choose one."
        if reason != OTHER and reason not in choices:
            return "That reason is not on the list."
        if reason == OTHER and not note:
            return "Other: write the reason in the note."
    return None


def options(current: str, attempts: Attempts, needed: Optional[int] = None) -> list:
    """The status menu: (id, label, why not) for each listed move; `why not` is "" when it can be chosen now."""
    needed = needed or not_reachable_after()
    listed = []
    for target in MOVES.get(current, ()):
        why_not = ""
        if target == "contacted" and not attempts.last_reached:
            why_not = "log the attempt that reached them"
        elif target == "could_not_reach" and attempts.failed_in_a_row < needed:
            why_not = f"after {needed} attempts that did not reach them"
        listed.append((target, LABELS[target], why_not))
    return listed


def suggest_not_reachable(current: str, attempts: Attempts, needed: Optional[int] = None) -> bool:
    """Whether the page should suggest Not reachable: the move is listed and enough attempts failed in a row."""
    return "could_not_reach" in MOVES.get(current, ()) and attempts.failed_in_a_row >= (needed or not_reachable_after())
