"""The site's catalogue: shared questions asked once for every trial, each trial keeping its own rule; the
two imported trials, reviewed; and the operator's list of open trials."""
import json
from pathlib import Path

import pytest
import yaml

from bot import importer, shared_questions, trials
from bot.protocol import ProtocolError, load_protocol, load_protocol_file

ROOT = Path(__file__).resolve().parents[2]
TRIALS = ROOT / "data" / "trials"
CATALOGUE = ("NCT04143984", "NCT04533620", "NCT06846450")


def _file(tmp_path, trial_id, change):
    data = yaml.safe_load((TRIALS / f"{trial_id}.yml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / f"{trial_id}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _criterion(data, cid):
    return next(c for c in data["criteria"] if c["id"] == cid)


@pytest.fixture
def site(monkeypatch):
    monkeypatch.delenv("BOT_OPEN_TRIALS", raising=False)
    monkeypatch.setenv("BOT_TRIALS_DIR", str(TRIALS))
    return {p.trial_id: p for p in trials.open_protocols()}


def test_the_three_trials_are_reviewed_open_and_can_be_screened_together(site):
    assert tuple(site) == CATALOGUE
    assert trials.conflicts(tuple(site.values())) == []


def test_a_shared_question_is_asked_in_the_same_words_and_each_trial_keeps_its_own_rule(site):
    ages = {t: p.by_id["age"] for t, p in site.items()}
    assert len({(c.question, c.brief_question, c.short, c.answer_type) for c in ages.values()}) == 1
    assert {t: (c.met.min, c.met.max) for t, c in ages.items()} == {
        "NCT04143984": (18, 69), "NCT04533620": (17, 70), "NCT06846450": (18, 70)}
    assert [t for t, c in ages.items() if c.rules_out(17)] == ["NCT04143984", "NCT06846450"]
    assert [t for t, c in ages.items() if c.rules_out(70)] == ["NCT04143984"]
    zh = {t: p.in_language("zh").by_id["age"] for t, p in site.items()}
    assert len({c.question for c in zh.values()}) == 1 and "多少岁" in zh["NCT04533620"].question
    assert zh["NCT04533620"].ruled_out == "这项研究只面向17到70岁的人。"


def test_every_id_two_trials_use_is_a_shared_question(site):
    used = {}
    for protocol in site.values():
        for criterion in protocol.criteria:
            used.setdefault(criterion.id, []).append(criterion)
    shared = {cid for cid, criteria in used.items() if len(criteria) > 1}
    assert shared >= {"age", "distant_metastasis", "ecog", "blood_counts", "organ_function", "contraception",
                      "consent_capacity"}
    assert all(c.shared == cid for cid in shared for c in used[cid])
    # what the volunteer came for and the other two: 25 + 13 + 9 criteria, 30 distinct things to ask
    assert sum(len(p.criteria) for p in site.values()) == 47 and len(used) == 30


def test_an_id_used_by_two_trials_without_sharing_is_refused_at_start_up(site):
    other = site["NCT04533620"].copy(update={"criteria": tuple(
        c.copy(update={"shared": None}) if c.id == "ecog" else c for c in site["NCT04533620"].criteria)})
    problems = trials.conflicts((site["NCT04143984"], other))
    assert len(problems) == 1 and "criterion ecog is in NCT04143984, NCT04533620" in problems[0]


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(question="How old are you really?"), "field question: set by the shared question 'age'"),
    (lambda c: c.update(id="years"), "field id: a criterion that shares the question 'age' has the id 'age'"),
    (lambda c: c.update(shared="height"), "field shared: 'height' is not a shared question"),
    (lambda c: c["translations"]["zh"].update(question="几岁？"), "field translations.zh.question: set by the shared"),
])
def test_a_shared_criterion_may_not_change_the_question(tmp_path, change, message):
    path = _file(tmp_path, "NCT04533620", lambda d: change(_criterion(d, "age")))
    with pytest.raises(ProtocolError, match="criterion (age|years), " + message.replace("(", r"\(")):
        load_protocol_file(path)


def test_a_translation_of_a_shared_question_is_approved_only_when_both_parts_are():
    entry = shared_questions.questions()["age"]
    assert entry["translations"]["zh"]["approved"] is False
    filled = shared_questions.expand({"id": "age", "shared": "age", "kind": "inclusion",
                                      "translations": {"zh": {"approved": True, "why": "x"}}})
    assert filled["translations"]["zh"]["approved"] is False and filled["translations"]["zh"]["question"]


def test_the_import_surfaces_the_age_the_text_and_the_structured_limits_disagree_on():
    study = json.loads((ROOT / "tests" / "ctgov" / "NCT04533620.json").read_text(encoding="utf-8"))
    draft = importer.draft_protocol(study, "2026-11-28T00:00:00Z")
    assert draft["review_notes"] == [
        "Age: the criteria text says 17-70 years, but the registry's structured age limits say 18 to 70 years. "
        "Ask the study team which is right, write it in the age criterion's `met` range, and say here what was "
        "decided."]
    assert draft["criteria"][0]["shared"] == "age" and draft["criteria"][0]["needs_review"]
    newly = json.loads((ROOT / "tests" / "ctgov" / "NCT06846450.json").read_text(encoding="utf-8"))
    assert importer.draft_protocol(newly, "2026-11-28T00:00:00Z")["review_notes"] == []  # no structured limits
    assert importer.text_ages("Age: ≥ 18 and ≤ 70 years old.") == (18, 70)
    assert importer.text_ages("Aged between 17-70 years.") == (17, 70)


def test_the_reviewed_files_keep_what_was_decided_and_say_their_status_may_be_stale(site):
    recurrent = site["NCT04533620"]
    assert any("17 to 70" in note and "Decided in review" in note for note in recurrent.review_notes)
    for trial_id in ("NCT04533620", "NCT06846450"):
        assert "MAY BE STALE" in (TRIALS / f"{trial_id}.yml").read_text(encoding="utf-8")
    newly = site["NCT06846450"]
    assert newly.questions[0].id == "recurrence" and newly.by_id["recurrence"].rules_out("yes")
    assert newly.by_id["recurrence"].derived_from and newly.registry["status"] is None


def test_the_operator_names_the_open_trials(monkeypatch):
    monkeypatch.setenv("BOT_TRIALS_DIR", str(TRIALS))
    monkeypatch.setenv("BOT_OPEN_TRIALS", "NCT06846450, NCT04143984")
    assert [p.trial_id for p in trials.open_protocols()] == ["NCT04143984", "NCT06846450"]
    monkeypatch.setenv("BOT_OPEN_TRIALS", "NCT09999999")
    with pytest.raises(ProtocolError):  # said to be open, but there is no reviewed file: start-up stops
        trials.open_protocols()


def test_a_closed_registry_status_is_not_open_unless_the_operator_says_so(tmp_path, monkeypatch):
    for trial_id in CATALOGUE:
        _file(tmp_path, trial_id, lambda d: d.get("registry") and d["registry"].update(status="COMPLETED"))
    monkeypatch.setenv("BOT_TRIALS_DIR", str(tmp_path))
    monkeypatch.delenv("BOT_OPEN_TRIALS", raising=False)
    assert [p.trial_id for p in trials.open_protocols()] == ["NCT04143984"]  # it has no registry section
    monkeypatch.setenv("BOT_OPEN_TRIALS", "NCT04533620")
    assert [p.trial_id for p in trials.open_protocols()] == ["NCT04533620"]
    assert load_protocol("NCT04533620").registry["status"] == "COMPLETED"
