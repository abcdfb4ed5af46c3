"""SMS segments of whole screenings, through the real servers (issue 16). Prints figures; asserts nothing.

    .venv/bin/python bench/sms.py                 # the table
    .venv/bin/python bench/sms.py --transcript en # and one screening with handoff, message by message

Starts `python -m bot run` (what `make run` starts) on free ports and a fresh SQLite database, with a local
SMS gateway (tests/receiver.py) at CALLBACK_URL, and screens volunteers over the callback channel as an SMS
gateway would: each reply is POSTed to /webhooks/callback/webhook, and the bot's messages are what the
gateway receives, as sent (brief forms, numbered choices, a turn's messages packed). Each message is counted
in SMS segments (bot/sms.py: GSM-7 fits 160 characters, 153 a part; one character outside GSM-7 makes the
message UCS-2, 70 characters, 67 a part). The personas answer by number, as most SMS volunteers do:
- "may qualify, handoff": every answer fits; they agree to be contacted by phone and send their details;
- "two Not sure, handoff": the same, with Not sure at two questions;
- "ruled out at question 2": the cancer has spread.
tests/e2e/test_sms_budget.py drives the same screening (`screen`) and holds it to the issue's budget.
"""
from __future__ import annotations

import argparse
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import sms  # noqa: E402
from bot.protocol import Protocol, load_protocol  # noqa: E402
from bot.senders import sms_id  # noqa: E402

BUDGET = 35  # segments for an English screening with handoff (issue 16)
SAID = {
    "en": {"hello": "hi", "name": "Ana Lopez", "phone": "139 1234 5678"},
    "zh": {"hello": "你好", "name": "李华", "phone": "139 1234 5678"},
}
PERSONAS = {
    "may qualify, handoff": ({}, True),
    "two Not sure, handoff": ({"hiv": "not_sure", "hepatitis": "not_sure"}, True),
    "ruled out at question 2": ({"distant_metastasis": "yes"}, False),
}


@dataclass
class Screening:
    """What one SMS volunteer and the bot said, in order: ("volunteer" | "bot", text)."""

    lines: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def sent(self) -> List[str]:
        return [text for who, text in self.lines if who == "bot"]

    @property
    def segments(self) -> int:
        return sum(sms.segments(text) for text in self.sent)


class SmsLine:
    """One phone number's SMS conversation with a running stack, through its callback channel."""

    def __init__(self, rasa_url: str, token: str, key: bytes, received: Callable[[str], List[dict]], phone: str):
        self.rasa_url, self.token, self.received, self.phone = rasa_url, token, received, phone
        self.sender = sms_id(phone, key)

    def say(self, text: str, timeout: float = 30) -> List[str]:
        """Send one SMS; the bot's messages the gateway received for it (the turn's, once they stop coming)."""
        before = len(self.received(self.phone))
        response = requests.post(f"{self.rasa_url}/webhooks/callback/webhook",
                                 json={"sender": self.phone, "message": text}, timeout=timeout)
        response.raise_for_status()
        deadline, settled = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            count = len(self.received(self.phone))
            if count > before and settled == count:
                break
            settled = count if count > before else None
            time.sleep(0.25)
        return [m["text"] for m in self.received(self.phone)[before:]]

    def current(self) -> Optional[str]:
        response = requests.get(f"{self.rasa_url}/conversations/{self.sender}/tracker",
                                params={"token": self.token}, timeout=10)
        response.raise_for_status()
        return response.json()["slots"].get("current_criterion")


def screen(line: SmsLine, protocol: Protocol, language: str, overrides: Dict[str, str], handoff: bool) -> Screening:
    """A whole screening by SMS, answered by number ("1" Yes, "2" No, "3" Not sure; the age typed)."""
    said, done = SAID[language], Screening()

    def say(text: str) -> None:
        done.lines.append(("volunteer", text))
        done.lines.extend(("bot", reply) for reply in line.say(text))

    say(said["hello"])
    say("1")  # yes, let's start
    asked = line.current()
    if not asked:
        raise AssertionError(f"the screening did not start: {done.lines}")
    while asked:
        criterion = protocol.by_id[asked]
        answer = overrides.get(asked) or ("age" if criterion.answer_type == "number"
                                          else "yes" if criterion.met_when == "yes" else "no")
        say({"age": "45", "yes": "1", "no": "2", "not_sure": "1" if criterion.answer_type == "number" else "3"}[answer])
        now = line.current()
        if now == asked:
            raise AssertionError(f"the answer to {asked} was not recorded: {done.lines[-3:]}")
        asked = now
    if handoff:
        for text in ("1", said["name"], "2", said["phone"], "1", "1"):  # contact me; name; by phone; number;
            say(text)                                                   # mornings; send it
    return done


def start(workdir: Path):
    from bot.stack import Settings, free_port, spawn_run, wait_running
    from tests.receiver import SmsGateway

    gateway = SmsGateway().start()
    settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                        database_url=f"sqlite:///{workdir / 'bot.db'}", token=secrets.token_urlsafe(16),
                        web_port=free_port(), callback_url=gateway.url, review_port=free_port())
    process = spawn_run(settings, workdir, workdir / "run.out")
    wait_running(process, workdir / "run.out")
    key = (workdir / "sender_id_key").read_text().strip().encode()
    return settings, process, gateway, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transcript", choices=("en", "zh"), help="print one screening with handoff, message by message")
    parser.add_argument("--language", choices=("en", "zh"), help="only this language")
    args = parser.parse_args()
    protocol = load_protocol("NCT04143984")
    with tempfile.TemporaryDirectory(prefix="bench-sms-") as folder:
        settings, process, gateway, key = start(Path(folder))
        try:
            print(f"{'persona':26} {'language':9} {'messages':>9} {'characters':>11} {'segments':>9} "
                  f"{'longest':>8} {'UCS-2':>6}")
            shown = None
            for number, (name, (overrides, handoff)) in enumerate(PERSONAS.items()):
                for language in [args.language] if args.language else ("en", "zh"):
                    line = SmsLine(settings.rasa_url, settings.token, key, gateway.for_recipient,
                                   f"+86139{number}{len(language)}{secrets.randbelow(10**5):05d}")
                    done = screen(line, protocol, language, overrides, handoff)
                    counts = [sms.segments(t) for t in done.sent]
                    ucs2 = sum(sms.encoding(t) == sms.UCS2 for t in done.sent)
                    print(f"{name:26} {language:9} {len(counts):9d} {sum(len(t) for t in done.sent):11d} "
                          f"{sum(counts):9d} {max(counts):8d} {ucs2:6d}")
                    if args.transcript == language and handoff and not overrides:
                        shown = done
            print(f"(budget: at most {BUDGET} segments for an English screening with handoff, none in UCS-2)")
            if shown:
                print()
                for who, text in shown.lines:
                    cost = f"[{sms.segments(text)} {sms.encoding(text)}, {len(text)} ch]" if who == "bot" else ""
                    print(f"{'>' if who == 'volunteer' else '<'} {text}  {cost}".replace("\n", "\n  "))
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
            gateway.stop()


if __name__ == "__main__":
    main()
