"""The referrals as a CSV file for a spreadsheet (the review app's "Export CSV", issue 17).

One row per referral, so that a coordinator can sort and filter it as a work list: plain labels in the header,
plain values (the verdict in words, the status's label, the language's and the channel's names), the Not sure
items by their short texts, the notes with who and when, and one column per criterion, headed by its short
text, holding the answer and the volunteer's own words: `No ("没有")`. Referrals of several trials each fill
their own trial's criterion columns (the header then names the trial): a column always means one criterion,
so a filter on it never mixes two trials' questions.

Against formulas (OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection): every field
is wrapped in double quotes (so a `,` or `;` inside a field cannot start a cell, whatever separator the
spreadsheet assumes), and a field that begins with `=`, `+`, `-`, `@`, a tab, a carriage return, a line feed or
a full-width `＝ ＋ － ＠` gets a leading apostrophe. Phone numbers need no such mark: they are written as
`(+86) 139 1234 5678`, which begins with a parenthesis, is not a number (so no digit is lost and nothing is
reformatted) and is read as the number by people and by phones. The file is UTF-8 with a byte-order mark, which
Excel needs to show Chinese.
"""
from __future__ import annotations

import csv
import io
from typing import Dict, List, Optional, Sequence, Tuple

import phonenumbers
from sqlalchemy import select

from bot import i18n, outbox, sitetime, store
from bot.protocol import Protocol, ProtocolError, default_trial_id, load_protocol
from bot.review import attempts, display, labels, workflow
from bot.store import ContactAttempt, Referral, ReferralChange
from bot.transcripts import referral_channel

BOM = "\ufeff"
# OWASP's formula initiators, with the full-width forms some locales also take as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

ANSWERS = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}


def cell(value) -> str:
    """A field that a spreadsheet shows as text and never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def phone_cell(stored: Optional[str]) -> str:
    """A stored E.164 number as `(+86) 139 1234 5678`: the international format with the country code in
    parentheses. It starts with no formula character, needs no apostrophe (which Excel, LibreOffice and Google
    Sheets show as typed in a CSV), and has spaces, so no spreadsheet reads it as a number."""
    if not stored:
        return ""
    try:
        parsed = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return cell(stored)
    if not phonenumbers.is_possible_number(parsed):
        return cell(stored)
    country, _, rest = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL).partition(" ")
    return f"({country}) {rest}" if rest else cell(stored)


def answer_text(item: dict) -> str:
    """The recorded answer in words, with the volunteer's own words when they say more: `No ("没有")`, `52 ("I'm
    52")`, or just `Yes` for a click on Yes."""
    answer = item["answer"]
    label = ANSWERS.get(answer) if isinstance(answer, str) else None
    if label is None:
        label = f"{answer:g}" if isinstance(answer, float) else str(answer)
    words = (item.get("text") or "").strip()
    if not words or _plain(words) == _plain(label):
        return label
    return f'{label} ("{words}")'


def _plain(text: str) -> str:
    return text.casefold().strip(" .!。！")


def _attempt(attempt: ContactAttempt, timezone: str) -> str:
    """One contact attempt, a line of the "Contact attempts" cell: "2. 2026-11-28 09:30 Phone, No answer (maria): note"."""
    when = sitetime.local(attempt.at, timezone).strftime("%Y-%m-%d %H:%M")
    said = f"{attempts.CHANNELS.get(attempt.channel, attempt.channel)}, {attempts.OUTCOMES.get(attempt.outcome, attempt.outcome)}"
    return f"{attempt.number}. {when} {said} ({attempt.by})" + (f": {attempt.note}" if attempt.note else "")


def _protocol(trial_id: str) -> Optional[Protocol]:
    try:
        return load_protocol(trial_id, for_screening=False)
    except ProtocolError:
        return None


