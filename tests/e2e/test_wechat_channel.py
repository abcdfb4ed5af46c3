"""The WeChat Official Account channel (rasa_addons/wechat.py) through the running stack, driven by a stand-in
for WeChat's server (tests/wechat_standin.py) that signs its requests as WeChat does: the URL check, signed
messages only, a short screening in Chinese with numbered replies, a message WeChat sends again answered
once, other kinds of message, and conversation ids that are not the volunteer's OpenID."""
import threading
import time

import pytest
import requests

from bot.senders import wechat_id
from tests.conftest import WECHAT_TOKEN, Chat
from tests.e2e.test_erasure import tables_holding
from tests.wechat_standin import WeChat, new_openid, reply_text


@pytest.fixture
def wechat(stack):
    return WeChat(stack.settings.rasa_url, WECHAT_TOKEN)


def conversation(stack, openid):
    """The volunteer's conversation as the stack knows it: by `wx-` + an HMAC of the OpenID."""
    key = (stack.output.parent / "sender_id_key").read_text().strip().encode()
    return Chat(stack, wechat_id(openid, key))


def user_texts(chat):
    """What the volunteer sent, as the tracker keeps it (blank before consent: nothing typed then is kept)."""
    return [e["text"] for e in chat.events() if e["event"] == "user"]


def test_the_url_check_echoes_only_a_signed_request(wechat):
    assert requests.get(wechat.url.rsplit("/", 1)[0] + "/", timeout=10).json() == {"status": "ok"}
    answer = wechat.verify("4711915713")
    assert answer.status_code == 200 and answer.text == "4711915713"
    assert wechat.verify("4711915713", token="not-the-token").status_code == 403
    unsigned = requests.get(wechat.url, params={"echostr": "4711915713", "timestamp": "1", "nonce": "2"}, timeout=10)
    assert unsigned.status_code == 403 and "4711915713" not in unsigned.text


def test_a_short_screening_in_chinese_with_numbered_replies(stack, wechat):
    openid = new_openid()
    intro = wechat.say(openid, "你好")
    assert "预筛选" in intro and "回复1是，2否，3English" in intro
    assert intro.count("\n\n") >= 1  # the turn's messages, joined into the one reply WeChat takes

    first = wechat.say(openid, "1")  # consent, by its number
    assert "第1/25题" in first and "岁" in first and "回复1不确定" in first
    second = wechat.say(openid, "五十二")
    assert "第2/25题" in second and "回复1是，2否，3不确定" in second
    third = wechat.say(openid, "2")  # answered No, by its number
    assert "第3/25题" in third

    chat = conversation(stack, openid)
    slots = chat.slots()
    assert slots["screening_consent"] is True and slots["language"] == "zh"
    assert {k: v["answer"] for k, v in slots["screening_answers"].items()} == {"age": 52, "distant_metastasis": "no"}
    assert user_texts(chat) == ["", "", "五十二", "2"]
    assert {e["input_channel"] for e in chat.events() if e["event"] == "user"} == {"wechat"}


def test_the_conversation_id_is_not_the_openid_and_the_openid_is_stored_nowhere(stack, wechat):
    openid = new_openid()
    wechat.say(openid, "hello")
    chat = conversation(stack, openid)
    assert chat.sender.startswith("wx-") and openid not in chat.sender
    assert len(user_texts(chat)) == 1
    assert tables_holding(stack, openid) == []
    assert "events" in tables_holding(stack, chat.sender)
    logs = sorted((stack.output.parent / "log").glob("*.log")) + [stack.output]
    assert [path.name for path in logs if openid in path.read_text(errors="replace")] == []
    # REST may not drive a WeChat conversation
    refused = requests.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook",
                            json={"sender": chat.sender, "message": "1"}, timeout=30)
    assert refused.status_code == 400 and "wx-" in refused.json()["error"]


@pytest.mark.parametrize("how", ["wrong signature", "no signature", "another token", "stale timestamp"])
def test_a_request_not_signed_by_wechat_is_refused_and_nothing_is_stored(stack, wechat, how):
    openid = new_openid()
    params = wechat.params(openid)
    if how == "wrong signature":
        params["signature"] = params["signature"][::-1]
    elif how == "no signature":
        del params["signature"]
    elif how == "another token":
        params = wechat.params(openid, token="not-the-token")
    else:
        params = wechat.params(openid, timestamp=int(time.time()) - 3600)  # signed, but an hour old
    response = wechat.post(openid, wechat.text_xml(openid, "你好"), params=params)
    assert response.status_code == 403 and "预筛选" not in response.text
    chat = conversation(stack, openid)
    assert tables_holding(stack, chat.sender) == []  # no conversation, no message recorded
    assert tables_holding(stack, openid) == []


