"""Issue 16: a ruled-out volunteer's consent to hear about the site's other studies, through the actions and a
real SQLite database: stored as a consent of its own (not a referral, no answers), read back from the database
on later turns, shown to coordinators on its own page, erased with the conversation, and kept by retention
for OTHER_STUDIES_RETENTION_DAYS after the conversation it was given in has gone."""
import datetime as dt

from actions.actions import ActionContactSummary, ActionReply, state_from_tracker
from bot import erasure, other_studies, referrals, retention, store
from bot.store import OtherStudiesContact
from tests.test_actions import CONTACT, run, tracker
from tests.test_review import XSS, app, logged_in  # noqa: F401 (the review app fixture)

RULED_OUT = {"trial_id": "NCT04143984", "screening_consent": True, "current_criterion": None,
             "screening_answers": {"age": {"answer": 72, "text": "72"}}, "screening_verdict": "likely_ineligible"}
READY = {**RULED_OUT, "contact_consent": True, **CONTACT}


def give_consent():
    messages, _ = run(ActionContactSummary(), tracker(READY))
    assert "their other studies" in messages[0]["text"]
    return run(ActionReply(), tracker(READY, text="yes", intent="affirm"))


def test_the_consent_is_stored_on_its_own_with_contact_details_and_no_answers(database):
    messages, slots = give_consent()
    assert "may contact you by e-mail about its other studies" in messages[0]["text"]
    assert slots["referral_reference"] is None and referrals.list_referrals() == []
    [stored] = other_studies.list_all()
    assert {k: stored[k] for k in ("sender_id", "trial_id", "site", "language", "contact_name", "contact_email",
                                   "contact_phone", "contact_preferred_way", "contact_preferred_time")} == {
        "sender_id": "volunteer-1", "trial_id": "NCT04143984", "site": "Shanghai Proton and Heavy Ion Center",
        "language": "en", "contact_name": "Ana Lopez", "contact_email": "ana@example.com", "contact_phone": None,
        "contact_preferred_way": "email", "contact_preferred_time": "mornings"}
    assert not any(column.startswith("answer") for column in OtherStudiesContact.__table__.c.keys())
    again, _ = run(ActionReply(), tracker(READY, text="yes", intent="affirm"))  # a second yes: still one
    assert len(other_studies.list_all()) == 1 and "The questions are finished" in again[-1]["text"]


def test_a_later_turn_knows_from_the_database_that_it_was_given(database):
    give_consent()
    messages, _ = run(ActionReply(), tracker(RULED_OUT, text="thanks", intent="affirm"))  # slots without it
    assert "its other studies that might suit you" not in messages[-1]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/ask_what_happens", "/go_back", "/start_over"]
    _, slots, events = run(ActionReply(), tracker(RULED_OUT, text="yes", intent="affirm"), with_events=True)
    assert not any(e["event"] == "followup" for e in events) and slots["contact_consent"] is None  # not asked again


def test_erasure_takes_the_consent_with_the_conversation(database):
    give_consent()
    assert erasure.erase("volunteer-1")["other_studies_contacts"] == 1
    assert other_studies.list_all() == [] and not other_studies.given("volunteer-1")


def test_retention_keeps_the_consent_past_the_conversation_and_then_deletes_it(database, monkeypatch, protocol):
    give_consent()
    store.save_screening("volunteer-1", protocol, state_from_tracker(tracker(RULED_OUT)))
    assert store.get_screening("volunteer-1")["verdict"] == "likely_ineligible"
    later = store.now() + dt.timedelta(days=31)
    totals = retention.purge(now=later, days=30)
    assert totals["screenings"] == 1 and "other_studies_contacts" not in totals
    assert store.get_screening("volunteer-1") is None and other_studies.given("volunteer-1")
    monkeypatch.setenv("OTHER_STUDIES_RETENTION_DAYS", "90")
    assert retention.purge(now=store.now() + dt.timedelta(days=91), days=30)["other_studies_contacts"] == 1
    assert other_studies.list_all() == []


def test_coordinators_see_them_on_their_own_page_labelled_as_not_a_referral(app):  # noqa: F811
    run(ActionReply(), tracker({**READY, "contact_name": XSS}, text="yes", intent="affirm"))
    client = logged_in(app)
    assert 'href="/other-studies"' in client.get("/").get_data(as_text=True)
    page = client.get("/other-studies").get_data(as_text=True)
    assert "Consent to be contacted about other studies" in page and "not a referral" in page
    assert "ana@example.com" in page and "NCT04143984" in page and "365 days" in page
    assert XSS not in page and "&lt;script&gt;" in page  # what a volunteer typed is text, never HTML
    assert "No referrals match." in client.get("/").get_data(as_text=True)  # not in the referrals' inbox
