"""Reading replies against the open question: ages, concepts and negation, hedges, non-answers, commands."""
import datetime

import pytest
from hypothesis import given, settings, strategies as st

from bot import answers
from bot.answers import is_hedged, parse_measure, read
from bot.protocol import load_protocol

PROTOCOL = load_protocol("NCT04143984")
TODAY = datetime.date(2026, 11, 27)


def age_of(text):
    reading = answers.read_age(PROTOCOL.by_id["age"], text, TODAY)
    return reading.answer if reading.is_answer else None


@pytest.mark.parametrize("text,age", [
    ("45", 45), ("I'm 45", 45), ("forty-five", 45), ("45 years old", 45), ("I am forty five", 45),
    ("age: 29", 29), ("sixty-three years", 63), ("I turned 30 last month", 30), ("72 yrs", 72),
    ("Im 18.", 18), ("\uff14\uff15", 45),  # full-width digits fold to 45
    # the number that is the age now, inside a sentence
    ("I'm 52, diagnosed at 49", 52), ("64, I'll be 65 next week", 64), ("55 years of age", 55),
    ("38 years old female", 38), ("29yo", 29), ("turned 61 in may", 61), ("my mother is 58", 58),
])
def test_ages_in_digits_words_and_sentences(text, age):
    assert age_of(text) == age


def test_a_birth_year_gives_the_computed_age_to_confirm():
    reading = answers.read_age(PROTOCOL.by_id["age"], "born in 1970", TODAY)
    assert (reading.answer, reading.derived_from) == (56, 1970)
    assert answers.read_age(PROTOCOL.by_id["age"], "1965", TODAY).derived_from == 1965


@pytest.mark.parametrize("text,detail", [
    ("I had 70 Gy", answers.NO_AGE), ("what", answers.NO_AGE), ("45 or 46", answers.SEVERAL_AGES),
    ("450", answers.NOT_AN_AGE), ("I'm 52 and my wife is 50", answers.SEVERAL_AGES),
])
def test_ages_the_bot_is_unsure_of_are_not_answers(text, detail):
    reading = answers.read_age(PROTOCOL.by_id["age"], text, TODAY)
    assert (reading.kind, reading.detail) == (answers.UNCLEAR, detail)


@pytest.mark.parametrize("text", ["I think so", "probably not", "maybe", "no idea", "I don't remember", "not sure",
                                  "I'm not sure", "dunno", "I guess", "not that I know of", "i doubt it",
                                  "I'd have to check with my doctor", "can't recall", "possibly", "nt sure",
                                  "no sure", "they suspect it but haven't confirmed", "waiting for the biopsy results"])
def test_hedges(text):
    assert is_hedged(text)


@pytest.mark.parametrize("text", ["yes", "yep", "no", "nope, never", "I had 70 Gy in 2021", "definitely", "never"])
def test_firm_answers_are_not_hedges(text):
    assert not is_hedged(text)


def test_measure_in_unit():
    assert parse_measure("I had 70 Gy in 2021", "Gy") == 70.0
    assert parse_measure("66,5gy", "Gy") == 66.5
    assert parse_measure("in 2021", "Gy") is None


