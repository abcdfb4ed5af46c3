"""The inbox's pure parts (bot/review/queue.py, bot/review/labels.py): the overdue boundary agrees with
bot/sitetime.overdue at every arrival time, the time since a referral in plain words, the channel by name."""
import datetime as dt

import pytest

from bot import sitetime
from bot.review import labels, queue


@pytest.mark.parametrize("zone,days", [("Asia/Shanghai", 1), ("Asia/Shanghai", 3), ("UTC", 1),
                                       ("America/New_York", 2)])
@pytest.mark.parametrize("now", [dt.datetime(2026, 11, 23, 1, 30),  # Monday morning in Shanghai
                                 dt.datetime(2026, 11, 28, 3, 0),  # Saturday
                                 dt.datetime(2026, 12, 1, 15, 59, 59, 999999),
                                 dt.datetime(2026, 11, 3, 12, 0)])  # New York left summer time on 1 November
def test_the_overdue_boundary_agrees_with_sitetime_at_every_arrival(zone, days, now):
    boundary = queue.overdue_from(now, zone, days)
    assert sitetime.overdue(boundary, now, zone, days)
    assert not sitetime.overdue(boundary + dt.timedelta(microseconds=1), now, zone, days)
    arrived = now - dt.timedelta(days=12)
    while arrived < now:  # every 17 minutes over twelve days, weekends included
        assert sitetime.overdue(arrived, now, zone, days) == (arrived <= boundary), arrived
        arrived += dt.timedelta(minutes=17)


@pytest.mark.parametrize("elapsed,said", [
    (dt.timedelta(seconds=30), "0 min"), (dt.timedelta(minutes=59), "59 min"), (dt.timedelta(hours=3, minutes=5), "3 h"),
    (dt.timedelta(hours=23, minutes=59), "23 h"), (dt.timedelta(days=1, hours=5), "1 day"),
    (dt.timedelta(days=2), "2 days"), (dt.timedelta(days=40), "40 days"), (dt.timedelta(seconds=-5), "0 min")])
def test_the_time_since_a_referral_in_plain_words(elapsed, said):
    assert queue.waited(elapsed) == said


@pytest.mark.parametrize("sender,channel", [("web-" + "a" * 56, "web chat"), ("sms-abc", "SMS"),
                                            ("wx-abc", "WeChat"), ("volunteer-1", "other (REST)"),
                                            ("webby", "other (REST)")])
def test_the_channel_is_named_from_the_sender_id(sender, channel):
    assert labels.CHANNELS[labels.channel(sender)] == channel


def test_the_view_keeps_only_known_values_and_leaves_defaults_out_of_the_url():
    view = queue.View.from_args({"q": "  139 1234 5678 ", "status": "in_progress", "channel": "sms",
                                 "overdue": "1", "sort": "nonsense", "page": "x", "language": "zh"})
    assert (view.q, view.status, view.channel, view.overdue, view.sort, view.page, view.language) == \
        ("139 1234 5678", "", "sms", "1", "call", 1, "zh")
    assert view.params(page=3) == {"q": "139 1234 5678", "channel": "sms", "overdue": "1", "language": "zh",
                                   "page": 3}
    assert queue.View.from_args({"page": "-4"}).page == 1 and queue.View().params() == {}


def test_labels_name_codes_in_plain_words():
    assert labels.verdict("likely_ineligible") == "Likely not eligible" and labels.verdict(None) == "Not finished"
    assert labels.SCREENING_STATUSES["in_progress"] == "In progress"
    assert labels.criterion("NCT04143984", "distant_metastasis") == "cancer spread to distant parts of the body"
    assert labels.criterion("NCT00000000", "distant_metastasis") == "distant_metastasis"  # no such protocol
    assert labels.study_team("NCT00000000").timezone == "UTC"
    assert labels.study_team("NCT04143984").timezone == "Asia/Shanghai"
