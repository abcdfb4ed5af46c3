"""Erasure through the real stack: a canary planted in a conversation is gone from every table afterwards,
and the study team is told to delete the referral it already received."""
import random
import string
import time
import uuid

from sqlalchemy import MetaData, select

from bot import store
from tests.conftest import Chat
from tests.e2e.test_conversations import answer_until_done, begin
from tests.e2e.test_handoff import wait_delivered


def tables_holding(stack, needle):
    """The tables of the stack's database with a row whose text contains `needle`."""
    engine = store._engine(stack.settings.database_url)
    metadata = MetaData()
    metadata.reflect(bind=engine)
    found = set()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if any(needle in repr(tuple(row)) for row in connection.execute(select(table))):
                found.add(table.name)
    return sorted(found)


def test_erase_removes_every_trace_and_notifies_the_study_team(stack, chat, study_team, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", stack.settings.database_url)
    canary = f"canary{uuid.uuid4().hex[:10]}"
    begin(chat)
    answer_until_done(chat, {"prior_imrt": f"I had 70 Gy in 2021 {canary}"})
    for text in ["yes", "Ana Lopez", "by e-mail", "ana@example.com", f"evenings {canary}", "yes"]:
        chat.say(text)
    reference = chat.slots()["referral_reference"]
    wait_delivered(study_team, reference)
    with store.unit_of_work() as db:  # a coordinator's note on the referral
        referral = db.execute(select(store.Referral).where(store.Referral.reference == reference)).scalar_one()
        db.add(store.ReferralChange(referral_id=referral.id, by="maria", from_status="new", to_status="contacted",
                                    note=f"called about {canary}"))
    assert tables_holding(stack, canary) == ["events", "outbox", "referral_changes", "referrals",
                                             "screening_answers"]

    done = chat.command("erase", chat.sender)
    assert done.returncode == 0, done.stderr
    assert "1 referrals" in done.stdout and "1 screenings" in done.stdout and "1 erasure_notices" in done.stdout
    assert tables_holding(stack, canary) == []
    assert chat.screening() is None and chat.referrals() == []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
            p["type"] == "referral.erased" and p["data"]["reference"] == reference for p in study_team.applied.values()):
        time.sleep(0.3)
    assert any(p["type"] == "referral.erased" and p["data"] == {"reference": reference, "trial_id": "NCT04143984"}
               for p in study_team.applied.values())
    chat.say("hello")  # the conversation starts afresh
    assert "prescreen" in chat.texts and chat.slots()["screening_answers"] == {}


def test_erasing_an_unknown_conversation_says_so(chat):
    done = chat.command("erase", f"nobody-{uuid.uuid4().hex}")
    assert done.returncode == 0 and "nothing was stored" in done.stdout


def test_delete_my_data_in_the_chat_asks_first_then_erases_every_trace(stack, chat):
    canary = f"canary{uuid.uuid4().hex[:10]}"
    begin(chat)
    chat.say("I'm 45")
    chat.say(f"no {canary}")  # a recorded answer, in the volunteer's own words
    assert tables_holding(stack, canary) == ["events", "screening_answers"]

    chat.say("please delete my personal data")
    assert "Do you want me to delete your answers" in chat.texts
    assert [b["title"] for b in chat.last[-1]["buttons"]] == ["Yes, delete everything", "No, keep it"]
    chat.say("no")
    assert "haven't deleted anything" in chat.texts and "Question 3 of 25" in chat.texts
    assert tables_holding(stack, canary) == ["events", "screening_answers"]

    chat.say("please delete my personal data")
    chat.say("yes")
    assert "Done: I've deleted your answers and this conversation" in chat.texts
    assert tables_holding(stack, canary) == []
    assert chat.screening() is None
    chat.say("hello")  # a new conversation, with nothing of the old one
    assert "prescreen" in chat.texts and chat.slots()["screening_answers"] == {}
    assert chat.slots()["screening_consent"] is None


def test_delete_my_data_while_giving_contact_details_leaves_the_form_and_erases(stack, chat):
    canary = "Canary" + "".join(random.choice(string.ascii_lowercase) for _ in range(10))  # a valid name
    begin(chat)
    answer_until_done(chat)
    chat.say("yes")  # may the study team contact you
    chat.say(f"Ana {canary}")  # name
    assert tables_holding(stack, canary) == ["events"]
    chat.say("delete my info")
    assert "Do you want me to delete" in chat.texts
    chat.say("Yes, delete everything")
    assert "Done: I've deleted" in chat.texts
    assert tables_holding(stack, canary) == [] and chat.referrals() == []


def test_erasure_on_postgresql_leaves_no_trace_in_any_table(pg_stack):
    """The command and the chat, on the PostgreSQL stack: the canary is in no table afterwards."""
    for how in ("command", "chat"):
        chat = Chat(pg_stack, f"pg-erase-{how}-{uuid.uuid4().hex[:8]}")
        canary = f"canary{uuid.uuid4().hex[:10]}"
        begin(chat)
        chat.say("I'm 45")
        chat.say(f"no {canary}")
        assert tables_holding(pg_stack, canary) == ["events", "screening_answers"]
        if how == "command":
            assert chat.command("erase", chat.sender).returncode == 0
        else:
            chat.say("please delete my personal data")
            chat.say("yes")
            assert "Done: I've deleted" in chat.texts
        assert tables_holding(pg_stack, canary) == [], how
