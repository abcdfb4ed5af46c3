"""The referral workflow (bot/review/workflow.py): statuses, moves and coded reasons, without a database; and how
the review app shows times in the site's zone (bot/review/display.py)."""
import datetime as dt

import pytest

from bot.review import display, workflow
from bot.review.workflow import Attempts

CRITERIA = ["age", "hiv"]


def test_stored_status_ids_keep_working_and_every_move_leads_to_a_status():
    assert {"new", "contacted", "screening_visit_booked", "enrolled", "not_eligible", "could_not_reach",
            "withdrew", "declined"} == set(workflow.LABELS) == set(workflow.MOVES)
    assert workflow.LABELS["could_not_reach"] == "Not reachable"
    assert all(target in workflow.LABELS for moves in workflow.MOVES.values() for target in moves)
    assert workflow.MOVES["not_eligible"] == workflow.MOVES["declined"] == workflow.MOVES["withdrew"] == ()


@pytest.mark.parametrize("current, target, reason, note, attempts, refused", [
    ("new", "enrolled", "", "", Attempts(), "can't move to Enrolled"),
    ("new", "screening_visit_booked", "", "", Attempts(1, 0, True), "can't move to Screening visit booked"),
    ("new", "contacted", "", "", Attempts(), "Log the contact attempt that reached"),
    ("could_not_reach", "contacted", "", "", Attempts(4, 4, True), "Log the contact attempt that reached"),
    ("new", "could_not_reach", "", "", Attempts(), "needs contact attempts first"),
    ("contacted", "could_not_reach", "", "", Attempts(3, 2, True), "3 attempts in a row"),
    ("new", "not_eligible", "", "", Attempts(), "needs which criterion"),
    ("new", "not_eligible", "other", "", Attempts(), "write the reason in the note"),
    ("new", "not_eligible", "too_far", "", Attempts(), "not on the list"),
    ("contacted", "declined", "age", "", Attempts(1, 0, True), "not on the list"),
    ("enrolled", "declined", "too_far", "", Attempts(1, 0, True), "can't move to Declined"),
    ("enrolled", "withdrew", "", "", Attempts(1, 0, True), "Withdrew needs the reason"),
    ("new", "new", "", "", Attempts(), "Nothing to save"),
    ("new", "gone", "", "", Attempts(), "not a status"),
])
def test_refused_moves_say_why(current, target, reason, note, attempts, refused):
    assert refused in workflow.refusal(current, target, reason, note, attempts, CRITERIA, needed=3)


@pytest.mark.parametrize("current, target, reason, note, attempts", [
    ("new", "could_not_reach", "", "", Attempts(3, 3, False)),
    ("contacted", "could_not_reach", "", "", Attempts(5, 3, True)),
    ("new", "not_eligible", "hiv", "", Attempts()),
    ("new", "not_eligible", "other", "on a waiting list for surgery", Attempts()),
    ("contacted", "declined", "family_decision", "", Attempts(1, 0, True)),
    ("could_not_reach", "contacted", "", "", Attempts(4, 0, True)),
    ("enrolled", "withdrew", "health_changed", "", Attempts(1, 0, True)),
    ("withdrew", "withdrew", "", "a note on an ended referral", Attempts()),
])
def test_allowed_moves(current, target, reason, note, attempts):
    assert workflow.refusal(current, target, reason, note, attempts, CRITERIA, needed=3) is None


def test_the_menu_marks_moves_not_yet_possible_and_suggests_not_reachable_at_n():
    assert workflow.options("new", Attempts(2, 2, False), needed=3) == [
        ("contacted", "Contacted", "log the attempt that reached them"), ("not_eligible", "Not eligible", ""),
        ("declined", "Declined", ""), ("could_not_reach", "Not reachable", "after 3 attempts that did not reach them")]
    assert not workflow.suggest_not_reachable("new", Attempts(2, 2, False), needed=3)
    assert workflow.suggest_not_reachable("new", Attempts(3, 3, False), needed=3)
    assert not workflow.suggest_not_reachable("enrolled", Attempts(3, 3, True), needed=3)


def test_reasons_in_plain_words():
    criteria = {"age": workflow.criterion_label("your age"), "hiv": workflow.criterion_label("HIV or AIDS")}
    assert criteria == {"age": "Age", "hiv": "HIV or AIDS"}
    assert workflow.reason_label("not_eligible", "age", criteria) == "Age"
    assert workflow.reason_label("not_eligible", "other", criteria) == "Other (see note)"
    assert workflow.reason_label("declined", "too_far", criteria) == "Too far to travel"
    assert workflow.reason_label("withdrew", "other_treatment", criteria) == "Chose another treatment"
    assert workflow.reason_label("declined", None, criteria) == ""
    assert list(workflow.reasons_for("not_eligible", criteria)) == ["age", "hiv", "other"]
    assert workflow.reasons_for("contacted", criteria) == {}


def test_times_in_the_sites_zone_with_utc_on_hover():
    stored = dt.datetime(2026, 11, 28, 1, 30, 12, 345)
    assert str(display.site_time(stored, "Asia/Shanghai")) == (
        '<time datetime="2026-11-28T01:30:12Z" title="28 Nov 2026, 01:30 UTC">28 Nov 2026, 09:30 (Shanghai)</time>')
    assert "1 Dec 2026, 07:05:09 (New York)" in str(
        display.site_time(dt.datetime(2026, 12, 1, 12, 5, 9), "America/New_York", seconds=True))
    assert display.local_input("2026-11-28T09:30", "Asia/Shanghai") == dt.datetime(2026, 11, 28, 1, 30)
    assert display.local_input(" ", "Asia/Shanghai") is None
    with pytest.raises(ValueError):
        display.local_input("next Tuesday", "Asia/Shanghai")


def test_contact_links_carry_nothing_but_the_address():
    assert display.tel("+86 139-1234-5678") == "tel:+8613912345678"
    assert display.mailto("ana@example.com") == "mailto:ana@example.com"
    assert display.mailto('a?cc=x&body="@example.com') == "mailto:a%3Fcc%3Dx%26body%3D%22@example.com"
