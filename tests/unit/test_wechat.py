"""The WeChat channel's pure parts (bot/wechat.py, bot/senders.py): its conversation ids, message keys and
the one text a turn's messages become; no server, no database."""
import re

from bot import wechat
from bot.senders import wechat_id

OPENID = "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"


def test_the_conversation_id_is_an_hmac_of_the_openid_never_the_openid(monkeypatch):
    monkeypatch.setenv("SENDER_ID_KEY", "one key")
    conversation = wechat_id(OPENID)
    assert re.fullmatch(r"wx-[0-9a-f]{40}", conversation) and OPENID not in conversation
    assert wechat_id(f" {OPENID}\n") == conversation  # the same volunteer, however WeChat spaced it
    assert wechat_id(OPENID[:-1] + "d") != conversation
    assert wechat_id(OPENID, b"another key") != conversation


def test_a_message_key_names_neither_the_volunteer_nor_the_message(monkeypatch):
    monkeypatch.setenv("SENDER_ID_KEY", "one key")
    key = wechat.message_key(OPENID, "24602845726452346")
    assert re.fullmatch(r"[0-9a-f]{64}", key) and OPENID not in key and "24602845726452346" not in key
    assert wechat.message_key(OPENID, "24602845726452346") == key
    assert wechat.message_key(OPENID, "24602845726452347") != key
    assert wechat.message_key("o" + OPENID[1:-1] + "x", "24602845726452346") != key


def test_a_turns_messages_become_one_text_that_xml_can_hold():
    assert wechat.one_reply(["Thank you.", "", "  Question 1 of 25: ...\n(Reply 1 for Not sure.)  "]) == \
        "Thank you.\n\nQuestion 1 of 25: ...\n(Reply 1 for Not sure.)"
    assert wechat.one_reply(["a\x00b\x1b[31mc\x0bd", "tab\tand\nnewline stay"]) == "ab[31mcd\n\ntab\tand\nnewline stay"
    assert wechat.one_reply([]) == ""


def test_a_volunteer_who_sends_no_text_is_asked_to_type_in_their_language():
    assert wechat.not_text("en").startswith("Sorry, I can only read typed text here")
    assert "只能读懂打出来的文字" in wechat.not_text("zh")
    assert wechat.not_text(None) == wechat.not_text("en")
