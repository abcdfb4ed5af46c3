"""The frozen blind sets (tests/blind/set*.jsonl, and the Chinese ones in tests/blind/zh/; replies written by someone who had not seen the training
data) through the running stack: no reply may be recorded as a firm answer other than the one meant, and
no earlier answer may be lost. bench/nlu.py drives them (the same code as `make bench-nlu`) and prints the
figures; the README reports them. Each set was measured once blind, then guided fixes: here they guard
against regressions, and a fresh set is what tells how well replies are understood.
"""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "bench" / "nlu.py")
bench_nlu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_nlu)

FROZEN = (sorted((ROOT / "tests" / "blind").glob("set*.jsonl"))
          + sorted((ROOT / "tests" / "blind" / "zh").glob("zh*.jsonl")))
REPORT = ROOT / "var" / "blind_answers.json"


@pytest.fixture(scope="module")
def results(stack, protocol):
    outcomes, summaries = [], {}
    for path in FROZEN:
        found = bench_nlu.drive(stack.settings, protocol, bench_nlu.load_items(path))
        summaries[path.name] = bench_nlu.summary(found)
        outcomes += found
        print(f"\n{path.name}: {summaries[path.name]}")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(summaries, indent=1), encoding="utf-8")
    return outcomes


@pytest.mark.parametrize("path", FROZEN, ids=lambda p: p.name)
def test_each_frozen_set_is_large_and_covers_every_question(protocol, path):
    items = bench_nlu.load_items(path)
    assert len(items) >= (200 if path.parent.name == "zh" else 400)  # Chinese sets: 9 a question, 12 at consent
    assert {i.question for i in items} == set(protocol.order) | {"consent"}


def test_no_reply_is_recorded_as_a_wrong_firm_answer(results):
    wrong = [(r.item.question, r.item.reply, r.item.expect, r.recorded) for r in results if r.outcome == "wrong"]
    assert not wrong


def test_no_earlier_answer_is_lost_and_no_question_skipped(results):
    lost = [(r.item.question, r.item.reply) for r in results if r.outcome == "lost"]
    assert not lost


def test_classify_tells_each_outcome_apart():
    """The benchmark's judge, on slot states made by hand: it must be able to say each outcome."""
    item = bench_nlu.Item("hiv", "I have HIV", "yes", "restatement")
    before = {"screening_answers": {"age": {"answer": 45, "text": "45"}}}
    kept = {"age": {"answer": 45, "text": "45"}}
    assert bench_nlu.classify(item, before, {"screening_answers": {**kept, "hiv": {"answer": "yes"}}})[0] == "right"
    assert bench_nlu.classify(item, before, {"screening_answers": {**kept, "hiv": {"answer": "no"}}})[0] == "wrong"
    assert bench_nlu.classify(item, before, {"screening_answers": kept, "current_criterion": "hiv",
                                             "pending_answer": {"criterion": "hiv", "answer": "yes"}})[0] == "confirmed"
    assert bench_nlu.classify(item, before, {"screening_answers": kept, "current_criterion": "hiv",
                                             "pending_answer": {"criterion": "hiv", "answer": "no"}})[0] == "misread"
    assert bench_nlu.classify(item, before, {"screening_answers": kept,
                                             "current_criterion": "hiv"})[0] == "asked_again"
    assert bench_nlu.classify(item, before, {"screening_answers": {}, "current_criterion": "hiv"})[0] == "lost"
    assert bench_nlu.classify(item, before, {"screening_answers": kept, "current_criterion": "age"})[0] == "lost"
    assert bench_nlu.classify(item, before, {"screening_answers": {**kept, "hiv": {"answer": "not_sure"}}})[0] == "unsure"
    hedge = bench_nlu.Item("hiv", "maybe", "not_sure", "hedge")
    assert bench_nlu.classify(hedge, before, {"screening_answers": {**kept, "hiv": {"answer": "no"}}})[0] == "wrong"
    none = bench_nlu.Item("hiv", "ok", "none", "non_answer")
    assert bench_nlu.classify(none, before, {"screening_answers": {**kept, "hiv": {"answer": "not_sure"}}})[0] == "wrong"
    assert bench_nlu.classify(none, before, {"screening_answers": kept, "current_criterion": "hiv"})[0] == "right"
