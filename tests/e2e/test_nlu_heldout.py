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

from bot import answers, i18n
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


PROTOCOL = load_protocol("NCT04143984")
COMMANDS = {"go_back", "start_over", "stop", "erase_data"}


def read_as_meant(expected: str, text: str, intent: str, confidence: float) -> bool:
    """Whether the bot does with the phrasing what its intent means: the core's reading at a yes/no
    question (at the age question for a number), given what the model said of it."""
    intent = None if intent == "nlu_fallback" else intent
    if expected == "greet":
        return answers.is_greeting(text) or intent == "greet"
    if expected == "change_contact":  # only offered while contact details are read back
        return intent == "change_contact"
    if expected == "set_language":  # the core reads a request for a language itself (bot/i18n.py)
        return i18n.requested(text) is not None or intent == "set_language"
    if expected == "find_trials":  # the core reads a request for the site's other trials itself (bot/answers.py)
        return answers.question_topic(text, intent) == answers.OTHER_TRIALS or intent == "find_trials"
    # a yes/no question without a concept of its own, so only the yes / no / hedge words and the model count
    # (the dose question, for "I had 70 Gy"); the age question for a number
    criterion = PROTOCOL.by_id["age"] if expected == "inform_number" else PROTOCOL.by_id["prior_imrt"].copy(
        update={"concept": None})
    reading = answers.read(criterion, text, intent, confidence)
    if expected in answers.ANSWER_INTENTS:
        return reading.is_answer and reading.answer == answers.ANSWER_INTENTS[expected]
    if expected == "inform_number":
        return reading.is_answer and isinstance(reading.answer, int)
    if expected in COMMANDS:
        return reading.kind in (answers.COMMAND, answers.OFFER) and reading.detail == expected
    if expected in answers.SIDE_INTENTS:
        return reading.kind == answers.QUESTION and reading.detail == expected
    return not reading.is_answer and reading.kind not in (answers.COMMAND, answers.OFFER)  # out_of_scope


def test_heldout_phrasings_are_read_as_meant(parsed):
    """What the bot does with each phrasing (the classifier's intent is one signal of its reading)."""
    misread = [(text, expected, got, round(conf, 2)) for expected, text, got, conf in parsed
               if not read_as_meant(expected, text, got, conf)]
    intent_accuracy = sum(got == expected for expected, _, got, _ in parsed) / len(parsed)
    accuracy = 1 - len(misread) / len(parsed)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"examples": len(parsed), "read_as_meant": round(accuracy, 4),
                                  "classifier_intent_accuracy": round(intent_accuracy, 4), "misread": misread},
                                 indent=1))
    print(f"\nheld-out phrasings read as meant: {accuracy:.1%} of {len(parsed)} "
          f"(the classifier's own intent accuracy: {intent_accuracy:.1%})")
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.1%} < {MIN_ACCURACY:.0%}; misread: {misread}"


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
