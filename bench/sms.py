"""SMS segments per screening, in each language (issue 14). Prints figures; asserts nothing.

    .venv/bin/python bench/sms.py

Drives the conversation core (bot/conversation.py, the same code the action server runs) through a
whole screening as a text-only channel sends it: every bot message as `plain_text` (the choices as
"Reply 1 for ..."), for a volunteer who may qualify, one who answers Not sure twice, and one ruled
out at the second question. Counts the SMS segments each message costs: a message in the GSM 7-bit
alphabet fits 160 characters (153 a part when split); any other character (Chinese, curly quotes)
makes it UCS-2, 70 characters (67 a part).
"""
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import conversation as c  # noqa: E402
from bot.conversation import State  # noqa: E402
from bot.protocol import load_protocol  # noqa: E402

# GSM 03.38: the basic alphabet, and the extension characters that cost two septets.
GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
                "¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> int:
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        septets = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return 1 if septets <= 160 else -(-septets // 153)
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)  # UTF-16 code units
    return 1 if units <= 70 else -(-units // 67)


REPLIES = {
    "en": {"hello": "hi", "consent": "1", "age": "45", "yes": "1", "no": "2", "not_sure": "3"},
    "zh": {"hello": "你好", "consent": "1", "age": "45", "yes": "1", "no": "2", "not_sure": "3"},
}


def screening(protocol, language: str, overrides=None):
    """Every message a text-only channel sends in one screening, as sent."""
    said = REPLIES[language]
    overrides = overrides or {}
    turn = c.message(protocol, State(), said["hello"], "greet")
    sent = [c.plain_text(r) for r in turn.replies]
    turn = c.message(protocol, replace(turn.state, choices=c.offered_choices(turn.replies)), said["consent"], None)
    sent += [c.plain_text(r) for r in turn.replies]
    while turn.state.current:
        criterion = protocol.by_id[turn.state.current]
        key = overrides.get(criterion.id) or ("age" if criterion.answer_type == "number"
                                              else "yes" if criterion.met_when == "yes" else "no")
        state = replace(turn.state, choices=c.offered_choices(turn.replies))
        turn = c.message(protocol, state, said[key], None)
        if turn.state.pending:  # a typed knock-out is read back: confirm it
            turn = c.message(protocol, replace(turn.state, choices=c.offered_choices(turn.replies)), "1", None)
        sent += [c.plain_text(r) for r in turn.replies]
    return sent


def main() -> None:
    protocol = load_protocol("NCT04143984")
    personas = {"may qualify": None, "two Not sure": {"hiv": "not_sure", "hepatitis": "not_sure"},
                "ruled out at question 2": {"distant_metastasis": "yes"}}
    print(f"{'persona':26} {'language':9} {'messages':>9} {'characters':>11} {'segments':>9} {'longest':>8}")
    for name, overrides in personas.items():
        for language in ("en", "zh"):
            sent = screening(protocol, language, overrides)
            counts = [segments(m) for m in sent]
            print(f"{name:26} {language:9} {len(sent):9d} {sum(len(m) for m in sent):11d} {sum(counts):9d} "
                  f"{max(counts):8d}")


if __name__ == "__main__":
    main()
