import datetime as dt

import pytest

from bot import sitetime

SHANGHAI = "Asia/Shanghai"


def test_times_are_shown_in_the_sites_time_zone():
    assert sitetime.local(dt.datetime(2026, 11, 27, 16, 30), SHANGHAI).strftime("%Y-%m-%d %H:%M %Z") == \
        "2026-11-28 00:30 CST"


@pytest.mark.parametrize("arrived,due", [
    # Monday 10:00 in Shanghai (02:00 UTC) -> Tuesday 10:00
    (dt.datetime(2026, 11, 23, 2, 0), dt.datetime(2026, 11, 24, 2, 0)),
    # Friday 10:00 -> Monday 10:00
    (dt.datetime(2026, 11, 27, 2, 0), dt.datetime(2026, 11, 30, 2, 0)),
    # Friday 23:30 UTC is Saturday 07:30 in Shanghai: the clock starts Monday 00:00, due Tuesday 00:00
    (dt.datetime(2026, 11, 27, 23, 30), dt.datetime(2026, 11, 30, 16, 0)),
])
def test_the_first_contact_target_counts_the_sites_working_days(arrived, due):
    assert sitetime.first_contact_due(arrived, SHANGHAI, 1) == due


def test_overdue_once_past_the_target():
    arrived = dt.datetime(2026, 11, 23, 2, 0)
    assert not sitetime.overdue(arrived, dt.datetime(2026, 11, 24, 1, 59), SHANGHAI, 1)
    assert sitetime.overdue(arrived, dt.datetime(2026, 11, 24, 2, 1), SHANGHAI, 1)
    assert not sitetime.overdue(arrived, dt.datetime(2026, 11, 25, 1, 0), SHANGHAI, 2)


def test_a_protocol_refuses_an_unknown_time_zone(protocol):
    with pytest.raises(ValueError, match="time zone"):
        protocol.study_team.__class__(**{**protocol.study_team.dict(), "timezone": "Mars/Olympus"})
    assert protocol.study_team.timezone == SHANGHAI and protocol.study_team.first_contact_working_days == 1
