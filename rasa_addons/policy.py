"""TroublePolicy: say "we are having trouble" instead of going silent.

Rasa drops a custom action that fails (action server down, a crash) with a log
line, and the volunteer hears nothing. This policy notices both kinds of outage
on the tracker and predicts `utter_trouble`, a response Rasa sends by itself:

- the last event is a custom action or form that produced nothing (Rasa
  logs the action but loses its events when it fails; our actions and forms
  always return events, which is why tests/test_stories.yml shows a slot
  after each action);
- the tracker is the stand-in the tracker store hands out while the database
  is unavailable (slot `service_unavailable`).

It outranks RulePolicy when it speaks, and says nothing (all zeros) otherwise.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

TROUBLE_RESPONSE = "utter_trouble"
UNAVAILABLE_SLOT = "service_unavailable"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class TroublePolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}  # above RulePolicy (6): when this policy speaks, it wins

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)

    def train(self, training_trackers: List[Any], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = next_action(tracker, domain)
        probabilities = self._default_predictions(domain)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # a no-user prediction outranks RulePolicy's form ("happy path") predictions too
        return self._prediction(probabilities, is_no_user_prediction=True)


def next_action(tracker: DialogueStateTracker, domain: Domain) -> Optional[str]:
    """`utter_trouble`, then `action_listen`, while something on our side is down; else None."""
    if tracker.latest_action_name == TROUBLE_RESPONSE:
        return ACTION_LISTEN_NAME
    if tracker.get_slot(UNAVAILABLE_SLOT):
        return TROUBLE_RESPONSE
    last = tracker.events[-1] if tracker.events else None
    if isinstance(last, ActionExecuted) and last.action_name in custom_actions(domain):
        return TROUBLE_RESPONSE  # it ran, and Rasa logged nothing after it: the call failed
    return None


def custom_actions(domain: Domain) -> set:
    """Actions that run on the action server (forms call it to validate)."""
    return {name for name in [*domain.user_actions, *domain.form_names] if not name.startswith("utter_")}
