"""How a text travels as SMS: in which alphabet, and in how many segments (the unit carriers bill).

One SMS carries 140 octets of text (3GPP TS 23.040):

- GSM-7: a text made only of the GSM 7-bit default alphabet (3GPP TS 23.038 section 6.2.1: the basic
  character set and its extension table) is packed seven bits a character: 160 characters in one SMS.
  A character of the extension table (`^ { } \\ [ ~ ] | €` and form feed) is sent as an escape and the
  character, so it counts twice.
- UCS-2: any other character (Chinese, a curly quote, an ellipsis "…", an emoji) sends the whole text
  as UTF-16: 70 code units in one SMS. A character beyond the Basic Multilingual Plane (most emoji) is a
  surrogate pair: two units.

A longer text is sent as a concatenated SMS, each part giving six octets to its header (TS 23.040
section 9.2.3.24.1): 153 septets or 67 UTF-16 units a part. Phones and gateways never split an escape
sequence or a surrogate pair between two parts, so a part ends early rather than cut one; `segments`
counts the same way.

The alphabet is the `gsm0338` codec's (it implements TS 23.038's tables; see requirements.in). The
national language shift tables of TS 23.038 (Turkish, Spanish, Portuguese, Indian scripts) are not
counted: a gateway may or may not use them, and a count that assumes they are absent is the safe one.
"""
from __future__ import annotations

from typing import Iterable, List, Sequence

import gsm0338  # noqa: F401  (importing it registers the "gsm03.38" codec)

GSM7_SINGLE, GSM7_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units
_CODEC = "gsm03.38"
_ESCAPE = "\x1b"  # the codec's own escape to the extension table: a control, not text to send


def is_gsm7(text: str) -> bool:
    """Whether the whole text is in the GSM 7-bit default alphabet (basic set and extension table)."""
    if _ESCAPE in text:
        return False
    try:
        text.encode(_CODEC)
    except UnicodeEncodeError:
        return False
    return True


def septets(character: str) -> int:
    """What one character of the GSM 7-bit alphabet costs: 1, or 2 for one of the extension table."""
    return len(character.encode(_CODEC))


def _units(character: str) -> int:
    """UTF-16 code units of one character: 2 beyond the Basic Multilingual Plane (a surrogate pair)."""
    return 2 if ord(character) > 0xFFFF else 1


def length(text: str) -> int:
    """The text's length as SMS counts it: septets if it is GSM-7, else UTF-16 code units."""
    cost = septets if is_gsm7(text) else _units
    return sum(cost(character) for character in text)


def _parts(costs: Iterable[int], capacity: int) -> int:
    """Parts needed when characters of these costs are laid in order, none split between two parts."""
    parts, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            parts, used = parts + 1, 0
        used += cost
    return parts


def segments(text: str) -> int:
    """How many SMS the text is sent as (1 for an empty text): 160 GSM-7 characters in one, 153 a part
    when split; otherwise 70 UTF-16 units in one, 67 a part."""
    gsm = is_gsm7(text)
    cost = septets if gsm else _units
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    costs = [cost(character) for character in text]
    if sum(costs) <= single:
        return 1
    return _parts(costs, part)


GSM7, UCS2 = "GSM-7", "UCS-2"


def encoding(text: str) -> str:
    """GSM7 or UCS2: how the whole text is sent."""
    return GSM7 if is_gsm7(text) else UCS2


def pack(texts: Sequence[str]) -> List[str]:
    """A turn's messages, neighbours joined by a line break wherever that costs no more segments than
    sending them apart ("Thank you." and the next question in one SMS instead of two). Order and words
    are kept."""
    packed: List[str] = []
    for text in texts:
        if packed and segments(packed[-1] + "\n" + text) <= segments(packed[-1]) + segments(text):
            packed[-1] += "\n" + text
        else:
            packed.append(text)
    return packed
