"""The callback channel's replies (bot/callbacks.py) against a real gateway on 127.0.0.1 and a real SQLite
database: order per conversation, retries, giving up, leases, erasure, retention, and logs without text."""
import datetime as dt
import json
import logging
import time

import pytest
from sqlalchemy import text, update

from bot import callbacks, erasure, retention, store
from bot.callbacks import CallbackSettings, deliver, enqueue, list_replies, send_unqueued
from bot.stack import free_port
from tests.receiver import SmsGateway

A, B = "+8613900000001", "+8613900000002"  # senders are phone numbers on an SMS gateway


def message(recipient, text):
    return {"recipient_id": recipient, "text": text}


@pytest.fixture
def gateway():
    running = SmsGateway().start()
    yield running
    running.stop()


def settings_for(url, retry_for=60.0):
    return CallbackSettings(url=url, timeout=(1.0, 5.0), backoff_base=0.05, backoff_cap=0.2, retry_for=retry_for,
                            lease=5.0)


def dead_url():
    return f"http://127.0.0.1:{free_port()}/bot"


def with_conversation(*senders):
    """Rasa's `events` table holding these conversations (a reply given up on is kept only for one that exists)."""
    with store.unit_of_work() as db:
        db.execute(text("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)"))
        for sender in senders:
            db.execute(text("INSERT INTO events (sender_id, timestamp) VALUES (:s, :t)"),
                       {"s": sender, "t": time.time()})


def until_settled(settings, timeout=10):
    deadline = time.monotonic() + timeout
    while any(r["state"] == "pending" for r in list_replies()) and time.monotonic() < deadline:
        deliver(settings)
        time.sleep(0.05)
    return list_replies()


def test_replies_go_out_in_order_and_are_deleted_once_delivered(database, gateway):
    enqueue(A, [message(A, "a1"), message(A, "a2")])
    enqueue(B, [message(B, "b1")])
    enqueue(A, [message(A, "a3")])  # the next turn
    assert deliver(settings_for(gateway.url)) == {"delivered": 4}
    assert [m["text"] for m in gateway.for_recipient(A)] == ["a1", "a2", "a3"]
    assert [m["text"] for m in gateway.for_recipient(B)] == ["b1"]
    assert list_replies() == []


def test_a_failing_reply_holds_back_the_later_ones_of_its_conversation_only(database, gateway):
    enqueue(A, [message(A, "a1"), message(A, "a2")])
    enqueue(B, [message(B, "b1")])
    gateway.script = [503]  # a1's first attempt
    assert deliver(settings_for(gateway.url)) == {"retry": 1, "delivered": 1}
    assert [m["text"] for m in gateway.messages] == ["b1"]  # a2 waits behind a1
    rows = list_replies()
    assert [(r["recipient_id"], r["state"], r["attempts"], r["last_error"]) for r in rows] == [
        (A, "pending", 1, "HTTP 503"), (A, "pending", 0, None)]
    assert until_settled(settings_for(gateway.url)) == []
    assert [m["text"] for m in gateway.for_recipient(A)] == ["a1", "a2"]


def test_a_new_message_tries_the_conversations_waiting_replies_at_once(database, gateway):
    enqueue(A, [message(A, "a1")])
    enqueue(B, [message(B, "b1")])
    later = store.now() + dt.timedelta(hours=1)
    with store.unit_of_work() as db:  # both were tried and wait for their next retry, an hour away
        db.execute(update(store.CallbackReply).values(attempts=3, next_attempt_at=later))
    settings = settings_for(gateway.url)
    assert deliver(settings) == {}  # the relay: nothing is due
    assert deliver(settings, A, due_only=False) == {"delivered": 1}  # A wrote again: A's replies now
    assert [m["text"] for m in gateway.messages] == ["a1"] and len(list_replies()) == 1


def test_a_reply_another_sender_holds_is_not_sent_twice(database, gateway):
    enqueue(A, [message(A, "a1"), message(A, "a2")])
    with store.unit_of_work() as db:  # another sender has leased a1 and is sending it
        db.execute(update(store.CallbackReply).where(store.CallbackReply.id == 1)
                   .values(leased_until=store.now() + dt.timedelta(minutes=1)))
    assert deliver(settings_for(gateway.url)) == {}
    assert deliver(settings_for(gateway.url), A, due_only=False) == {}  # nor a2 before it
    assert gateway.messages == []


