"""Several of the site's trials in one conversation, over the real servers (issue 18): a volunteer who came
for the first trial is screened for the others with the answers already given, asked each shared question
once, and referred to each team they choose; "find trials for me" screens for the whole catalogue."""
import time

from tests.e2e.test_conversations import answer_until_done, begin
from tests.e2e.test_handoff import wait_delivered

from bot.protocol import load_protocol_file

RECURRENT_TRIALS = ("NCT04143984", "NCT04533620")


def catalogue(trials_dir):
    return {p.trial_id: p for p in (load_protocol_file(path) for path in sorted(trials_dir.glob("*.yml")))}


def migraine_diagnosis(protocols):
    """The imported fourth trial's first question (its id is drafted from its text)."""
    return next(c.id for c in protocols["NCT00000102"].criteria if c.id.startswith("inc_diagnosed_with_chronic"))


def criterion(protocols, cid):
    return next(p.by_id[cid] for p in protocols.values() if cid in p.by_id)


def answer_catalogue(chat, protocols, answers):
    """Answer the catalogue's questions in plain words (45; yes / no as meets each criterion, unless `answers`
    says), confirming a read-back; returns the ids asked."""
    asked = []
    while True:
        slots = chat.slots()
        current = slots["current_criterion"]
        if current is None:
            return asked
        assert current not in asked, f"{current} asked twice"
        asked.append(current)
        assert len(asked) <= 40, "the questions never end"
        wanted = answers.get(current)
        if wanted is None:
            c = criterion(protocols, current)
            wanted = "I'm 45" if c.answer_type == "number" else ("yes" if c.met_when == "yes" else "no")
        chat.say(wanted)
        if "Just to be sure" in chat.texts:
            chat.say("yes, that's right")


def test_a_volunteer_eligible_for_both_carbon_ion_trials_is_screened_and_referred_for_both(chat, trials_dir,
                                                                                          study_team, second_team):
    protocols = catalogue(trials_dir)
    begin(chat)
    first = answer_until_done(chat)
    assert len(first) == 25 and chat.slots()["screening_verdict"] == "likely_eligible"
    assert "Check the site's other studies" in str(chat.last)  # offered beside "may the study team contact you?"
    chat.say("/find_trials")
    assert "check the site's other 3 studies with the answers you've already given" in chat.texts
    more = answer_catalogue(chat, protocols, {"recurrence": "yes, it came back after radiotherapy",
                                             "one_radiotherapy_course": "yes, just the one",
                                             migraine_diagnosis(protocols): "no"})
    # every shared question asked once: nothing the first trial asked is asked again
    assert not set(more) & set(first)
    distinct = {c.id for t in ("NCT04143984", "NCT04533620", "NCT06846450") for c in protocols[t].criteria}
    npc_asked = [cid for cid in first + more if cid in distinct]
    assert len(npc_asked) == len(set(npc_asked)) <= len(distinct) < 25 + 13 + 9
    # the newly-diagnosed trial: ruled out by one question, not at the end
    assert "recurrence" in more and "npc_confirmed" not in more
    slots = chat.slots()
    verdicts = slots["trial_verdicts"]
    assert {t: verdicts[t] for t in RECURRENT_TRIALS} == {t: "likely_eligible" for t in RECURRENT_TRIALS}
    assert verdicts["NCT06846450"] == "likely_ineligible" and slots["screening_verdict"] == "likely_eligible"
    assert "likely not, because of your answer about whether your cancer has come back" in chat.texts
    stored = chat.screening()["trials"]
    assert stored["NCT06846450"] == {"verdict": "likely_ineligible", "reasons": ["recurrence"], "not_sure": []}
    assert stored["NCT04533620"]["verdict"] == "likely_eligible" and stored["NCT04533620"]["reasons"] == []

    assert "Which study teams may contact you?" in chat.texts
    chat.say("yes, all of them")
    assert chat.slots()["contact_teams"] == list(RECURRENT_TRIALS)
    for text in ("Wei Zhang", "by phone", "139 1234 5678", "weekday mornings"):
        chat.say(text)
    assert "Shall I send them to the study teams of" in chat.texts
    chat.say("yes, send it")
    references = chat.slots()["referral_references"]
    assert set(references) == set(RECURRENT_TRIALS) and all(r in chat.texts for r in references.values())
    sent = {r["trial_id"]: r for r in chat.referrals()}
    assert set(sent) == set(RECURRENT_TRIALS)
    teams = {"NCT04143984": study_team, "NCT04533620": second_team}  # each trial's own team, its own key
    for trial_id, reference in references.items():
        payload = wait_delivered(teams[trial_id], reference)
        assert payload["data"]["trial_id"] == trial_id and payload["data"]["contact"]["phone"] == "+8613912345678"
        # only the answers its own trial asks
        assert [a["criterion_id"] for a in payload["data"]["answers"]] == [c.id for c in protocols[trial_id].questions]
        assert len([p for p in teams[trial_id].applied.values() if p["data"]["reference"] == reference]) == 1
        other = study_team if teams[trial_id] is second_team else second_team
        assert not [p for p in other.applied.values() if p["data"]["reference"] == reference]
    assert study_team.bad_signatures == second_team.bad_signatures == 0

    # erasure withdraws every trial's referral, each team told through its own endpoint
    chat.say("delete my data")
    chat.say("yes, delete everything")
    assert chat.referrals() == [] and chat.screening() is None
    for trial_id, reference in references.items():
        wait_erased(teams[trial_id], reference)


def wait_erased(team, reference, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p["type"] == "referral.erased" and p["data"]["reference"] == reference for p in list(team.applied.values())):
            return
        time.sleep(0.2)
    raise AssertionError(f"the erasure of {reference} never reached its team")


def test_find_trials_for_me_screens_for_the_whole_catalogue_from_the_start(chat, trials_dir):
    protocols = catalogue(trials_dir)
    chat.say("which trials could suit me?")
    assert "I can check which of its 4 studies might suit you" in chat.texts
    assert "A study of radiotherapy for newly diagnosed nasopharyngeal cancer" in chat.texts
    assert chat.screening() is None  # nothing stored before consent
    chat.say("yes, let's start")
    assert "Question 1 for the site's studies" in chat.texts and chat.slots()["current_criterion"] == "age"
    asked = answer_catalogue(chat, protocols, {"recurrence": "no, it was only just diagnosed",
                                               "recurrence_interval": "no", migraine_diagnosis(protocols): "no"})
    verdicts = chat.slots()["trial_verdicts"]
    assert verdicts == {"NCT04143984": "likely_ineligible", "NCT04533620": "likely_ineligible",
                        "NCT06846450": "likely_eligible", "NCT00000102": "likely_ineligible"}
    assert len(asked) == len(set(asked)) <= 12  # the newly-diagnosed trial's 9, and what rules out the others
    assert chat.slots()["screening_verdict"] == "likely_ineligible"  # the default trial's own verdict
    assert "contact" in chat.texts
