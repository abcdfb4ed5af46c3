"""Delivery of referrals to a real receiver on 127.0.0.1: retries, outages, a killed relay, refusals."""
import base64
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import contact as c
from bot import referrals, store
from bot.conversation import State
from bot.outbox import RelaySettings, backoff, deliver_due
from bot.screening import RecordedAnswer
from bot.stack import free_port
from tests.receiver import Receiver
from tests.unit.test_screening import eligible_answers

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
CONTACT = {c.NAME: "Ana Lopez", c.WAY: "either", c.EMAIL: "ana@example.com", c.PHONE: "+8613800138000",
           c.TIME: "mornings"}


def referral_state(**changes):
    answers = {**eligible_answers(), "blood_counts": RecordedAnswer("not_sure", "no idea")}
    base = dict(trial_id="NCT04143984", consent=True, answers=answers, verdict="needs_review",
                contact_consent=True, contact=CONTACT)
    return State(**{**base, **changes})


@pytest.fixture
def referral(database, protocol):
    return referrals.create_referral("volunteer-1", protocol, referral_state())


@pytest.fixture
def receiver():
    running = Receiver(SECRET).start()
    yield running
    running.hang.clear()
    running.stop()


def settings_for(url):
    return RelaySettings(url=url, secret=SECRET, timeout=(1.0, 5.0), backoff_base=0.05, backoff_cap=0.2, lease=1.0)


def outbox_row():
    return referrals.list_referrals()[0]["delivery"]


def deliver_until_done(settings, timeout=10):
    deadline = time.monotonic() + timeout
    while outbox_row()["state"] == "pending" and time.monotonic() < deadline:
        deliver_due(settings)
        time.sleep(0.05)
    return outbox_row()


def test_referral_and_outbox_row_are_one_record(referral, protocol):
    listed = referrals.list_referrals()
    assert [r["reference"] for r in listed] == [referral]
    row = listed[0]
    assert (row["verdict"], row["flags"], row["status"]) == ("needs_review", ["blood_counts"], "new")
    assert row["doctor_checklist"][0]["check"] == protocol.by_id["blood_counts"].doctor_check
    assert row["contact_phone"] == "+8613800138000" and row["delivery"]["state"] == "pending"
    # the same conversation confirming again gets the same referral, not a second one
    assert referrals.create_referral("volunteer-1", protocol, referral_state()) == referral
    assert len(referrals.list_referrals()) == 1


def test_500_three_times_then_200_is_delivered_once(referral, receiver):
    receiver.script = [500, 500, 500]
    row = deliver_until_done(settings_for(receiver.url))
    assert (row["state"], row["attempts"]) == ("delivered", 4)
    assert receiver.received == [row["webhook_id"]] * 4 and list(receiver.applied) == [row["webhook_id"]]
    assert receiver.applied[row["webhook_id"]]["data"]["reference"] == referral
    assert receiver.bad_signatures == 0


def test_receiver_down_then_up_delivers_after_it_returns(referral):
    port = free_port()
    settings = settings_for(f"http://127.0.0.1:{port}/referrals")
    deliver_due(settings)
    row = outbox_row()
    assert (row["state"], row["attempts"], row["last_error"]) == ("pending", 1, "could not connect")
    time.sleep(0.3)
    deliver_due(settings)
    assert outbox_row()["attempts"] == 2
    receiver = Receiver(SECRET, port).start()
    try:
        row = deliver_until_done(settings)
        assert row["state"] == "delivered" and row["last_error"] is None
        assert receiver.received == [row["webhook_id"]] and len(receiver.applied) == 1
    finally:
        receiver.stop()


def test_relay_killed_between_send_and_commit_retries_with_the_same_id(referral, receiver, database):
    receiver.hang.set()  # the receiver gets the referral but the relay never hears back
    env = {**os.environ, "BOT_DATABASE_URL": database, "REFERRAL_WEBHOOK_URL": receiver.url,
           "REFERRAL_WEBHOOK_SECRET": SECRET, "REFERRAL_LEASE_SECONDS": "1"}
    relay = subprocess.Popen([sys.executable, "-m", "bot", "deliver"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    relay.send_signal(signal.SIGKILL)
    relay.wait()
    receiver.hang.clear()
    first_id = receiver.received[0]
    assert outbox_row()["state"] == "pending"  # nothing was committed
    assert deliver_due(settings_for(receiver.url))["delivered"] == 0  # the dead relay's lease still holds
    time.sleep(1.1)
    row = deliver_until_done(settings_for(receiver.url))
    assert row["state"] == "delivered" and receiver.received == [first_id, first_id]
    assert list(receiver.applied) == [first_id]  # the receiver de-duplicated the retry


def test_400_is_failed_with_the_reason_and_not_retried(referral, receiver):
    receiver.script = [400]
    settings = settings_for(receiver.url)
    deliver_due(settings)
    time.sleep(0.3)
    deliver_due(settings)
    row = outbox_row()
    assert (row["state"], row["attempts"]) == ("failed", 1)
    assert row["last_error"].startswith("HTTP 400") and len(receiver.received) == 1


def test_429_honours_retry_after(referral, receiver):
    receiver.script = [(429, {"Retry-After": "120"})]
    before = store.now()
    deliver_due(settings_for(receiver.url))
    with store.unit_of_work() as session:
        message = session.execute(select(store.OutboxMessage)).scalar_one()
        assert message.state == "pending" and message.next_attempt_at >= before + dt.timedelta(seconds=119)


def test_backoff_is_capped_exponential_with_jitter():
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (20, 300)]:
        delays = [backoff(attempts, 2, 300) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100  # jittered, not lock-step


def test_signature_from_another_secret_is_refused(referral, receiver):
    wrong = RelaySettings(url=receiver.url, secret="whsec_" + base64.b64encode(b"x" * 24).decode(),
                          backoff_base=0.05, backoff_cap=0.1)
    deliver_due(wrong)
    assert receiver.bad_signatures == 1 and not receiver.applied
    assert outbox_row()["state"] == "failed" and outbox_row()["last_error"].startswith("HTTP 401")


def test_url_without_secret_is_refused():
    with pytest.raises(ValueError, match="REFERRAL_WEBHOOK_SECRET"):
        deliver_due(RelaySettings(url="http://127.0.0.1:9/x", secret=None))
