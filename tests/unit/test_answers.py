"""The answer parser: digits, words, hedges, quantities."""
import pytest
from hypothesis import given, strategies as st

from bot.answers import interpret, is_hedged, parse_age, parse_measure
from bot.protocol import load_protocol


@pytest.mark.parametrize("text,age", [
    ("45", 45), ("I'm 45", 45), ("forty-five", 45), ("45 years old", 45), ("I am forty five", 45),
    ("age: 29", 29), ("sixty-three years", 63), ("I turned 30 last month", 30), ("72 yrs", 72),
    ("Im 18.", 18), ("\uff14\uff15", 45),  # full-width digits fold to 45
])
def test_ages_in_digits_and_words(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["what is 45", "45 apples", "I had 70 Gy", "room 12 please", "", "yes", "2 or 3"])
def test_text_that_is_not_an_age_statement(text):
    assert parse_age(text) is None


@pytest.mark.parametrize("text", ["I think so", "probably not", "maybe", "no idea", "I don't remember", "not sure",
                                  "I'm not sure", "dunno", "I guess", "not that I know of", "i doubt it",
                                  "I'd have to check with my doctor", "can't recall", "possibly"])
def test_hedges(text):
    assert is_hedged(text)


@pytest.mark.parametrize("text", ["yes", "yep", "no", "nope, never", "I had 70 Gy in 2021", "definitely", "never"])
def test_firm_answers_are_not_hedges(text):
    assert not is_hedged(text)


def test_measure_in_unit():
    assert parse_measure("I had 70 Gy in 2021", "Gy") == 70.0
    assert parse_measure("66,5gy", "Gy") == 66.5
    assert parse_measure("in 2021", "Gy") is None


def test_interpret_yes_no(protocol):
    recurrence = protocol.by_id["recurrence_interval"]
    assert interpret(recurrence, "yep", "affirm") == "yes"
    assert interpret(recurrence, "nope, never", "deny") == "no"
    assert interpret(recurrence, "I think so", "affirm") == "not_sure"  # a hedge is never a firm yes
    assert interpret(recurrence, "probably not", "deny") == "not_sure"
    assert interpret(recurrence, "maybe", "not_sure") == "not_sure"
    assert interpret(recurrence, "45", "inform_number") is None
    assert interpret(recurrence, "yes please", None) is None  # low NLU confidence records nothing
    assert interpret(recurrence, "what's the weather", "out_of_scope") is None


def test_interpret_dose_against_the_threshold(protocol):
    imrt = protocol.by_id["prior_imrt"]
    assert interpret(imrt, "I had 70 Gy in 2021", "affirm") == "yes"
    assert interpret(imrt, "yes, 60 Gy", "affirm") == "no"
    assert interpret(imrt, "about 66 Gy I think", "affirm") == "not_sure"


def test_interpret_age(protocol):
    age = protocol.by_id["age"]
    assert interpret(age, "forty-five", "inform_number") == 45
    assert interpret(age, "I'm 45", None) == 45  # a bare age is unambiguous even when NLU is unsure
    assert interpret(age, "no idea", "not_sure") == "not_sure"
    assert interpret(age, "yes", "affirm") is None


@given(st.text(max_size=300))
def test_parser_never_crashes_and_hedged_replies_are_never_firm(text):
    criterion = load_protocol("NCT04143984").by_id["hiv"]
    for intent in ("affirm", "deny", "not_sure", None, "out_of_scope"):
        answer = interpret(criterion, text, intent)
        assert answer in ("yes", "no", "not_sure", None)
        if is_hedged(text):
            assert answer in ("not_sure", None)
    age = parse_age(text)
    assert age is None or 0 <= age <= 999


@pytest.mark.parametrize("text", ["\u202e\u0000\U0001F600", "\U0001F44D\U0001F44D", "...", "x" * 301, "   "])
def test_no_letters_or_oversized_is_never_an_answer(protocol, text):
    for intent in ("affirm", "deny", "not_sure"):
        assert interpret(protocol.by_id["hiv"], text, intent) is None


def test_numbered_contact_choices_match_the_domain_buttons():
    from pathlib import Path
    import yaml
    from bot import contact
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    way = [b["payload"] for b in domain["responses"]["utter_ask_contact_preferred_way"][0]["buttons"]]
    time_ = [b["payload"] for b in domain["responses"]["utter_ask_contact_preferred_time"][0]["buttons"]]
    assert [contact.check_way(p).value for p in way] == list(contact.WAY_OPTIONS)
    assert [contact.check_way(str(n)).value for n in (1, 2, 3)] == list(contact.WAY_OPTIONS)
    assert time_ == list(contact.TIME_OPTIONS)
    assert [contact.check_time(str(n)).value for n in (1, 2, 3, 4)] == list(contact.TIME_OPTIONS)
