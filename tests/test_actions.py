"""The rasa_sdk actions in the style of RasaHQ/financial-demo: CollectingDispatcher and Tracker.from_dict."""
import asyncio
from dataclasses import replace

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (ERASED_METADATA, SAVE_FAILED, ActionChangeContact, ActionContactSummary,
                             ActionEraseData, ActionLeaveContactForm, ActionReply, ActionStart, ValidateContactForm)


from actions.actions import (SAVE_FAILED, ActionChangeContact, ActionContactSummary, ActionLeaveContactForm,
                             ActionReply, ActionStart, ValidateContactForm, state_from_tracker)
from bot import referrals, store
from bot.conversation import State
from bot.screening import RecordedAnswer
from tests.unit.test_screening import eligible_answers

EMPTY_SLOTS = {"trial_id": None, "screening_consent": None, "current_criterion": None,
               "screening_answers": None, "screening_verdict": None, "contact_consent": None,
               "contact_name": None, "contact_preferred_way": None, "contact_email": None, "contact_phone": None,
               "contact_preferred_time": None, "referral_reference": None, "open_choices": None,
               "pending_answer": None, "last_unclear": None}


def tracker(slots=None, text="", intent=None, confidence=1.0, entities=(), active_loop=None, channel=None):
    """`channel`: the input channel of the latest message (its user event), as Rasa records it."""
    return Tracker.from_dict({
        "active_loop": {"name": active_loop} if active_loop else {},
        "sender_id": "volunteer-1",
        "slots": {**EMPTY_SLOTS, **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "entities": list(entities)},
        "events": [{"event": "user", "text": text, "input_channel": channel}] if channel else [],
        "paused": False, "followup_action": None,
        "latest_action_name": "action_listen",
    })


def run(action, tracker_, with_events=False):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker_, {})
    # the slots after the action: what it changed, over what the tracker had
    slots = {**tracker_.slots, **{e["name"]: e["value"] for e in events if e["event"] == "slot"}}
    return (dispatcher.messages, slots, events) if with_events else (dispatcher.messages, slots)


CONSENTED = {"trial_id": "NCT04143984", "screening_consent": True, "current_criterion": "age",
             "screening_answers": {}}


def test_start_sets_trial_and_asks_for_consent_storing_nothing(database):
    messages, slots = run(ActionStart(), tracker(text="hello", intent="greet"))
    assert slots == {**EMPTY_SLOTS, "trial_id": "NCT04143984", "screening_answers": {}, "language": "en",
                     "open_choices": ["/affirm", "/deny", '/set_language{"language": "zh"}']}
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/affirm", "/deny", '/set_language{"language": "zh"}']
    assert store.get_screening("volunteer-1") is None


def test_opening_message_may_name_the_trial(database):
    entity = {"entity": "trial_id", "value": "NCT04143984"}
    _, slots = run(ActionStart(), tracker(text='/greet{"trial_id": "NCT04143984"}', intent="greet",
                                          entities=[entity]))
    assert slots["trial_id"] == "NCT04143984"


def test_answer_sets_slots_and_is_stored(database):
    messages, slots = run(ActionReply(), tracker(CONSENTED, text="I'm 45", intent="inform_number"))
    assert slots["screening_answers"] == {"age": {"answer": 45, "text": "I'm 45"}}
    assert slots["current_criterion"] == "distant_metastasis"
    assert [b["title"] for b in messages[-1]["buttons"]] == ["Yes", "No", "Not sure"]
    stored = store.get_screening("volunteer-1")
    assert stored["answers"]["age"]["answer"] == 45 and stored["status"] == "in_progress"


def test_a_reply_the_bot_cannot_read_is_not_recorded(database):
    slots_before = {**CONSENTED, "current_criterion": "hiv"}
    messages, slots = run(ActionReply(), tracker(slots_before, text="hmm well", intent="nlu_fallback"))
    assert slots["screening_answers"] == {} and slots["current_criterion"] == "hiv"
    assert "couldn't tell whether that means yes or no" in messages[0]["text"]
    assert store.get_screening("volunteer-1") is None


def test_why_and_trial_info_keep_the_state(database):
    _, why_slots = run(ActionReply(), tracker(CONSENTED, text="why do you ask", intent="ask_why"))
    messages, info_slots = run(ActionReply(), tracker(CONSENTED, text="who runs it", intent="ask_sponsor"))
    assert why_slots["current_criterion"] == info_slots["current_criterion"] == "age"
    assert "Shanghai Proton and Heavy Ion Center" in messages[0]["text"]


def test_go_back_moves_the_question(database):
    answered = {**CONSENTED, "current_criterion": "distant_metastasis",
                "screening_answers": {"age": {"answer": 45, "text": "45"}}}
    _, slots = run(ActionReply(), tracker(answered, text="go back", intent="go_back"))
    assert slots["current_criterion"] == "age" and slots["screening_answers"]["age"]["answer"] == 45


