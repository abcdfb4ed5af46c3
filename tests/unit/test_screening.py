"""The engine: each criterion's rule, Not sure, the three verdicts, go back."""
import pytest

from bot.screening import (LIKELY_ELIGIBLE, LIKELY_INELIGIBLE, NEEDS_REVIEW, RecordedAnswer, evaluate,
                           previous_criterion)
from tests.unit.test_protocol import EXCLUSION, INCLUSION

YES_NO_INCLUSION = [i for i in INCLUSION if i != "age"]


def eligible_answers():
    answers = {cid: RecordedAnswer("yes", "yes") for cid in YES_NO_INCLUSION}
    answers.update({cid: RecordedAnswer("no", "no") for cid in EXCLUSION})
    answers["age"] = RecordedAnswer(45, "45")
    return answers


def with_answer(cid, answer):
    return {**eligible_answers(), cid: RecordedAnswer(answer, str(answer))}


def test_all_criteria_met_is_likely_eligible(protocol):
    result = evaluate(protocol, eligible_answers())
    assert (result.verdict, result.next_criterion, result.ruled_out_by, result.not_sure) == (
        LIKELY_ELIGIBLE, None, None, ())


@pytest.mark.parametrize("cid", YES_NO_INCLUSION)
def test_inclusion_answered_no_rules_out(protocol, cid):
    result = evaluate(protocol, with_answer(cid, "no"))
    assert (result.verdict, result.ruled_out_by) == (LIKELY_INELIGIBLE, cid)


@pytest.mark.parametrize("cid", EXCLUSION)
def test_exclusion_answered_yes_rules_out(protocol, cid):
    result = evaluate(protocol, with_answer(cid, "yes"))
    assert (result.verdict, result.ruled_out_by) == (LIKELY_INELIGIBLE, cid)


@pytest.mark.parametrize("cid", INCLUSION + EXCLUSION)
def test_not_sure_never_rules_out_and_needs_review(protocol, cid):
    result = evaluate(protocol, with_answer(cid, "not_sure"))
    assert (result.verdict, result.not_sure) == (NEEDS_REVIEW, (cid,))


@pytest.mark.parametrize("age,verdict", [(17, LIKELY_INELIGIBLE), (18, LIKELY_ELIGIBLE), (69, LIKELY_ELIGIBLE),
                                         (70, LIKELY_INELIGIBLE), (72, LIKELY_INELIGIBLE)])
def test_age_limits_are_18_to_69(protocol, age, verdict):
    assert evaluate(protocol, with_answer("age", age)).verdict == verdict


def test_two_not_sure_answers_are_named_in_asking_order(protocol):
    answers = {**with_answer("organ_function", "not_sure"), "prior_imrt": RecordedAnswer("not_sure", "no idea")}
    result = evaluate(protocol, answers)
    assert result.verdict == NEEDS_REVIEW and result.not_sure == ("prior_imrt", "organ_function")


def test_open_screening_asks_first_unanswered_in_order(protocol):
    assert evaluate(protocol, {}).next_criterion == "age"
    answers = {"age": RecordedAnswer(45, "45")}
    result = evaluate(protocol, answers)
    assert (result.verdict, result.next_criterion) == (None, protocol.questions[1].id)


def test_ruling_out_decides_before_the_remaining_questions(protocol):
    answers = {"age": RecordedAnswer(45, "45"), "distant_metastasis": RecordedAnswer("yes", "yes")}
    result = evaluate(protocol, answers)
    assert (result.verdict, result.ruled_out_by, result.next_criterion) == (
        LIKELY_INELIGIBLE, "distant_metastasis", None)


def test_go_back_targets(protocol):
    order = [c.id for c in protocol.questions]
    assert previous_criterion(protocol, {}, order[0]) is None
    assert previous_criterion(protocol, {}, order[5]) == order[4]
    ruled_out = {"age": RecordedAnswer(45, "45"), "distant_metastasis": RecordedAnswer("yes", "yes")}
    assert previous_criterion(protocol, ruled_out, None) == "distant_metastasis"
    assert previous_criterion(protocol, eligible_answers(), None) == order[-1]
