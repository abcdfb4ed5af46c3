"""The Rasa-side guards (rasa_addons/), on Rasa's own objects, without a server."""
import json
from pathlib import Path

import pytest

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.nlu import GuardedIntent, MessageGuard, readable
from rasa_addons.policy import next_action
from rasa_addons.tracker_store import without_text_before_consent

DOMAIN = Domain.load(Path(__file__).resolve().parents[1] / "domain.yml")


def test_readable_drops_escapes_control_and_invisible_characters_only():
    assert readable("\x00\x01\x1b[31m") == ""
    assert readable("he\u200bllo \u202eabc\u202c caf\u00e9 \U0001f600") == "hello abc caf\u00e9 \U0001f600"


def guarded(text):
    message = Message({"text": text})
    MessageGuard().process([message])
    return message


def test_oversized_and_letterless_messages_skip_the_model_and_become_nlu_fallback():
    for text in ["yes " * 600, "\U0001f44d\U0001f44d", "\u200b\u200d", "\x1b[31m", "!!!"]:
        message = guarded(text)
        assert message.get("text") == "unreadable"
        GuardedIntent().process([message])
        assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert guarded("yes\u200b please").get("text") == "yes please"
    assert guarded("45").get("intent") is None  # left to the model


def tracker(*events):
    return DialogueStateTracker.from_events("someone", list(events), slots=DOMAIN.slots)


def test_trouble_after_a_custom_action_that_produced_nothing_then_listen():
    failed = tracker(UserUttered("no", {"name": "deny"}), ActionExecuted("action_reply"))
    assert next_action(failed, DOMAIN) == "utter_trouble"
    told = tracker(UserUttered("no"), ActionExecuted("action_reply"), ActionExecuted("utter_trouble"),
                   BotUttered("Sorry"))
    assert next_action(told, DOMAIN) == "action_listen"
    succeeded = tracker(UserUttered("no"), ActionExecuted("action_reply"), SlotSet("trial_id", "NCT04143984"),
                        BotUttered("Question 3"))
    assert next_action(succeeded, DOMAIN) is None
    asked = tracker(UserUttered("no"), ActionExecuted("action_ask_contact_name"), BotUttered("What name ...?"))
    assert next_action(asked, DOMAIN) is None  # the contact form's question is a custom action that says something


def test_trouble_while_the_database_is_unavailable():
    stand_in = tracker(SlotSet("service_unavailable", True), UserUttered("no"))
    assert next_action(stand_in, DOMAIN) == "utter_trouble"


def test_text_is_kept_only_while_the_conversation_has_consented():
    events = [UserUttered("hi I'm 45", {"name": "greet"}, [{"entity": "age", "value": "45"},
                                                           {"entity": "trial_id", "value": "NCT04143984"}]),
              SlotSet("screening_consent", True), UserUttered("I'm 45"),
              SlotSet("screening_consent", False), UserUttered("my email is a@b.c"),
              SessionStarted(), UserUttered("hello again")]
    kept = [e for e in without_text_before_consent(events) if isinstance(e, UserUttered)]
    assert [e.text for e in kept] == ["", "I'm 45", "", ""]
    assert kept[0].entities == [{"entity": "trial_id", "value": "NCT04143984"}]
    assert kept[0].intent_name == "greet" and "45" not in str(kept[0].parse_data)



def test_before_consent_a_typed_payload_and_metadata_keep_nothing():
    typed = UserUttered('/greet{"trial_id": "I have HIV"}', {"name": "greet"},
                        [{"entity": "trial_id", "value": "I have HIV"}, {"entity": "note", "value": "HIV"}],
                        {"text": '/greet{"trial_id": "I have HIV"}', "metadata": {"m": "I have HIV"}},
                        metadata={"m": "I have HIV"})
    kept = without_text_before_consent([typed])[0]
    assert "HIV" not in json.dumps(kept.as_dict())
    real = UserUttered("/greet", {"name": "greet"}, [{"entity": "trial_id", "value": "NCT04143984"}])
    assert without_text_before_consent([real])[0].entities == [{"entity": "trial_id", "value": "NCT04143984"}]


