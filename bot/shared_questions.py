"""The shared screening questions (data/concepts/questions.yml): what several trials ask about the same
thing, asked once per conversation.

A criterion of a protocol file that says `shared: <key>` takes the question's words and answer type from
here and keeps its own rule (met_when, or a number's `met` range), registry text, reason, ruled-out
sentence and doctor check. Its id is the key, so an answer recorded under it (`screening_answers`) is the
answer to every trial's criterion that shares it: the trials of one site never ask the same thing twice.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

QUESTIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "concepts" / "questions.yml"
# What the shared question decides for every trial that asks it: a protocol file may not change these.
SET_BY_QUESTION = ("answer_type", "unit", "plausible", "measure", "concept", "not_sure_is_normal", "short",
                   "question", "brief_question")
# What it offers as defaults: a protocol file may give its own (its trial's levels, its reason).
DEFAULTS = ("explanation", "confirm", "why", "doctor_check")
TRANSLATED = ("short", "question", "brief_question") + DEFAULTS


@lru_cache(maxsize=None)
def questions() -> Dict[str, dict]:
    return yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]


def expand(criterion: dict) -> dict:
    """A protocol file's criterion with its shared question filled in (unchanged when it shares none).
    ValueError names what is wrong: an unknown key, an id that is not the key, or a field it may not set."""
    key = criterion.get("shared")
    if key is None:
        return criterion
    entry = questions().get(key)
    if entry is None:
        raise ValueError(f"field shared: {key!r} is not a shared question (data/concepts/questions.yml)")
    if criterion.get("id", key) != key:
        raise ValueError(f"field id: a criterion that shares the question {key!r} has the id {key!r}, so its "
                         "answer is every trial's answer")
    own = sorted(f for f in SET_BY_QUESTION if f in criterion)
    if own:
        raise ValueError(f"field {own[0]}: set by the shared question {key!r}; a trial that means something "
                         "else asks its own question instead")
    filled = {"id": key, **{f: copy.deepcopy(entry[f]) for f in SET_BY_QUESTION + DEFAULTS if f in entry},
              **criterion}
    # A language the trial has translated its own texts into (its reason, ruled-out sentence, ...) gets the
    # shared question's words in it too; without them the criterion stays in the trial's language.
    translations = {}
    for language in sorted(criterion.get("translations") or {}):
        shared = (entry.get("translations") or {}).get(language) or {}
        mine = (criterion.get("translations") or {}).get(language) or {}
        clashing = sorted(f for f in SET_BY_QUESTION if f in mine)
        if clashing:
            raise ValueError(f"field translations.{language}.{clashing[0]}: set by the shared question {key!r}")
        translations[language] = {**{f: shared[f] for f in TRANSLATED if f in shared}, **mine,
                                  "approved": bool(shared.get("approved")) and bool(mine.get("approved"))}
    if translations:
        filled["translations"] = translations
    return filled
