"""The intent classifier on phrasings written alongside the training data (tests/nlu/heldout.yml).

This checks the classifier, one signal of several, through the running Rasa server's /model/parse.
It is not the measure of how well answers are understood: those lines were written with the training
data and the training data was grown from their errors. The answer figures come from the blind sets
(tests/blind/, bench/nlu.py, tests/e2e/test_blind_answers.py). Writes var/nlu_heldout.json.
"""
import json
from pathlib import Path

import pytest
import requests
import yaml

from bot import answers
from bot.protocol import load_protocol

HELDOUT = Path(__file__).resolve().parents[1] / "nlu" / "heldout.yml"
REPORT = Path(__file__).resolve().parents[2] / "var" / "nlu_heldout.json"
MIN_ACCURACY = 0.95


def heldout_examples():
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    return [(block["intent"], line[2:].strip()) for block in data["nlu"]
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]


@pytest.fixture(scope="module")
def parsed(stack):
    s = stack.settings
    results = []
    for expected, text in heldout_examples():
        response = requests.post(f"{s.rasa_url}/model/parse", params={"token": s.token}, json={"text": text},
                                 timeout=10)
        response.raise_for_status()
        intent = response.json()["intent"]
        results.append((expected, text, intent["name"], intent["confidence"] or 0.0))
    return results


def test_heldout_is_large_covers_every_intent_and_is_unseen():
    examples = heldout_examples()
    training = yaml.safe_load((HELDOUT.parents[2] / "data" / "nlu.yml").read_text(encoding="utf-8"))
    seen = {line[2:].strip().lower() for block in training["nlu"] for line in block["examples"].splitlines()
            if line.strip().startswith("- ")}
    assert not [text for _, text in examples if text.lower() in seen], "held-out phrasings found in training data"
    domain = yaml.safe_load((HELDOUT.parents[2] / "domain.yml").read_text())
    assert len(examples) >= 150
    assert {intent for intent, _ in examples} == set(domain["intents"])


def same_behaviour(expected: str, got: str) -> bool:
    """Off-topic and low-confidence messages get the same handling, so either counts for out_of_scope."""
    return got == expected or (expected == "out_of_scope" and got == "nlu_fallback")


def test_heldout_accuracy(parsed):
    wrong = [(text, expected, got, round(conf, 2)) for expected, text, got, conf in parsed
             if not same_behaviour(expected, got)]
    accuracy = 1 - len(wrong) / len(parsed)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"examples": len(parsed), "accuracy": round(accuracy, 4), "errors": wrong},
                                 indent=1))
    print(f"\nNLU held-out accuracy: {accuracy:.1%} on {len(parsed)} phrasings")
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.1%} < {MIN_ACCURACY:.0%}; misses: {wrong}"


def test_not_sure_phrasings_are_never_recorded_as_yes_or_no(parsed):
    """What the bot reads from each Not-sure phrasing, given the model's intent."""
    criterion = load_protocol("NCT04143984").by_id["hepatitis"]
    firm = []
    for expected, text, got, confidence in parsed:
        if expected == "not_sure":
            answer = answers.read(criterion, text, None if got == "nlu_fallback" else got, confidence).answer
            if answer in ("yes", "no"):
                firm.append((text, got, answer))
    assert not firm


def test_answers_that_mention_removal_are_never_requests_to_delete_data(stack):
    """Answers such as "they removed the tumour" never start the erase confirmation, whatever the model
    says of them: the core takes "delete my data" only from a message that is that request and nothing
    else. The model's count is printed for information."""
    s = stack.settings
    lines = [t for t in (HELDOUT.parent / "not_erase_data.txt").read_text(encoding="utf-8").splitlines() if t.strip()]
    read_as_erase = [text for text in lines if requests.post(
        f"{s.rasa_url}/model/parse", params={"token": s.token}, json={"text": text},
        timeout=10).json()["intent"]["name"] == "erase_data"]
    print(f"\nthe model read as erase_data: {len(read_as_erase)} of {len(lines)} {read_as_erase}")
    assert len(lines) >= 10 and not [text for text in lines if answers.command_in(text)]
