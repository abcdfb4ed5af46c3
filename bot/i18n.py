"""The languages a volunteer can choose, and their message catalogues.

Every volunteer-facing sentence of the code is an English gettext message id, marked with `_()` (or
`N_()` where it is defined before the language is known). `make messages` extracts them with Babel
into locale/messages.pot and updates each language's locale/<lang>/LC_MESSAGES/messages.po. The
catalogues are read from the .po files at run time (no compiled files to go stale).

A translation awaiting the study team's approval carries the flag `unapproved` in its .po entry
(`#, unapproved`); `python -m bot validate-trial` lists them, and a site can refuse to offer a
language that still has any (BOT_APPROVED_LANGUAGES_ONLY=1).
"""
from __future__ import annotations

import gettext
import io
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
ENGLISH, CHINESE = "en", "zh"
LANGUAGES = (ENGLISH, CHINESE)
DEFAULT = ENGLISH
# How each language names itself (the switch on the page, the first message), and its HTML lang.
NAMES = {ENGLISH: "English", CHINESE: "中文"}
HTML_LANG = {ENGLISH: "en", CHINESE: "zh-Hans"}
BABEL_LOCALE = {CHINESE: "zh_Hans_CN"}
UNAPPROVED = "unapproved"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A whole message asking for a language: "中文", "English please", "请用中文", "can we speak English".
_ASK_CHINESE = re.compile(r"^\W*(?:(?:我想|我要|可以|能不能|能|请|麻烦)*(?:用|说|讲|换成|切换到|改用|改成)?\s*(?:中文|汉语|普通话|简体中文|简体)"
                          r"(?:吧|好吗|可以吗|吗|谢谢)?|chinese(?: please)?|(?:in|speak|use) chinese(?: please)?|"
                          r"(?:我)?(?:听|看)?不懂英(?:文|语)|(?:我)?不会(?:说|讲|看)?英(?:文|语)|(?:我)?(?:只)?(?:会|能)?(?:说|讲|看)中文)\W*$",
                          re.IGNORECASE)
_ASK_ENGLISH = re.compile(r"^\W*(?:(?:我想|我要|可以|能不能|能|请|麻烦)*(?:用|说|讲|换成|切换到|改用|改成)?\s*英(?:文|语)(?:吧|好吗|可以吗|吗)?|"
                          r"(?:(?:can|could) (?:we|you) )?(?:in |speak |use |switch to )?english(?: please| pls| plz)?|"
                          r"english,? please)\W*$", re.IGNORECASE)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is used."""
    return message


def known(language: Optional[str]) -> str:
    return language if language in LANGUAGES else DEFAULT


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def _catalog(language: str):
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=BABEL_LOCALE.get(language, language), domain=DOMAIN)


@lru_cache(maxsize=None)
def translations(language: Optional[str]) -> gettext.NullTranslations:
    """The language's catalogue; English is the source language, so its messages are the ids."""
    language = known(language)
    if language == ENGLISH:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(language))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(language: Optional[str]) -> Callable[[str], str]:
    return translations(language).gettext


def ngettext_for(language: Optional[str]) -> Callable[[str, str, int], str]:
    """The language's plural forms: `ngettext = ngettext_for(lang)`, then `ngettext(one, many, n)` (so that
    `make messages` extracts both)."""
    return translations(language).ngettext


def missing(language: str, message_ids) -> List[str]:
    """The message ids that have no translation in the language's catalogue."""
    if known(language) == ENGLISH:
        return []
    translated = set()
    for message in _catalog(language):
        if message.id and all(message.string if isinstance(message.string, tuple) else (message.string,)):
            translated.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return [m for m in message_ids if m not in translated]


def unapproved(language: str) -> List[str]:
    """The message ids whose translation still awaits the study team's approval."""
    if known(language) == ENGLISH:
        return []
    return [one for m in _catalog(language) if m.id and UNAPPROVED in m.flags
            for one in (m.id if isinstance(m.id, tuple) else (m.id,))]  # a plural message: both its ids


def drafted(language: str, message_id: str) -> str:
    """The catalogue's translation of one message id as it stands, approved or not (for a plural message,
    its first form), or "" when there is none: what the review app shows beside the English."""
    for message in _catalog(known(language)) if known(language) != ENGLISH else ():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message_id in ids:
            return message.string[0] if isinstance(message.string, tuple) else message.string
    return ""


def offered(protocol=None) -> Tuple[str, ...]:
    """The languages offered to volunteers. With BOT_APPROVED_LANGUAGES_ONLY=1 (for sites whose ethics
    approval requires it), a language with any unapproved text, in the catalogue or in the protocol, is not
    offered; English, the source language, always is."""
    if os.environ.get("BOT_APPROVED_LANGUAGES_ONLY", "") not in ("1", "true", "yes"):
        return LANGUAGES
    return tuple(lang for lang in LANGUAGES if lang == ENGLISH or not (
        unapproved(lang) or (protocol is not None and protocol.unapproved(lang))))


def written_in(text: str) -> Optional[str]:
    """The language a message is written in, when its letters say so: Chinese when it has Han characters
    and no more Latin letters than Han ones ("PD-1没有用过" is Chinese); English when it has Latin words
    and no Han character. None for numbers, emoji and the like."""
    text = unicodedata.normalize("NFKC", text or "")
    han = len(_HAN.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if han and han * 2 >= latin:
        return CHINESE
    if latin >= 2 and not han:
        return ENGLISH
    return None


def requested(text: str) -> Optional[str]:
    """The language a whole message asks for ("中文", "English please", "请用中文"), else None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if _ASK_CHINESE.match(text):
        return CHINESE
    if _ASK_ENGLISH.match(text):
        return ENGLISH
    return None

