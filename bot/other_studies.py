"""Consent to hear about the site's other studies: a volunteer whom this trial does not suit agreed that the
site may contact them about its other studies (bot/conversation.py asks, after the verdict).

A consent of its own kind, kept apart from referrals: it is not a referral for the trial, it carries no
answer to any question (only the contact details, the trial screened for and the language), coordinators
see it on its own page of the review app, and it is kept for OTHER_STUDIES_RETENTION_DAYS (bot/retention.py)
unless the volunteer has it deleted first ("delete my data", `python -m bot erase`).
"""
from __future__ import annotations

from typing import List

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import contact as contact_fields
from bot import store
from bot.conversation import State
from bot.protocol import Protocol
from bot.store import OtherStudiesContact


def save(sender_id: str, protocol: Protocol, state: State) -> None:
    """Store the consent with the contact details given for it; a second one for the same conversation
    replaces the first (the volunteer may have given it again with other details)."""
    if not (state.may_offer_other_studies and state.contact_consent and contact_fields.is_complete(state.contact)):
        raise ValueError("consent to hear about other studies needs a ruled-out verdict, a yes and complete details")
    contact = {f: state.contact.get(f) for f in contact_fields.required_fields(state.contact)}
    values = dict(trial_id=protocol.trial_id, site=protocol.study_team.site, language=state.lang,
                  contact_name=contact[contact_fields.NAME], contact_email=contact.get(contact_fields.EMAIL),
                  contact_phone=contact.get(contact_fields.PHONE),
                  contact_preferred_way=contact[contact_fields.WAY],
                  contact_preferred_time=contact.get(contact_fields.TIME), created_at=store.now())
    try:
        with store.unit_of_work() as session:
            row = session.execute(select(OtherStudiesContact).where(
                OtherStudiesContact.sender_id == sender_id)).scalar_one_or_none()
            if row is None:
                session.add(OtherStudiesContact(sender_id=sender_id, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
    except IntegrityError:  # the same conversation confirmed twice at once: the other turn stored it
        pass


def given(sender_id: str) -> bool:
    with store.unit_of_work() as session:
        return session.execute(select(OtherStudiesContact.id).where(
            OtherStudiesContact.sender_id == sender_id)).first() is not None


def list_all() -> List[dict]:
    with store.unit_of_work() as session:
        rows = session.execute(select(OtherStudiesContact).order_by(
            OtherStudiesContact.created_at.desc(), OtherStudiesContact.id.desc())).scalars()
        return [{"id": r.id, "sender_id": r.sender_id, "trial_id": r.trial_id, "site": r.site,
                 "language": r.language, "contact_name": r.contact_name, "contact_email": r.contact_email,
                 "contact_phone": r.contact_phone, "contact_preferred_way": r.contact_preferred_way,
                 "contact_preferred_time": r.contact_preferred_time, "created_at": store.iso(r.created_at)}
                for r in rows]
