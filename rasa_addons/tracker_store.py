"""ProtectedSQLTrackerStore: Rasa's SQL tracker store, made safe for health data.

Configured in endpoints.yml. Three changes to SQLTrackerStore:

- It fails closed. Rasa wraps every tracker store in FailSafeTrackerStore,
  which on a database error starts a brand-new conversation (retrieve) or
  keeps the tracker in memory (save). This store never raises to it: while
  the database is unavailable it hands out a stand-in tracker marked with the
  `service_unavailable` slot, TroublePolicy answers "we are having trouble",
  and the stand-in is never saved. The stored conversation is untouched and
  carries on at the same question once the database is back.
- Nothing typed before consent is kept: a volunteer's message is stored with
  its text (and entity values, except the trial id) blanked unless the
  conversation had consented (slot `screening_consent`) when it was sent.
- A conversation erased in the chat (slot `conversation_erased`, set by
  action_erase_data after it deleted our tables) is deleted here too instead
  of being saved again: Rasa saves the tracker after the action has run.

It also reads and writes the same rows with less work per turn (measured with py-spy under
`make bench`): a conversation is read as its `data` column only, not as ORM objects, and a
turn's new events are written with one multi-row INSERT instead of one ORM object each. The
rows, their order and their columns are the same as Rasa's (tests/test_rasa_addons.py).
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, Iterator, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.exc import SQLAlchemyError

from rasa_addons.policy import UNAVAILABLE_SLOT

logger = logging.getLogger(__name__)

CONSENT_SLOT = "screening_consent"
ERASED_SLOT = "conversation_erased"
KEPT_ENTITIES = {"trial_id"}  # which trial a volunteer opened: not about them
TRIAL_ID = re.compile(r"NCT\d{8}")


class ProtectedSQLTrackerStore(SQLTrackerStore):
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        try:
            return await super().retrieve(sender_id)
        except SQLAlchemyError as error:
            logger.error("The database is unavailable (%s): replying that we are having trouble; "
                         "nothing is stored until it is back.", type(error).__name__)
            return DialogueStateTracker.from_events(sender_id, [SlotSet(UNAVAILABLE_SLOT, True)],
                                                    slots=self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(UNAVAILABLE_SLOT):
            return  # the stand-in: saving it would append its events to the real conversation
        try:
            if tracker.get_slot(ERASED_SLOT):
                self._delete_conversation(tracker.sender_id)
            else:
                await self._append_new_events(tracker)
        except SQLAlchemyError as error:
            # Raising would make FailSafeTrackerStore keep it in memory only. The actions
            # write our tables first and tell the volunteer when that fails, so a lost
            # save here means the database failed in the instant between the two.
            logger.error("Could not save a conversation (%s).", type(error).__name__)

    async def _append_new_events(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, with the new events written by one INSERT of several rows."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    @staticmethod
    def _row(sender_id: Text, event: Event) -> Dict[str, Any]:
        """The columns Rasa's SQLTrackerStore.save fills for an event."""
        data = event.as_dict()
        return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"), "data": json.dumps(data)}

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """SQLTrackerStore._retrieve, reading only the `data` column (Rasa's query, filters and order)."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _delete_conversation(self, sender_id: Text) -> None:
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator[Event]:
        new = list(super()._additional_events(session, tracker))
        return iter(without_text_before_consent(tracker.events)[len(tracker.events) - len(new):])


def without_text_before_consent(events) -> List[Event]:
    """The events, with every message sent while the conversation had no consent blanked."""
    consented = False
    kept: List[Event] = []
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            consented = False  # a new session re-sets the slots it carries over after this event
        elif isinstance(event, SlotSet) and event.key == CONSENT_SLOT:
            consented = event.value is True
        elif isinstance(event, UserUttered) and not consented:
            event = blanked(event)
        kept.append(event)
    return kept


def blanked(event: UserUttered) -> UserUttered:
    """The message without what was typed: no text, no metadata, and of its entities only a trial id
    that is one (a payload typed by hand, /greet{"trial_id": "I have HIV"}, carries text there too)."""
    entities = [e for e in event.entities
                if e.get("entity") in KEPT_ENTITIES and TRIAL_ID.fullmatch(str(e.get("value") or ""))]
    parse_data = {key: value for key, value in event.parse_data.items() if key != "metadata"}
    parse_data = {**parse_data, "text": "", "entities": entities}
    return UserUttered("", event.intent, entities, parse_data, event.timestamp, event.input_channel,
                       event.message_id, metadata={})
