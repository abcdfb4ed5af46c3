"""A whole screening with handoff by SMS, through the real servers, within the issue's budget: at most 35 SMS
segments in English, none of them UCS-2 (bench/sms.py prints the same figures for every persona)."""
import secrets

import pytest

from bench.sms import BUDGET, PERSONAS, SmsLine, screen
from bot import sms
from tests.conftest import Chat
from tests.e2e.test_conversations import PROTOCOL


def line_for(stack, sms_gateway) -> SmsLine:
    key = (stack.output.parent / "sender_id_key").read_text().strip().encode()
    return SmsLine(stack.settings.rasa_url, stack.settings.token, key, sms_gateway.for_recipient,
                   f"+8613{secrets.randbelow(10**9):09d}")


def test_an_english_screening_with_handoff_fits_the_sms_budget(stack, sms_gateway):
    line = line_for(stack, sms_gateway)
    done = screen(line, PROTOCOL, "en", *PERSONAS["may qualify, handoff"])
    costs = [(sms.segments(t), sms.encoding(t), t) for t in done.sent]
    assert [c for c in costs if c[1] != sms.GSM7] == []  # every message in GSM-7: straight quotes, no ellipsis
    assert done.segments <= BUDGET, costs
    referral, = Chat(stack, line.sender).referrals()
    assert referral["verdict"] == "likely_eligible" and referral["contact_phone"] == "+8613912345678"
    last = done.sent[-1]
    assert f"\n{referral['reference']}\n" in f"\n{last}\n"  # the reference on a line of its own
    assert all(sms.segments(t) <= 2 for t in done.sent)


@pytest.mark.parametrize("persona", ["two Not sure, handoff", "ruled out at question 2"])
def test_the_other_personas_stay_in_gsm_7_and_end_where_they_should(stack, sms_gateway, persona):
    line = line_for(stack, sms_gateway)
    overrides, handoff = PERSONAS[persona]
    done = screen(line, PROTOCOL, "en", overrides, handoff)
    assert all(sms.encoding(t) == sms.GSM7 for t in done.sent), done.sent
    assert len(Chat(stack, line.sender).referrals()) == (1 if handoff else 0)


def test_a_chinese_screening_with_handoff_by_sms(stack, sms_gateway):
    line = line_for(stack, sms_gateway)
    done = screen(line, PROTOCOL, "zh", *PERSONAS["may qualify, handoff"])
    referral, = Chat(stack, line.sender).referrals()
    assert referral["language"] == "zh" and referral["contact_name"] == "李华"
    assert done.segments <= 60, [(sms.segments(t), t) for t in done.sent]  # UCS-2: 70 characters a segment
