"""Referrals: a consented, may-qualify volunteer turned into a record the study team acts on.

The referral, its outbox row and the screening it is made from are written in
one transaction, so a referral is never stored without being queued for
delivery (bot.outbox delivers it), and the stored screening says what the
referral says. From then on both are frozen (bot.store.ScreeningFrozen).
"""
from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import replace
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import contact as contact_fields
from bot import screening, store
from bot.conversation import State
from bot.protocol import Protocol, load_protocol
from bot.screening import RecordedAnswer
from bot.store import OutboxMessage, Referral

# No 0/O, 1/I/L, U: easy to read out on the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_reference() -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"RF-{code[:4]}-{code[4:]}"


def _snapshot(protocol: Protocol, state: State) -> List[dict]:
    """Each answer with the registry's criterion (English), the question as the volunteer saw it (in their
    language) and their own words."""
    asked = protocol.in_language(state.lang)
    return [{"criterion_id": c.id, "kind": c.kind, "criterion_text": c.text, "question": asked.by_id[c.id].question,
             "answer": state.answers[c.id].answer, "text": state.answers[c.id].text}
            for c in protocol.questions if c.id in state.answers]


def webhook_body(referral: Referral, protocol: Protocol) -> str:
    """The JSON the study team receives (documented in README.md)."""
    return json.dumps({
        "type": "referral.created",
        "timestamp": store.iso(referral.created_at),
        "data": {
            "reference": referral.reference,
            "trial_id": referral.trial_id,
            "site": protocol.study_team.site,
            "protocol_version": referral.protocol_version,
            "verdict": referral.verdict,
            "language": referral.language,
            "flags": referral.flags,
            "doctor_checklist": referral.doctor_checklist,
            "answers": referral.answers,
            "contact": {
                "name": referral.contact_name,
                "email": referral.contact_email,
                "phone": referral.contact_phone,
                "preferred_way": referral.contact_preferred_way,
                "preferred_time": referral.contact_preferred_time,
            },
            "created_at": store.iso(referral.created_at),
        },
    }, ensure_ascii=False, sort_keys=True)


def create_referral(sender_id: str, protocol: Protocol, state: State) -> str:
    """Store the referral and queue it for delivery; return its reference number.

    One referral per conversation and trial: asking again returns the first one's reference."""
    if not (state.may_refer and state.contact_consent and contact_fields.is_complete(state.contact)):
        raise ValueError("a referral needs a may-qualify verdict, contact consent and complete contact details")
    existing = _reference_of(sender_id, protocol.trial_id)
    if existing:
        return existing
    referral = _referral(sender_id, protocol, state)
    try:
        with store.unit_of_work() as session:
            store.write_screening(session, sender_id, protocol, state)  # before the referral, which freezes it
            session.add(referral)
            session.flush()
            session.add(OutboxMessage(referral=referral, webhook_id=f"msg_{uuid.uuid4().hex}",
                                      body=webhook_body(referral, protocol), next_attempt_at=referral.created_at))
    except IntegrityError:  # the same conversation confirmed twice at once
        return _reference_of(sender_id, protocol.trial_id)
    return referral.reference


def _referral(sender_id: str, protocol: Protocol, state: State) -> Referral:
    contact = {f: state.contact.get(f) for f in contact_fields.required_fields(state.contact)}
    checklist = screening.doctor_checklist(protocol, state.answers)
    return Referral(
        reference=new_reference(), sender_id=sender_id, trial_id=protocol.trial_id,
        protocol_version=protocol.version, verdict=state.verdict, flags=[item.criterion_id for item in checklist],
        doctor_checklist=[{"criterion_id": i.criterion_id, "criterion": i.short, "check": i.check}
                          for i in checklist],
        answers=_snapshot(protocol, state), contact_name=contact[contact_fields.NAME],
        contact_email=contact.get(contact_fields.EMAIL), contact_phone=contact.get(contact_fields.PHONE),
        contact_preferred_way=contact[contact_fields.WAY], contact_preferred_time=contact.get(contact_fields.TIME),
        language=state.lang, status="new", created_at=store.now())


