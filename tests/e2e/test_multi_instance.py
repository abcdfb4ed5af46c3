"""The production configuration (issue 8): two Rasa instances, each with its own action server, sharing
PostgreSQL (tracker store and our tables) and Rasa's Redis lock store, started by `python -m bot run` with
RASA_INSTANCES=2 and REDIS_HOST. Concurrent conversations hop between the instances on every turn; none
loses or duplicates an event. Skipped, saying so, where PostgreSQL or Redis is absent (not in CI)."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import Chat, start_stack, stop_stack
from tests.e2e.test_conversations import PROTOCOL, eligible_reply


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory, postgres, redis_host):
    running = start_stack(tmp_path_factory.mktemp("two-instances"), postgres(), instances=2, extra_env=redis_host)
    assert "2 Rasa instances" in running.output.read_text()
    yield running
    assert stop_stack(running) == 0


def say(chat, url, text):
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": chat.sender, "message": text},
                             timeout=60)
    response.raise_for_status()
    return response.json()


def full_screening(stack, number):
    """One volunteer answering all 25 questions, each turn on the other instance."""
    chat = Chat(stack, f"hop-{number}")
    urls = stack.settings.rasa_urls()
    sent = ["hello", "yes"] + [eligible_reply(c) for c in PROTOCOL.order]
    replies = [say(chat, urls[turn % 2], text) for turn, text in enumerate(sent)]
    return chat, sent, replies


def test_conversations_hopping_between_instances_lose_and_duplicate_nothing(two_instances):
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda n: full_screening(two_instances, n), range(12)))
    for chat, sent, replies in results:
        assert all(replies), f"{chat.sender}: a turn got no reply"
        events = chat.events()
        user = [e["text"] for e in events if e["event"] == "user"]
        assert user == ["", ""] + sent[2:]  # each message once, in order (the two before consent are blank)
        actions = [e["name"] for e in events
                   if e["event"] == "action" and e["name"] not in ("action_listen", "action_session_start")]
        assert len(actions) == len(sent) and "utter_trouble" not in actions
        assert chat.slots()["screening_verdict"] == "likely_eligible"
        assert len(chat.screening()["answers"]) == 25


def race(stack, name):
    """Two messages for one conversation sent at the same moment, one to each instance."""
    chat = Chat(stack, name)
    urls = stack.settings.rasa_urls()
    say(chat, urls[0], "hello")
    say(chat, urls[1], "yes")
    start = threading.Barrier(2)

    def turn(args):
        url, text = args
        start.wait()
        return say(chat, url, text)

    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(turn, [(urls[0], "I'm 45"), (urls[1], "nope, never")]))
    events = [e for e in chat.events() if e["event"] == "user"
              or (e["event"] == "action" and e["name"] not in ("action_listen", "action_session_start"))]
    return chat, replies, events


def test_one_conversation_hit_on_both_instances_at_once_runs_its_turns_one_at_a_time(two_instances):
    for attempt in range(15):
        chat, replies, events = race(two_instances, f"race-{attempt}")
        assert all(replies)
        # both messages kept, each handled completely (its action ran) before the other one started
        assert sorted(e["text"] for e in events[-4::2]) == ["I'm 45", "nope, never"], attempt
        assert [e["event"] for e in events[-4:]] == ["user", "action", "user", "action"]
        assert "age" in chat.screening()["answers"]  # "I'm 45" was read as the age, whichever came first
