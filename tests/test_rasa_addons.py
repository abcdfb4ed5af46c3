"""The Rasa-side guards (rasa_addons/), on Rasa's own objects, without a server."""
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.nlu import GuardedIntent, MessageGuard, readable
from rasa_addons.policy import next_action
from rasa_addons.tracker_store import without_text_before_consent

DOMAIN = Domain.load(Path(__file__).resolve().parents[1] / "domain.yml")


def test_readable_drops_escapes_control_and_invisible_characters_only():
    assert readable("\x00\x01\x1b[31m") == ""
    assert readable("he\u200bllo \u202eabc\u202c caf\u00e9 \U0001f600") == "hello abc caf\u00e9 \U0001f600"


def guarded(text):
    message = Message({"text": text})
    MessageGuard().process([message])
    return message


def test_oversized_and_letterless_messages_skip_the_model_and_become_nlu_fallback():
    for text in ["yes " * 600, "\U0001f44d\U0001f44d", "\u200b\u200d", "\x1b[31m", "!!!"]:
        message = guarded(text)
        assert message.get("text") == "unreadable"
        GuardedIntent().process([message])
        assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert guarded("yes\u200b please").get("text") == "yes please"
    assert guarded("45").get("intent") is None  # left to the model


def tracker(*events):
    return DialogueStateTracker.from_events("someone", list(events), slots=DOMAIN.slots)


def test_trouble_after_a_custom_action_that_produced_nothing_then_listen():
    failed = tracker(UserUttered("no", {"name": "deny"}), ActionExecuted("action_reply"))
    assert next_action(failed, DOMAIN) == "utter_trouble"
    told = tracker(UserUttered("no"), ActionExecuted("action_reply"), ActionExecuted("utter_trouble"),
                   BotUttered("Sorry"))
    assert next_action(told, DOMAIN) == "action_listen"
    succeeded = tracker(UserUttered("no"), ActionExecuted("action_reply"), SlotSet("trial_id", "NCT04143984"),
                        BotUttered("Question 3"))
    assert next_action(succeeded, DOMAIN) is None
    assert next_action(tracker(UserUttered("no"), ActionExecuted("utter_ask_contact_name")), DOMAIN) is None


def test_trouble_while_the_database_is_unavailable():
    stand_in = tracker(SlotSet("service_unavailable", True), UserUttered("no"))
    assert next_action(stand_in, DOMAIN) == "utter_trouble"


def test_text_is_kept_only_while_the_conversation_has_consented():
    events = [UserUttered("hi I'm 45", {"name": "greet"}, [{"entity": "age", "value": "45"},
                                                           {"entity": "trial_id", "value": "NCT04143984"}]),
              SlotSet("screening_consent", True), UserUttered("I'm 45"),
              SlotSet("screening_consent", False), UserUttered("my email is a@b.c"),
              SessionStarted(), UserUttered("hello again")]
    kept = [e for e in without_text_before_consent(events) if isinstance(e, UserUttered)]
    assert [e.text for e in kept] == ["", "I'm 45", "", ""]
    assert kept[0].entities == [{"entity": "trial_id", "value": "NCT04143984"}]
    assert kept[0].intent_name == "greet" and "45" not in str(kept[0].parse_data)