def create_referrals(sender_id: str, protocol: Protocol, state: State) -> Dict[str, str]:
    """One referral per trial the volunteer chose (`state.teams`), each with its own outbox row to its own
    study team and only the answers its trial asks; stored with the screening in one transaction. Returns
    {trial_id: reference}. A conversation that already has them gets the same references back."""
    if not (state.teams and set(state.teams) <= set(state.referable) and state.contact_consent
            and contact_fields.is_complete(state.contact)):
        raise ValueError("referrals need trials the volunteer may qualify for, contact consent and complete details")
    existing = {t: _reference_of(sender_id, t) for t in state.teams}
    if all(existing.values()):
        return existing
    made = {}
    try:
        with store.unit_of_work() as session:
            store.write_screening(session, sender_id, protocol, state)  # before the referrals, which freeze it
            for trial_id in state.teams:
                trial = protocol if trial_id == protocol.trial_id else load_protocol(trial_id)
                referral = _referral(sender_id, trial, replace(state, trial_id=trial_id,
                                                               verdict=state.trial_verdicts[trial_id]))
                session.add(referral)
                session.flush()
                session.add(OutboxMessage(referral=referral, webhook_id=f"msg_{uuid.uuid4().hex}",
                                          body=webhook_body(referral, trial), next_attempt_at=referral.created_at))
                made[trial_id] = referral.reference
    except IntegrityError:  # the same conversation confirmed twice at once
        return {t: _reference_of(sender_id, t) for t in state.teams}
    return made


def _reference_of(sender_id: str, trial_id: str) -> Optional[str]:
    with store.unit_of_work() as session:
        return session.execute(select(Referral.reference).where(
            Referral.sender_id == sender_id, Referral.trial_id == trial_id)).scalar_one_or_none()


def sent_state(sender_id: str, language: Optional[str] = None) -> Optional[State]:
    """The conversation as it stood when its referral was sent, from the referral itself; None without one.

    The referral in the database is the truth, the `referral_reference` slot only a copy of it: Rasa's
    built-in /back and /restart rewind the slots, and the turn that stored a referral may fail to save them.
    A conversation with a referral carries on from this state, whatever its slots say."""
    with store.unit_of_work() as session:
        sent = session.execute(select(Referral).where(Referral.sender_id == sender_id).order_by(
            Referral.created_at, Referral.id)).scalars().all()
        if not sent:
            return None
        referral = sent[0]
        contact = {contact_fields.NAME: referral.contact_name, contact_fields.WAY: referral.contact_preferred_way,
                   contact_fields.EMAIL: referral.contact_email, contact_fields.PHONE: referral.contact_phone,
                   contact_fields.TIME: referral.contact_preferred_time}
        return State(trial_id=referral.trial_id, consent=True, current=None,
                     answers={a["criterion_id"]: RecordedAnswer(a["answer"], a["text"])
                              for r in sent for a in r.answers},
                     verdict=referral.verdict, contact_consent=True,
                     contact={f: v for f, v in contact.items() if v is not None}, referral=referral.reference,
                     language=language or referral.language,
                     # several trials' referrals (issue 18): which ones, each reference and verdict
                     **({"references": {r.trial_id: r.reference for r in sent},
                         "teams": tuple(r.trial_id for r in sent), "catalogue": tuple(r.trial_id for r in sent),
                         "trial_verdicts": {r.trial_id: r.verdict for r in sent}} if len(sent) > 1 else {}))


def list_referrals() -> List[dict]:
    with store.unit_of_work() as session:
        rows = session.execute(select(Referral).order_by(Referral.created_at.desc(), Referral.id.desc())).scalars()
        return [{
            "id": r.id, "reference": r.reference, "sender_id": r.sender_id, "trial_id": r.trial_id,
            "protocol_version": r.protocol_version, "verdict": r.verdict, "language": r.language, "flags": r.flags,
            "doctor_checklist": r.doctor_checklist, "contact_name": r.contact_name,
            "contact_email": r.contact_email, "contact_phone": r.contact_phone,
            "contact_preferred_way": r.contact_preferred_way, "contact_preferred_time": r.contact_preferred_time,
            "status": r.status, "created_at": store.iso(r.created_at),
            "delivery": {"state": r.outbox.state, "attempts": r.outbox.attempts, "last_error": r.outbox.last_error,
                         "next_attempt_at": store.iso(r.outbox.next_attempt_at),
                         "delivered_at": store.iso(r.outbox.delivered_at), "webhook_id": r.outbox.webhook_id},
        } for r in rows]
