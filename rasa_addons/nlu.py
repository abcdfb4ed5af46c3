"""A guard in front of the NLU pipeline.

MessageGuard (first in the pipeline) removes terminal escape sequences and
control and invisible format characters (Unicode Cc, Cf: zero-width spaces,
direction marks) from the text the model reads. A message longer than
bot.answers.MAX_MESSAGE_CHARS, or one with no letter or digit left, is not
tokenized or classified at all: the rest of the pipeline gets a one-word
stand-in, and GuardedIntent (last) makes the result `nlu_fallback`, so such a
message is never read as an answer or a command ("stop"). Rasa still stores
the text exactly as typed (the tracker event takes it from the channel, not
from the pipeline), and the actions reply that it was too long or not
understood, and ask the same question again.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import redact
from bot.answers import MAX_MESSAGE_CHARS

SKIP = "guard_skip_nlu"
STAND_IN = "unreadable"
_WORD_CHARACTER = re.compile(r"[^\W_]")
_TERMINAL_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")  # ECMA-48: CSI sequences and 2-byte escapes


def readable(text: str) -> str:
    """The text without terminal escape sequences, control and format characters."""
    return "".join(ch for ch in _TERMINAL_ESCAPE.sub("", text) if unicodedata.category(ch) not in ("Cc", "Cf"))


class _Component(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MessageGuard(_Component):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            redact.remember(text, readable(text))  # every channel's messages pass here: none may reach a log
            if len(text) > MAX_MESSAGE_CHARS or not _WORD_CHARACTER.search(readable(text)):
                message.set(SKIP, True, add_to_output=False)
                message.set(TEXT, STAND_IN)
            else:
                message.set(TEXT, readable(text))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class GuardedIntent(_Component):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if message.get(SKIP):
                message.set(INTENT, {"name": "nlu_fallback", "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
