"""Two of Rasa Open Source 3.6's per-turn costs, removed without changing what Rasa does.

Found with py-spy on the Rasa server during `make bench`'s saturation run (20 volunteers, no
think time), as shares of the Rasa server's CPU:

- **The action-response check, ~40 %.** `RemoteAction._validate_action_result` calls
  `jsonschema.validate(result, spec)` on every custom-action call, and `jsonschema.validate`
  first checks the constant `spec` against the draft 2020-12 meta-schema: that, not the
  response, is the expensive part. A stock bot without custom actions never pays it. Here the
  same check is made by a validator built, and its schema checked, once: the same schema and
  the same `ValidationError` with Rasa's message, for the same responses.
- **Event types by name, ~11 %.** Loading a tracker turns each stored event back into an
  object, and `Event.resolve_by_type` walks every subclass of `Event`, recursively, for every
  event. Here each name is looked up that way once and remembered; unknown names still go
  through Rasa's own method (its `topic` / default / error handling).

rasa_addons/__init__.py calls `install()`, so both are in place whenever the Rasa server loads
our components from config.yml or endpoints.yml. tests/test_rasa_addons.py compares each with
Rasa's own method on the same inputs.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Text, Type

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

# Rasa's own methods, kept for the tests' side-by-side comparison.
RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result
RASA_RESOLVE_BY_TYPE = Event.resolve_by_type


@lru_cache(maxsize=None)
def response_validator():
    spec = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(spec)
    cls.check_schema(spec)  # what jsonschema.validate does on every call, done once
    return cls(spec)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (  # Rasa's own wording (rasa/core/actions/action.py)
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_event_types: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    found = _event_types.get(type_name)
    if found is None:
        found = next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)
        if found is None:
            return RASA_RESOLVE_BY_TYPE(type_name, default)
        _event_types[type_name] = found
    return found


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