@pytest.mark.parametrize("body,problem", [
    ({"sender": "+8613800138000", "message": "yes"}, None),
    ({"sender": "a" * 128, "message": ""}, None),
    ([1, 2], "JSON object"), (7, "JSON object"), (None, "JSON object"),
    ({"message": "hi"}, "sender"), ({"sender": "", "message": "hi"}, "sender"),
    ({"sender": "a" * 129, "message": "hi"}, "sender"), ({"sender": "a b", "message": "hi"}, "sender"),
    ({"sender": 12, "message": "hi"}, "sender"),
    ({"sender": "s", "message": 45}, "string"), ({"sender": "s", "message": ["x"]}, "string"),
    ({"sender": "s"}, "string"), ({"sender": "s", "message": "x" * 2001}, "too long"),
])
def test_webhook_requests_are_checked(body, problem):
    from rasa_addons.channels import problem_with
    found = problem_with(body)
    assert (found is None) if problem is None else (problem in found)


RESPONSES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "current_criterion", "value": "age", "timestamp": None}],
     "responses": [{"text": "How old are you?", "buttons": [{"title": "Not sure", "payload": "/not_sure"}]}]},
    {"events": [{"event": "action_execution_rejected", "name": "action_conversation"}]},
    {"events": "not a list"},
    {"events": [{"name": "no event key"}]},
    {"events": [{"event": "slot", "name": 7}]},
    {"responses": ["a bare string"]},
    [],
]


def outcome(method, response):
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_conversation", None)
    try:
        return method(action, response)
    except ValidationError as error:
        return ("ValidationError", error.message, list(error.path))


def test_the_compiled_action_response_check_decides_exactly_as_rasas_own():
    from rasa.core.actions.action import RemoteAction

    from rasa_addons import speedups

    assert RemoteAction._validate_action_result is speedups.validate_action_result  # installed on import
    outcomes = [(outcome(speedups.RASA_VALIDATE_ACTION_RESULT, r), outcome(speedups.validate_action_result, r))
                for r in RESPONSES]
    assert [rasa for rasa, _ in outcomes] == [ours for _, ours in outcomes]
    assert [rasa is True for rasa, _ in outcomes] == [True, True, True, False, False, False, False, False]
    assert "Failed to validate Action server response" in outcomes[3][1][1]


def test_event_types_are_resolved_exactly_as_rasa_does():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    from rasa_addons import speedups

    assert Event.resolve_by_type is speedups.resolve_by_type  # installed on import
    names = sorted({cls.type_name for cls in all_subclasses(Event)})
    assert len(names) > 20
    for name in names + names:  # the second pass comes from the remembered names
        assert speedups.resolve_by_type(name) is speedups.RASA_RESOLVE_BY_TYPE(name)
    assert speedups.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    assert speedups.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    for method in (speedups.resolve_by_type, speedups.RASA_RESOLVE_BY_TYPE):
        try:
            method("no_such_event")
            raise AssertionError("an unknown event name was accepted")
        except ValueError as error:
            assert "Unknown event name 'no_such_event'" in str(error)
    stored = [SlotSet("current_criterion", "age").as_dict(), UserUttered("I'm 45", {"name": "inform_number"}).as_dict()]
    assert [type(Event.from_parameters(event)) for event in stored] == [SlotSet, UserUttered]


