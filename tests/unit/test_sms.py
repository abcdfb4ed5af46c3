"""bot/sms.py: the GSM 7-bit alphabet and SMS segment counts, on known examples (3GPP TS 23.038 / 23.040)."""
import pytest

from bot import sms

BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
         "¿abcdefghijklmnopqrstuvwxyzäöñüà")
EXTENSION = "^{}\\[~]|€\f"


def test_the_basic_set_and_the_extension_table_are_gsm7():
    assert len(BASIC) == 127  # 128 code points less the escape
    assert sms.is_gsm7(BASIC) and sms.is_gsm7(EXTENSION) and sms.is_gsm7("")
    assert [sms.septets(c) for c in BASIC] == [1] * len(BASIC)
    assert [sms.septets(c) for c in EXTENSION] == [2] * len(EXTENSION)


@pytest.mark.parametrize("text", ["It\u2019s", "\u201cstop\u201d", "wait\u2026", "ok \U0001F600", "\u00e7a va", "`",
                                  "tab\there", "\u9000\u8ba2", "\u00a0", "\x1b("])
def test_anything_else_is_not(text):
    # curly quotes, the ellipsis, emoji, a lower-case c cedilla (the basic set has the capital), a backtick,
    # a tab, Chinese, a no-break space; and the escape itself, which is not a character to send
    assert not sms.is_gsm7(text)


@pytest.mark.parametrize("text, expected", [
    ("", 1),
    ("Hello", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),  # then 153 a part
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("\u20ac" * 80, 1),  # an extension character counts two: 160 septets
    ("\u20ac" * 81, 2),
    ("a" * 159 + "[", 2),  # 161 septets
    ("a" * 152 + "\u20ac" + "a" * 152, 3),  # 306 septets, but the escape pair does not fit in part one's last septet
    ("\u4f60" * 70, 1),  # UCS-2: 70 in one
    ("\u4f60" * 71, 2),  # then 67 a part
    ("\u4f60" * 134, 2),
    ("\u4f60" * 135, 3),
    ("a" * 69 + "\u2019", 1),  # one curly quote makes the whole text UCS-2 ...
    ("a" * 70 + "\u2019", 2),  # ... so 71 characters that GSM-7 would send in one take two
    ("\U0001F600" * 35, 1),  # an emoji is a surrogate pair: two units
    ("\U0001F600" * 36, 2),
    ("a" * 66 + "\U0001F600" + "a" * 66, 3),  # 134 units, but the pair is not split between parts
])
def test_segments(text, expected):
    assert sms.segments(text) == expected


def test_length_counts_septets_or_utf16_units():
    assert sms.length("Hi {you}") == 10
    assert sms.length("\u9000\u8ba2 TD") == 5
    assert sms.length("\U0001F600") == 2
