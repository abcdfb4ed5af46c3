"""The frozen blind sets (tests/blind/set*.jsonl, and the Chinese ones in tests/blind/zh/; replies written by someone who had not seen the training
data): no reply may be recorded as a firm answer other than the one meant, and no earlier answer may be
lost. Each set was measured once blind, then guided fixes: here they guard against regressions, and a
fresh set is what tells how well replies are understood.

Every frozen reply (about 15,000) is read by the running Rasa server's NLU and our actions (bench/nlu.py's
Replay: the actions in this process, no tracker store). A sample goes through the whole stack as well,
each reply in a conversation of its own (the same code as `make bench-nlu`), and the replay must agree
with the stack on every reply of the sample: that is what makes the replay's verdict on the rest stand.
(All of them through the stack took 45 minutes, most of the suite, and grew the tracker database by
190 MB.)
"""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "bench" / "nlu.py")
bench_nlu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_nlu)

ENGLISH = sorted((ROOT / "tests" / "blind").glob("set*.jsonl"), key=lambda p: int(p.stem[3:]))
CHINESE = sorted((ROOT / "tests" / "blind" / "zh").glob("zh*.jsonl"), key=lambda p: int(p.stem[2:]))
FROZEN = ENGLISH + CHINESE
REPORT = ROOT / "var" / "blind_answers.json"
SAMPLE_EVERY = 10  # of the older sets, every tenth reply also goes through the whole stack


def stack_sample(path, items):
    """The newest set of each language whole (the latest fixes), every SAMPLE_EVERY-th reply of the others
    (a different slice of each set, so every question and category is met)."""
    if path in (ENGLISH[-1], CHINESE[-1]):
        return items
    offset = FROZEN.index(path) % SAMPLE_EVERY
    return items[offset::SAMPLE_EVERY]


@pytest.fixture(scope="module")
def replayed(stack, protocol):
    outcomes, summaries = {}, {}
    for path in FROZEN:
        found = bench_nlu.drive(stack.settings, protocol, bench_nlu.load_items(path), replay=True)
        summaries[path.name] = bench_nlu.summary(found)
        outcomes[path.name] = found
        print(f"\n{path.name}: {summaries[path.name]}")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(summaries, indent=1), encoding="utf-8")
    return outcomes


@pytest.fixture(scope="module")
def through_stack(stack, protocol):
    return {path.name: bench_nlu.drive(stack.settings, protocol, stack_sample(path, bench_nlu.load_items(path)))
            for path in FROZEN}


@pytest.mark.parametrize("path", FROZEN, ids=lambda p: p.name)
def test_each_frozen_set_is_large_and_covers_every_question(protocol, path):
    items = bench_nlu.load_items(path)
    assert len(items) >= (200 if path.parent.name == "zh" else 400)  # Chinese sets: 9 a question, 12 at consent
    assert {i.question for i in items} == set(protocol.order) | {"consent"}


def test_no_reply_is_recorded_as_a_wrong_firm_answer(replayed, through_stack):
    for outcomes in (replayed, through_stack):
        wrong = [(name, r.item.question, r.item.reply, r.item.expect, r.recorded)
                 for name, results in outcomes.items() for r in results if r.outcome == "wrong"]
        assert not wrong


def test_no_earlier_answer_is_lost_and_no_question_skipped(replayed, through_stack):
    for outcomes in (replayed, through_stack):
        lost = [(name, r.item.question, r.item.reply)
                for name, results in outcomes.items() for r in results if r.outcome == "lost"]
        assert not lost


def test_the_replay_agrees_with_the_whole_stack(replayed, through_stack):
    """Same outcome and same recorded answer for every reply of the sample (over 2,000 replies)."""
    assert sum(map(len, through_stack.values())) > 2000
    differ = []
    for name, sampled in through_stack.items():
        by_item = {r.item: r for r in replayed[name]}
        differ += [(name, s.item.question, s.item.reply, s.outcome, s.recorded,
                    by_item[s.item].outcome, by_item[s.item].recorded)
                   for s in sampled if (s.outcome, s.recorded) != (by_item[s.item].outcome, by_item[s.item].recorded)]
    assert not differ


def test_the_sample_meets_every_question_and_category(protocol, through_stack):
    sampled = [r.item for results in through_stack.values() for r in results]
    assert {i.question for i in sampled} == set(protocol.order) | {"consent"}
    assert {i.category for i in sampled} >= {"plain", "negation", "hedge", "typo", "non_answer"}


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