@pytest.mark.parametrize("criterion,text,answer", [
    # the concept's words, with or without a yes/no word, and negation with its scope
    ("distant_metastasis", "it has metastasized to my liver", "yes"),
    ("distant_metastasis", "the cancer is in my lungs now", "yes"),
    ("distant_metastasis", "they told me it is stage 4 and in my bones", "yes"),
    ("distant_metastasis", "i dont have metastasis", "no"),
    ("distant_metastasis", "no, only in the nose", "no"),
    ("distant_metastasis", "it spread to my bones last year", "yes"),
    ("hiv", "I have HIV", "yes"),
    ("hiv", "I don't have HIV", "no"),
    ("hiv", "never had", "no"),
    ("hiv", "not that I know of", "not_sure"),
    ("pregnant_lactating", "I'm a man", "no"),
    ("severe_comorbidity", "my heart and lungs are fine", "no"),
    ("neck_dissection", "no swollen lymph nodes", "yes"),
    ("measurable_lesion", "the scan was clear", "no"),
    ("pneumonia", "had pneumonia last year but it cleared up", "no"),
    ("recurrence_interval", "yep", "yes"),
    ("recurrence_interval", "nope, never", "no"),
    ("recurrence_interval", "I think so", "not_sure"),
    ("recurrence_interval", "probably not", "not_sure"),
    ("prior_imrt", "I had 70 Gy in 2021", "yes"),
    ("prior_imrt", "yes, 60 Gy", "no"),
    ("prior_imrt", "about 66 Gy I think", "not_sure"),
    # either/or criteria, dates, lengths of time, a "no" that answers rather than negates
    ("pregnant_lactating", "not pregnant, but I still breastfeed my baby", "yes"),
    ("neck_dissection", "the nodes in my neck were taken out by surgery", "yes"),
    ("prior_malignancy", "I had breast cancer in 2009, fine ever since", "no"),
    ("prior_malignancy", "breast cancer 2 years ago", "yes"),
    ("recurrence_interval", "it came back after only 4 months", "no"),
    ("recurrence_interval", "radiotherapy ended 2019, recurrence found 2022", "yes"),
    ("recent_antibiotics", "amoxicillin for three days only", "no"),
    ("recent_antibiotics", "a full week of antibiotics, two weeks ago", "yes"),
    ("ecog", "no, in bed most of the day", "no"),
    ("ecog", "I go to work and do the cooking, no problem", "yes"),
    ("hiv", "no, tested negative", "no"),
    ("distant_metastasis", "no have metastasis", "no"),
    # lab reports and named months
    ("blood_counts", "PLT 38 last week", "no"),
    ("blood_counts", "wbc 6.1, hb 140 g/l, plt 250", "yes"),
    ("blood_counts", "haemoglobin 8.2 g/dL", "no"),
    ("blood_counts", "neutrophils 1.1 (L)", "no"),
    ("organ_function", "ALT 30, creatinine 70", "yes"),
    ("organ_function", "AST 180 ↑", "no"),
    ("organ_function", "creatinine clearance 48 ml/min", "no"),
    ("recurrence_interval", "radiotherapy finished in January, the relapse was found in March", "no"),
    ("recurrence_interval", "treatment ended in February and it came back in November", "yes"),
])
def test_replies_read_against_the_question(criterion, text, answer):
    reading = read(PROTOCOL.by_id[criterion], text, None)
    assert (reading.kind, reading.answer) == (answers.ANSWER, answer)


@pytest.mark.parametrize("criterion,text,intent", [
    ("distant_metastasis", "ok", "affirm"), ("distant_metastasis", "hmm", "affirm"),
    ("distant_metastasis", "thanks", "deny"), ("hiv", "let me check", "not_sure"),
    ("hiv", "thank you", "not_sure"), ("hiv", "can I talk to a real person?", "not_sure"),
    ("distant_metastasis", "\u00c5\u00cd\u00ce\u00cf\u02dd\u00d3\u00d4\u00d2\u00da\u00c6\u2603 "
                           "\uff34\uff28\uff25 \uff51\uff55\uff49\uff43\uff4b", "affirm"),
    ("age", "{{7*7}} ${7*7}", "not_sure"), ("hiv", "hold on", "go_back"),
    ("hiv", "give me a minute", "stop"), ("hiv", "skip this question", "ask_why"),
    ("distant_metastasis", "no it spread to my liver", "deny"),  # says both: asked, not guessed
    ("recurrence_interval", "what's the weather", "out_of_scope"),
])
def test_non_answers_are_never_answers(criterion, text, intent):
    assert not read(PROTOCOL.by_id[criterion], text, intent, 1.0).is_answer


def test_a_command_in_other_words_is_offered_but_never_from_a_story():
    hiv = PROTOCOL.by_id["hiv"]
    offered = read(hiv, "can we do the previous one again", "go_back", 0.95)
    assert (offered.kind, offered.detail) == (answers.OFFER, "go_back")
    for story in ("it came back last year", "they stopped the chemo", "I started treatment again"):
        assert read(hiv, story, "go_back", 0.99).kind != answers.OFFER


@pytest.mark.parametrize("text,command", [
    ("go back", "go_back"), ("please go back", "go_back"), ("start over", "start_over"),
    ("clear my responses", "start_over"), ("stop", "stop"), ("delete my data", "erase_data"),
    ("it came back last year", None), ("the scan was clear", None), ("I had to start chemo again", None),
    ("last month", None), ("that's all", None), ("it spread to my bones last year", None), ("hold on", None),
    ("they removed the tumour", None), ("wait", None), ("one moment please", None),
])
def test_commands_only_as_whole_messages(text, command):
    assert answers.command_in(text) == command


@pytest.mark.parametrize("text,answer,detail", [
    ("yes", "yes", ""), ("Yes, let's start", "yes", ""), ("/affirm", "yes", ""),
    ("ok", "yes", answers.UNCLEAR_YES), ("I guess so, let's try", "yes", answers.UNCLEAR_YES),
    ("go ahead", "yes", answers.UNCLEAR_YES), ("no thanks", "no", ""), ("not interested", "no", ""),
])
def test_consent(text, answer, detail):
    reading = answers.read_consent(text, None)
    assert (reading.answer, reading.detail) == (answer, detail)


