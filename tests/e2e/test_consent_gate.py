"""The consent gate, proven over the whole test run: no tracker event and no row of ours holds anything a
volunteer typed, or any answer or contact detail, from a time their conversation had not consented.

`test_no_data_from_a_conversation_without_consent` runs last (tests/conftest.py orders it), so it checks
what every end-to-end conversation of the run left in the shared stack's database.
"""
import json
import uuid

import pytest
import requests
from sqlalchemy import MetaData, select

from bot import store
from tests.conftest import Chat
from tests.e2e.test_erasure import tables_holding

PERSONAL_SLOTS = {"screening_answers", "contact_name", "contact_email", "contact_phone", "contact_preferred_time",
                  "contact_preferred_way", "screening_verdict"}


def violations(database_url):
    """(sender, what) for every piece of data stored while the conversation had not consented."""
    engine = store._engine(database_url)
    metadata = MetaData()
    metadata.reflect(bind=engine)
    events, found, consented_senders = metadata.tables["events"], [], set()
    with engine.connect() as connection:
        rows = connection.execute(select(events.c.sender_id, events.c.type_name, events.c.data)
                                  .order_by(events.c.sender_id, events.c.id)).all()
        consent = {}
        for sender, type_name, data in rows:
            event = json.loads(data)
            if type_name in ("session_started", "restart"):
                consent[sender] = False
            elif type_name == "slot" and event["name"] == "screening_consent":
                consent[sender] = event["value"] is True
                consented_senders.add(sender) if consent[sender] else None
            elif not consent.get(sender):
                if type_name == "user" and (event.get("text") or event["parse_data"].get("text")):
                    found.append((sender, f"typed text kept: {event['text'][:40]!r}"))
                if type_name == "user" and any(e.get("entity") != "trial_id" for e in event.get("parse_data", {})
                                               .get("entities", [])):
                    found.append((sender, "entity values kept"))
                if type_name == "slot" and event["name"] in PERSONAL_SLOTS and event["value"]:
                    found.append((sender, f"slot {event['name']} set"))
        for table in ("screenings", "referrals"):
            for (sender,) in connection.execute(select(metadata.tables[table].c.sender_id)):
                if sender not in consented_senders:
                    found.append((sender, f"a row in {table} without a consent event"))
    return found


def test_text_typed_before_consent_is_not_kept(stack, chat):
    canary = f"canary{uuid.uuid4().hex[:10]}"
    chat.say(f"hi, I'm 45 and I have HIV {canary}")
    chat.say(f"what is this about? {canary}")
    chat.say("no thanks")  # declines
    chat.say(f"actually my email is {canary}@example.com")
    assert chat.screening() is None
    texts = [e.get("text") for e in chat.events() if e["event"] == "user"]
    assert texts == ["", "", "", ""] and canary not in json.dumps(chat.events())
    assert (chat.sender, "typed text kept") not in [(s, w[:15]) for s, w in violations(stack.settings.database_url)]


def test_text_typed_after_consent_is_kept_exactly(stack, chat):
    chat.say("hello")
    chat.say("yes")
    chat.say("I'm 45 \u2014 na\u00efve caf\u00e9 \U0001f600")
    assert [e.get("text") for e in chat.events() if e["event"] == "user"] == [
        "", "", "I'm 45 \u2014 na\u00efve caf\u00e9 \U0001f600"]


def _post(chat, body):
    response = requests.post(f"{chat.stack.settings.rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def test_a_typed_payload_before_consent_keeps_no_text(stack, chat):
    """A button payload typed by hand carries text in its entities: only a real trial id is kept."""
    canary = f"canary{uuid.uuid4().hex[:10]}"
    chat.say('/greet{"trial_id": "I have HIV %s"}' % canary)
    chat.say('/ask_why{"note": "I have HIV %s"}' % canary)
    assert chat.texts.strip()  # still answered
    assert tables_holding(stack, canary) == []
    chat.say('/greet{"trial_id": "NCT04143984"}')  # a real trial id is not about the volunteer: it is kept
    assert any(e.get("value") == "NCT04143984" for event in chat.events() if event["event"] == "user"
               for e in event["parse_data"].get("entities", []))


def test_rest_metadata_is_never_kept(stack, chat):
    """The REST channel's `metadata` is not ours to keep: not before consent, and not after it either."""
    canary = f"canary{uuid.uuid4().hex[:10]}"
    _post(chat, {"sender": chat.sender, "message": "hello", "metadata": {"m": f"I have HIV {canary}"}})
    _post(chat, {"sender": chat.sender, "message": "yes", "metadata": {"m": f"I have HIV {canary}"}})
    _post(chat, {"sender": chat.sender, "message": "I'm 45", "metadata": {"m": f"I have HIV {canary}"}})
    assert chat.slots()["screening_answers"]["age"]["answer"] == 45
    assert tables_holding(stack, canary) == []


def test_back_at_the_consent_question_nothing_typed_is_kept(stack, chat):
    """Going back never opens a gap in the gate: at the first question there is nothing before it (the
    consent stands), and a volunteer who declined and comes back to the consent question is not kept
    until they consent again."""
    canary = f"canary{uuid.uuid4().hex[:10]}"
    chat.say("hello")
    chat.say("yes")
    chat.say("go back")
    assert chat.slots()["screening_consent"] is True and "first question" in chat.texts
    other = Chat(stack, f"{chat.sender}-declined")
    other.say("hello")
    other.say("no")
    other.say("go back")
    assert not other.slots()["screening_consent"]
    other.say(f"I have HIV {canary}")
    assert tables_holding(stack, canary) == []


@pytest.mark.last
def test_no_data_from_a_conversation_without_consent(stack):
    assert violations(stack.settings.database_url) == []
