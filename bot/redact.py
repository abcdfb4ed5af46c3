"""Keeps what volunteers typed, and contact details, out of every log line of the process.

Libraries log message text in places we do not control: Rasa's warning for a payload it cannot
parse quotes the whole line; a failed action's traceback carries the request; a traceback rendered
with its frame's locals shows everything in them. A logging filter alone would miss the ones that
are not log records (`warnings` writes to stderr itself), so `install()` wraps the process's
stdout and stderr, and the log handlers already writing to them, with a stream that redacts:

- every text this process was handed as a volunteer's message or contact detail (`remember()`: the
  channels, the NLU and the actions call it), in the forms a log line can show it (as typed, as
  JSON escapes it, as Python's repr escapes it); the last MAX_REMEMBERED are kept, in memory only;
- anything shaped like an e-mail address or a phone number, remembered or not.

A text is written as "[redacted]"; the rest of the line stays, so the logs still say what happened.
"""
from __future__ import annotations

import io
import json
import logging
import re
import sys
import threading
from collections import OrderedDict
from typing import Iterable, Optional

MAX_REMEMBERED = 5000
REDACTED = "[redacted]"
_CJK = re.compile(r"[\u3400-\u9fff]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# a phone number as people type it: +86 139 1234 5678, 13912345678, (021) 5555-1234; not a date, a
# time, a port or a version (2026-11-27, 23:50:01, 127.0.0.1:5005)
_PHONE = re.compile(r"(?<![\w.:/-])(?:\+\d{1,3}[ -]?)?(?:\(\d{2,4}\)[ -]?)?\d{3,4}[ -]?\d{4}[ -]?\d{0,4}(?![\w.:/-])")

_remembered: "OrderedDict[str, None]" = OrderedDict()
_lock = threading.Lock()
_installed = False


def _forms(text: str) -> Iterable[str]:
    yield text
    yield json.dumps(text)[1:-1]  # as JSON writes it (non-ASCII escaped)
    yield json.dumps(text, ensure_ascii=False)[1:-1]
    yield repr(text)[1:-1]


def _worth_remembering(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) >= 4 or (len(stripped) >= 2 and bool(_CJK.search(stripped)))


def _parts(text: str) -> Iterable[str]:
    """The text, and for a payload typed by hand ("/intent{...}") the pieces a parser quotes from it
    (Rasa's warning quotes the part it could not read)."""
    yield text
    if text.lstrip().startswith("/"):
        cuts = [m.start() for m in re.finditer(r"[{\[@\"':,\s]", text)][:40]
        for cut in cuts:
            yield text[cut:]
            yield text[cut + 1:]


def remember(*texts: Optional[object]) -> None:
    """Texts from volunteers (messages, contact details) that no log line may show."""
    with _lock:
        for whole in texts:
            if not isinstance(whole, str) or not _worth_remembering(whole):
                continue
            for text in (part for part in _parts(whole) if _worth_remembering(part)):
                _remember_one(text)
        while len(_remembered) > MAX_REMEMBERED:
            _remembered.popitem(last=False)


def _remember_one(text: str) -> None:
    for form in _forms(text):
        if _worth_remembering(form):
            _remembered[form] = None
            _remembered.move_to_end(form)


def remember_all(data: object) -> None:
    """Every string inside a JSON-like value (a referral's payload, say)."""
    if isinstance(data, str):
        remember(data)
    elif isinstance(data, dict):
        for value in data.values():
            remember_all(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            remember_all(value)


def redact(line: str) -> str:
    with _lock:
        known = sorted(_remembered, key=len, reverse=True)
    for text in known:
        if text in line:
            line = line.replace(text, REDACTED)
    return _PHONE.sub(REDACTED, _EMAIL.sub(REDACTED, line))


class RedactingStream(io.TextIOBase):
    """A text stream that redacts what is written to it, then writes it to the stream it wraps."""

    def __init__(self, stream):
        super().__init__()
        self.wrapped = stream

    def write(self, text: str) -> int:
        self.wrapped.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.wrapped.flush()

    def isatty(self) -> bool:
        return self.wrapped.isatty()

    def fileno(self) -> int:
        return self.wrapped.fileno()

    @property
    def encoding(self):
        return getattr(self.wrapped, "encoding", "utf-8")


def _rewire_handlers(originals: dict) -> None:
    loggers = [logging.getLogger()] + [logger for logger in logging.Logger.manager.loggerDict.values()
                                       if isinstance(logger, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and id(stream) in originals:
                handler.setStream(originals[id(stream)])


def install() -> None:
    """Redact this process's stdout and stderr, and the log handlers writing to them (once)."""
    global _installed
    if _installed:
        _rewire_handlers({id(s.wrapped): s for s in (sys.stdout, sys.stderr) if isinstance(s, RedactingStream)})
        return
    _installed = True
    wrappers = {}
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            wrapper = RedactingStream(stream)
            wrappers[id(stream)] = wrapper
            setattr(sys, name, wrapper)
    _rewire_handlers(wrappers)
