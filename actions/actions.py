"""Thin rasa_sdk adapters: read the tracker, call bot.conversation, return slot events.

No eligibility rule lives here; see bot/screening.py and the protocol files.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot import contact as contact_fields
from bot import answers, conversation, erasure, i18n, other_studies, redact, referrals, store
from bot.conversation import State, Turn
from bot.i18n import N_
from bot.protocol import Protocol, ProtocolError, default_trial_id, load_protocol
from bot.screening import LIKELY_INELIGIBLE, RecordedAnswer

logger = logging.getLogger(__name__)

SAVE_FAILED = N_("Sorry, something went wrong on our side and I could not save that answer. "
                  "Nothing was lost: please send it again in a moment.")
# Channels that show no buttons: choices are sent as "Reply 1 for Yes, 2 for No, ...".
TEXT_ONLY_CHANNELS = {"callback", "twilio", "wechat"}
# The volunteers' page: rasa-webchat over Socket.IO, which keeps the conversation in the browser's storage.
WEB_CHANNEL = "socketio"
# Carried by the erasure's confirmation on the page, for the page's own script (bot/web/static/chat.js), which
# then deletes the browser's copy of the conversation and starts the chat afresh.
ERASED_METADATA = {"prescreen": "erased"}

ERASE_FAILED = N_("Sorry, something went wrong on our side and nothing was deleted yet. "
                   "Please ask me again in a moment.")
REFERRAL_FAILED = N_("Sorry, something went wrong on our side and your details were not sent yet. "
                     "Please say \u201cyes\u201d again in a moment.")


def state_from_tracker(tracker: Tracker) -> State:
    answers = tracker.get_slot("screening_answers") or {}
    return State(
        trial_id=tracker.get_slot("trial_id"),
        consent=tracker.get_slot("screening_consent"),
        current=tracker.get_slot("current_criterion"),
        answers={cid: RecordedAnswer.from_dict(value) for cid, value in answers.items()},
        verdict=tracker.get_slot("screening_verdict"),
        contact_consent=tracker.get_slot("contact_consent"),
        contact={f: tracker.get_slot(f) for f in contact_fields.FIELDS if tracker.get_slot(f) is not None},
        referral=tracker.get_slot("referral_reference"),
        choices=tuple(tracker.get_slot("open_choices") or ()),
        pending=tracker.get_slot("pending_answer"),
        last_unclear=tracker.get_slot("last_unclear"),
        language=tracker.get_slot("language"),
        catalogue=tuple(tracker.get_slot("screening_catalogue") or ()),
        asked=tuple(tracker.get_slot("catalogue_asked") or ()),
        trial_verdicts=dict(tracker.get_slot("trial_verdicts") or {}),
        teams=tuple(tracker.get_slot("contact_teams") or ()),
        references=dict(tracker.get_slot("referral_references") or {}),
    )


def slot_values(state: State) -> Dict[str, Any]:
    return {
        "trial_id": state.trial_id,
        "screening_consent": state.consent,
        "current_criterion": state.current,
        "screening_answers": {cid: a.to_dict() for cid, a in state.answers.items()},
        "screening_verdict": state.verdict,
        "contact_consent": state.contact_consent,
        **{f: state.contact.get(f) for f in contact_fields.FIELDS},
        "referral_reference": state.referral,
        "open_choices": list(state.choices),
        "pending_answer": dict(state.pending) if state.pending else None,
        "last_unclear": state.last_unclear,
        "language": state.language,
        # (None while empty, as the tracker has them before they are first set)
        "screening_catalogue": list(state.catalogue) or None,
        "catalogue_asked": list(state.asked) or None,
        "trial_verdicts": dict(state.trial_verdicts) or None,
        "contact_teams": list(state.teams) or None,
        "referral_references": dict(state.references) or None,
    }


def slot_events(state: State, tracker: Tracker) -> List[EventType]:
    """SlotSet events for the slots whose value changed. (Setting every slot every turn made each
    conversation's tracker, which Rasa loads and sends to the action server on every turn, grow by
    16 events a turn.)"""
    return [SlotSet(name, value) for name, value in slot_values(state).items() if tracker.get_slot(name) != value]


def stored_part(state: State) -> State:
    """What the screening tables keep of a state: not the dialogue's own bookkeeping (an answer
    waiting to be confirmed is not an answer yet)."""
    return replace(state, choices=(), pending=None, last_unclear=None, language=None, other_studies=False)


def remember_volunteer_text(tracker: Tracker) -> None:
    """What this volunteer typed and their contact details: never in a log line (bot/redact.py)."""
    redact.remember(latest_text(tracker), *(tracker.get_slot(f) for f in contact_fields.FIELDS),
                    *((a or {}).get("text") for a in (tracker.get_slot("screening_answers") or {}).values()))


def protocol_for(tracker: Tracker) -> Protocol:
    """The trial of this conversation: its slot, else one named by the opening message, else the default."""
    trial_id = tracker.get_slot("trial_id") or next(tracker.get_latest_entity_values("trial_id"), None)
    try:
        return load_protocol(trial_id or default_trial_id())
    except ProtocolError:  # unknown, or a draft not yet reviewed: the intro names the trial screened instead
        logger.warning("trial not available for screening; using the default trial")
        return load_protocol(default_trial_id())


def intent_of(tracker: Tracker) -> Optional[str]:
    """The NLU intent of the latest message, or None when NLU was not confident (nlu_fallback)."""
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return None if name in (None, "nlu_fallback") else name


def confidence_of(tracker: Tracker) -> float:
    return float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)


def latest_text(tracker: Tracker) -> str:
    """What the volunteer typed, as typed: the NLU's copy is a stand-in for a message its guard did not
    let through (rasa_addons/nlu.py), and the core must still see that it was too long or unreadable."""
    typed = next((e.get("text") for e in reversed(tracker.events) if e.get("event") == "user"), None)
    return typed if typed is not None else tracker.latest_message.get("text") or ""


def erased_on_the_page(text: str) -> Dict[str, Any]:
    """The erasure's confirmation for the page, as a custom message: Rasa's socketio channel emits its `data`
    as the widget's message, which shows `text` like any other and hands `metadata` to the page."""
    return {"data": {"text": text, "metadata": dict(ERASED_METADATA)}}


