"""bot/redact.py: what volunteers typed, and contact details, are taken out of log lines."""
import io
import json

from bot import redact


def test_a_remembered_text_is_redacted_in_every_form_a_log_line_shows_it():
    text = "我有艾滋病 canary-one"
    redact.remember(text)
    for line in (f"got {text}", f"body={json.dumps({'m': text})}", f"locals: {{'text': {text!r}}}",
                 json.dumps({"event": f"failed text={text}"}, ensure_ascii=False)):
        assert "canary-one" not in redact.redact(line) and "艾滋" not in redact.redact(line), line
    assert redact.redact("rasa.core.processor - Received user message") == "rasa.core.processor - Received user message"


def test_the_pieces_of_a_payload_a_parser_quotes_are_redacted_too():
    redact.remember('/affirm{"x": [canary-two')
    assert "canary-two" not in redact.redact("Continuing without [canary-two. ")


def test_contact_details_are_redacted_remembered_or_not_but_dates_times_ports_are_not():
    for contact in ("ana@example.com", "+86 139 1234 5678", "13912345678", "(021) 5555-1234"):
        assert contact not in redact.redact(f"sending to {contact} now"), contact
    for kept in ("2026-11-27 23:50:01", "127.0.0.1:5005", "rasa 3.6.21", "took 1234 ms", "attempt 3"):
        assert redact.redact(f"x {kept} y") == f"x {kept} y", kept


def test_short_everyday_words_are_not_remembered():
    redact.remember("yes", "45")
    assert redact.redact("yes_no question 45") == "yes_no question 45"


def test_the_redacting_stream_writes_redacted_text_through():
    out = io.StringIO()
    stream = redact.RedactingStream(out)
    redact.remember("canary-three typed by a volunteer")
    stream.write("Traceback: text='canary-three typed by a volunteer'\n")
    stream.flush()
    assert "canary-three" not in out.getvalue() and "[redacted]" in out.getvalue()
