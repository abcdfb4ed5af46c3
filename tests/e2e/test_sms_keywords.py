"""Carrier keywords on the SMS (callback) channel, through the real stack (issue 16): STOP and its kin opt the
number out with one confirmation and then nothing more, HELP is always answered, START opts back in and the
screening carries on where it was; on the REST channel "stop" is still the conversation's."""
import time

import pytest
import requests

from tests.conftest import Chat, SmsChat
from tests.e2e.test_callback_channel import phone_sender, queued, sms, texts

OPTED_OUT = ("You have opted out: this trial prescreening assistant will send you no more messages. Your answers "
             "are kept. Reply START to opt back in, HELP for help.")
OPTED_OUT_ZH = "您已退订，本预筛选助手不会再给您发短信。您的回答仍会保留。回复START可重新接收，回复“帮助”获取帮助。"
WHO = ("This is the automated prescreening assistant for the carbon-ion radiotherapy and camrelizumab trial at "
       "Shanghai Proton and Heavy Ion Center.")


def silence(stack, gateway, phone, text, wait=2.0):
    """Send one SMS that should get no answer; return whatever the gateway received for the number meanwhile."""
    before = len(gateway.for_recipient(phone))
    response = requests.post(f"{stack.settings.rasa_url}/webhooks/callback/webhook",
                             json={"sender": phone, "message": text}, timeout=30)
    assert response.ok, response.text
    time.sleep(wait)
    return gateway.for_recipient(phone)[before:]


def user_turns(chat):
    return [e for e in chat.events() if e["event"] == "user"]


def at_question_two(stack, gateway):
    chat = SmsChat(stack, phone_sender())
    sms(stack, gateway, chat.phone, "hi", expect_at_least=2)
    sms(stack, gateway, chat.phone, "1")
    assert "Q2 of 25:" in texts(sms(stack, gateway, chat.phone, "52"))
    return chat


def test_stop_mid_screening_one_confirmation_then_nothing_until_start_and_the_screening_carries_on(stack, sms_gateway):
    chat = at_question_two(stack, sms_gateway)
    slots, screening, turns = chat.slots(), chat.screening(), len(user_turns(chat))
    assert slots["current_criterion"] == "distant_metastasis"

    reply = sms(stack, sms_gateway, chat.phone, "STOP", timeout=10)
    time.sleep(1)
    assert [m["text"] for m in sms_gateway.for_recipient(chat.phone)[-1:]] == [OPTED_OUT]
    assert texts(reply) == OPTED_OUT  # exactly one message
    # not a turn of the conversation: nothing stored, the screening where it was
    assert len(user_turns(chat)) == turns and chat.slots() == slots and chat.screening() == screening

    for text in ("2", "hello?", "stop", "delete my data"):  # no answer at all, and not read
        assert silence(stack, sms_gateway, chat.phone, text) == []
    assert len(user_turns(chat)) == turns and chat.slots() == slots and chat.screening() == screening

    help_ = sms(stack, sms_gateway, chat.phone, "help", expect_at_least=2)  # HELP is answered, opted out or not
    assert [m["text"] for m in help_] == [WHO, "You have opted out. Reply START to get messages again; to delete "
                                               "your answers, reply START, then \"delete my data\"."]
    assert len(user_turns(chat)) == turns

    back = sms(stack, sms_gateway, chat.phone, "Start")
    assert [m["text"] for m in back] == [
        "You have opted back in to the trial prescreening assistant. Send any message to carry on where you left "
        "off. Reply STOP to opt out, HELP for help."]
    assert chat.slots() == slots
    assert "Q3 of 25:" in texts(sms(stack, sms_gateway, chat.phone, "2"))  # carries on at question 2
    assert chat.slots()["screening_answers"]["distant_metastasis"]["answer"] == "no"
    assert not [r for r in queued(chat) if r["state"] != "cancelled"]


