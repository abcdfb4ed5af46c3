"""No health answer or contact detail in any log the stack writes at its default level."""
import time
import uuid

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
