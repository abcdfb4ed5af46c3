"""What an SMS costs: its encoding and segments (3GPP TS 23.038 and 23.040), and a turn's messages packed.

A message whose every character is in the GSM 7-bit default alphabet (or its extension table, where a
character takes two septets) is sent as GSM-7: 160 septets in one segment, 153 a segment once it is split.
Any other character (a curly quote, an ellipsis, Chinese) makes the whole message UCS-2: 70 UTF-16 code
units in one segment, 67 a segment once split.
"""
from __future__ import annotations

from typing import List, Sequence

# The GSM 7-bit default alphabet (TS 23.038 6.2.1) and its extension table (6.2.1.1: two septets each).
GSM_BASIC = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7, UCS2 = "GSM-7", "UCS-2"


def encoding(text: str) -> str:
    return GSM7 if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text) else UCS2


def segments(text: str) -> int:
    """How many SMS segments the message costs."""
    if encoding(text) == GSM7:
        septets = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return 1 if septets <= 160 else -(-septets // 153)
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return 1 if units <= 70 else -(-units // 67)


def pack(texts: Sequence[str]) -> List[str]:
    """A turn's messages, the neighbours that cost fewer segments together joined by a line break
    ("Thank you." and the next question in one SMS instead of two), or no more. Order and words are kept."""
    packed: List[str] = []
    for text in texts:
        if packed and segments(packed[-1] + "\n" + text) <= segments(packed[-1]) + segments(text):
            packed[-1] += "\n" + text
        else:
            packed.append(text)
    return packed
