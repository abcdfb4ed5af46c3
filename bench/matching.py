"""Matching benchmark (issue 18): simulated volunteers screened for the site's whole catalogue at once,
with the adaptive order (bot/matching.py) and the fixed one (every trial in turn, in its own order).
Prints, for each order, the mean and 95th percentile of questions asked and the share of trials decided
after 3, 5 and 10 questions; and checks that every trial's verdict equals the verdict that screening that
trial alone gives for the same answers (it exits 1 if one differs).

    .venv/bin/python bench/matching.py                 # 1,000 volunteers, seed 18  (make bench-matching)
    options: --volunteers N, --seed N, --trials NCT..,NCT.. (default: the open trials, bot/trials.py)

A volunteer is a random but consistent answer profile, one answer per criterion id, so a shared question
has one answer for every trial:
- 70% have cancer that came back after radiotherapy, 30% are newly diagnosed. The questions about that
  follow from it: a newly diagnosed volunteer has no recurrence, no radiotherapy course and no treatment
  since a recurrence; of those whose cancer came back, 85% had one course, 85% more than 6 months before.
- Age is a whole number from 15 to 80 (3% Not sure).
- Any other question is answered Not sure with 8% (40% for blood and organ tests, which most people do not
  know), else rules the volunteer out with a rate of its own, drawn once per seed between 2% and 25%:
  the benchmark's rates know nothing of any trial's order, so the adaptive order is not tuned to them.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import matching, screening, trials  # noqa: E402
from bot.protocol import Protocol, load_protocol  # noqa: E402
from bot.screening import RecordedAnswer  # noqa: E402

CHECKPOINTS = (3, 5, 10)
FOLLOWS_FROM_HISTORY = {"recurrence", "recurrence_interval", "one_radiotherapy_course", "prior_imrt",
                        "other_treatment", "particle_implant", "neck_dissection"}


def criteria_of(protocols: Sequence[Protocol]) -> Dict[str, object]:
    found = {}
    for protocol in protocols:
        for criterion in protocol.criteria:
            found.setdefault(criterion.id, criterion)
    return found


def rule_out_rates(protocols: Sequence[Protocol], seed: int) -> Dict[str, float]:
    rng = random.Random(f"rates-{seed}")
    return {cid: rng.uniform(0.02, 0.25) for cid in sorted(criteria_of(protocols))}


def volunteer(rng: random.Random, protocols: Sequence[Protocol], rates: Dict[str, float]) -> Dict[str, object]:
    """One consistent answer profile: criterion id -> "yes" / "no" / "not_sure" / age."""
    recurrent = rng.random() < 0.7
    profile: Dict[str, object] = {}
    for cid, criterion in criteria_of(protocols).items():
        met, unmet = (criterion.met_when, "no" if criterion.met_when == "yes" else "yes") \
            if criterion.answer_type == "yes_no" else (None, None)
        if criterion.answer_type == "number":
            profile[cid] = "not_sure" if rng.random() < 0.03 else rng.randint(15, 80)
        elif cid in FOLLOWS_FROM_HISTORY:
            if not recurrent:
                # newly diagnosed: no recurrence, no earlier radiotherapy, nothing done since a recurrence
                profile[cid] = {"recurrence": "no", "recurrence_interval": "no", "one_radiotherapy_course": "no",
                                "prior_imrt": "no", "other_treatment": "no", "particle_implant": "no"}.get(cid, met)
            elif cid == "recurrence":
                profile[cid] = "yes"
            elif cid in ("recurrence_interval", "one_radiotherapy_course"):
                profile[cid] = "not_sure" if rng.random() < 0.05 else ("yes" if rng.random() < 0.85 else "no")
            else:
                profile[cid] = "not_sure" if rng.random() < 0.08 else (unmet if rng.random() < rates[cid] else met)
        else:
            not_sure = 0.4 if criterion.not_sure_is_normal else 0.08
            profile[cid] = "not_sure" if rng.random() < not_sure else (unmet if rng.random() < rates[cid] else met)
    return profile


def screen_catalogue(protocols: Sequence[Protocol], profile: Dict[str, object], order: str):
    """Ask what the order asks next until every trial has its verdict: (questions asked, decided after each)."""
    answers: Dict[str, RecordedAnswer] = {}
    decided: List[int] = []
    while True:
        step = matching.next_step(protocols, answers, order)
        if step is None:
            return answers, decided
        answers[step.criterion.id] = RecordedAnswer(profile[step.criterion.id], "")
        decided.append(sum(1 for e in matching.verdicts(protocols, answers).values() if e.verdict is not None))


def screen_alone(protocol: Protocol, profile: Dict[str, object]) -> str:
    """The verdict that screening this trial alone gives: its own order, until it decides."""
    answers: Dict[str, RecordedAnswer] = {}
    while True:
        result = screening.evaluate(protocol, answers)
        if result.verdict is not None:
            return result.verdict
        answers[result.next_criterion] = RecordedAnswer(profile[result.next_criterion], "")


def run(protocols: Sequence[Protocol], volunteers: int, seed: int) -> dict:
    rates = rule_out_rates(protocols, seed)
    rng = random.Random(seed)
    profiles = [volunteer(rng, protocols, rates) for _ in range(volunteers)]
    report, mismatches = {}, []
    for order in matching.ORDERS:
        counts, shares = [], {k: [] for k in CHECKPOINTS}
        for number, profile in enumerate(profiles):
            answers, decided = screen_catalogue(protocols, profile, order)
            counts.append(len(decided))
            for k in CHECKPOINTS:
                shares[k].append((decided[min(k, len(decided)) - 1] if decided else 0) / len(protocols))
            for trial_id, evaluation in matching.verdicts(protocols, answers).items():
                alone = screen_alone(next(p for p in protocols if p.trial_id == trial_id), profile)
                if evaluation.verdict != alone:
                    mismatches.append((order, number, trial_id, evaluation.verdict, alone))
        report[order] = {"mean": statistics.fmean(counts), "p95": sorted(counts)[int(0.95 * (len(counts) - 1))],
                         "max": max(counts), **{f"decided_after_{k}": statistics.fmean(shares[k]) for k in CHECKPOINTS}}
    return {"report": report, "mismatches": mismatches,
            "distinct_questions": len(criteria_of(protocols)),
            "criteria_in_all": sum(len(p.criteria) for p in protocols)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--volunteers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--trials", help="comma-separated trial ids (default: the open trials)")
    args = parser.parse_args(argv)
    protocols = (tuple(load_protocol(t.strip()) for t in args.trials.split(",")) if args.trials
                 else trials.open_protocols())
    started = time.perf_counter()
    result = run(protocols, args.volunteers, args.seed)
    seconds = time.perf_counter() - started
    print(f"trials: {', '.join(p.trial_id for p in protocols)} ({result['criteria_in_all']} criteria, "
          f"{result['distinct_questions']} distinct questions)")
    print(f"volunteers: {args.volunteers}, seed {args.seed}, {seconds:.1f} s on {os.cpu_count()} cores\n")
    print("| order | mean questions | p95 | max | trials decided after 3 | after 5 | after 10 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for order, row in result["report"].items():
        print(f"| {order} | {row['mean']:.1f} | {row['p95']} | {row['max']} | "
              + " | ".join(f"{row[f'decided_after_{k}']:.0%}" for k in CHECKPOINTS) + " |")
    checked = args.volunteers * len(protocols) * len(matching.ORDERS)
    print(f"\nper-trial verdicts equal to screening each trial alone: {checked - len(result['mismatches'])} of {checked}")
    for mismatch in result["mismatches"][:10]:
        print("  differs:", mismatch)
    return 1 if result["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
