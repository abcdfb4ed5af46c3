"""A referral's statuses and the moves a coordinator may make between them."""
from __future__ import annotations

from typing import Dict, Tuple

LABELS: Dict[str, str] = {
    "new": "New",
    "contacted": "Contacted",
    "screening_visit_booked": "Screening visit booked",
    "enrolled": "Enrolled",
    "not_eligible": "Not eligible",
    "could_not_reach": "Could not reach",
    "withdrew": "Withdrew",
}

MOVES: Dict[str, Tuple[str, ...]] = {
    "new": ("contacted", "could_not_reach", "not_eligible", "withdrew"),
    "contacted": ("screening_visit_booked", "not_eligible", "could_not_reach", "withdrew"),
    "could_not_reach": ("contacted", "withdrew"),
    "screening_visit_booked": ("enrolled", "not_eligible", "withdrew"),
    "enrolled": ("withdrew",),
    "not_eligible": (),
    "withdrew": (),
}


def allowed(current: str, target: str) -> bool:
    """A note alone keeps the status (target == current); otherwise the move must be listed."""
    return target == current or target in MOVES.get(current, ())