def test_health_details_are_not_consent():
    assert not answers.read_consent("I have HIV and my cancer spread to my liver", "affirm", 0.99).is_answer


# (no deadline: the first Chinese character loads the pinyin and word dictionaries, about half a second, once;
# the reader's speed is measured in bench/, not here)
@settings(deadline=None)
@given(st.text(max_size=300))
def test_reader_never_crashes_and_hedged_replies_are_never_firm(text):
    for intent in ("affirm", "deny", "not_sure", None, "out_of_scope", "go_back"):
        reading = read(PROTOCOL.by_id["hiv"], text, intent, 1.0)
        assert reading.answer in ("yes", "no", "not_sure", None)
        if is_hedged(text):  # Not sure, nothing, or read back to the volunteer (never recorded as said)
            assert reading.answer in ("not_sure", None) or reading.kind == answers.GUESS
    age = read(PROTOCOL.by_id["age"], text, None).answer
    assert age is None or age == "not_sure" or 10 <= age <= 120


@pytest.mark.parametrize("text", ["\u202e\u0000\U0001F600", "\U0001F44D\U0001F44D", "...", "x" * 301, "   "])
def test_no_letters_or_oversized_is_never_an_answer(text):
    for intent in ("affirm", "deny", "not_sure"):
        assert not read(PROTOCOL.by_id["hiv"], text, intent, 1.0).is_answer


def test_numbered_contact_choices_match_the_contact_questions_buttons():
    from bot import contact
    from bot.conversation import CONTACT_QUESTIONS
    way = [payload for _, payload in CONTACT_QUESTIONS[contact.WAY][2]]
    time_ = [payload for _, payload in CONTACT_QUESTIONS[contact.TIME][2]]
    assert [contact.check_way(p).value for p in way] == list(contact.WAY_OPTIONS)
    assert [contact.check_way(str(n)).value for n in (1, 2, 3)] == list(contact.WAY_OPTIONS)
    assert time_ == list(contact.TIME_OPTIONS)
    assert [contact.check_time(str(n)).value for n in (1, 2, 3, 4)] == list(contact.TIME_OPTIONS)


# Causes blind set 7 pointed to, in our own words (the set itself is never copied here).
@pytest.mark.parametrize("criterion,text,answer", [
    ("hepatitis", "hep C antibody negative and hepatitis B antigen negative", "no"),
    ("hepatitis", "HBsAg +, on tenofovir", "yes"),
    ("hepatitis", "on antivirals for hep B, and the virus count has gone up", "yes"),
    ("hepatitis", "inactive carrier, HBV DNA not detected", "no"),
    ("hiv", "every screening test was negative, including HIV", "no"),
    ("pneumonia", "only a slight cough", "no"),
    ("distant_metastasis", "the bone scan found spots on my ribs and pelvis", "yes"),
    ("recurrence_interval", "they saw it on the two-year check MRI", "yes"),
    ("neck_dissection", "the lymph node is still there and I won't be having an operation", "no"),
    ("prior_malignancy", "thyroid cancer, but that was 15 years ago, all fine since", "no"),
    ("prior_malignancy", "breast cancer 15 years ago and again last year", "yes"),
    ("organ_function", "my ALT is 4 times the upper limit", "no"),
    ("prior_checkpoint", "never had an immunotherapy drug, maybe in the future", "no"),
])
def test_set7_causes(criterion, text, answer):
    assert read(PROTOCOL.by_id[criterion], text, None).answer == answer


@pytest.mark.parametrize("text", ["the doctors haven't told us whether it is a node",
                                  "they aren't sure yet what it is", "waiting on the chest x-ray",
                                  "I haven't done a pregnancy test yet"])
def test_open_findings_are_hedges(text):
    assert is_hedged(text)


@pytest.mark.parametrize("text", ["null", "undefined undefined", "[object Object]", "NaN"])
def test_placeholders_of_broken_programs_are_junk(text):
    assert answers.is_junk(text)


def test_an_age_given_as_the_next_birthday_is_one_less_and_read_back():
    reading = read(PROTOCOL.by_id["age"], "I'll be 61 next month", None)
    assert (reading.answer, reading.detail, reading.numbers) == (60, answers.TURNING, (61,))
    assert read(PROTOCOL.by_id["age"], "40, almost 41", None).answer == 40
    assert read(PROTOCOL.by_id["age"], "I'm 40, turning 41 in a few weeks", None).answer == 40


