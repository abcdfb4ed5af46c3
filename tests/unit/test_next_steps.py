"""Issue 16, no dead ends after the verdict, in the pure core: next steps for a volunteer the trial does not
suit (their doctor, a ClinicalTrials.gov search, the site's other trials), the separate consent to hear about
the site's other studies, "what should I do now?" at every stage, the referral's reference on a line of its
own with how to reach the site, and the Not-sure count in words with plural forms."""
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bot import answers, next_steps
from bot import conversation as c
from bot.conversation import State
from bot.protocol import load_protocol, load_protocol_file
from bot.screening import LIKELY_INELIGIBLE, NEEDS_REVIEW, RecordedAnswer
from tests.unit.test_conversation import answer_all, consented

ROOT_TRIAL = "data/trials/NCT04143984.yml"
SEARCH = ("https://clinicaltrials.gov/search?cond=Nasopharyngeal%20Carcinoma&locStr=Shanghai,%20China"
          "&country=China&city=Shanghai&aggFilters=status:rec")
CONTACT = {"contact_name": "Ana Lopez", "contact_preferred_way": "email", "contact_email": "ana@example.com",
           "contact_preferred_time": "mornings"}


def ruled_out(protocol, language=None):
    """72 typed at the age question, and confirmed: ruled out by age."""
    state = replace(consented(protocol).state, language=language)
    asked = c.message(protocol, state, "72", "inform_number")
    return c.message(protocol, asked.state, "是" if language == "zh" else "yes", "affirm")


def with_choices(turn):
    return replace(turn.state, choices=c.offered_choices(turn.replies))


def test_the_search_is_for_the_condition_recruiting_near_the_site(protocol):
    assert next_steps.search_url(protocol) == SEARCH
    query = parse_qs(urlsplit(SEARCH).query)
    assert query == {"cond": ["Nasopharyngeal Carcinoma"], "locStr": ["Shanghai, China"], "country": ["China"],
                     "city": ["Shanghai"], "aggFilters": ["status:rec"]}
    bare = protocol.copy(update={"condition": None, "study_team": protocol.study_team.copy(
        update={"city": None, "country": None})})
    assert next_steps.search_url(bare) == "https://clinicaltrials.gov/search?aggFilters=status:rec"


def test_a_ruled_out_volunteer_gets_next_steps_and_the_separate_consent_with_its_buttons_last(protocol):
    turn = ruled_out(protocol)
    assert turn.state.verdict == LIKELY_INELIGIBLE
    verdict, steps, offer = turn.replies
    assert "would not qualify" in verdict.text and not verdict.buttons and not steps.buttons
    assert "Talk to your own doctor" in steps.text and "your answer about your age is right" in steps.text
    assert "your age on the date the study would start" in steps.text  # what to ask, from the protocol
    assert "which treatments would suit you now" in steps.text
    assert SEARCH in steps.text.splitlines()  # the link on a line of its own
    assert "The questions are finished" not in "".join(r.text for r in turn.replies)
    assert "its other studies" in offer.text and "separate from this trial" in offer.text
    assert "not your answers" in offer.text and "365 days at most" in offer.text
    # (72 rules out the site's other open trials too, so checking them is not offered: issue 18)
    assert offer.buttons == (c.OTHER_STUDIES_YES, c.CONSENT_NO, c.GO_BACK)
    assert c.offered_choices(turn.replies) == ("/affirm", "/deny", "/go_back")  # "1" on SMS is the yes


@pytest.mark.parametrize("text", ["what should I do now?", "what next", "我现在该怎么办"])
def test_what_should_i_do_now_after_ruled_out_gives_the_next_steps_not_the_trial(protocol, text):
    state = with_choices(ruled_out(protocol))
    turn = c.message(protocol, state, text, None)
    said = "\n".join(r.text for r in turn.replies)
    assert turn.state == state
    assert SEARCH in said and ("Talk to your own doctor" in said or "医生" in said)
    assert protocol.info.about not in said and "The questions are finished" not in said


def ruled_out_by_a_second_course(protocol, language=None):
    """45, no spread, and a second course of radiotherapy: ruled out of the first trial only."""
    state = replace(consented(protocol).state, language=language)
    for text in ("45", "no", "no", "yes"):  # age, distant spread, first IMRT (No rules out: read back), confirmed
        state = c.message(protocol, state, text, None).state
    return state


