"""Full conversations in free text over the REST channel, through the real Rasa and action servers."""
from bot.protocol import load_protocol

PROTOCOL = load_protocol("NCT04143984")


# What a fully eligible volunteer types, in their own words: an age, the first radiotherapy's dose, a yes, a no.
ELIGIBLE_WORDS = {"en": ("I'm 45", "I had 70 Gy in 2021", "yes I have", "nope, never"),
                  "zh": ("五十二岁", "做完了，70Gy", "是的", "没有")}


def eligible_reply(criterion_id: str, language: str = "en") -> str:
    age, dose, yes, no = ELIGIBLE_WORDS[language]
    criterion = PROTOCOL.by_id[criterion_id]
    if criterion.answer_type == "number":
        return age
    if criterion_id == "prior_imrt":
        return dose
    return yes if criterion.met_when == "yes" else no


def begin(chat):
    chat.say("hello")
    assert "prescreen" in chat.texts and chat.slots()["screening_consent"] is None
    assert chat.screening() is None  # nothing stored before consent
    chat.say("yes, let's start")
    assert chat.slots()["current_criterion"] == "age"


def answer_until_done(chat, overrides=None):
    overrides = overrides or {}
    asked = []
    while True:
        current = chat.slots()["current_criterion"]
        if current is None:
            return asked
        asked.append(current)
        assert len(asked) <= 40, "the questions never end"
        chat.say(overrides.get(current, eligible_reply(current)))


def test_fully_eligible_volunteer(chat):
    begin(chat)
    asked = answer_until_done(chat)
    assert asked == list(PROTOCOL.order)  # all 25, once each, in the protocol's order
    slots = chat.slots()
    assert slots["screening_verdict"] == "likely_eligible"
    assert slots["screening_answers"]["prior_imrt"] == {"answer": "yes", "text": "I had 70 Gy in 2021"}
    assert slots["screening_answers"]["age"] == {"answer": 45, "text": "I'm 45"}
    assert "may qualify" in chat.texts and "you are eligible" not in chat.texts.lower()
    stored = chat.screening()
    assert stored["verdict"] == "likely_eligible" and stored["status"] == "complete"
    assert len(stored["answers"]) == 25 and stored["protocol_version"] == PROTOCOL.version


def test_age_72_is_likely_ineligible(chat):
    begin(chat)
    chat.say("72 years old")
    assert chat.texts == "Just to be sure: you are 72 years old?"  # typed: read back before it counts
    assert chat.slots()["screening_verdict"] is None and chat.screening()["answers"] == {}
    chat.say("yes")
    slots = chat.slots()
    assert (slots["screening_verdict"], slots["current_criterion"]) == ("likely_ineligible", None)
    assert "your age" in chat.texts and "would not qualify" in chat.texts and "final decisions" in chat.texts
    assert chat.screening()["verdict"] == "likely_ineligible"


def test_distant_metastasis_is_likely_ineligible(chat):
    begin(chat)
    chat.say("forty-five")
    assert chat.slots()["current_criterion"] == "distant_metastasis"
    chat.say("yes, it has spread to my lungs")
    assert chat.texts.startswith("Just to be sure: a doctor has told you")
    chat.say("yes, that's right")
    slots = chat.slots()
    assert slots["screening_verdict"] == "likely_ineligible"
    assert slots["screening_answers"]["distant_metastasis"]["answer"] == "yes"
    assert PROTOCOL.by_id["distant_metastasis"].ruled_out in chat.texts


def test_two_not_sure_answers_need_review(chat):
    begin(chat)
    answer_until_done(chat, {"recurrence_interval": "I don't remember", "blood_counts": "no idea"})
    slots = chat.slots()
    assert slots["screening_verdict"] == "needs_review"
    assert slots["screening_answers"]["recurrence_interval"] == {"answer": "not_sure", "text": "I don't remember"}
    assert PROTOCOL.by_id["recurrence_interval"].doctor_check in chat.texts
    assert PROTOCOL.by_id["blood_counts"].doctor_check in chat.texts
    assert chat.screening()["verdict"] == "needs_review"


def test_why_do_you_ask_in_the_middle(chat):
    begin(chat)
    chat.say("45")
    chat.say("no")
    before = chat.slots()
    chat.say("why do you ask?")
    criterion = PROTOCOL.by_id[before["current_criterion"]]
    assert criterion.text in chat.texts and criterion.question in chat.texts
    assert chat.slots() == before  # nothing recorded, nothing moved


def test_go_back_and_change_an_answer(chat):
    begin(chat)
    chat.say("45")
    chat.say("no")  # distant_metastasis
    chat.say("yes")  # prior_imrt
    assert chat.slots()["current_criterion"] == "recurrence_interval"
    chat.say("go back")
    assert chat.slots()["current_criterion"] == "prior_imrt"
    chat.say("I'm not sure")
    slots = chat.slots()
    assert slots["screening_answers"]["prior_imrt"]["answer"] == "not_sure"
    assert slots["current_criterion"] == "recurrence_interval"
    assert chat.screening()["answers"]["prior_imrt"]["answer"] == "not_sure"


def test_start_over_clears_responses(chat):
    begin(chat)
    chat.say("45")
    chat.say("nope")
    chat.say("clear my responses")
    assert "clear all your answers" in chat.texts and chat.slots()["screening_answers"] != {}
    chat.say("yes")
    slots = chat.slots()
    assert slots["screening_answers"] == {} and slots["current_criterion"] == "age"
    assert chat.screening()["answers"] == {}


def test_off_topic_and_nonsense_record_nothing(chat):
    begin(chat)
    chat.say("45")
    before = chat.slots()
    for text in ["what's the weather like in Paris", "asdf qwer zxcv", "\u202e\u0000\U0001F600", "x" * 2000]:
        chat.say(text)
        assert any(s in chat.texts for s in ("haven't recorded", "don't know the answer", "too long")), chat.last
        after = chat.slots()
        assert [after[k] for k in ("screening_answers", "current_criterion", "pending_answer")] == [
            before[k] for k in ("screening_answers", "current_criterion", "pending_answer")]


def test_decline_stores_nothing(chat):
    chat.say("hi")
    chat.say("no thanks")
    slots = chat.slots()
    assert slots["screening_consent"] is False and slots["current_criterion"] is None
    assert chat.screening() is None


def test_trial_question_mid_screening_then_continue(chat):
    begin(chat)
    chat.say("45")
    chat.say("how many people will take part?")
    assert "146" in chat.texts and PROTOCOL.by_id["distant_metastasis"].question in chat.texts
    chat.say("who runs it?")
    assert "Shanghai Proton and Heavy Ion Center" in chat.texts
    assert chat.slots()["current_criterion"] == "distant_metastasis"
