"""Carrier keywords on SMS: the words carriers reserve to stop, restart and ask who is writing (issue 16).

A message that is exactly one of these words (any case, spaces around it and punctuation after it
ignored: "Stop.", " unsubscribe ", "ＳＴＯＰ", "退订。") is answered by the SMS channel itself
(rasa_addons/channels.py), before Rasa, and is not a turn of the conversation:

- STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (and 退订, TD, T): the number opts out. One confirmation
  is sent, the bot's replies still waiting for the gateway are cancelled, and from then on nothing is
  sent to it and nothing it sends is read, except START and HELP. A repeated STOP gets no answer.
- START, UNSTOP: a number that opted out opts back in, and is told how to carry on. From a number that
  has not opted out, START is an ordinary message (it is how a volunteer who said No begins after all).
  Not YES, which many carriers also take: "yes" answers our questions.
- HELP, INFO (and 帮助): who is writing and how to pause, delete one's data and stop; answered always,
  opted out or not.

The bot's own word to pause the questions is "pause" (bot/conversation.py); STOP is the carrier's, and
stops every message. The channel's other conversations (web page, REST) have no carrier keywords.

The English keywords are the standard list of US and UK carriers and aggregators (CTIA's messaging
principles; Twilio and others default to it). In China the 2015 rules on SMS services (通信短信息服务
管理规定) require that a recipient can refuse further messages; senders end with "回复TD退订" or "回T退订",
so people reply 退订, TD or T, and 帮助 asks for help. There is no Chinese word to opt back in: START is
given in the answer. Left out on purpose: N (a "no"), 停, 结束 and 退出 (the bot's own words to pause),
开始 (the consent to begin), and China Mobile's 0000, which goes to the carrier's own number, not to us.

Every answer is one SMS: English ones in the GSM 7-bit alphabet and at most 160 characters, Chinese
ones at most 70 (tests/unit/test_carrier.py, with bot/sms.py).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import List, Optional

from bot import i18n
from bot.i18n import N_
from bot.protocol import Protocol

OPT_OUT, OPT_IN, HELP = "opt_out", "opt_in", "help"

KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "退订", "TD", "T"), OPT_OUT),
    **dict.fromkeys(("START", "UNSTOP"), OPT_IN),
    **dict.fromkeys(("HELP", "INFO", "帮助"), HELP),
}
_CHINESE = {"退订", "帮助"}  # answered in Chinese whatever the conversation's language


@dataclass(frozen=True)
class Keyword:
    word: str  # as listed in KEYWORDS
    action: str  # OPT_OUT | OPT_IN | HELP


def keyword(text: object) -> Optional[Keyword]:
    """The carrier keyword a whole message is, or None ("stop please" is not one: the conversation reads it)."""
    if not isinstance(text, str):
        return None
    said = unicodedata.normalize("NFKC", text).strip()  # NFKC: full-width ＳＴＯＰ, 退订。 from a Chinese keyboard
    while said and unicodedata.category(said[-1]).startswith("P"):
        said = said[:-1].rstrip()
    said = re.sub(r"\s+", " ", said).upper()
    return Keyword(said, KEYWORDS[said]) if said in KEYWORDS else None


def language_of(word: Keyword, conversation_language: Optional[str]) -> str:
    """The language to answer a keyword in: Chinese for a Chinese word, else the conversation's."""
    return i18n.CHINESE if word.word in _CHINESE else i18n.known(conversation_language)


OPTED_OUT = N_("You have opted out: this trial prescreening assistant will send you no more messages. Your "
               "answers are kept. Reply START to opt back in, HELP for help.")
OPTED_IN = N_("You have opted back in to the trial prescreening assistant. Send any message to carry on "
              "where you left off. Reply STOP to opt out, HELP for help.")
WHO = N_("This is the automated prescreening assistant for {short_title} at {site}.")
HOW = N_("Say \"pause\" to pause the questions, \"delete my data\" to delete your answers, or STOP to get no "
         "more messages.")
HOW_OPTED_OUT = N_("You have opted out. Reply START to get messages again; to delete your answers, reply START, "
                   "then \"delete my data\".")


def opted_out(language: str) -> str:
    """The one confirmation of an opt-out."""
    return i18n.gettext_for(language)(OPTED_OUT)


def opted_in(language: str) -> str:
    return i18n.gettext_for(language)(OPTED_IN)


def help_texts(protocol: Protocol, language: str, is_opted_out: bool) -> List[str]:
    """HELP's answer, two messages: who is writing (the trial and its site, from the protocol), then what
    the volunteer can do."""
    _ = i18n.gettext_for(language)
    texts = protocol.in_language(language)
    return [_(WHO).format(short_title=texts.short_title, site=texts.study_team.site),
            _(HOW_OPTED_OUT if is_opted_out else HOW)]
