"""Reading a volunteer's contact details: name, preferred way and time, e-mail, phone.

E-mail syntax is checked with email-validator (no DNS look-up: a prescreen
must not depend on the network) and phone numbers with phonenumbers, stored
in E.164. An invalid value comes back as a hint, never as a stored value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.answers import normalize
from bot.i18n import N_, gettext_for

NAME, WAY, EMAIL, PHONE, TIME = ("contact_name", "contact_preferred_way", "contact_email", "contact_phone",
                                 "contact_preferred_time")
FIELDS = (NAME, WAY, EMAIL, PHONE, TIME)
# Message ids (bot/i18n.py), translated where they are shown.
LABELS = {NAME: N_("Name"), WAY: N_("How to contact you"), EMAIL: N_("E-mail"), PHONE: N_("Phone"),
          TIME: N_("Best time")}
CHANGE_LABELS = {NAME: N_("Change name"), WAY: N_("Change how to contact you"), EMAIL: N_("Change e-mail"),
                 PHONE: N_("Change phone"), TIME: N_("Change best time")}
CHANGING = {NAME: N_("Okay, let's change your name."), WAY: N_("Okay, let's change how to contact you."),
            EMAIL: N_("Okay, let's change your e-mail."), PHONE: N_("Okay, let's change your phone."),
            TIME: N_("Okay, let's change your best time.")}
WAYS = {"email": N_("by e-mail"), "phone": N_("by phone"), "either": N_("by e-mail or phone")}
ANY_WAY = WAYS["either"]
# The buttons of the contact form's questions (bot/conversation.py CONTACT_QUESTIONS), in order, so that a
# numbered reply on SMS ("2") means the same as the button (tests check they match).
WAY_OPTIONS = ("email", "phone", "either")
TIME_OPTIONS = ("mornings", "afternoons", "evenings", "any time")
MAX_CHARS = 120


@dataclass(frozen=True)
class Checked:
    value: Optional[str]
    hint: str = ""


def required_fields(contact: Mapping[str, Optional[str]]) -> Tuple[str, ...]:
    """The fields to ask for, in order: e-mail and/or phone follow the preferred way,
    so there is always at least one way to reach the volunteer."""
    way = contact.get(WAY)
    needed = [NAME, WAY]
    if way in (None, "email", "either"):
        needed.append(EMAIL)
    if way in (None, "phone", "either"):
        needed.append(PHONE)
    return tuple(needed + [TIME])


def is_complete(contact: Mapping[str, Optional[str]]) -> bool:
    return contact.get(WAY) is not None and all(contact.get(f) for f in required_fields(contact))


def check_name(text: str) -> Checked:
    name = re.sub(r"^(?:(?:my name is|my name's|name:|i am|i'm|im|it's|it is|this is|call me)\s+|"
                  r"(?:我叫|我的名字是|我的名字叫|名字[是:：]?|姓名[是:：]?|我是)\s*)", "",
                  (text or "").strip(), flags=re.IGNORECASE).strip(" .!,。！，")
    if not name or len(name) > 80 or not re.search(r"[^\W\d_]", name) or re.search(r"[\d@?<>{}\[\]/\\=？]", name):
        return Checked(None, N_("Please type just your name, for example \u201cAna Lopez\u201d."))
    return Checked(name)


def _numbered(text: str, options: Tuple[str, ...]) -> Optional[str]:
    match = re.fullmatch(r"\s*(\d)\s*[.)]?\s*", text or "")
    return options[int(match.group(1)) - 1] if match and 1 <= int(match.group(1)) <= len(options) else None


def check_way(text: str) -> Checked:
    if _numbered(text, WAY_OPTIONS):
        return Checked(_numbered(text, WAY_OPTIONS))
    said = normalize(text)
    wants_mail = bool(re.search(r"e-?mail|mail|邮件|邮箱|电邮", said))
    wants_phone = bool(re.search(r"phone|call|ring|text|sms|mobile|cell|电话|手机|短信|打给", said))
    if (re.search(r"\b(either|both|any|whichever|doesn't matter|don't mind)\b|都可以|都行|都好|随便|哪个都", said)
            or (wants_mail and wants_phone)):
        return Checked("either")
    if wants_mail:
        return Checked("email")
    if wants_phone:
        return Checked("phone")
    return Checked(None, N_("Please choose e-mail, phone or either."))


def check_email(text: str) -> Checked:
    candidates = re.findall(r"[^\s<>,;\"']+@[^\s<>,;\"']+", text or "")
    hint = N_("That doesn't look like an e-mail address. Please type it like name@example.com.")
    if len(candidates) != 1:
        return Checked(None, hint)
    try:
        return Checked(validate_email(candidates[0].strip(".!"), check_deliverability=False).normalized)
    except EmailNotValidError:
        return Checked(None, hint)


def check_phone(text: str, region: str) -> Checked:
    hint = N_("That doesn't look like a phone number I can use. Please type it with the area code, or with the "
              "country code such as +86 138 0013 8000.")
    if not text or len(text) > MAX_CHARS:
        return Checked(None, hint)
    found = [m.number for m in phonenumbers.PhoneNumberMatcher(text, region)]
    if len(found) != 1 or not phonenumbers.is_valid_number(found[0]):
        return Checked(None, hint)
    return Checked(phonenumbers.format_number(found[0], phonenumbers.PhoneNumberFormat.E164))


def check_time(text: str) -> Checked:
    said = _numbered(text, TIME_OPTIONS) or " ".join((text or "").split())
    if not said or len(said) > MAX_CHARS or not re.search(r"[^\W_]", said):
        return Checked(None, N_("Please say when suits you best, for example \u201cweekday mornings\u201d."))
    return Checked(said)


def check(field: str, text: str, region: str) -> Checked:
    if field == PHONE:
        return check_phone(text, region)
    return {NAME: check_name, WAY: check_way, EMAIL: check_email, TIME: check_time}[field](text)


def field_named_in(text: str) -> Optional[str]:
    """Which field a request to change something names ("my phone number is wrong"), if any."""
    said = normalize(text)
    for pattern, field in ((r"e-?mail|邮件|邮箱", EMAIL), (r"phone|number|mobile|电话|手机|号码", PHONE),
                           (r"\bname\b|名字|姓名", NAME), (r"\btime\b|when|时间", TIME),
                           (r"\bway\b|how|contact me by|方式", WAY)):
        if re.search(pattern, said):
            return field
    return None


def summary_lines(contact: Mapping[str, Optional[str]], language: Optional[str] = None, brief: bool = False) -> str:
    """The details, a line each; `brief` (text channels) leaves out the line of the way, which the address
    lines already show."""
    _ = gettext_for(language)
    lines = []
    for field in required_fields(contact):
        if brief and field == WAY:
            continue
        value = contact.get(field)
        shown = _(WAYS[value]) if field == WAY and value in WAYS else value
        line = _("{label}: {value}") if brief else _("- {label}: {value}")
        lines.append(line.format(label=_(LABELS[field]), value=shown))
    return "\n".join(lines)