@pytest.mark.parametrize("text", ["are there other trials for me?", "Where can I find other trials?", "还有别的试验吗"])
def test_asking_for_other_trials_after_ruled_out_checks_the_site_s_other_trials(protocol, text):
    state = ruled_out_by_a_second_course(protocol)
    assert state.verdict == LIKELY_INELIGIBLE and state.current is None
    turn = c.message(protocol, state, text, None)
    # the first question is one both other trials ask, and not one already answered
    assert turn.state.catalogue == ("NCT04533620", "NCT06846450") and turn.state.current == "ecog"
    assert turn.state.verdict == LIKELY_INELIGIBLE and turn.state.answers == state.answers  # nothing lost
    assert "other 2 studies" in turn.replies[0].text or "其他2项研究" in turn.replies[0].text


def test_other_trials_the_answers_already_rule_out_are_not_offered_but_where_else_to_look(protocol):
    state = with_choices(ruled_out(protocol))  # 72: every other open trial stops at 70
    assert c.FIND_TRIALS not in state.choices and "/find_trials" not in state.choices
    turn = c.message(protocol, state, "are there other trials for me?", None)
    assert turn.state == state and SEARCH in "\n".join(r.text for r in turn.replies)


def test_the_what_happens_intent_after_ruled_out_is_the_next_steps_and_the_button_says_so(protocol):
    state = with_choices(ruled_out(protocol))
    for text, intent in (("/ask_what_happens", "ask_what_happens"), ("what happens now?", "ask_what_happens")):
        turn = c.message(protocol, state, text, intent)
        assert SEARCH in turn.replies[0].text and protocol.info.what_happens not in turn.replies[0].text


def test_before_a_verdict_next_steps_means_finishing_the_questions_and_records_nothing(protocol):
    state = consented(protocol).state
    answered = c.message(protocol, state, "45", "inform_number").state
    for text in ("what should I do now?", "are there other trials for me?", "我现在该怎么办"):
        turn = c.message(protocol, answered, text, None)
        assert turn.state.answers == answered.answers and turn.state.current == "distant_metastasis"
        assert "finish the questions" in turn.replies[0].text or "先把" in turn.replies[0].text
        assert protocol.by_id["distant_metastasis"].question in turn.replies[-1].text


def test_a_volunteer_who_may_qualify_is_told_the_next_step_and_asked_again(protocol):
    done = answer_all(protocol, consented(protocol).state).state
    turn = c.message(protocol, done, "what should I do now?", None)
    assert "The next step is yours" in turn.replies[0].text and turn.replies[-1] == c.contact_question(protocol, done)
    other = c.message(protocol, done, "are there other trials for me?", None)
    assert other.state.catalogue == ("NCT04533620", "NCT06846450") and other.state.current is not None


def test_the_site_may_contact_a_ruled_out_volunteer_about_other_studies_only_on_yes(protocol):
    state = with_choices(ruled_out(protocol))
    yes = c.message(protocol, state, "yes", "affirm")
    assert yes.command == c.COLLECT_CONTACT and yes.state.contact_consent is True and yes.state.collecting_contact
    assert "how the Shanghai Proton and Heavy Ion Center can reach you" in yes.replies[0].text
    filled = replace(yes.state, contact=CONTACT)
    summary = c.contact_collected(protocol, filled)
    assert "ana@example.com" in summary.replies[0].text and "their other studies" in summary.replies[0].text
    assert "answers to this trial's questions are not passed on" in summary.replies[0].text
    change = c.message(protocol, filled, "no", "deny")  # at the summary, No means change something
    assert change.replies[0].text == "What would you like to change?"
    send = c.message(protocol, filled, "yes", "affirm")
    assert send.command == c.SAVE_OTHER_STUDIES and send.state == filled
    saved = c.other_studies_saved(protocol, replace(filled, other_studies=True))
    assert "may contact you by e-mail about its other studies" in saved.replies[0].text
    assert "delete my data" in saved.replies[0].text
    assert saved.replies[-1].buttons == (c.NEXT_STEPS, c.GO_BACK, c.START_OVER)
    assert not saved.state.collecting_contact and not saved.state.may_offer_other_studies
    # given once: a verdict reached again (after going back) does not ask again
    again = c.verdict_replies(protocol, replace(saved.state, contact_consent=None, contact={}))
    assert "its other studies" not in again[-1].text and again[-1].buttons[0] == c.NEXT_STEPS


