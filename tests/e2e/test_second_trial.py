"""A second trial, imported from the registry and reviewed, is screened by the running stack:
no change to code, domain or training data."""


def test_imported_and_reviewed_trial_is_screened_end_to_end(chat):
    chat.say('/greet{"trial_id": "NCT00000102"}')
    assert "Example Clinic" in chat.texts and chat.slots()["trial_id"] == "NCT00000102"
    chat.say("who runs it?")
    assert "The study is run by Example Clinic." in chat.texts
    chat.say("yes")
    assert "Question 1 of 4" in chat.texts
    chat.say("34")
    assert "Has a neurologist" in chat.texts and "Question 2 of 4" in chat.texts
    chat.say("yes, last year")
    chat.say("I'm not sure")
    assert "Would you be willing to write down your headaches" in chat.texts
    chat.say("yes")
    slots = chat.slots()
    assert slots["screening_verdict"] == "needs_review" and slots["trial_id"] == "NCT00000102"
    stored = chat.screening()
    assert stored["trial_id"] == "NCT00000102" and len(stored["answers"]) == 4


def test_the_first_trial_is_still_the_default(chat):
    chat.say("hello")
    assert chat.slots()["trial_id"] == "NCT04143984"
