"""Retention through the real stack, with a moved clock (`python -m bot purge --now`): conversations that
will never reach the study team are deleted after RETENTION_DAYS; referrals stay. And the background job
that `make run` starts does the same on its own."""
import datetime as dt
import secrets
import time

from tests.conftest import Chat, RunningStack
from tests.e2e.test_conversations import answer_until_done, begin
from tests.e2e.test_erasure import tables_holding


def purge(chat, days_ahead):
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=days_ahead)
    # by now the shared stack's database may hold the blind-set sample's conversations too (about 2,150,
    # all past retention at +31 days); deleting ~15,000 once took over a minute on 2 cores
    done = chat.command("purge", "--now", now.isoformat(), timeout=900)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_purge_deletes_what_will_never_reach_the_study_team_and_keeps_referrals(stack, chat):
    ineligible, in_progress, never_consented, referred = (Chat(stack, f"retention-{kind}-{secrets.token_hex(4)}")
                                                          for kind in ("out", "open", "none", "sent"))
    begin(ineligible)
    ineligible.say("72")
    ineligible.say("yes")  # "Just to be sure: you are 72 years old?"
    assert ineligible.slots()["screening_verdict"] == "likely_ineligible"
    begin(in_progress)
    in_progress.say("I'm 45")
    never_consented.say("hello")
    begin(referred)
    answer_until_done(referred)
    for text in ["yes", "Ana Lopez", "by e-mail", "ana@example.com", "evenings", "yes"]:
        referred.say(text)
    reference = referred.slots()["referral_reference"]
    assert reference

    assert "deleted 0 conversations" in purge(chat, 29)  # RETENTION_DAYS defaults to 30
    for kept in (ineligible, in_progress, never_consented):
        assert "events" in tables_holding(stack, kept.sender)

    out = purge(chat, 31)
    assert "conversations past retention" in out
    for gone in (ineligible, in_progress, never_consented):
        assert tables_holding(stack, gone.sender) == [], gone.sender
    assert referred.screening() is not None and [r["reference"] for r in referred.referrals()] == [reference]
    assert "events" in tables_holding(stack, referred.sender)


def test_background_job_purges_on_its_own(servers, monkeypatch):
    chat = Chat(RunningStack(servers.settings, None, None), f"retention-job-{secrets.token_hex(4)}")
    chat.say("hello")
    assert tables_holding(servers, chat.sender) == ["events"]
    monkeypatch.setenv("RETENTION_DAYS", str(2 / 86400))  # two seconds
    monkeypatch.setenv("PURGE_INTERVAL_SECONDS", "1")
    servers.start_purge()
    try:
        deadline = time.monotonic() + 30
        while tables_holding(servers, chat.sender) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert tables_holding(servers, chat.sender) == []
    finally:
        servers.children.pop("purge").terminate()
