"""An SMS-style exchange over Rasa's callback channel: plain text, numbered replies, every message delivered."""
import time

import requests

from tests.e2e.test_conversations import PROTOCOL


def sms(stack, gateway, sender, text, expect_at_least=1, timeout=20):
    """Send one SMS to the bot; return the bot messages the gateway received for it."""
    before = len(gateway.for_recipient(sender))
    response = requests.post(f"{stack.settings.rasa_url}/webhooks/callback/webhook",
                             json={"sender": sender, "message": text}, timeout=30)
    assert response.ok, response.text
    deadline = time.monotonic() + timeout
    while len(gateway.for_recipient(sender)) < before + expect_at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let any further message of the same turn arrive
    return gateway.for_recipient(sender)[before:]


def texts(messages):
    return "\n".join(m["text"] for m in messages)


def test_short_screening_by_sms_with_numbered_replies(stack, sms_gateway, chat):
    sender = chat.sender
    intro = sms(stack, sms_gateway, sender, "hi", expect_at_least=2)
    assert "prescreen" in texts(intro) and "(Reply 1 for Yes, let's start, 2 for No, thanks, 3 for 中文.)" in texts(intro)
    assert all(not m.get("buttons") for m in intro)  # no buttons on a text-only channel

    age = sms(stack, sms_gateway, sender, "1")
    assert "Question 1 of 25" in texts(age) and "Reply 1 for Not sure" in texts(age)
    question = sms(stack, sms_gateway, sender, "52")
    assert PROTOCOL.by_id["distant_metastasis"].question in texts(question)
    assert "(Reply 1 for Yes, 2 for No, 3 for Not sure.)" in texts(question)
    sms(stack, sms_gateway, sender, "2")  # no spread
    sms(stack, sms_gateway, sender, "3")  # not sure about the dose
    sms(stack, sms_gateway, sender, "1")  # recurrence > 6 months
    verdict = sms(stack, sms_gateway, sender, "1")  # other treatment for the recurrence: rules out
    assert "would not qualify" in texts(verdict) and "Reply 1 for Go back and change it" in texts(verdict)

    slots = chat.slots()
    answers = slots["screening_answers"]
    assert {k: v["answer"] for k, v in answers.items()} == {
        "age": 52, "distant_metastasis": "no", "prior_imrt": "not_sure", "recurrence_interval": "yes",
        "other_treatment": "yes"}
    assert slots["screening_verdict"] == "likely_ineligible"
    # every bot message of the conversation reached the gateway, in the tracker's order
    tracker = requests.get(f"{stack.settings.rasa_url}/conversations/{sender}/tracker",
                           params={"token": stack.settings.token}, timeout=10).json()
    sent = [e["text"] for e in tracker["events"] if e["event"] == "bot"]
    assert [m["text"] for m in sms_gateway.for_recipient(sender)] == sent


def test_numbers_outside_a_question_are_not_answers(stack, sms_gateway, chat):
    sender = chat.sender
    sms(stack, sms_gateway, sender, "hi", expect_at_least=2)
    sms(stack, sms_gateway, sender, "1")
    reply = sms(stack, sms_gateway, sender, "2")  # the age question offers one choice only
    assert "does not look like an age" in texts(reply)
    assert chat.slots()["screening_answers"] == {}
