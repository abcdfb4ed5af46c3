"""Chinese-speaking volunteers (issue 14), end to end over the REST channel and the callback (SMS) channel,
through the real Rasa and action servers, the database and the study team's webhook: not one English
sentence on the way."""
from tests.conftest import SmsChat
from tests.e2e.test_callback_channel import sms, texts
from tests.e2e.test_conversations import PROTOCOL, eligible_reply
from tests.e2e.test_handoff import wait_delivered
from tests.unit.test_i18n import english_words


def assert_chinese(chat):
    for message in chat.last:
        assert not english_words(message.get("text", "")), message
        for button in message.get("buttons") or []:
            assert button["title"] == "English" or not english_words(button["title"]), button


def answer_in_chinese(chat, overrides=None):
    overrides = overrides or {}
    asked = []
    while chat.slots()["current_criterion"] is not None:
        current = chat.slots()["current_criterion"]
        asked.append(current)
        assert len(asked) <= 40, "the questions never end"
        chat.say(overrides.get(current, eligible_reply(current, "zh")))
        assert_chinese(chat)
    return asked


def begin_in_chinese(chat):
    chat.say("你好")
    assert "预筛选" in chat.texts and chat.slots()["language"] == "zh"
    assert_chinese(chat)
    chat.say("好的")
    assert chat.slots()["screening_consent"] is True and chat.slots()["current_criterion"] == "age"
    assert "第 1 题" in chat.texts
    assert_chinese(chat)


def test_eligible_chinese_volunteer_is_referred_in_chinese(chat, study_team):
    begin_in_chinese(chat)
    asked = answer_in_chinese(chat)
    assert asked == list(PROTOCOL.order)
    assert chat.slots()["screening_verdict"] == "likely_eligible" and "可能符合" in chat.texts
    chat.say("好的，请联系我")
    assert chat.slots()["contact_consent"] is True and chat.slots()["requested_slot"] == "contact_name"
    assert_chinese(chat)
    chat.say("我叫王芳")
    assert chat.slots()["contact_name"] == "王芳"
    chat.say("电话")
    assert chat.slots()["requested_slot"] == "contact_phone"
    assert_chinese(chat)
    chat.say("138 0013 8000")
    assert chat.slots()["contact_phone"] == "+8613800138000"
    chat.say("工作日上午")
    assert "请核对" in chat.texts or "核对" in chat.texts
    assert_chinese(chat)
    chat.say("对，发送吧")
    reference = chat.slots()["referral_reference"]
    assert reference and reference in chat.texts
    assert_chinese(chat)

    [referral] = chat.referrals()
    assert referral["language"] == "zh" and referral["contact_name"] == "王芳"
    payload = wait_delivered(study_team, reference)
    assert payload["data"]["language"] == "zh"
    metastasis = next(a for a in payload["data"]["answers"] if a["criterion_id"] == "distant_metastasis")
    assert metastasis["text"] == "没有" and "远处" in metastasis["question"]
    assert metastasis["criterion_text"] == PROTOCOL.by_id["distant_metastasis"].text  # the registry's English


def test_a_chinese_knock_out_is_read_back_then_explained_kindly(chat):
    begin_in_chinese(chat)
    chat.say("五十二岁")
    chat.say("已经转移到肺了")
    assert "确认一下" in chat.texts and chat.slots()["screening_answers"].get("distant_metastasis") is None
    assert_chinese(chat)
    chat.say("对")
    assert chat.slots()["screening_verdict"] == "likely_ineligible"
    assert "研究团队" in chat.texts
    assert_chinese(chat)


def test_a_chinese_answer_with_a_but_is_read_back_before_it_counts(chat):
    begin_in_chinese(chat)
    chat.say("五十二岁")
    chat.say("没有查出转移，不过脖子上的淋巴结有点大")  # a No, with a "but" after it
    assert "确认一下" in chat.texts and "distant_metastasis" not in chat.slots()["screening_answers"]
    assert chat.slots()["current_criterion"] == "distant_metastasis"
    assert_chinese(chat)
    chat.say("对的")
    assert chat.slots()["screening_answers"]["distant_metastasis"]["answer"] == "no"
    assert chat.slots()["current_criterion"] != "distant_metastasis"


def test_two_chinese_not_sure_answers_need_review(chat):
    begin_in_chinese(chat)
    answer_in_chinese(chat, {"hiv": "不知道", "hepatitis": "要问医生"})
    slots = chat.slots()
    assert slots["screening_verdict"] == "needs_review"
    assert slots["screening_answers"]["hiv"] == {"answer": "not_sure", "text": "不知道"}


def test_changing_language_mid_way_keeps_the_answers(chat):
    chat.say("hello")
    chat.say("yes, let's start")
    chat.say("I'm 45")
    assert chat.slots()["screening_answers"]["age"]["answer"] == 45
    chat.say("请用中文")
    assert chat.slots()["language"] == "zh" and "第 2 题" in chat.texts
    assert_chinese(chat)
    chat.say("没有")
    chat.say("English please")
    slots = chat.slots()
    assert slots["language"] == "en" and "Question 3 of 25" in chat.texts
    assert slots["screening_answers"]["age"]["answer"] == 45
    assert slots["screening_answers"]["distant_metastasis"] == {"answer": "no", "text": "没有"}


def test_a_chinese_volunteer_by_sms_with_numbered_replies(stack, sms_gateway, chat):
    chat = SmsChat(stack, chat.sender)
    sender = chat.phone
    intro = sms(stack, sms_gateway, sender, "你好")
    assert "预筛选" in texts(intro) and texts(intro).endswith("\n回复1是，2否，3English")
    assert all(not english_words(m["text"].replace("English", "")) for m in intro)
    age = sms(stack, sms_gateway, sender, "1")  # 1: 是 (let's start)
    assert "第1/25题" in texts(age)
    question = sms(stack, sms_gateway, sender, "五十二")
    assert "第2/25题" in texts(question) and not english_words(texts(question))
    sms(stack, sms_gateway, sender, "2")  # 2: 否 (no spread)
    assert chat.slots()["screening_answers"]["distant_metastasis"]["answer"] == "no"
    assert chat.slots()["screening_answers"]["age"] == {"answer": 52, "text": "五十二"}