def with_sent_referral(protocol: Protocol, state: State, sender_id: str) -> Tuple[Protocol, State]:
    """The state to carry on from: once this conversation's referral is stored, the state it was sent in
    (bot.referrals.sent_state), even where the slots lost it (Rasa's built-in /back and /restart rewind
    them; the turn that stored the referral may have failed to save them), and that referral's trial."""
    if state.referral:
        return protocol, state
    sent = referrals.sent_state(sender_id, state.language)
    if sent is None:
        return protocol, state
    return (protocol if protocol.trial_id == sent.trial_id else load_protocol(sent.trial_id)), sent


def with_other_studies(state: State, sender_id: str) -> State:
    """Whether the volunteer's consent to hear about the site's other studies is stored: only asked after a
    verdict that rules them out, where it decides what is offered (the database is the truth, as for referrals)."""
    if state.verdict != LIKELY_INELIGIBLE or state.other_studies:
        return state
    return replace(state, other_studies=other_studies.given(sender_id))


def message_turn(protocol: Protocol, state: State, tracker: Tracker) -> Turn:
    """The latest message, read by the core against where the conversation stands."""
    return conversation.message(protocol, state, latest_text(tracker), intent_of(tracker), confidence_of(tracker))


class ConversationAction(Action, ABC):
    """Runs one bot.conversation handler on the tracker's state.

    The screening is saved before the slots change, so a failed write leaves
    the conversation where it was instead of moving on with answers that were
    not stored (Rasa would otherwise drop a failed action with a log line).
    """

    leaves_form = False  # always end the contact form, even while contact details are still wanted

    @abstractmethod
    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        """The conversation's next step for this kind of message."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        remember_volunteer_text(tracker)
        protocol = protocol_for(tracker)
        before = state_from_tracker(tracker)
        try:
            protocol, before = with_sent_referral(protocol, before, tracker.sender_id)
            before = with_other_studies(before, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("could not read the database; the conversation stays where it was")
            dispatcher.utter_message(text=i18n.gettext_for(before.language)(SAVE_FAILED))
            return []
        turn = self.turn(protocol, before, tracker)
        try:
            if turn.command == conversation.ERASE:
                erasure.erase(tracker.sender_id)
            if turn.command == conversation.SUBMIT_REFERRAL and turn.state.teams:
                references = referrals.create_referrals(tracker.sender_id, protocol, turn.state)
                turn = conversation.referral_sent(protocol, replace(
                    turn.state, referral=next(iter(references.values())), references=references))
            elif turn.command == conversation.SUBMIT_REFERRAL:
                reference = referrals.create_referral(tracker.sender_id, protocol, turn.state)
                turn = conversation.referral_sent(protocol, replace(turn.state, referral=reference))
            if turn.command == conversation.SAVE_OTHER_STUDIES:
                other_studies.save(tracker.sender_id, protocol, turn.state)
                turn = conversation.other_studies_saved(protocol, replace(turn.state, other_studies=True))
            if turn.state.consent and stored_part(turn.state) != stored_part(before):
                store.save_screening(tracker.sender_id, protocol, turn.state)
        except store.ScreeningFrozen:  # the core never lets a referred screening change; should a path slip by
            logger.error("a turn would have changed a screening whose referral was sent; nothing was changed")
            turn = conversation.already_sent(protocol, before)
        except SQLAlchemyError:
            logger.exception("could not write to the database; the conversation stays where it was")
            failed = {conversation.ERASE: ERASE_FAILED, conversation.SUBMIT_REFERRAL: REFERRAL_FAILED,
                      conversation.SAVE_OTHER_STUDIES: REFERRAL_FAILED}
            dispatcher.utter_message(text=i18n.gettext_for(before.language)(failed.get(turn.command, SAVE_FAILED)))
            return []
        channel = tracker.get_latest_input_channel()
        for reply in turn.replies:
            if turn.command == conversation.ERASE and channel == WEB_CHANNEL and not reply.buttons:
                dispatcher.utter_message(json_message=erased_on_the_page(reply.text))
            else:
                send(dispatcher, reply, channel)
        events = slot_events(replace(turn.state, choices=conversation.offered_choices(turn.replies)), tracker)
        if self.leaves_form or (tracker.active_loop_name and not turn.state.collecting_contact):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        if turn.command == conversation.COLLECT_CONTACT:
            events.append(FollowupAction("contact_form"))
        if turn.command == conversation.ERASE:
            events.append(SlotSet("conversation_erased", True))  # the tracker store deletes instead of saving
        return events


def send(dispatcher: CollectingDispatcher, reply: conversation.Reply, channel: Optional[str]) -> None:
    """One reply: on a text-only channel as text (its brief form, the choices numbered), else with buttons."""
    if channel in TEXT_ONLY_CHANNELS:
        dispatcher.utter_message(text=conversation.plain_text(reply))
    else:
        dispatcher.utter_message(text=reply.text, buttons=[{"title": t, "payload": p} for t, p in reply.buttons_in()])


class ActionAskContact(Action, ABC):
    """The contact form's question for one field (Rasa's forms run action_ask_<slot> when the domain has it),
    from the catalogue, in the volunteer's language and the channel's form."""

    @property
    @abstractmethod
    def field(self) -> str:
        """The contact slot this action asks for (a class attribute in each subclass)."""

    def name(self) -> Text:
        return f"action_ask_{self.field}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        state = State(language=tracker.get_slot("language"))
        send(dispatcher, conversation.ask_contact(state, self.field), tracker.get_latest_input_channel())
        return []


class ActionAskContactName(ActionAskContact):
    field = contact_fields.NAME


class ActionAskContactWay(ActionAskContact):
    field = contact_fields.WAY


class ActionAskContactEmail(ActionAskContact):
    field = contact_fields.EMAIL


class ActionAskContactPhone(ActionAskContact):
    field = contact_fields.PHONE


class ActionAskContactTime(ActionAskContact):
    field = contact_fields.TIME


class ActionStart(ConversationAction):
    def name(self) -> Text:
        return "action_start"

    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        """A greeting (or the page's opening payload) opens the prescreen; anything else the NLU took for
        one ("I'm a hepatitis B carrier ...") is read like any other message."""
        text = latest_text(tracker)
        chosen = next(tracker.get_latest_entity_values("language"), None)  # the page's switch: /greet{"language": ...}
        if chosen in i18n.offered(protocol):
            state = replace(state, language=chosen)
        elif state.language is None and not text.startswith("/"):
            state = replace(state, language=i18n.written_in(text))  # "你好" chooses Chinese
        if state.trial_id is None or text.startswith("/") or answers.is_greeting(text):
            return conversation.start(protocol, state)
        return message_turn(protocol, state, tracker)


class ActionReply(ConversationAction):
    def name(self) -> Text:
        return "action_reply"

    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        return message_turn(protocol, state, tracker)


class ActionLeaveContactForm(ConversationAction):
    """"stop" while the contact form runs: a separate action because Rasa's rules need one
    that always ends the form."""

    def name(self) -> Text:
        return "action_leave_contact_form"

    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        return conversation.stop(protocol, state)


class ActionEraseData(ConversationAction):
    """"Delete my data" (also while the contact form runs, which it ends): the core asks to confirm; on a
    yes, bot.erasure deletes our tables and the tracker events (and the tracker store does not save them
    again). A message that only mentions deleting is read like any other."""

    leaves_form = True

    def name(self) -> Text:
        return "action_erase_data"

    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        return message_turn(protocol, state, tracker)


class ActionChangeContact(ConversationAction):
    def name(self) -> Text:
        return "action_change_contact"

    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        """"Change my phone number" while the details are being checked; anywhere else the message is read
        like any other (at a question it may well be an answer)."""
        if not state.collecting_contact:
            return message_turn(protocol, state, tracker)
        named = next(tracker.get_latest_entity_values("contact_field"), None)
        return conversation.change_contact(protocol, state, named, latest_text(tracker))


class ActionContactSummary(ConversationAction):
    def name(self) -> Text:
        return "action_contact_summary"

    def turn(self, protocol: Protocol, state: State, tracker: Tracker) -> Turn:
        return conversation.contact_collected(protocol, state)


class ValidateContactForm(FormValidationAction):
    """Checks each contact field with bot.contact; an invalid value is re-asked with a hint, never kept."""

    def name(self) -> Text:
        return "validate_contact_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        contact = {f: tracker.get_slot(f) for f in contact_fields.FIELDS}
        return list(contact_fields.required_fields(contact))

    def _check(self, field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        remember_volunteer_text(tracker)
        redact.remember(value)
        if value is None:  # a slot our actions cleared: nothing was typed
            return {field: None}
        region = protocol_for(tracker).study_team.default_phone_region
        checked = contact_fields.check(field, str(value or ""), region)
        if checked.value is None:
            dispatcher.utter_message(text=i18n.gettext_for(tracker.get_slot("language"))(checked.hint))
        return {field: checked.value}

    def validate_contact_name(self, value, dispatcher, tracker, domain):
        return self._check(contact_fields.NAME, value, dispatcher, tracker)

    def validate_contact_preferred_way(self, value, dispatcher, tracker, domain):
        return self._check(contact_fields.WAY, value, dispatcher, tracker)

    def validate_contact_email(self, value, dispatcher, tracker, domain):
        return self._check(contact_fields.EMAIL, value, dispatcher, tracker)

    def validate_contact_phone(self, value, dispatcher, tracker, domain):
        return self._check(contact_fields.PHONE, value, dispatcher, tracker)

    def validate_contact_preferred_time(self, value, dispatcher, tracker, domain):
        return self._check(contact_fields.TIME, value, dispatcher, tracker)
