"""Issue 13's examples, each through the running stack (REST -> Rasa -> action server -> core -> database):
replies read against the open question, knock-outs confirmed, non-answers never recorded, ages in
sentences, words inside answers never taken for commands."""
import pytest
import requests

from tests.e2e.test_blind_answers import bench_nlu


def at_question(chat, protocol, question):
    """A conversation that consented and answered every earlier question eligibly, now at `question`."""
    chat.say("hello")
    slots = bench_nlu.slots_before(protocol, question)
    s = chat.stack.settings
    response = requests.post(f"{s.rasa_url}/conversations/{chat.sender}/tracker/events", params={"token": s.token},
                             json=[{"event": "slot", "name": k, "value": v} for k, v in slots.items()], timeout=10)
    response.raise_for_status()
    return slots["screening_answers"]


def recorded(chat, question):
    return (chat.slots()["screening_answers"] or {}).get(question, {}).get("answer")


@pytest.mark.parametrize("text", ["ok", "hmm", "thanks", "thank you", "let me check", "right",
                                  "\u00c5\u00cd\u00ce\u00cf\u02dd\u00d3\u00d4\u00d2\u00da\u00c6\u2603 "
                                  "\uff34\uff28\uff25 \uff51\uff55\uff49\uff43\uff4b"])
def test_acknowledgements_and_junk_record_nothing(chat, protocol, text):
    earlier = at_question(chat, protocol, "distant_metastasis")
    chat.say(text)
    slots = chat.slots()
    assert slots["screening_answers"] == earlier and slots["current_criterion"] == "distant_metastasis"
    assert slots["pending_answer"] is None and "Question 2 of 25" in chat.texts


@pytest.mark.parametrize("text,answer", [
    ("nt sure", "not_sure"), ("no sure", "not_sure"), ("they suspect it but haven't confirmed", "not_sure"),
    ("waiting for the biopsy results", "not_sure"), ("i dont have metastasis", "no"), ("no, only in the nose", "no"),
])
def test_replies_read_against_the_question_are_recorded(chat, protocol, text, answer):
    at_question(chat, protocol, "distant_metastasis")
    chat.say(text)
    assert recorded(chat, "distant_metastasis") == answer
    assert chat.screening()["answers"]["distant_metastasis"]["answer"] == answer


@pytest.mark.parametrize("text", ["it has metastasized to my liver", "the cancer is in my lungs now",
                                  "they told me it is stage 4 and in my bones", "it spread to my bones last year"])
def test_a_typed_knock_out_is_read_back_first_and_recorded_only_when_confirmed(chat, protocol, text):
    at_question(chat, protocol, "distant_metastasis")
    chat.say(text)
    slots = chat.slots()
    assert slots["pending_answer"] == {"criterion": "distant_metastasis", "answer": "yes", "text": text}
    assert "distant_metastasis" not in slots["screening_answers"] and slots["screening_verdict"] is None
    assert chat.texts.startswith("Just to be sure: a doctor has told you that your cancer has spread")
    assert [b["title"] for b in chat.last[-1]["buttons"]] == ["Yes, that's right", "No", "Not sure"]
    chat.say("/affirm")  # the button
    slots = chat.slots()
    assert slots["screening_answers"]["distant_metastasis"] == {"answer": "yes", "text": text}
    assert slots["screening_verdict"] == "likely_ineligible" and "would not qualify" in chat.texts


def test_a_no_to_the_read_back_records_nothing_and_asks_again(chat, protocol):
    at_question(chat, protocol, "hiv")
    chat.say("I have HIV")
    chat.say("no")
    slots = chat.slots()
    assert "hiv" not in slots["screening_answers"] and slots["current_criterion"] == "hiv"
    assert "haven't recorded that" in chat.texts and "Question 13 of 25" in chat.texts


def test_hiv_typed_is_confirmed_and_the_verdict_follows(chat, protocol):
    at_question(chat, protocol, "hiv")
    chat.say("I have HIV")
    assert chat.slots()["pending_answer"]["answer"] == "yes" and "HIV" in chat.texts
    chat.say("yes that's right")
    assert chat.slots()["screening_verdict"] == "likely_ineligible"


def test_a_clicked_knock_out_needs_no_confirmation(chat, protocol):
    at_question(chat, protocol, "hiv")
    chat.say("/affirm")
    assert chat.slots()["screening_verdict"] == "likely_ineligible"


@pytest.mark.parametrize("text,age", [
    ("I'm 52, diagnosed at 49", 52), ("64, I'll be 65 next week", 64), ("55 years of age", 55),
    ("38 years old female", 38), ("29yo", 29), ("turned 61 in may", 61),
])
def test_the_age_now_is_taken_from_a_sentence(chat, protocol, text, age):
    at_question(chat, protocol, "age")
    chat.say(text)
    assert recorded(chat, "age") == age