def test_a_typed_answer_that_rules_out_is_read_back_before_it_is_stored(database):
    asked = {**CONSENTED, "current_criterion": "hiv"}
    messages, slots = run(ActionReply(), tracker(asked, text="I have HIV", intent="affirm"))
    assert slots["screening_answers"] == {} and slots["pending_answer"] == {
        "criterion": "hiv", "answer": "yes", "text": "I have HIV"}
    assert messages[0]["text"].startswith("Just to be sure:")
    assert store.get_screening("volunteer-1") is None
    _, confirmed = run(ActionReply(), tracker(slots, text="yes", intent="affirm"))
    assert confirmed["screening_answers"]["hiv"] == {"answer": "yes", "text": "I have HIV"}
    assert confirmed["pending_answer"] is None and confirmed["screening_verdict"] == "likely_ineligible"
    assert store.get_screening("volunteer-1")["answers"]["hiv"]["answer"] == "yes"


def test_failed_write_keeps_the_conversation_where_it_was(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'bot.db'}")
    messages, _, events = run(ActionReply(), tracker(CONSENTED, text="45", intent="inform_number"), with_events=True)
    assert events == [] and messages[0]["text"] == SAVE_FAILED


CONFIRMING_ERASURE = {**CONSENTED, "open_choices": ["/erase_data", "/deny"]}


def test_the_page_is_told_when_the_conversation_was_erased(database):
    """Issue item 7: on the page (socketio), the erasure's confirmation carries a marker for the page's script,
    which then forgets the conversation in the browser; asking to confirm carries none."""
    asked, _ = run(ActionEraseData(), tracker(CONSENTED, text="delete my data", intent="erase_data",
                                              channel="socketio"))
    assert not asked[0]["custom"] and [b["payload"] for b in asked[0]["buttons"]] == ["/erase_data", "/deny"]
    messages, slots = run(ActionEraseData(), tracker(CONFIRMING_ERASURE, text="/erase_data", intent="erase_data",
                                                     channel="socketio"))
    assert slots["conversation_erased"] is True
    [done] = messages
    assert done["text"] is None and done["custom"]["data"]["metadata"] == ERASED_METADATA == {"prescreen": "erased"}
    assert done["custom"]["data"]["text"].startswith("Done: I've deleted your answers")
    assert set(done["custom"]["data"]) == {"text", "metadata"}  # the widget shows it as a plain text message


def test_other_channels_get_the_erasure_as_text(database):
    for channel in ("rest", "callback", None):
        messages, slots = run(ActionEraseData(), tracker(CONFIRMING_ERASURE, text="/erase_data",
                                                         intent="erase_data", channel=channel))
        assert slots["conversation_erased"] is True
        assert messages[0]["text"].startswith("Done: I've deleted your answers") and not messages[0]["custom"]


ELIGIBLE = {"trial_id": "NCT04143984", "screening_consent": True, "current_criterion": None,
            "screening_answers": {k: v.to_dict() for k, v in eligible_answers().items()},
            "screening_verdict": "likely_eligible"}
CONTACT = {"contact_name": "Ana Lopez", "contact_preferred_way": "email", "contact_email": "ana@example.com",
           "contact_preferred_time": "mornings"}


def test_contact_consent_yes_starts_the_form(database):
    messages, slots, events = run(ActionReply(), tracker(ELIGIBLE, text="yes", intent="affirm"), with_events=True)
    assert slots["contact_consent"] is True
    assert {"event": "followup", "name": "contact_form", "timestamp": None} in events


def test_contact_consent_no_collects_nothing(database):
    messages, slots, events = run(ActionReply(), tracker(ELIGIBLE, text="no", intent="deny"), with_events=True)
    assert slots["contact_consent"] is False and not any(e["event"] == "followup" for e in events)
    assert all(slots[f] is None for f in CONTACT)


def test_form_asks_only_for_the_preferred_way(database):
    form = ValidateContactForm()
    t = tracker({**ELIGIBLE, "contact_consent": True, "contact_preferred_way": "phone"}, active_loop="contact_form")
    required = asyncio.run(form.required_slots([], CollectingDispatcher(), t, {}))
    assert required == ["contact_name", "contact_preferred_way", "contact_phone", "contact_preferred_time"]


def test_invalid_email_is_re_asked_with_a_hint_and_not_kept(database):
    dispatcher = CollectingDispatcher()
    result = ValidateContactForm().validate_contact_email("ana@example", dispatcher, tracker(ELIGIBLE), {})
    assert result == {"contact_email": None} and "name@example.com" in dispatcher.messages[0]["text"]
    ok = ValidateContactForm().validate_contact_phone("138 0013 8000", CollectingDispatcher(), tracker(ELIGIBLE), {})
    assert ok == {"contact_phone": "+8613800138000"}


def test_summary_then_confirm_creates_one_referral(database):
    ready = {**ELIGIBLE, "contact_consent": True, **CONTACT}
    messages, _ = run(ActionContactSummary(), tracker(ready))
    assert "ana@example.com" in messages[0]["text"] and messages[0]["buttons"][0]["payload"] == "/affirm"
    messages, slots = run(ActionReply(), tracker(ready, text="yes", intent="affirm"))
    reference = slots["referral_reference"]
    assert reference and reference in messages[0]["text"]
    [stored] = referrals.list_referrals()
    assert (stored["reference"], stored["contact_email"], stored["contact_phone"]) == (
        reference, "ana@example.com", None)


