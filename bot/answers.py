"""Turning a volunteer's reply into an answer to one criterion.

NLU gives an intent; this module adds the rules that must hold whatever the
model says: a hedged reply is never a firm yes or no, ages are read from
digits or words in Python (no Duckling here), and a quantity such as
"I had 70 Gy" is compared with the criterion's threshold.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

from text_to_num import alpha2digit

from bot.protocol import Answer, Criterion

ANSWER_INTENTS = {"affirm": "yes", "deny": "no", "not_sure": "not_sure"}

# An answer is a few words; a longer message is never read as one (the bot says so).
MAX_ANSWER_CHARS = 300
# Longer messages are not even given to the NLU (rasa_addons/nlu.py); the bot asks for a shorter one.
MAX_MESSAGE_CHARS = 2000

# Words that make any reply uncertain, in either direction ("I think so", "probably not").
_HEDGES = re.compile(
    r"\b("
    r"maybe|perhaps|probably|possibly|presumably|likely|unlikely|"
    r"not (?:really )?(?:sure|certain)|unsure|uncertain|"
    r"i (?:think|guess|believe|suppose|reckon)|think so|"
    r"(?:don'?t|do not|dont|not) (?:really )?(?:know|remember|recall)|dunno|idk|"
    r"no (?:idea|clue)|not a clue|"
    r"can'?t (?:remember|recall|say)|cannot (?:remember|recall|say)|"
    r"not that i (?:know|remember)|as far as i know|afaik|"
    r"(?:never|not|wasn'?t|didn'?t) (?:been )?told|nobody told|no one told|"
    r"might|may have|kind of|kinda|sort of|sorta|hard to say|doubt|50 ?50|fifty ?fifty|"
    r"ask my doctor|check with my doctor|need to check|have to check"
    r")\b"
)

# An age statement and nothing else: "45", "I'm 45", "45 years old", "age: 45", "I am 45 yrs".
_AGE = re.compile(
    r"^(?:(?:i am|i'm|im|i turned|just turned|turned|age|aged|my age is)\s*:?\s*)?"
    r"(?P<n>\d{1,3})"
    r"(?:\s*(?:years?|yrs?|y/?o|yo)(?:\s*old)?)?"
    r"(?:\s*(?:now|this year|last month|last week|today))?$"
)


def normalize(text: str) -> str:
    """Lower-case, NFKC-folded, apostrophes unified, outer punctuation and spaces trimmed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .!?,;")


def is_hedged(text: str) -> bool:
    return bool(_HEDGES.search(normalize(text)))


def parse_age(text: str) -> Optional[int]:
    """The number in a reply that states an age and nothing else, else None."""
    cleaned = normalize(text)
    try:
        cleaned = alpha2digit(cleaned.replace("-", " "), "en")
    except Exception:  # text2num rejects some odd inputs; then there is no number in words
        pass
    match = _AGE.match(cleaned.strip(" .!?,;"))
    return int(match.group("n")) if match else None


def parse_measure(text: str, unit: str) -> Optional[float]:
    """A quantity in the given unit, e.g. 70.0 from "I had 70 Gy in 2021"."""
    match = re.search(r"(\d+(?:[.,]\d+)?)\s*" + re.escape(unit.lower()) + r"\b", normalize(text))
    return float(match.group(1).replace(",", ".")) if match else None


def interpret(criterion: Criterion, text: str, intent: Optional[str]) -> Optional[Answer]:
    """The answer a reply gives to a criterion's question, or None when it gives none.

    `intent` is the NLU intent, or None when NLU was not confident enough:
    then only a reply that is unambiguous on its own (an age, a dose) counts.
    A reply without a single letter or digit (emoji, control characters) or
    longer than MAX_ANSWER_CHARS is no answer, whatever the model guessed.
    """
    if len(text) > MAX_ANSWER_CHARS or not re.search(r"[^\W_]", text):
        return None
    if criterion.answer_type == "number":
        if intent == "not_sure":
            return "not_sure"
        age = parse_age(text)
        if age is not None:
            return age
        return "not_sure" if intent in ANSWER_INTENTS and is_hedged(text) else None

    if criterion.measure is not None:
        quantity = parse_measure(text, criterion.measure.unit)
        if quantity is not None and not is_hedged(text):
            return "yes" if quantity >= criterion.measure.met_at_least else "no"

    answer = ANSWER_INTENTS.get(intent or "")
    if answer is None:
        return None
    return "not_sure" if is_hedged(text) else answer