# Causes blind set 8 pointed to, in our own words.
@pytest.mark.parametrize("criterion,text,answer", [
    ("recurrence_interval", "radiotherapy finished Nov 2021 and it was back by Jan 2022", "no"),
    ("pneumonia", "pneumonitis found 10 days ago, still taking the steroids", "yes"),
    ("hepatitis", "HCV RNA 2x10^6 copies, still active", "yes"),
    ("hepatitis", "the hepatitis screen was not positive", "no"),
    ("consent_capacity", "no trouble reading or signing", "yes"),
    ("consent_capacity", "my son sign for me", "no"),
    ("prior_imrt", "the doctors stopped the radiotherapy early as I was too weak", "no"),
    ("neck_dissection", "no lump in my nek", "yes"),
    ("measurable_lesion", "I have never had an MRI, only CT", "no"),
    ("measurable_lesion", "no, mri was clean", "no"),
    ("ecog", "he cannot even wash without help", "no"),
    ("contraception", "we are old, no more kids, yes", "yes"),
    ("contraception", "my mum says yes", "yes"),
    ("particle_implant", "nvr", "no"),
    ("other_treatment", "only did the chemo", "no"),
    ("autoimmune", "my only other condition is high blood pressure", "no"),
    ("autoimmune", "no have this kind of illness", "no"),
    ("prior_checkpoint", "never taken any of these", "no"),
    ("prior_checkpoint", "the doctor suggested immunotherapy but we could not afford it", "no"),
    ("recent_antibiotics", "not for a few months", "no"),
    ("severe_comorbidity", "besides the cancer I am well", "no"),
    ("severe_comorbidity", "no other serious disease", "no"),
    ("prior_malignancy", "no other tumour", "no"),
    ("pregnant_lactating", "no more babies for me", "no"),
])
def test_set8_causes(criterion, text, answer):
    assert read(PROTOCOL.by_id[criterion], text, None).answer == answer


def test_one_key_held_down_is_junk_and_lets_get_started_is_consent():
    assert answers.is_junk("kkkkkkk") and not answers.is_junk("nooo")
    assert answers.read_consent("ok let's get started", None).answer == "yes"


# Causes blind set 9 pointed to, in our own words.
@pytest.mark.parametrize("criterion,text,answer", [
    ("hepatitis", "found hepatitis B two years ago and still untreated", "yes"),
    ("active_infection", "a chest infection for a month, antibiotics have not cleared it", "yes"),
    ("measurable_lesion", "they wrote something on the scan, I don't know if it counts", "not_sure"),
    ("distant_metastasis", "a shadow in the lung, but it isn't confirmed yet", "not_sure"),
    ("distant_metastasis", "doctor said liver has tumour", "yes"),
    ("prior_imrt", "I never had radiation", "no"),
    ("recurrence_interval", "radiotherapy ended in May, it was back in July", "no"),
    ("ecog", "I do everything by myself", "yes"),
    ("contraception", "our faith does not allow it", "no"),
    ("consent_capacity", "I understand, signing is fine", "yes"),
    ("consent_capacity", "my sister is her guardian", "no"),
    ("particle_implant", "nothing like that", "no"),
    ("particle_implant", "no one ever put seeds in", "no"),
    ("active_infection", "not ill", "no"),
    ("pneumonia", "nopeee", "no"),
    ("autoimmune", "just have high cholesterol", "no"),
    ("needs_antibiotics_steroids", "we don't need either", "no"),
    ("recent_antibiotics", "have not taken any lately", "no"),
    ("severe_comorbidity", "serious illness no have", "no"),
])
def test_set9_causes(criterion, text, answer):
    assert read(PROTOCOL.by_id[criterion], text, None).answer == answer


def test_a_reply_the_words_do_not_decide_is_read_back_when_the_nlu_leans_one_way():
    hiv = PROTOCOL.by_id["hiv"]
    leaning = read(hiv, "that is something I was checked for and it was fine", "deny", 0.8)
    assert (leaning.kind, leaning.answer, leaning.is_answer) == (answers.GUESS, "no", False)
    assert read(hiv, "that is something I was checked for and it was fine", "deny", 0.5).kind == answers.UNCLEAR
    assert read(hiv, "that is something", "out_of_scope", 0.95).kind == answers.UNCLEAR


@pytest.mark.parametrize("text", ["hmm ok", "ok noted", "ok, thanks", "alright cool"])
def test_a_few_acknowledgements_together_are_an_acknowledgement(text):
    assert read(PROTOCOL.by_id["hiv"], text, "affirm", 0.95).kind == answers.ACK


def test_a_yes_or_no_button_at_the_age_question_is_no_age():
    assert read(PROTOCOL.by_id["age"], "/deny", None).answer is None
    assert read(PROTOCOL.by_id["age"], "/affirm", None).answer is None
    assert read(PROTOCOL.by_id["age"], "/not_sure", None).answer == "not_sure"