def test_replies_queued_before_stop_are_never_delivered(stack, sms_gateway):
    chat = SmsChat(stack, phone_sender())
    sms_gateway.script = [503] * 1000  # the gateway refuses everything for now
    try:
        requests.post(f"{stack.settings.rasa_url}/webhooks/callback/webhook",
                      json={"sender": chat.phone, "message": "hi"}, timeout=30).raise_for_status()
        deadline = time.monotonic() + 20
        while not [m for m in sms_gateway.refused if m["recipient_id"] == chat.phone] and time.monotonic() < deadline:
            time.sleep(0.05)
        waiting = queued(chat)
        assert len(waiting) >= 1 and {r["state"] for r in waiting} == {"pending"}  # the intro (one packed message), not taken yet
        requests.post(f"{stack.settings.rasa_url}/webhooks/callback/webhook",
                      json={"sender": chat.phone, "message": "Stop."}, timeout=30).raise_for_status()
        rows = queued(chat)
        assert [(r["state"], r["kind"]) for r in rows] == [("cancelled", "turn")] * len(waiting) + [("pending", "keyword")]
    finally:
        sms_gateway.script.clear()  # the gateway takes messages again: the relay retries what waits
    deadline = time.monotonic() + 30
    while not sms_gateway.for_recipient(chat.phone) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # anything cancelled that still went out would arrive now
    assert [m["text"] for m in sms_gateway.for_recipient(chat.phone)] == [OPTED_OUT]
    assert [r["state"] for r in queued(chat)] == ["cancelled"] * len(waiting)


@pytest.mark.parametrize("word", ["UNSUBSCRIBE", "cancel", "End", "quit!", "stop", "STOPALL", "td"])
def test_every_opt_out_word_in_any_case_opts_out(stack, sms_gateway, word):
    chat = SmsChat(stack, phone_sender())
    sms(stack, sms_gateway, chat.phone, "hi", expect_at_least=2)
    assert texts(sms(stack, sms_gateway, chat.phone, word, timeout=10)) == OPTED_OUT
    assert silence(stack, sms_gateway, chat.phone, "1", wait=1.5) == []
    assert chat.slots()["screening_consent"] is not True  # the "1" (consent) was not read


def test_a_chinese_opt_out_is_confirmed_in_chinese_and_help_in_the_conversations_language(stack, sms_gateway):
    chat = SmsChat(stack, phone_sender())
    sms(stack, sms_gateway, chat.phone, "你好", expect_at_least=2)
    assert chat.slots()["language"] == "zh"
    who, how = sms(stack, sms_gateway, chat.phone, "HELP", expect_at_least=2)
    assert who["text"] == "这是上海市质子重离子医院碳离子放疗联合卡瑞利珠单抗研究的自动预筛选助手。" and "暂停" in how["text"]
    assert texts(sms(stack, sms_gateway, chat.phone, "退订")) == OPTED_OUT_ZH
    assert silence(stack, sms_gateway, chat.phone, "1", wait=1.5) == []


def test_help_is_answered_without_becoming_a_turn(stack, sms_gateway):
    chat = at_question_two(stack, sms_gateway)
    turns, slots = len(user_turns(chat)), chat.slots()
    reply = sms(stack, sms_gateway, chat.phone, "INFO", expect_at_least=2)
    assert [m["text"] for m in reply] == [WHO, "Say \"pause\" to pause the questions, \"delete my data\" to delete your "
                                               "answers, or STOP to get no more messages."]
    assert len(user_turns(chat)) == turns and chat.slots() == slots
    assert "Q3 of 25:" in texts(sms(stack, sms_gateway, chat.phone, "2"))


def test_start_from_a_number_that_has_not_opted_out_is_the_conversations(stack, sms_gateway):
    chat = SmsChat(stack, phone_sender())
    reply = sms(stack, sms_gateway, chat.phone, "start", expect_at_least=1)
    assert "opted" not in texts(reply) and "prescreen" in texts(reply)
    assert len(user_turns(chat)) == 1


def test_stop_on_the_rest_channel_is_still_the_conversations_own(stack, chat):
    chat.say("hello")
    chat.say("yes, let's start")
    assert "Question 2 of 25" in texts_of(chat.say("52"))
    reply = chat.say("stop")
    assert reply and "opted" not in chat.texts
    assert [e.get("text") for e in user_turns(chat)][-1] == "stop"  # a turn of the conversation


def texts_of(messages):
    return "\n".join(m.get("text", "") for m in messages)