def test_the_tracker_store_writes_and_reads_the_same_rows_as_rasas(tmp_path):
    """Rasa's SQLTrackerStore and ours, each saving the same conversation turn by turn into its own
    SQLite file: the same rows in the same order, and each store reads back the same tracker from both."""
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import create_engine, text

    from rasa_addons.tracker_store import ProtectedSQLTrackerStore

    turns = [[SessionStarted(), SlotSet("screening_consent", True)],
             [UserUttered("I'm 45", {"name": "inform_number", "confidence": 0.99}), ActionExecuted("action_reply"),
              SlotSet("current_criterion", "age"), BotUttered("Question 2 of 25", {"buttons": []}),
              ActionExecuted("action_listen")],
             [UserUttered("nope", {"name": "deny"}), ActionExecuted("action_reply"),
              SlotSet("screening_answers", {"age": {"answer": 45, "text": "I'm 45"}})]]
    classes = {"rasa": SQLTrackerStore, "ours": ProtectedSQLTrackerStore}

    def store(cls, name):
        return cls(DOMAIN, dialect="sqlite", db=str(tmp_path / f"{name}.db"))

    async def run():
        for name, cls in classes.items():
            writer, events = store(cls, name), []
            for turn in turns:
                events += turn
                await writer.save(DialogueStateTracker.from_events("v1", list(events), slots=DOMAIN.slots))
        return {(reader, written_by): (await store(cls, written_by).retrieve("v1")).current_state()
                for reader, cls in classes.items() for written_by in classes}

    states = asyncio.run(run())
    rows = {name: create_engine(f"sqlite:///{tmp_path / name}.db").connect().execute(text(
        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id")).all()
            for name in classes}
    assert len(rows["rasa"]) == sum(map(len, turns))
    assert rows["ours"] == rows["rasa"]
    assert len({str(state) for state in states.values()}) == 1
    assert states["ours", "ours"]["slots"]["screening_answers"] == {"age": {"answer": 45, "text": "I'm 45"}}


def test_page_session_ids_are_issued_and_checked(monkeypatch):
    from rasa_addons import channels
    monkeypatch.setenv("SENDER_ID_KEY", "k" * 40)
    issued = channels.new_session_id()
    assert channels.issued(issued) and channels.SENDER.fullmatch(issued)
    assert not channels.issued(issued[:-1] + ("0" if issued[-1] != "0" else "1"))
    assert not any(channels.issued(x) for x in (None, 7, "", "+8613800138000", "web-" + "0" * 56))
    monkeypatch.setenv("SENDER_ID_KEY", "another key")
    assert not channels.issued(issued)  # another server's key


def test_the_rest_channel_can_be_off_or_need_a_token():
    from rasa_addons.channels import rest_refusal
    assert rest_refusal("open", "", "") is None
    assert rest_refusal("off", "t", "Bearer t")[0] == 404
    assert rest_refusal("token", "secret-token", "Bearer secret-token") is None
    assert rest_refusal("token", "secret-token", "Bearer wrong")[0] == 401
    assert rest_refusal("token", "", "Bearer ")[0] == 401  # no token set: nothing gets in


# --- The WeChat channel (rasa_addons/wechat.py) on a Sanic server of its own, with a stand-in for Rasa's turn:
# signing, safe mode, the XML of replies. The whole stack is driven in tests/e2e/test_wechat_channel.py. ---

@pytest.fixture
def wechat_server(database, monkeypatch):
    """serve(channel) -> (the server's base URL, the messages its turns received); each turn answers
    "got <text>" and "<text> again". The server runs on 127.0.0.1 in a thread with its own event loop."""
    import asyncio
    import threading

    from sanic import Sanic

    from bot.stack import free_port

    monkeypatch.setenv("SENDER_ID_KEY", "test-key")
    monkeypatch.setattr(Sanic, "test_mode", True)  # Sanic 21.12 starts a second app in a process only in test mode
    stops, threads = [], []

    def serve(channel):
        received, port, ready = [], free_port(), threading.Event()

        async def on_new_message(message):
            received.append(message)
            await message.output_channel.send_text_message(message.sender_id, f"got {message.text}")
            await message.output_channel.send_text_message(message.sender_id, f"{message.text} again")

        async def run():
            app = Sanic(f"wechat_test_{port}")
            app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/wechat")
            server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
            await server.startup()
            stop = asyncio.Event()
            stops.append((asyncio.get_running_loop(), stop))
            ready.set()
            await stop.wait()
            server.close()
            await server.wait_closed()

        thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
        thread.start()
        threads.append(thread)
        assert ready.wait(30)
        return f"http://127.0.0.1:{port}", received

    yield serve
    for loop, stop in stops:
        loop.call_soon_threadsafe(stop.set)
    for thread in threads:
        thread.join(10)


def test_wechat_signatures_are_wechats_and_checked_in_full():
    from rasa_addons.wechat import fresh, signed
    from tests.wechat_standin import WeChat

    standin = WeChat("http://unused", "token123")
    params = standin.params(timestamp=1700000000)
    assert signed("token123", params["signature"], params["timestamp"], params["nonce"])
    assert not signed("token124", params["signature"], params["timestamp"], params["nonce"])
    assert not signed("token123", params["signature"].upper(), params["timestamp"], params["nonce"])
    assert not signed("token123", params["signature"], params["timestamp"], params["nonce"] + "1")
    assert not signed("token123", None, params["timestamp"], params["nonce"])
    assert not signed("token123", params["signature"], params["timestamp"], "")
    assert fresh("1700000000", now=1700000000 + 300) and not fresh("1700000000", now=1700000000 + 301)
    assert not fresh("-1", now=0) and not fresh("17e8", now=17e8) and not fresh("", now=0)


def test_wechat_channel_settings():
    from rasa_addons.wechat import WeChatInput

    with pytest.raises(ValueError, match="WECHAT_TOKEN"):
        WeChatInput.from_credentials({})
    with pytest.raises(ValueError, match="both"):
        WeChatInput.from_credentials({"token": "t", "appid": "wx123"})
    assert WeChatInput.from_credentials({"token": "t"}).crypto is None
    assert WeChatInput.name() == "wechat"


def test_wechat_reply_holds_the_turns_messages_and_survives_a_cdata_end(wechat_server):
    from rasa_addons.wechat import WeChatInput
    from tests.wechat_standin import WeChat, new_openid

    url, received = wechat_server(WeChatInput("plain-token"))
    standin, openid = WeChat(url, "plain-token"), new_openid()
    assert standin.say(openid, "a]]>b <c/>") == "got a]]>b <c/>\n\na]]>b <c/> again"
    assert received[0].input_channel == "wechat" and received[0].sender_id.startswith("wx-")
    assert openid not in received[0].sender_id and received[0].metadata is None


def test_wechat_safe_mode_decrypts_and_encrypts_and_refuses_the_rest(wechat_server):
    from rasa_addons.wechat import WeChatInput
    from tests.wechat_standin import SafeWeChat, new_encoding_aes_key, new_openid

    aes_key, appid = new_encoding_aes_key(), "wx1234567890abcdef"
    url, received = wechat_server(WeChatInput("safe-token", appid, aes_key))
    standin, openid = SafeWeChat(url, "safe-token", appid, aes_key), new_openid()
    assert standin.verify("echo-me").text == "echo-me"

    response = standin.post_encrypted(openid, standin.text_xml(openid, "你好"))
    assert response.status_code == 200 and "你好" not in response.text  # encrypted
    assert standin.reply_of(response, openid) == "got 你好\n\n你好 again"
    assert [m.text for m in received] == ["你好"]

    plaintext = standin.post(openid, standin.text_xml(openid, "plain"))
    forged = standin.post_encrypted(openid, standin.text_xml(openid, "forged"), msg_signature="0" * 40)
    other_account = SafeWeChat(url, "safe-token", "wx0000000000000000", aes_key).post_encrypted(
        openid, standin.text_xml(openid, "other account"))
    assert [plaintext.status_code, forged.status_code, other_account.status_code] == [403, 403, 403]
    assert [m.text for m in received] == ["你好"]  # none of them reached a turn