def test_given_up_after_the_retry_window_the_replies_are_failed_without_their_text(database, caplog):
    with_conversation(A)
    enqueue(A, [message(A, "Just to be sure: you are 75 years old?"), message(A, "a2")])
    caplog.set_level(logging.INFO, logger="bot.callbacks")
    rows = until_settled(settings_for(dead_url(), retry_for=0.5))
    assert [(r["state"], r["last_error"]) for r in rows] == [("failed", "could not connect")] * 2
    assert rows[0]["attempts"] > 1 and rows[1]["attempts"] >= 1  # a2 is tried once its turn comes
    for row in rows:  # no retry later than the window after the reply was written
        written, failed = (dt.datetime.fromisoformat(row[k].rstrip("Z")) for k in ("created_at", "failed_at"))
        assert (failed - written).total_seconds() < 0.5 + 1.0 and row["next_attempt_at"] is None
    with store.unit_of_work() as db:
        assert [r.body for r in db.query(store.CallbackReply)] == [None, None]
    assert deliver(settings_for(dead_url(), retry_for=0.5)) == {}  # given up is given up
    logged = caplog.text
    assert "given up, marked failed" in logged and "not delivered (attempt 1: could not connect)" in logged
    assert "75 years" not in logged and A not in logged and A[1:] not in logged


def test_given_up_for_an_erased_conversation_nothing_is_kept(database):
    enqueue(A, [message(A, "Done: I've deleted your answers and this conversation.")])  # no conversation any more
    assert until_settled(settings_for(dead_url(), retry_for=0.2)) == []


def test_a_status_no_retry_mends_is_failed_at_once(database, gateway):
    with_conversation(A)
    enqueue(A, [message(A, "a1")])
    gateway.script = [400]
    assert deliver(settings_for(gateway.url)) == {"failed": 1}
    assert [(r["state"], r["attempts"], r["last_error"]) for r in list_replies()] == [("failed", 1, "HTTP 400")]


def test_429_waits_as_long_as_retry_after_says(database, gateway):
    enqueue(A, [message(A, "a1")])
    gateway.script = [(429, {"Retry-After": "30"})]
    started = store.now()
    assert deliver(settings_for(gateway.url)) == {"retry": 1}
    row = list_replies()[0]
    waits = (dt.datetime.fromisoformat(row["next_attempt_at"].rstrip("Z")) - started).total_seconds()
    assert row["last_error"] == "HTTP 429" and 29 <= waits <= 31


def test_erasure_deletes_the_conversations_queued_and_failed_replies(database):
    with_conversation(A)
    enqueue(A, [message(A, "a1")])
    until_settled(settings_for(dead_url(), retry_for=0.2))  # failed
    enqueue(A, [message(A, "a2")])  # and one waiting
    enqueue(B, [message(B, "b1")])
    assert erasure.erase(A)["queued_replies"] == 2
    assert [r["recipient_id"] for r in list_replies()] == [B]


def test_retention_deletes_failed_replies_past_retention_only(database):
    with_conversation(A, B)
    enqueue(A, [message(A, "a1")])
    enqueue(B, [message(B, "b1")])
    until_settled(settings_for(dead_url(), retry_for=0.2))
    with store.unit_of_work() as db:
        db.execute(update(store.CallbackReply).where(store.CallbackReply.recipient_id == A)
                   .values(created_at=store.now() - dt.timedelta(days=31)))
    assert retention.purge(days=30).get("failed_replies") == 1
    assert [r["recipient_id"] for r in list_replies()] == [B]


def test_without_the_database_a_turns_replies_are_sent_once_and_a_failure_is_logged_without_text(gateway, caplog):
    messages = [message(A, "Thank you. Question 1 of 25"), message(A, "q2")]
    assert send_unqueued(settings_for(gateway.url), messages) == 2
    assert gateway.messages == messages
    assert send_unqueued(settings_for(dead_url()), messages) == 0
    assert "2 of a turn's 2 replies not delivered (could not connect) and not queued" in caplog.text
    assert "Question 1" not in caplog.text and A not in caplog.text


def test_the_replies_command_lists_them_without_text(database, capsys):
    from bot.__main__ import main

    enqueue(A, [message(A, "I have HIV")])
    assert main(["replies", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["recipient_id"], r["state"], r["attempts"]) for r in listed] == [(A, "pending", 0)]
    assert main(["replies"]) == 0
    out = capsys.readouterr().out
    assert A in out and "pending" in out and "HIV" not in out
    assert callbacks.DEFAULT_URL == "http://127.0.0.1:5034/bot"


# --- Opt-outs (issue 16): STOP cancels what waits, and nothing but a keyword's answer reaches the number ---

def stop(recipient):
    return callbacks.opt_out(recipient, "STOP", message(recipient, "You have opted out"))


def test_stop_cancels_the_waiting_replies_and_only_its_confirmation_goes_out(database, gateway):
    enqueue(A, [message(A, "Question 3 of 25"), message(A, "q3 hint")])
    enqueue(B, [message(B, "b1")])
    assert stop(A) is True
    rows = {r["id"]: r for r in list_replies()}
    assert [(r["recipient_id"], r["state"], r["kind"]) for r in rows.values()] == [
        (A, "cancelled", "turn"), (A, "cancelled", "turn"), (B, "pending", "turn"), (A, "pending", "keyword")]
    with store.unit_of_work() as db:  # the cancelled ones keep no text
        assert db.execute(text("SELECT count(*) FROM callback_replies WHERE body IS NULL")).scalar_one() == 2
    assert deliver(settings_for(gateway.url)) == {"delivered": 2}
    assert [m["text"] for m in gateway.for_recipient(A)] == ["You have opted out"]
    assert [m["text"] for m in gateway.for_recipient(B)] == ["b1"]
    assert stop(A) is False  # a second STOP: nothing more queued
    assert deliver(settings_for(gateway.url)) == {}
    assert callbacks.opted_out(A) and not callbacks.opted_out(B) and callbacks.opted_out_count() == 1


