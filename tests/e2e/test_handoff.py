"""The study-contact handoff over the real servers: consent, the contact form, the referral, delivery."""
import time

from tests.e2e.test_conversations import PROTOCOL, answer_until_done, begin


def wait_delivered(study_team, reference, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for payload in list(study_team.applied.values()):
            if payload["data"]["reference"] == reference:
                return payload
        time.sleep(0.2)
    raise AssertionError(f"{reference} never reached the study team")


def contact_slots(chat):
    slots = chat.slots()
    return {k: v for k, v in slots.items() if k.startswith("contact_") and k != "contact_consent"}


def test_eligible_volunteer_is_referred_and_delivered_once(chat, study_team):
    begin(chat)
    answer_until_done(chat)
    assert chat.slots()["screening_verdict"] == "likely_eligible"
    assert "contact you about this trial" in chat.texts
    chat.say("yes please")
    assert chat.slots()["contact_consent"] is True
    assert "Please type just your name" not in chat.texts and "doesn't look like" not in chat.texts
    assert chat.slots()["requested_slot"] == "contact_name" and "What name" in chat.texts
    chat.say("My name is Ana Lopez")
    assert chat.slots()["contact_name"] == "Ana Lopez"
    chat.say("either is fine")
    assert chat.slots()["requested_slot"] == "contact_email"
    chat.say("ana@example")
    assert "doesn't look like an e-mail address" in chat.texts
    assert chat.slots()["contact_email"] is None and chat.slots()["requested_slot"] == "contact_email"
    chat.say("it's ana.lopez@example.com")
    chat.say("138 0013 8000")
    assert chat.slots()["contact_phone"] == "+8613800138000"
    chat.say("weekday mornings")
    assert "Please check your details" in chat.texts and "+8613800138000" in chat.texts
    assert chat.slots()["requested_slot"] is None
    chat.say("change my phone number")
    assert chat.slots()["requested_slot"] == "contact_phone" and chat.slots()["contact_phone"] is None
    chat.say("+44 20 7946 0958")
    assert "Please check your details" in chat.texts and "+442079460958" in chat.texts
    chat.say("yes, send it")
    reference = chat.slots()["referral_reference"]
    assert reference and reference in chat.texts and "next few days" in chat.texts
    assert "informed consent" in chat.texts

    [referral] = chat.referrals()
    assert referral["reference"] == reference and referral["verdict"] == "likely_eligible"
    assert (referral["contact_name"], referral["contact_email"], referral["contact_phone"]) == (
        "Ana Lopez", "ana.lopez@example.com", "+442079460958")
    payload = wait_delivered(study_team, reference)
    assert payload["data"]["contact"]["phone"] == "+442079460958"
    assert len(payload["data"]["answers"]) == 25 and study_team.bad_signatures == 0
    ids = [i for i, p in study_team.applied.items() if p["data"]["reference"] == reference]
    assert len(ids) == 1 and study_team.received.count(ids[0]) == 1
    deadline = time.monotonic() + 10
    while chat.referrals()[0]["delivery"]["state"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert chat.referrals()[0]["delivery"]["state"] == "delivered"


def test_declining_contact_leaves_no_contact_data(chat):
    begin(chat)
    answer_until_done(chat)
    chat.say("no thanks")
    slots = chat.slots()
    assert slots["contact_consent"] is False and slots["screening_verdict"] == "likely_eligible"
    assert all(v is None for v in contact_slots(chat).values())
    assert "no one will contact you" in chat.texts
    assert chat.referrals() == []


def test_needs_review_referral_carries_flags_and_doctor_checklist(chat, study_team):
    begin(chat)
    answer_until_done(chat, {"prior_imrt": "I don't remember", "organ_function": "not sure"})
    assert chat.slots()["screening_verdict"] == "needs_review"
    for text in ["yes", "Li Wei", "by phone", "13800138000", "evenings"]:
        chat.say(text)
    assert "E-mail" not in chat.texts  # phone only: no e-mail asked or shown
    chat.say("yes")
    reference = chat.slots()["referral_reference"]
    assert PROTOCOL.by_id["prior_imrt"].doctor_check in chat.texts
    [referral] = chat.referrals()
    assert referral["flags"] == ["prior_imrt", "organ_function"]
    assert [i["check"] for i in referral["doctor_checklist"]] == [
        PROTOCOL.by_id["prior_imrt"].doctor_check, PROTOCOL.by_id["organ_function"].doctor_check]
    assert referral["contact_email"] is None and referral["contact_preferred_way"] == "phone"
    assert wait_delivered(study_team, reference)["data"]["flags"] == ["prior_imrt", "organ_function"]


def test_stop_during_contact_form_keeps_nothing(chat):
    begin(chat)
    answer_until_done(chat)
    chat.say("yes")
    chat.say("Ana Lopez")
    chat.say("stop")
    slots = chat.slots()
    assert all(v is None for v in contact_slots(chat).values()) and slots["contact_consent"] is None
    assert "haven't sent anything" in chat.texts and chat.referrals() == []
    chat.say("yes, contact me")
    assert chat.slots()["requested_slot"] == "contact_name"


def test_after_the_referral_is_delivered_nothing_changes_it_or_its_screening(chat, study_team):
    """Issue item 10: after the referral was sent, "go back" and "start over" let the screening change to
    likely ineligible while the sent referral stayed likely eligible. Every way of changing answers is tried
    here, Rasa's own /back and /restart (which rewind the slots) included; after each, the stored screening
    still says exactly what the study team received, and the volunteer is told why nothing changed."""
    begin(chat)
    answer_until_done(chat)
    for text in ["yes please", "Ana Lopez", "by phone", "13800138000", "evenings", "yes, send it"]:
        chat.say(text)
    reference = chat.slots()["referral_reference"]
    sent = wait_delivered(study_team, reference)["data"]
    sent_answers = {a["criterion_id"]: {"answer": a["answer"], "text": a["text"]} for a in sent["answers"]}

    def unchanged(after):
        [referral] = chat.referrals()
        stored = chat.screening()
        assert (referral["reference"], referral["verdict"], sent["verdict"]) == (
            reference, "likely_eligible", "likely_eligible"), after
        assert (stored["verdict"], stored["status"], stored["current_criterion"]) == (
            "likely_eligible", "complete", None), after
        assert {cid: {"answer": a["answer"], "text": a["text"]} for cid, a in stored["answers"].items()} == (
            sent_answers), after

    def told():
        return reference in chat.texts and ("stay as they were sent" in chat.texts or "保持原样" in chat.texts)

    chat.say("/back")  # Rasa's built-in: rewinds the slots to before "yes, send it" (no reply of its own)
    unchanged("/back")
    chat.say("go back")
    unchanged("/back, go back")
    assert told(), chat.texts
    for text in ["/go_back", "start over", "yes", "/start_over", "2", "yes, it has spread to my lungs", "stop",
                 "continue", "change my phone number", "中文", "上一题", "English"]:
        chat.say(text)
        slots = chat.slots()
        assert (slots["referral_reference"], slots["screening_verdict"]) == (reference, "likely_eligible"), text
        unchanged(text)
    chat.say("/restart")  # Rasa's built-in: clears every slot
    unchanged("/restart")
    chat.say("hello")
    assert "Hello again" in chat.texts and reference in chat.texts
    for text in ["yes", "I'm 45", "yes, it has spread to my lungs", "yes"]:
        chat.say(text)
    unchanged("/restart, then answers")
    assert chat.slots()["referral_reference"] == reference
    assert [p["data"]["reference"] for p in study_team.applied.values()].count(reference) == 1