def test_a_birth_year_gives_an_age_that_is_confirmed(chat, protocol):
    at_question(chat, protocol, "age")
    chat.say("I was born in 1970")
    pending = chat.slots()["pending_answer"]
    assert pending["answer"] >= 55 and "born in 1970" in chat.texts and chat.texts.startswith("Just to be sure")
    chat.say("yes")
    assert recorded(chat, "age") == pending["answer"]


def test_an_age_outside_the_range_typed_is_confirmed(chat, protocol):
    at_question(chat, protocol, "age")
    chat.say("seventy two")
    assert chat.texts == "Just to be sure: you are 72 years old?" and recorded(chat, "age") is None


def test_two_ages_are_asked_about_saying_what_was_read(chat, protocol):
    at_question(chat, protocol, "age")
    chat.say("45 or 46")
    assert "45 and 46" in chat.texts and recorded(chat, "age") is None


def test_a_template_at_the_age_question_records_nothing(chat, protocol):
    at_question(chat, protocol, "age")
    chat.say("{{7*7}} ${7*7}")
    assert recorded(chat, "age") is None and chat.slots()["current_criterion"] == "age"


def test_health_details_at_the_consent_question_are_not_consent(chat):
    chat.say("hello")
    chat.say("I have HIV and my cancer spread to my liver")
    assert chat.slots()["screening_consent"] is None and chat.slots()["pending_answer"] is None
    assert chat.screening() is None


def test_consent_in_unclear_words_is_read_back(chat):
    chat.say("hello")
    chat.say("ok")
    assert chat.slots()["screening_consent"] is None and chat.texts.startswith("Just to be sure")
    chat.say("yes")
    assert chat.slots()["screening_consent"] is True and chat.slots()["current_criterion"] == "age"


@pytest.mark.parametrize("text,says", [
    ("hold on", "take your time"), ("wait", "take your time"), ("one moment please", "take your time"),
    ("give me a minute", "take your time"), ("skip this question", "Not sure"),
    ("how many questions are left?", "question 13 of 25"), ("who will see my answers?", "only the study team"),
    ("is my information safe?", "only the study team"), ("is this study paid?", "don't know"),
    ("can I talk to a real person?", "automated assistant"),
])
def test_non_answers_are_answered_and_the_question_stays_open(chat, protocol, text, says):
    earlier = at_question(chat, protocol, "hiv")
    chat.say(text)
    slots = chat.slots()
    assert slots["screening_answers"] == earlier and slots["current_criterion"] == "hiv"
    assert says.lower() in chat.texts.lower() and "Question 13 of 25" in chat.texts


@pytest.mark.parametrize("question,text", [
    ("measurable_lesion", "the scan was clear"), ("recurrence_interval", "it came back"),
    ("recent_antibiotics", "last month"), ("other_treatment", "I had to start chemo again"),
    ("hiv", "that's all"), ("prior_imrt", "back then I had the full course"),
])
def test_words_inside_an_answer_never_clear_answers_or_move_back(chat, protocol, question, text):
    earlier = at_question(chat, protocol, question)
    chat.say(text)
    slots = chat.slots()
    assert all(slots["screening_answers"].get(k) == v for k, v in earlier.items())
    assert slots["current_criterion"] in (question, protocol.order[protocol.order.index(question) + 1])


def test_typed_start_over_asks_before_anything_is_cleared(chat, protocol):
    earlier = at_question(chat, protocol, "hiv")
    chat.say("clear my responses")
    assert chat.slots()["screening_answers"] == earlier and "clear all your answers" in chat.texts
    chat.say("no")
    assert chat.slots()["screening_answers"] == earlier and chat.slots()["current_criterion"] == "hiv"
    chat.say("start over")
    chat.say("yes")
    assert chat.slots()["screening_answers"] == {} and chat.slots()["current_criterion"] == "age"


@pytest.mark.parametrize("question,text,answer", [
    ("pregnant_lactating", "I'm a man", "no"), ("severe_comorbidity", "my heart and lungs are fine", "no"),
    ("neck_dissection", "no swollen lymph nodes", "yes"),
])
def test_descriptions_without_a_yes_or_no_word(chat, protocol, question, text, answer):
    at_question(chat, protocol, question)
    chat.say(text)
    assert recorded(chat, question) == answer


def test_a_reask_says_what_went_wrong_and_never_repeats_itself(chat, protocol):
    at_question(chat, protocol, "hiv")
    chat.say("banana bread")
    first = chat.texts
    chat.say("purple monkey")
    assert "couldn't tell whether that means yes or no" in first and chat.texts.split("\n")[0] != first.split("\n")[0]
