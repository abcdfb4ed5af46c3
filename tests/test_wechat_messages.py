"""The WeChat messages lately answered (bot/wechat.py, table wechat_messages) on a real SQLite file: a copy
of a message runs no second turn, its reply is kept only briefly, erasure and retention take the rows."""
import datetime as dt
import threading

import pytest
from sqlalchemy import select

from bot import erasure, retention, store, wechat
from bot.store import WeChatMessage


@pytest.fixture(autouse=True)
def key(database, monkeypatch):
    monkeypatch.setenv("SENDER_ID_KEY", "test-key")


def rows():
    with store.unit_of_work() as db:
        return {r.key: (r.sender_id, r.reply) for r in db.execute(select(WeChatMessage)).scalars()}


def test_the_first_copy_claims_the_message_and_its_reply_serves_the_others():
    assert wechat.claim("k1", "wx-a") is True
    assert wechat.claim("k1", "wx-a") is False  # a copy
    assert wechat.reply_to("k1") is None  # its turn still runs
    wechat.answered("k1", "Question 1 of 25")
    assert wechat.reply_to("k1") == "Question 1 of 25"
    assert wechat.reply_to("unknown") is None
    wechat.release("k1")  # only a message whose turn failed is let go
    assert wechat.claim("k1", "wx-a") is False


def test_a_failed_turn_lets_a_retry_run_it():
    assert wechat.claim("k2", "wx-a")
    wechat.release("k2")
    assert wechat.claim("k2", "wx-a")


def test_of_copies_arriving_at_once_exactly_one_claims_the_message():
    wechat.claim("warm-up", "wx-a")  # the tables exist before the threads race
    results, start = [], threading.Barrier(8)

    def copy():
        start.wait()
        results.append(wechat.claim("k3", "wx-a"))

    threads = [threading.Thread(target=copy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False] * 7 + [True]


def test_a_reply_is_kept_a_minute_and_the_row_ten():
    start = store.now()
    wechat.claim("k4", "wx-a", now=start)
    wechat.answered("k4", "Your name: Ana")
    assert wechat.purge(start + dt.timedelta(seconds=wechat.REPLY_SECONDS - 1)) == 0
    assert rows()["k4"] == ("wx-a", "Your name: Ana")
    assert wechat.purge(start + dt.timedelta(seconds=wechat.REPLY_SECONDS + 1)) == 0
    assert rows()["k4"] == ("wx-a", "")  # answered, text gone: a late copy gets "success"
    assert wechat.reply_to("k4") == ""
    assert wechat.purge(start + dt.timedelta(seconds=wechat.KEEP_SECONDS + 1)) == 1
    assert "k4" not in rows()


def test_a_claim_purges_what_is_old():
    wechat.claim("old", "wx-a", now=store.now() - dt.timedelta(seconds=wechat.KEEP_SECONDS + 5))
    wechat.claim("new", "wx-a")
    assert set(rows()) == {"new"}


def test_erasure_and_retention_take_the_rows():
    wechat.claim("mine", "wx-mine")
    wechat.answered("mine", "Thank you, Ana")
    wechat.claim("theirs", "wx-theirs")
    assert erasure.erase("wx-mine")["wechat_messages"] == 1
    assert set(rows()) == {"theirs"}
    totals = retention.purge(now=store.now() + dt.timedelta(seconds=wechat.KEEP_SECONDS + 1))
    assert totals["wechat_messages"] == 1 and rows() == {}
