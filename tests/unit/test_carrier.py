"""Carrier keywords on SMS (bot/carrier.py, issue 16): which whole messages are keywords, and that every answer
fits one SMS: English in the GSM 7-bit alphabet, at most 160 characters; Chinese at most 70."""
from pathlib import Path

import pytest

from bot import carrier, i18n, sms
from bot.protocol import load_protocol_file

ROOT = Path(__file__).resolve().parents[2]
TRIALS = sorted((ROOT / "data" / "trials").glob("*.yml"))


@pytest.mark.parametrize("text, word, action", [
    ("STOP", "STOP", carrier.OPT_OUT), ("stop", "STOP", carrier.OPT_OUT), ("Stop.", "STOP", carrier.OPT_OUT),
    ("  STOP!  ", "STOP", carrier.OPT_OUT), ("ＳＴＯＰ", "STOP", carrier.OPT_OUT), ("stop all", "STOP ALL", carrier.OPT_OUT),
    ("StopAll", "STOPALL", carrier.OPT_OUT), ("unsubscribe", "UNSUBSCRIBE", carrier.OPT_OUT),
    ("Cancel", "CANCEL", carrier.OPT_OUT), ("end", "END", carrier.OPT_OUT), ("QUIT...", "QUIT", carrier.OPT_OUT),
    ("退订", "退订", carrier.OPT_OUT), ("退订。", "退订", carrier.OPT_OUT), ("td", "TD", carrier.OPT_OUT),
    ("T", "T", carrier.OPT_OUT),
    ("start", "START", carrier.OPT_IN), ("Unstop", "UNSTOP", carrier.OPT_IN),
    ("HELP", "HELP", carrier.HELP), ("help?", "HELP", carrier.HELP), ("info", "INFO", carrier.HELP),
    ("帮助", "帮助", carrier.HELP), ("帮助！", "帮助", carrier.HELP),
])
def test_a_whole_message_that_is_a_keyword(text, word, action):
    assert carrier.keyword(text) == carrier.Keyword(word, action)


@pytest.mark.parametrize("text", [
    "yes", "YES", "y", "n", "1", "2", "pause", "stop please", "please stop", "stop the questions", "start over",
    "help me understand", "what does that mean", "停", "停止", "结束", "退出", "开始", "不想做了", "delete my data",
    "", "   ", "...", "STOPP", "stopped", "end of treatment", None, 3,
])
def test_anything_else_is_the_conversations(text):
    assert carrier.keyword(text) is None


def test_a_chinese_keyword_is_answered_in_chinese_and_the_rest_in_the_conversations_language():
    assert carrier.language_of(carrier.keyword("退订"), "en") == "zh"
    assert carrier.language_of(carrier.keyword("帮助"), None) == "zh"
    assert carrier.language_of(carrier.keyword("STOP"), "zh") == "zh"
    assert carrier.language_of(carrier.keyword("TD"), None) == "en"
    assert carrier.language_of(carrier.keyword("HELP"), "fr") == "en"


def answers(protocol, language):
    return [carrier.opted_out(language), carrier.opted_in(language),
            *carrier.help_texts(protocol, language, False), *carrier.help_texts(protocol, language, True)]


@pytest.mark.parametrize("path", TRIALS, ids=lambda p: p.stem)
def test_every_english_answer_is_one_gsm7_sms(path):
    protocol = load_protocol_file(path)
    for text in answers(protocol, "en"):
        assert sms.is_gsm7(text), text
        assert len(text) <= 160 and sms.segments(text) == 1, (len(text), text)
        assert not set(text) & set("\u2018\u2019\u201c\u201d\u2026"), text


@pytest.mark.parametrize("path", TRIALS, ids=lambda p: p.stem)
def test_every_chinese_answer_is_one_sms(path):
    protocol = load_protocol_file(path)
    for text in answers(protocol, "zh"):
        assert not sms.is_gsm7(text)
        assert sms.length(text) <= 70 and sms.segments(text) == 1, (sms.length(text), text)
        assert i18n.written_in(text) == "zh", text  # translated, not English left over


def test_help_says_who_is_writing_and_how_to_pause_delete_and_stop(protocol):
    who, how = carrier.help_texts(protocol, "en", False)
    assert who == ("This is the automated prescreening assistant for the carbon-ion radiotherapy and camrelizumab "
                   "trial at Shanghai Proton and Heavy Ion Center.")
    assert '"pause"' in how and '"delete my data"' in how and "STOP" in how
    who, how = carrier.help_texts(protocol, "zh", False)
    assert who == "这是上海市质子重离子医院碳离子放疗联合卡瑞利珠单抗研究的自动预筛选助手。"
    assert "暂停" in how and "删除我的数据" in how and "TD" in how
    _, how = carrier.help_texts(protocol, "en", True)  # opted out: START first
    assert "START" in how and '"delete my data"' in how
    assert "START" in carrier.opted_out("en") and "HELP" in carrier.opted_out("en")
    assert "carry on where you left off" in carrier.opted_in("en")


def test_the_words_the_answers_name_are_the_ones_read():
    """What the answers tell a volunteer to send does what they say (the bot's own words aside)."""
    assert carrier.keyword("START").action == carrier.OPT_IN and carrier.keyword("HELP").action == carrier.HELP
    assert carrier.keyword("STOP").action == carrier.OPT_OUT and carrier.keyword("TD").action == carrier.OPT_OUT
    assert carrier.keyword("pause") is None and carrier.keyword("delete my data") is None
