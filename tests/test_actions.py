"""The rasa_sdk actions in the style of RasaHQ/financial-demo: CollectingDispatcher and Tracker.from_dict."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import SAVE_FAILED, ActionGoBack, ActionReply, ActionStart, ActionTrialInfo, ActionWhy
from bot import store

EMPTY_SLOTS = {"trial_id": None, "screening_consent": None, "current_criterion": None,
               "screening_answers": None, "screening_verdict": None}


def tracker(slots=None, text="", intent=None, confidence=1.0, entities=()):
    return Tracker.from_dict({
        "sender_id": "volunteer-1",
        "slots": {**EMPTY_SLOTS, **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "entities": list(entities)},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker_, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


CONSENTED = {"trial_id": "NCT04143984", "screening_consent": True, "current_criterion": "age",
             "screening_answers": {}}


def test_start_sets_trial_and_asks_for_consent_storing_nothing(database):
    messages, slots = run(ActionStart(), tracker(text="hello", intent="greet"))
    assert slots == {**EMPTY_SLOTS, "trial_id": "NCT04143984", "screening_answers": {}}
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/affirm", "/deny"]
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


def test_low_confidence_is_not_recorded(database):
    slots_before = {**CONSENTED, "current_criterion": "hiv"}
    messages, slots = run(ActionReply(), tracker(slots_before, text="yes maybe", intent="nlu_fallback"))
    assert slots["screening_answers"] == {} and slots["current_criterion"] == "hiv"
    assert "didn't understand" in messages[0]["text"]
    assert store.get_screening("volunteer-1") is None


def test_why_and_trial_info_keep_the_state(database):
    _, why_slots = run(ActionWhy(), tracker(CONSENTED, text="why do you ask", intent="ask_why"))
    messages, info_slots = run(ActionTrialInfo(), tracker(CONSENTED, text="who runs it", intent="ask_sponsor"))
    assert why_slots["current_criterion"] == info_slots["current_criterion"] == "age"
    assert "Shanghai Proton and Heavy Ion Center" in messages[0]["text"]


def test_go_back_moves_the_question(database):
    answered = {**CONSENTED, "current_criterion": "distant_metastasis",
                "screening_answers": {"age": {"answer": 45, "text": "45"}}}
    _, slots = run(ActionGoBack(), tracker(answered, text="go back", intent="go_back"))
    assert slots["current_criterion"] == "age" and slots["screening_answers"]["age"]["answer"] == 45


def test_failed_write_keeps_the_conversation_where_it_was(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'bot.db'}")
    messages, slots = run(ActionReply(), tracker(CONSENTED, text="45", intent="inform_number"))
    assert slots == {} and messages[0]["text"] == SAVE_FAILED
