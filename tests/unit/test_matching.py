"""Matching across the site's catalogue (bot/matching.py): each shared question once, a verdict per trial
equal to screening that trial alone, and the adaptive order against the fixed one (bench/matching.py)."""
import sys
from pathlib import Path

import pytest
import yaml

from bot import matching, screening, trials
from bot.protocol import load_protocol_file
from bot.screening import RecordedAnswer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import matching as bench  # noqa: E402


@pytest.fixture
def site(monkeypatch):
    monkeypatch.delenv("BOT_OPEN_TRIALS", raising=False)
    monkeypatch.setenv("BOT_TRIALS_DIR", str(ROOT / "data" / "trials"))
    return trials.open_protocols()


def _meets(criterion):
    return 55 if criterion.answer_type == "number" else criterion.met_when


def _screen(protocols, answers, say, order=matching.ADAPTIVE):
    asked = []
    while True:
        step = matching.next_step(protocols, answers, order)
        if step is None:
            return asked
        assert step.criterion.id not in answers  # nothing is asked twice
        answers[step.criterion.id] = RecordedAnswer(say(step.criterion), "")
        asked.append(step.criterion.id)


def recurrent_and_eligible_for_both(criterion):
    return "yes" if criterion.id == "recurrence" else _meets(criterion)


def test_a_volunteer_eligible_for_both_carbon_ion_trials_answers_each_shared_question_once(site):
    answers = {}
    asked = _screen(site, answers, recurrent_and_eligible_for_both)
    distinct = {c.id for p in site for c in p.criteria}
    assert len(asked) == len(set(asked)) == 29 <= len(distinct) == 30  # not 25 + 13 + 9
    assert {t: e.verdict for t, e in matching.verdicts(site, answers).items()} == {
        "NCT04143984": screening.LIKELY_ELIGIBLE, "NCT04533620": screening.LIKELY_ELIGIBLE,
        "NCT06846450": screening.LIKELY_INELIGIBLE}
    # the newly-diagnosed trial is ruled out by one question, asked early, not at the end
    assert matching.verdicts(site, answers)["NCT06846450"].ruled_out_by == "recurrence"
    assert "npc_confirmed" not in asked and asked.index("recurrence") < 10
    assert asked[:7] == ["age", "distant_metastasis", "ecog", "contraception", "consent_capacity", "blood_counts",
                         "organ_function"]  # asked by all three trials: first


def test_after_screening_for_the_first_trial_only_what_is_missing_is_asked(site):
    first = site[0]
    answers = {c.id: RecordedAnswer(recurrent_and_eligible_for_both(c), "") for c in first.criteria}
    asked = _screen(site, answers, recurrent_and_eligible_for_both)
    assert asked == ["recurrence", "one_radiotherapy_course", "npc_who_type", "severe_organ_dysfunction"]


def test_a_newly_diagnosed_volunteer_is_told_about_the_recurrent_trials_by_the_shared_question(site):
    def newly(criterion):
        return {"recurrence": "no", "recurrence_interval": "no"}.get(criterion.id, _meets(criterion))
    answers = {}
    asked = _screen(site, answers, newly)
    verdicts = matching.verdicts(site, answers)
    assert verdicts["NCT06846450"].verdict == screening.LIKELY_ELIGIBLE
    assert verdicts["NCT04143984"].ruled_out_by == verdicts["NCT04533620"].ruled_out_by == "recurrence_interval"
    assert len(asked) == 10  # the newly-diagnosed trial's 9, and the one shared question that rules out the others


def test_not_sure_never_rules_a_trial_out(site):
    answers = {}
    _screen(site, answers, lambda c: "not_sure")
    assert {e.verdict for e in matching.verdicts(site, answers).values()} == {screening.NEEDS_REVIEW}


@pytest.mark.parametrize("order", matching.ORDERS)
def test_every_verdict_equals_screening_that_trial_alone_on_simulated_volunteers(site, order):
    import random
    rates = bench.rule_out_rates(site, 7)
    rng = random.Random(7)
    for _ in range(300):
        profile = bench.volunteer(rng, site, rates)
        answers, _decided = bench.screen_catalogue(site, profile, order)
        for protocol in site:
            assert matching.verdicts(site, answers)[protocol.trial_id].verdict == bench.screen_alone(protocol, profile)


def test_the_adaptive_order_asks_fewer_questions_than_the_fixed_one(site):
    result = bench.run(site, 400, 18)
    assert result["mismatches"] == []
    adaptive, fixed = result["report"][matching.ADAPTIVE], result["report"][matching.FIXED]
    assert adaptive["mean"] < fixed["mean"] and adaptive["decided_after_10"] > fixed["decided_after_10"]


def test_a_fourth_trial_is_a_protocol_file_and_nothing_else(site, tmp_path, monkeypatch):
    for protocol in site:
        (tmp_path / f"{protocol.trial_id}.yml").write_text(
            (ROOT / "data" / "trials" / f"{protocol.trial_id}.yml").read_text(encoding="utf-8"), encoding="utf-8")
    fourth = yaml.safe_load((ROOT / "data" / "trials" / "NCT06846450.yml").read_text(encoding="utf-8"))
    fourth.update(trial_id="NCT09990004", title="A fourth trial for people over 60",
                  order=["age", "distant_metastasis", "hearing"])
    fourth["criteria"] = [c for c in fourth["criteria"] if c["id"] in ("age", "distant_metastasis")]
    fourth["criteria"][-1 if fourth["criteria"][-1]["id"] == "age" else 0]["met"] = {"min": 60, "max": 90}
    fourth["criteria"].append({
        "id": "hearing", "kind": "inclusion", "text": "Normal hearing", "short": "your hearing",
        "question": "Is your hearing normal?", "why": "The study tests hearing.", "explanation": "Hearing.",
        "answer_type": "yes_no", "met_when": "yes", "ruled_out": "Only for normal hearing.",
        "doctor_check": "your hearing"})
    fourth.pop("translations")
    (tmp_path / "NCT09990004.yml").write_text(yaml.safe_dump(fourth, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BOT_TRIALS_DIR", str(tmp_path))
    catalogue = trials.open_protocols()
    assert [p.trial_id for p in catalogue][-1] == "NCT09990004" and trials.conflicts(catalogue) == []
    assert load_protocol_file(tmp_path / "NCT09990004.yml").by_id["age"].question == site[0].by_id["age"].question
    answers = {}
    asked = _screen(catalogue, answers, lambda c: 65 if c.id == "age" else recurrent_and_eligible_for_both(c))
    assert "hearing" in asked and len(asked) == 30  # one more question: the new trial's own
    verdicts = matching.verdicts(catalogue, answers)
    assert verdicts["NCT09990004"].verdict == screening.LIKELY_ELIGIBLE
    answers["age"] = RecordedAnswer(55, "55")  # its own rule over the shared age: 60 to 90
    assert matching.verdicts(catalogue, answers)["NCT09990004"].ruled_out_by == "age"