def test_no_to_other_studies_collects_nothing_and_leaves_the_next_steps_open(protocol):
    turn = c.message(protocol, with_choices(ruled_out(protocol)), "no", "deny")
    assert turn.command is None and turn.state.contact_consent is False and not turn.state.contact
    assert "nothing more will be collected" in turn.replies[0].text
    assert turn.replies[-1].buttons == (c.NEXT_STEPS, c.GO_BACK, c.START_OVER)
    steps = c.message(protocol, with_choices(turn), "1", None)  # "1" on SMS: What can I do now?
    assert SEARCH in steps.replies[0].text


def test_stop_while_giving_details_for_other_studies_keeps_nothing(protocol):
    yes = c.message(protocol, with_choices(ruled_out(protocol)), "yes", "affirm")
    stopped = c.stop(protocol, replace(yes.state, contact={"contact_name": "Ana Lopez"}))
    assert stopped.state.contact == {} and stopped.state.contact_consent is None and stopped.command is None


def test_the_chinese_next_steps_are_chinese_but_for_the_link(protocol):
    turn = ruled_out(protocol, "zh")
    assert turn.state.verdict == LIKELY_INELIGIBLE
    from tests.unit.test_i18n import assert_all_chinese
    assert_all_chinese(turn.replies)
    assert SEARCH in turn.replies[1].text and "医生" in turn.replies[1].text


def test_needs_review_says_how_many_things_the_study_team_checks_with_plural_forms(protocol):
    one = answer_all(protocol, consented(protocol).state, {"blood_counts": ("no idea", "not_sure")})
    two = answer_all(protocol, consented(protocol).state,
                     {"prior_imrt": ("I don't remember", "not_sure"), "blood_counts": ("no idea", "not_sure")})
    assert one.state.verdict == two.state.verdict == NEEDS_REVIEW
    assert "you may qualify for this trial; the study team needs to check 1 thing first" in one.replies[-2].text
    assert "the study team needs to check 2 things first" in two.replies[-2].text
    assert all("(s)" not in r.text for r in one.replies + two.replies)
    chinese = c.verdict_replies(protocol.in_language("zh"), replace(two.state, language="zh"))
    assert "研究团队需要先核实 2 件事" in chinese[0].text


def test_the_reference_stands_on_a_line_of_its_own_with_what_happens_next_and_how_to_reach_the_site(protocol):
    state = State(trial_id="NCT04143984", consent=True, answers={}, verdict="likely_eligible", contact_consent=True,
                  contact=CONTACT, referral="RF-7K2M-9Q3X")
    lines = c.referral_sent(protocol, state).replies[0].text.splitlines()
    assert "RF-7K2M-9Q3X" in lines
    assert any(line.startswith("What happens next: you can expect the study team to contact you by e-mail in the "
                               "next few days") for line in lines)
    assert "How to reach the site: the Shanghai Proton and Heavy Ion Center, Shanghai." in lines
    assert any("gives no phone number or e-mail address" in line and "clinicaltrials.gov/study/NCT04143984" in line
               for line in lines)  # the listing gives none: said so, never made up
    staffed = protocol.copy(update={"study_team": protocol.study_team.copy(
        update={"phone": "+86 21 3829 6666", "email": "study@example.org"})})
    lines = c.referral_sent(staffed, state).replies[0].text.splitlines()
    assert "Phone: +86 21 3829 6666" in lines and "E-mail: study@example.org" in lines
    assert "Please quote your reference number if you contact them." in lines
    later = c.message(protocol, state, "what happens now?", None)  # asked again after the referral
    assert "How to reach the site" in later.replies[0].text and "RF-7K2M-9Q3X" in later.replies[-1].text.splitlines()


