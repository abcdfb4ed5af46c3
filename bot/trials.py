"""The site's catalogue of trials: which are open for screening, and that they can be screened together.

Open trials are set by the operator: BOT_OPEN_TRIALS, a comma-separated list of trial ids. Unset, every
reviewed protocol file in BOT_TRIALS_DIR whose registry status (where imported) may still take volunteers.
A registry status is only as fresh as the import (`python -m bot check-trial` shows what changed), so a
site names its open trials once it has asked its study teams.

Trials screened in one conversation share the answers they can: a criterion id means one thing across the
catalogue. So an id that two trials use must be a shared question (data/concepts/questions.yml) in both;
any other id belongs to one trial.
"""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Dict, List, Tuple

from bot.protocol import Protocol, ProtocolError, load_protocol, trial_ids

# Registry statuses of a trial that may still take volunteers (a protocol without a registry status counts
# as open: a person put it in the trials folder to screen with it).
OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})


def registry_open(protocol: Protocol) -> bool:
    status = (protocol.registry or {}).get("status")
    return status is None or status in OPEN_STATUSES


def configured() -> List[str]:
    """The operator's list (BOT_OPEN_TRIALS), or [] when it is not set."""
    return [t.strip() for t in os.environ.get("BOT_OPEN_TRIALS", "").split(",") if t.strip()]


def open_protocols() -> Tuple[Protocol, ...]:
    """The trials the bot screens for, in id order: the operator's list, else every reviewed file that is open
    by its registry status. A listed trial whose file is missing or not reviewed is an error: the site said
    it is open, and the bot must not quietly screen without it."""
    listed = configured()
    if listed:
        return tuple(load_protocol(trial_id) for trial_id in sorted(listed))
    found = []
    for trial_id in trial_ids():
        try:
            protocol = load_protocol(trial_id)
        except ProtocolError:  # a draft not yet reviewed, or a broken file: not screened
            continue
        if registry_open(protocol):
            found.append(protocol)
    return tuple(found)


def conflicts(protocols: Tuple[Protocol, ...]) -> List[str]:
    """Criterion ids that two trials use without both sharing the question: their answers would be mixed up."""
    users: Dict[str, List[Tuple[str, bool]]] = defaultdict(list)
    for protocol in protocols:
        for criterion in protocol.criteria:
            users[criterion.id].append((protocol.trial_id, criterion.shared == criterion.id))
    return [f"criterion {cid} is in {', '.join(t for t, _ in used)}, but not as the shared question {cid!r} in "
            f"every one: rename it in one trial, or make both `shared: {cid}`"
            for cid, used in sorted(users.items()) if len(used) > 1 and not all(shared for _, shared in used)]
