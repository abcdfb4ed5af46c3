"""No health answer or contact detail in any log the stack writes at its default level."""
import time
import uuid

import requests

from tests.e2e.test_conversations import answer_until_done, begin
from tests.e2e.test_handoff import wait_delivered


def test_a_canary_in_answers_and_contact_details_never_reaches_a_log(stack, chat, study_team):
    canary = "canary" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])  # letters: a valid name
    begin(chat)
    answer_until_done(chat, {"prior_imrt": f"I had 70 Gy in 2021 {canary}", "hiv": f"no {canary}"})
    for text in ["yes", f"Ana {canary}", "by e-mail", f"{canary}@example.com", f"evenings {canary}", "yes"]:
        chat.say(text)
    wait_delivered(study_team, chat.slots()["referral_reference"])
    time.sleep(1)  # let the servers flush their logs
    logs = sorted((stack.output.parent / "log").glob("*.log")) + [stack.output]
    assert len(logs) >= 5  # actions, rasa, relay, review, web, and the launcher's own output
    leaking = [path.name for path in logs if canary in path.read_text(errors="replace")]
    assert leaking == []


def test_canaries_through_payloads_bad_requests_and_errors_never_reach_a_log(stack, chat):
    """Text Rasa itself would log: a payload it cannot parse (a warning quoting the line), a body it
    cannot read, a message that makes a server fail. Checked in every log file, after an erasure too."""
    canary = "canary" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])
    rest = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    chat.say('/ask_why{"note": "I have HIV %s"}' % canary)  # before consent
    begin(chat)
    chat.say('/ask_why{"note": "I have HIV %s" ' % canary)  # after consent, and malformed
    chat.say('/affirm{"x": [%s' % canary)
    chat.say(f"my phone is 139 1234 5678 and I have HIV {canary}")
    for body in ([canary], {"sender": chat.sender, "message": {"text": canary}}, f'{{"message": "{canary}"'):
        requests.post(rest, data=body if isinstance(body, str) else None,
                      json=None if isinstance(body, str) else body, timeout=30)
    chat.say("delete my data")
    chat.say("yes")
    time.sleep(1)  # let the servers flush their logs
    logs = sorted((stack.output.parent / "log").glob("*.log")) + [stack.output]
    leaking = {path.name: [line[:160] for line in path.read_text(errors="replace").splitlines()
                           if canary in line or "139 1234 5678" in line] for path in logs}
    assert {name: lines for name, lines in leaking.items() if lines} == {}