@pytest.fixture
def site_trials(tmp_path, monkeypatch, trials_dir):
    """This trial, the imported migraine trial (ages 18 and up), one for ages 18 to 60, a closed one, and a
    draft not yet reviewed."""
    for name in ("NCT04143984", "NCT00000102"):
        (tmp_path / f"{name}.yml").write_text((trials_dir / f"{name}.yml").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    migraine = yaml.safe_load((trials_dir / "NCT00000102.yml").read_text(encoding="utf-8"))
    variants = {"NCT00000201": {"title": "A study for people up to 60"},
                "NCT00000202": {"title": "A closed study"}, "NCT00000203": {"title": "A draft"}}
    for trial_id, update in variants.items():
        raw = {**migraine, **update, "trial_id": trial_id}
        if trial_id == "NCT00000201":
            raw["criteria"] = [dict(cr, met={"min": 18, "max": 60}) if cr["id"] == "age" else cr
                               for cr in raw["criteria"]]
        if trial_id == "NCT00000202":
            raw["registry"] = {**raw["registry"], "status": "COMPLETED"}
        if trial_id == "NCT00000203":
            raw["review_required"] = True
        (tmp_path / f"{trial_id}.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BOT_TRIALS_DIR", str(tmp_path))
    return tmp_path


def test_the_site_s_other_trials_are_those_open_reviewed_and_not_ruled_out_by_the_age_given(protocol, site_trials):
    listed = lambda answers: [p.trial_id for p in next_steps.other_trials(protocol, answers)]  # noqa: E731
    assert listed({"age": RecordedAnswer(72, "72")}) == ["NCT00000102"]
    assert listed({"age": RecordedAnswer(45, "45")}) == ["NCT00000102", "NCT00000201"]
    assert listed({}) == ["NCT00000102", "NCT00000201"]  # no age given: nothing rules them out
    assert listed({"age": RecordedAnswer("not_sure", "not sure")}) == ["NCT00000102", "NCT00000201"]
    assert next_steps.other_trials(protocol, {}, "zh") == ()  # no Chinese texts: not offered in Chinese
    turn = ruled_out(protocol)
    steps = turn.replies[1].text
    assert "also runs these studies" in steps
    assert "Headache Diary App for Chronic Migraine (NCT00000102): https://clinicaltrials.gov/study/NCT00000102" in steps
    assert "NCT00000201" not in steps and "NCT00000202" not in steps and "NCT00000203" not in steps


def test_a_trial_alone_on_its_site_lists_no_other_trials(protocol, monkeypatch):
    monkeypatch.setenv("BOT_OPEN_TRIALS", "NCT04143984")  # the site's other trials closed
    assert next_steps.other_trials(protocol, {}) == ()
    assert "also runs" not in ruled_out(protocol).replies[1].text


def test_the_site_s_contacts_and_place_come_from_the_registry_for_an_imported_trial(trials_dir):
    imported = load_protocol_file(trials_dir / "NCT00000102.yml")
    assert imported.condition == "Chronic Migraine"
    assert next_steps.site_place(imported) == ("Springfield", "United States")
    assert next_steps.site_contacts(imported) == (None, "study@example.org")
    assert "cond=Chronic%20Migraine&locStr=Springfield,%20United%20States" in next_steps.search_url(imported)
    ours = load_protocol_file(ROOT_TRIAL)
    assert next_steps.site_contacts(ours) == (None, None) and next_steps.site_place(ours) == ("Shanghai", "China")


@pytest.mark.parametrize("text, topic", [
    ("what should I do now?", answers.NEXT_STEPS), ("what should i do", answers.NEXT_STEPS),
    ("so what now", answers.NEXT_STEPS), ("what are my options?", answers.NEXT_STEPS),
    ("what can I do instead", answers.NEXT_STEPS), ("where do I go from here", answers.NEXT_STEPS),
    ("are there other trials for me?", answers.OTHER_TRIALS), ("any other studies", answers.OTHER_TRIALS),
    ("is there another trial I could join", answers.OTHER_TRIALS),
    ("how do I find a clinical trial?", answers.OTHER_TRIALS),
    ("我现在该怎么办", answers.NEXT_STEPS), ("那我该怎么办？", answers.NEXT_STEPS),
    ("还有别的试验吗", answers.OTHER_TRIALS), ("有没有适合我的研究？", answers.OTHER_TRIALS),
])
def test_next_steps_and_other_trials_are_read_as_side_questions(text, topic):
    assert answers.non_answer(text).kind == answers.QUESTION
    assert answers.question_topic(text) == topic


@pytest.mark.parametrize("criterion, text, answer", [
    ("other_treatment", "no, I was only in another trial years ago", "no"),
    ("prior_checkpoint", "yes, in a clinical study", "yes"),
    ("hiv", "no", "no"),
])
def test_answers_that_mention_other_trials_are_still_answers(protocol, criterion, text, answer):
    reading = answers.read(protocol.by_id[criterion], text)
    assert reading.kind == answers.ANSWER and reading.answer == answer
