"""The conversation across the site's catalogue (bot/conversation.py with bot/matching.py), without servers."""
from dataclasses import replace

import pytest

from bot import conversation as c
from bot import screening
from bot.trials import open_protocols

OTHERS = ("NCT04533620", "NCT06846450")


@pytest.fixture
def site(monkeypatch):
    monkeypatch.delenv("BOT_OPEN_TRIALS", raising=False)
    monkeypatch.delenv("BOT_TRIALS_DIR", raising=False)
    return {p.trial_id: p for p in open_protocols()}


def criterion(site, cid):
    return next(p.by_id[cid] for p in site.values() if cid in p.by_id)


def say(protocol, turn, text, intent=None):
    return c.message(protocol, replace(turn.state, choices=c.offered_choices(turn.replies)), text, intent)


def click_through(protocol, site, turn, overrides=None):
    """Answer by button: meets every criterion (age 45) unless `overrides` says."""
    overrides = overrides or {}
    while turn.state.current:
        cr = criterion(site, turn.state.current)
        text = overrides.get(cr.id) or ("45" if cr.answer_type == "number" else
                                        "/affirm" if cr.met_when == "yes" else "/deny")
        turn = say(protocol, turn, text)
    return turn


def came_for_the_first_trial(site):
    protocol = site["NCT04143984"]
    turn = say(protocol, c.start(protocol, c.State()), "/affirm", "affirm")
    return protocol, click_through(protocol, site, turn)


def test_the_offer_and_only_what_is_missing(site):
    protocol, turn = came_for_the_first_trial(site)
    assert turn.state.verdict == screening.LIKELY_ELIGIBLE and c.FIND_TRIALS in turn.replies[-1].buttons
    checking = say(protocol, turn, "4")  # the offer is the third button; "4" is not offered
    assert checking.state.catalogue == ()
    checking = say(protocol, turn, "3")  # by its number, as on SMS
    assert checking.state.catalogue == OTHERS and checking.state.asked == ("recurrence",)
    assert "Question 1 for the site's studies" in checking.replies[0].text
    done = click_through(protocol, site, checking, {"recurrence": "/affirm"})
    assert done.state.asked == ("recurrence", "one_radiotherapy_course", "npc_who_type", "severe_organ_dysfunction")
    assert done.state.trial_verdicts == {"NCT04143984": "likely_eligible", "NCT04533620": "likely_eligible",
                                         "NCT06846450": "likely_ineligible"}
    assert done.state.referable == ("NCT04143984", "NCT04533620") and done.state.verdict == "likely_eligible"
    question = done.replies[-1]
    assert question.buttons[0] == c.ALL_TEAMS and question.buttons[-1] == c.CONSENT_NO
    only_second = say(protocol, done, "3")  # "Only the individualized carbon-ion radiotherapy trial"
    assert only_second.command == c.COLLECT_CONTACT and only_second.state.teams == ("NCT04533620",)
    everyone = say(protocol, done, "yes, all of them", "affirm")
    assert everyone.state.teams == ("NCT04143984", "NCT04533620")


def test_go_back_within_the_other_studies_keeps_the_first_trial_s_verdict(site):
    protocol, turn = came_for_the_first_trial(site)
    checking = say(protocol, turn, "/find_trials")
    second = say(protocol, checking, "/affirm")
    assert second.state.current == "one_radiotherapy_course"
    back = say(protocol, second, "/go_back")
    assert back.state.current == "recurrence" and back.state.verdict == "likely_eligible"
    first = say(protocol, back, "/go_back")
    assert "first question for the site's studies" in first.replies[0].text and first.state.current == "recurrence"


def test_find_trials_for_me_before_anything_else_asks_consent_first_and_stores_nothing(site):
    protocol = site["NCT04143984"]
    opened = c.message(protocol, c.State(), "/find_trials", "find_trials")
    assert opened.state.catalogue == ("NCT04143984",) + OTHERS and opened.state.consent is None
    assert "which of its 3 studies might suit you" in opened.replies[0].text
    assert all((p.headline or p.title) in opened.replies[0].text for p in site.values())
    consent = opened.replies[-1]  # not the first trial's "25 questions, 5 min"
    assert "25" not in consent.text + consent.brief and "each study team decides" in consent.brief
    started = say(protocol, opened, "/affirm", "affirm")
    assert started.state.consent and started.state.current == "age" and not started.state.answers
    done = click_through(protocol, site, started, {"recurrence": "/deny", "recurrence_interval": "/deny"})
    assert done.state.trial_verdicts["NCT06846450"] == "likely_eligible"
    assert done.state.verdict == "likely_ineligible"  # the trial it opened for keeps its own verdict
    assert done.state.referable == ("NCT06846450",) and "Which study teams may contact you?" in done.replies[-1].text


def test_a_shared_question_is_read_with_its_words_and_not_sure_never_rules_out(site):
    protocol, turn = came_for_the_first_trial(site)
    checking = say(protocol, turn, "/find_trials")
    unsure = say(protocol, checking, "I'm not sure")
    assert unsure.state.answers["recurrence"].answer == "not_sure"
    assert "NCT06846450" not in [t for t, v in unsure.state.trial_verdicts.items() if v == "likely_ineligible"]
    typed = say(protocol, checking, "yes it came back last year")  # would rule one out: read back first
    assert "Just to be sure" in typed.replies[0].text and "recurrence" not in typed.state.answers