def _criterion_columns(referrals: Sequence[Referral]) -> List[Tuple[Tuple[str, str], str]]:
    """The answer columns: ((trial, criterion id), header), trial by trial, each in its protocol's order."""
    trials = sorted({r.trial_id for r in referrals})
    columns = []
    for trial_id in trials:
        protocol = _protocol(trial_id)
        named = {c.id: c.short or c.text for c in protocol.questions} if protocol else {}
        for r in referrals:  # answers to criteria the protocol no longer has (or an unreadable protocol)
            if r.trial_id == trial_id:
                for item in r.answers:
                    named.setdefault(item["criterion_id"], item.get("criterion_text") or item["criterion_id"])
        suffix = f" ({trial_id})" if len(trials) > 1 else ""
        columns += [((trial_id, cid), f"{header}{suffix}") for cid, header in named.items()]
    return columns


def _shorts(trial_id: str) -> Dict[str, str]:
    protocol = _protocol(trial_id)
    return {c.id: c.short for c in protocol.criteria} if protocol else {}


def _note(change: ReferralChange, timezone: str) -> str:
    when = sitetime.local(change.at, timezone).strftime("%Y-%m-%d %H:%M")
    moved = (f"{workflow.LABELS.get(change.from_status, change.from_status)} → "
             f"{workflow.LABELS.get(change.to_status, change.to_status)}"
             if change.from_status != change.to_status else "")
    said = ": ".join(part for part in (moved, change.note) if part)
    return f"{when} {change.by}: {said}"


def referrals_csv(allowed: Optional[Sequence[str]] = None) -> Tuple[str, int]:
    """The CSV text (with its byte-order mark) of every referral, newest first, and how many there are;
    `allowed`: the only trials whose referrals the coordinator sees (None: every trial)."""
    site = _protocol(default_trial_id())
    timezone = site.study_team.timezone if site else "UTC"
    with store.unit_of_work() as db:
        referrals = db.execute(select(Referral).where(
            *([Referral.trial_id.in_(allowed)] if allowed is not None else []))
            .order_by(Referral.created_at.desc(), Referral.id.desc())).scalars().all()
        notes: Dict[int, List[str]] = {}
        for change in db.execute(select(ReferralChange).order_by(ReferralChange.at, ReferralChange.id)).scalars():
            notes.setdefault(change.referral_id, []).append(_note(change, timezone))
        deliveries = {r.id: outbox.DELIVERY_LABELS[outbox.delivery(r.outbox)] for r in referrals}
        tried: Dict[int, List[str]] = {}
        for attempt in db.execute(select(ContactAttempt).order_by(ContactAttempt.referral_id,
                                                                  ContactAttempt.number)).scalars():
            tried.setdefault(attempt.referral_id, []).append(_attempt(attempt, timezone))
    columns = _criterion_columns(referrals)
    shorts = {t: _shorts(t) for t in {r.trial_id for r in referrals}}

    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([cell(h) for h in (
        "Reference", f"Received ({timezone})", "Trial", "Language", "Channel", "Verdict", "Status",
        "Not sure (how many)", "Not sure about", "Name", "Phone", "E-mail", "Preferred way", "Preferred time",
        "Sent to the study team", "Notes", "Contact attempts", *(header for _, header in columns))])
    for r in referrals:
        answers = {item["criterion_id"]: answer_text(item) for item in r.answers}
        writer.writerow([
            cell(r.reference), cell(sitetime.local(r.created_at, timezone).strftime("%Y-%m-%d %H:%M")),
            cell(r.trial_id), cell(i18n.NAMES.get(r.language, r.language)), cell(referral_channel(r.sender_id)),
            cell(labels.verdict(r.verdict)), cell(workflow.LABELS.get(r.status, r.status)),
            cell(len(r.flags)), cell("; ".join(shorts[r.trial_id].get(cid, cid) for cid in r.flags)),
            cell(r.contact_name), phone_cell(r.contact_phone), cell(r.contact_email),
            cell(display.WAYS.get(r.contact_preferred_way, r.contact_preferred_way)), cell(r.contact_preferred_time),
            cell(deliveries[r.id]), cell("\n".join(notes.get(r.id, []))), cell("\n".join(tried.get(r.id, []))),
            *(cell(answers.get(cid, "")) if trial_id == r.trial_id else "" for (trial_id, cid), _ in columns)])
    return BOM + buffer.getvalue(), len(referrals)