def test_change_contact_forgets_the_field_and_reopens_the_form(database):
    ready = {**ELIGIBLE, "contact_consent": True, **CONTACT}
    entity = {"entity": "contact_field", "value": "contact_email"}
    _, slots, events = run(ActionChangeContact(), tracker(ready, text="/change_contact", intent="change_contact",
                                                          entities=[entity]), with_events=True)
    assert slots["contact_email"] is None and slots["contact_name"] == "Ana Lopez"
    assert events[-1]["name"] == "contact_form"


def test_leaving_the_form_clears_contact_details_and_ends_the_loop(database):
    partial = {**ELIGIBLE, "contact_consent": True, "contact_name": "Ana Lopez"}
    _, slots, events = run(ActionLeaveContactForm(), tracker(partial, text="stop", intent="stop",
                                                             active_loop="contact_form"), with_events=True)
    assert slots["contact_name"] is None and slots["contact_consent"] is None
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


def test_cleared_contact_slots_are_not_validated_as_answers(database):
    dispatcher = CollectingDispatcher()
    assert ValidateContactForm().validate_contact_name(None, dispatcher, tracker(ELIGIBLE), {}) == {
        "contact_name": None}
    assert dispatcher.messages == []


# Issue item 10: the sent referral and the stored screening that backs it never disagree, whatever the slots say.

def referred_slots():
    """A referral sent through the actions, as on the real stack; returns the slots and the reference."""
    ready = {**ELIGIBLE, "contact_consent": True, **CONTACT}
    _, slots = run(ActionReply(), tracker(ready, text="yes", intent="affirm"))
    return slots, slots["referral_reference"]


def answers_of(stored):
    return {cid: {"answer": a["answer"], "text": a["text"]} for cid, a in stored["answers"].items()}


def test_the_referral_and_the_screening_it_is_made_from_are_stored_together(database, protocol):
    """One transaction: a screening whose last save failed (or never happened) is stored with the referral,
    so the two agree from the start."""
    state = State(trial_id="NCT04143984", consent=True, answers=eligible_answers(), verdict="likely_eligible",
                  contact_consent=True, contact=CONTACT)
    referrals.create_referral("volunteer-1", protocol, state)
    stored = store.get_screening("volunteer-1")
    assert stored is not None and stored["verdict"] == "likely_eligible" and stored["status"] == "complete"
    assert answers_of(stored) == ELIGIBLE["screening_answers"]


def test_a_screening_that_backs_a_sent_referral_is_never_changed(database, protocol):
    slots, _ = referred_slots()
    state = state_from_tracker(tracker(slots))
    store.save_screening("volunteer-1", protocol, state)  # the same screening: nothing changes, nothing refused
    changed = replace(state, answers={**state.answers, "distant_metastasis": RecordedAnswer("yes", "yes")},
                      verdict="likely_ineligible")
    with pytest.raises(Exception) as refused:
        store.save_screening("volunteer-1", protocol, changed)
    assert type(refused.value).__name__ == "ScreeningFrozen"
    stored = store.get_screening("volunteer-1")
    assert stored["verdict"] == "likely_eligible" and answers_of(stored) == ELIGIBLE["screening_answers"]


def test_slots_that_lost_the_referral_get_it_back_from_the_database(database):
    """Rasa's built-in /back rewinds the slots to before "yes, send it", /restart clears them, and the turn
    that stored the referral may fail to save them: the referral in the database still decides."""
    slots, reference = referred_slots()
    rewound = {**ELIGIBLE, "contact_consent": True, **CONTACT}  # /back: as before "yes, send it"
    for before, action, text, intent in [(rewound, ActionReply(), "go back", "go_back"),
                                         (rewound, ActionReply(), "yes, send it", "affirm"),
                                         (EMPTY_SLOTS, ActionStart(), "hello", "greet"),  # /restart
                                         (EMPTY_SLOTS, ActionReply(), "yes", "affirm"),
                                         (EMPTY_SLOTS, ActionReply(), "I'm 45", "inform_number")]:
        messages, after = run(action, tracker(before, text=text, intent=intent))
        assert after["referral_reference"] == reference, text
        assert (after["screening_answers"], after["screening_verdict"], after["current_criterion"]) == (
            slots["screening_answers"], "likely_eligible", None), text
        assert reference in messages[-1]["text"], text
        stored = store.get_screening("volunteer-1")
        assert stored["verdict"] == "likely_eligible" and answers_of(stored) == ELIGIBLE["screening_answers"]
    assert [r["reference"] for r in referrals.list_referrals()] == [reference]


def test_the_action_server_registers_every_custom_action_of_the_domain():
    """What `rasa run actions` does at start-up: an action class it cannot instantiate stops the server."""
    from pathlib import Path
    import yaml
    from rasa_sdk.executor import ActionExecutor
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["actions"]) <= set(executor.actions)