def test_a_turns_replies_queued_after_stop_are_never_sent_but_a_keywords_answer_is(database, gateway):
    stop(A)
    enqueue(A, [message(A, "Question 4 of 25")])  # a turn that was running when STOP arrived
    enqueue(A, [message(A, "This is the automated prescreening assistant")], kind=callbacks.KEYWORD)  # HELP
    assert [r["state"] for r in list_replies()] == ["pending", "cancelled", "pending"]
    assert deliver(settings_for(gateway.url)) == {"delivered": 2}
    assert [m["text"] for m in gateway.for_recipient(A)] == ["You have opted out",
                                                             "This is the automated prescreening assistant"]


def test_a_reply_slipped_in_pending_after_stop_is_cancelled_at_send_time(database, gateway):
    """On PostgreSQL a turn can commit its replies as pending just after STOP's transaction looked: the relay
    cancels them instead of sending."""
    stop(A)
    deliver(settings_for(gateway.url))
    with store.unit_of_work() as db:
        db.add(store.CallbackReply(recipient_id=A, body=json.dumps(message(A, "late")), next_attempt_at=store.now(),
                                   created_at=store.now()))
    assert deliver(settings_for(gateway.url)) == {"cancelled": 1}
    assert [m["text"] for m in gateway.for_recipient(A)] == ["You have opted out"]
    assert [r["state"] for r in list_replies()] == ["cancelled"]


class StopDuringThePost(__import__("requests").Session):
    """The HTTP client of `deliver`, whose first POST finds that the number sent STOP while it was on its way."""

    def post(self, *args, **kwargs):
        if not getattr(self, "stopped", False):
            self.stopped = True
            stop(A)
        return super().post(*args, **kwargs)


def test_a_reply_being_sent_when_stop_arrives_is_not_retried(database, gateway):
    enqueue(A, [message(A, "a1"), message(A, "a2")])
    gateway.script = [503]  # a1 is refused, as STOP arrives while it is on its way
    with StopDuringThePost() as http:
        outcome = deliver(settings_for(gateway.url), http=http)
    assert outcome == {"cancelled": 1, "delivered": 1}  # a1 not retried, a2 cancelled, the confirmation sent
    assert [m["text"] for m in gateway.for_recipient(A)] == ["You have opted out"]
    assert [r["state"] for r in list_replies()] == ["cancelled", "cancelled"]
    assert until_settled(settings_for(gateway.url)) == list_replies()


def test_start_opts_back_in_and_the_conversations_replies_flow_again(database, gateway):
    stop(A)
    assert callbacks.opt_in(A, message(A, "You have opted back in")) is True
    assert callbacks.opt_in(A, message(A, "again")) is False  # not opted out: nothing done
    enqueue(A, [message(A, "Question 4 of 25")])
    deliver(settings_for(gateway.url))
    assert [m["text"] for m in gateway.for_recipient(A)] == ["You have opted out", "You have opted back in",
                                                             "Question 4 of 25"]
    assert not callbacks.opted_out(A)


def test_two_stops_at_once_record_one_opt_out_and_one_confirmation(database):
    from concurrent.futures import ThreadPoolExecutor

    assert not callbacks.opted_out(A)  # (the database migrated before the threads start)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: stop(A), range(4)))
    assert results.count(True) == 1
    assert [r["kind"] for r in list_replies()] == ["keyword"]


def test_erasure_and_retention_keep_the_opt_out(database):
    """The opt-out is the record that the number must not be messaged; it holds the number's HMAC, no health data."""
    with_conversation(A)
    enqueue(A, [message(A, "a1")])
    stop(A)
    erasure.erase(A)
    assert list_replies() == [] and callbacks.opted_out(A)
    enqueue(B, [message(B, "b1")])
    stop(B)
    with store.unit_of_work() as db:
        db.execute(update(store.CallbackReply).values(created_at=store.now() - dt.timedelta(days=31)))
    assert retention.purge(days=30).get("cancelled_replies") == 1
    assert callbacks.opted_out(B) and callbacks.opted_out_count() == 2


def test_the_replies_command_shows_cancelled_replies_and_how_many_numbers_opted_out(database, capsys):
    from bot.__main__ import main

    enqueue(A, [message(A, "I have HIV")])
    stop(A)
    assert main(["replies"]) == 0
    out = capsys.readouterr().out
    assert "cancelled" in out and "(the number opted out)" in out and "HIV" not in out
    assert "1 SMS number opted out (STOP): nothing is sent to them" in out