def test_a_message_sent_again_is_answered_once_with_the_same_reply(stack, wechat):
    openid = new_openid()
    wechat.say(openid, "你好")
    msg_id = wechat.next_msg_id()
    first = wechat.say(openid, "1", msg_id)
    again = wechat.say(openid, "1", msg_id)  # WeChat's retry: the same MsgId
    assert "第1/25题" in first and again == first
    chat = conversation(stack, openid)
    assert len(user_texts(chat)) == 2  # one turn for the message and its copy
    assert chat.slots()["screening_answers"] == {}  # the retried "1" did not also answer the first question
    assert wechat.say(openid, "1") != first  # a new message (another MsgId) is a new turn: "Not sure" of the age
    assert list(chat.slots()["screening_answers"]) == ["age"]


def test_copies_arriving_while_the_turn_runs_get_its_reply_and_run_no_turn(stack, wechat):
    """WeChat hangs up after 5 s and sends the message again; here the first copy's connection is dropped
    while its turn runs, and two more copies arrive at once before it has finished."""
    openid = new_openid()
    wechat.say(openid, "你好")
    xml = wechat.text_xml(openid, "1", wechat.next_msg_id())
    wechat.hang_up(openid, xml)  # the first copy: given up on, as WeChat does
    replies = []

    def retry():
        replies.append(reply_text(wechat.post(openid, xml), openid))

    retries = [threading.Thread(target=retry) for _ in range(2)]
    for thread in retries:
        thread.start()
    for thread in retries:
        thread.join(30)
    assert len(replies) == 2 and replies[0] == replies[1] and "第1/25题" in replies[0]
    chat = conversation(stack, openid)
    assert len(user_texts(chat)) == 2
    assert chat.slots()["screening_consent"] is True and chat.slots()["screening_answers"] == {}


def test_following_the_account_opens_the_prescreen_in_chinese(stack, wechat):
    openid = new_openid()
    response = wechat.post(openid, wechat.event_xml(openid, "subscribe"))
    greeting = reply_text(response, openid)
    assert "预筛选" in greeting and "回复1是，2否，3English" in greeting
    assert "continue in English" in wechat.say(openid, "3")  # the English switch, by its number
    chat = conversation(stack, openid)
    assert chat.slots()["language"] == "en"
    unfollowed = wechat.post(openid, wechat.event_xml(openid, "unsubscribe"))
    assert unfollowed.status_code == 200 and unfollowed.text == "success"  # nothing to show, nobody to show it


def test_a_picture_or_voice_message_is_asked_to_type_in_the_conversations_language(stack, wechat):
    openid = new_openid()
    picture = reply_text(wechat.post(openid, wechat.image_xml(openid)), openid)
    assert "只能读懂打出来的文字" in picture  # no conversation yet: WeChat's Chinese
    assert tables_holding(stack, conversation(stack, openid).sender) == []  # no turn for it
    wechat.say(openid, "hello")  # an English conversation
    voice = wechat.xml(openid, "voice", {"MediaId": "<![CDATA[m1]]>", "Format": "<![CDATA[amr]]>",
                                         "MsgId": wechat.next_msg_id()})
    assert "only read typed text" in reply_text(wechat.post(openid, voice), openid)
    assert len(user_texts(conversation(stack, openid))) == 1  # no turn for the voice message


def test_what_is_not_a_wechat_message_is_refused(stack, wechat):
    openid = new_openid()
    for body in ("not xml", "<xml><MsgType>text</MsgType><Content>hi</Content></xml>",  # no sender
                 "<xml><FromUserName>a b</FromUserName><MsgType>text</MsgType></xml>"):
        assert wechat.post(openid, body).status_code == 400
    assert wechat.post(openid, "<xml>" + "x" * 70_000 + "</xml>").status_code == 413


def test_a_message_over_the_cap_is_not_read(stack, wechat):
    openid = new_openid()
    wechat.say(openid, "hello")
    wechat.say(openid, "1")  # consent
    assert "too long" in wechat.say(openid, "yes " * 600)
    chat = conversation(stack, openid)
    assert chat.slots()["screening_answers"] == {}
    assert max(len(text) for text in user_texts(chat)) <= 2001  # cut where the cap is, as on the page
