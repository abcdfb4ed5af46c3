"""Answer-understanding benchmark (issue 13): every reply of a blind set, sent at its question through
the running stack (REST channel -> Rasa NLU and rules -> action server -> bot core -> database), and
what the bot did with it. Prints figures; asserts nothing (tests/e2e/test_blind_answers.py asserts).

    .venv/bin/python bench/nlu.py                          # every set in tests/blind/ and tests/blind/next/
                                                           # (make bench-nlu)
    .venv/bin/python bench/nlu.py tests/blind/set1.jsonl   # one set
    options: --show wrong,asked_again,...  (list those items), --json FILE (every result),
             --replay (the server's NLU and the actions in this process, without the tracker store: see Replay)

A blind set is JSON Lines, one reply a line: {"question": criterion id or "consent", "reply": text,
"expect": "yes" | "no" | "not_sure" | an age | "none", "category": ...}. "none" means nothing may be
recorded and the question stays open (acknowledgements, requests to wait, questions, junk).

Each item gets a conversation of its own: "hello", then the slots of a volunteer who consented and
answered every earlier question as an eligible volunteer would are appended through Rasa's tracker
API, then the reply is sent. The outcome, from the slots afterwards:

    right        the expected answer is recorded (or, for "none", nothing is, and the question is still open)
    confirmed    the bot restated the expected answer and asked the volunteer to confirm it
    asked_again  nothing recorded, the same question asked again (an answer was expected)
    unsure       "Not sure" recorded where a firm answer was meant (never rules anyone out; the study team checks)
    misread      the bot asked to confirm an answer that is not the expected one (nothing recorded)
    wrong        a firm answer (yes, no, an age) other than the one meant is recorded, or any answer where
                 none was meant
    lost         an earlier answer disappeared, or the open question moved without recording this one
"""
import argparse
import json
import secrets
import signal
import sys
import tempfile
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import conversation  # noqa: E402
from bot.answers import command_in  # noqa: E402
from bot.protocol import Protocol, load_protocol  # noqa: E402
from bot.stack import Settings, free_port, spawn_run, wait_running  # noqa: E402

BLIND_DIR = ROOT / "tests" / "blind"
OUTCOMES = ("right", "confirmed", "asked_again", "unsure", "misread", "wrong", "lost")
CONSENT = "consent"


@dataclass(frozen=True)
class Item:
    question: str
    reply: str
    expect: object  # "yes" | "no" | "not_sure" | "none" | int
    category: str


@dataclass(frozen=True)
class Result:
    item: Item
    outcome: str
    recorded: object  # what the bot recorded or asked to confirm (None: nothing)
    bot_said: str


def load_items(path: Path) -> List[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            data = json.loads(line)
            items.append(Item(data["question"], data["reply"], data["expect"], data["category"]))
    return items


def eligible_answer(protocol: Protocol, criterion_id: str) -> dict:
    criterion = protocol.by_id[criterion_id]
    if criterion.answer_type == "number":
        return {"answer": 45, "text": "45"}
    return {"answer": criterion.met_when, "text": "Yes" if criterion.met_when == "yes" else "No"}


def slots_before(protocol: Protocol, question: str) -> dict:
    """The slots of a volunteer who consented and answered every question before `question` eligibly."""
    order = list(protocol.order)
    earlier = order[:order.index(question)]
    buttons = ["/not_sure"] if protocol.by_id[question].answer_type == "number" else ["/affirm", "/deny", "/not_sure"]
    return {"screening_consent": True, "current_criterion": question, "open_choices": buttons,
            "screening_answers": {cid: eligible_answer(protocol, cid) for cid in earlier}}


class Driver:
    def __init__(self, rasa_url: str, token: str, protocol: Protocol):
        self.url, self.token, self.protocol = rasa_url, token, protocol
        self.http = requests.Session()

    def _say(self, sender: str, text: str) -> str:
        response = self.http.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                  timeout=60)
        response.raise_for_status()
        return "\n".join(m.get("text", "") for m in response.json())

    def _slots(self, sender: str) -> dict:
        response = self.http.get(f"{self.url}/conversations/{sender}/tracker", params={"token": self.token},
                                 timeout=30)
        response.raise_for_status()
        return response.json()["slots"]

    def run(self, item: Item) -> Result:
        sender = f"bench-nlu-{uuid.uuid4().hex[:12]}"
        self._say(sender, "hello")
        before = {}
        if item.question != CONSENT:
            before = slots_before(self.protocol, item.question)
            events = [{"event": "slot", "name": name, "value": value} for name, value in before.items()]
            response = self.http.post(f"{self.url}/conversations/{sender}/tracker/events",
                                      params={"token": self.token}, json=events, timeout=30)
            response.raise_for_status()
        said = self._say(sender, item.reply)
        after = self._slots(sender)
        outcome, recorded = classify(item, before, after)
        return Result(item, outcome, recorded, said)


def classify(item: Item, before: dict, after: dict):
    """The outcome of one reply, from the slots before and after it."""
    pending = after.get("pending_answer") or {}
    if item.question == CONSENT:
        consent = after.get("screening_consent")
        if pending.get("criterion") == CONSENT:
            got = pending.get("answer")
            return ("confirmed" if got == item.expect else "misread"), got
        got = {True: "yes", False: "no", None: None}[consent]
        if got is None:  # nothing decided: right for a non-answer, and for a "not sure" (the bot says take your time)
            return ("right" if item.expect in ("none", "not_sure") else "asked_again"), None
        return ("right" if got == item.expect else "wrong"), got

    answers_before = before["screening_answers"]
    answers_after = after.get("screening_answers") or {}
    if any(answers_after.get(cid) != value for cid, value in answers_before.items()):
        return "lost", None
    recorded = (answers_after.get(item.question) or {}).get("answer")
    if recorded is not None:
        if recorded == item.expect:
            return "right", recorded
        return ("unsure" if recorded == "not_sure" and item.expect != "none" else "wrong"), recorded
    if pending.get("criterion") == item.question:
        got = pending.get("answer")
        return ("confirmed" if got == item.expect else "misread"), got
    if after.get("current_criterion") != item.question:
        if item.expect == "none" and command_in(item.reply) == "go_back" and after.get("current_criterion") in (
                answers_before or {}):
            return "right", None  # "go back" (上一题) typed as a whole message: done, nothing recorded or lost
        return "lost", None
    return ("right" if item.expect == "none" else "asked_again"), None


class Replay:
    """The same replies read by the same NLU (the running Rasa server's /model/parse) and the same actions
    (actions/actions.py, called here with a rasa_sdk Tracker built from the slots), without the REST
    channel, the tracker store or the action server's HTTP hop. Those cost most of a conversation's time
    (and the tracker database grows with every one), so the replay can check every frozen reply in every
    test run; tests/e2e/test_blind_answers.py checks that it agrees with the whole stack on a sample.

    Routing as data/rules.yml does outside the contact form: a greeting goes to action_start, anything
    else to an action that reads the message with the core (action_reply and its kin)."""

    def __init__(self, rasa_url: str, token: str, protocol: Protocol):
        from actions import actions  # the action server's own code (rasa_sdk), only needed here
        self.actions, self.url, self.token, self.protocol = actions, rasa_url, token, protocol
        self.http = requests.Session()
        self._hello = None

    def parse(self, text: str) -> dict:
        response = self.http.post(f"{self.url}/model/parse", params={"token": self.token}, json={"text": text},
                                  timeout=60)
        response.raise_for_status()
        return response.json()

    def act(self, slots: dict, text: str) -> dict:
        """The slots after the volunteer sends `text` in a conversation with these slots."""
        from rasa_sdk import Tracker
        parsed = self.parse(text)
        tracker = Tracker("bench-replay", dict(slots), parsed,
                          [{"event": "user", "text": text, "parse_data": parsed, "input_channel": "rest"}],
                          False, None, {}, "action_listen")
        greeting = (parsed.get("intent") or {}).get("name") == "greet"
        action = self.actions.ActionStart() if greeting else self.actions.ActionReply()
        turn = action.turn(self.actions.protocol_for(tracker), self.actions.state_from_tracker(tracker), tracker)
        offered = conversation.offered_choices(turn.replies)
        return {**slots, **self.actions.slot_values(replace(turn.state, choices=offered)),
                "_said": "\n".join(r.text for r in turn.replies)}

    def run(self, item: Item) -> Result:
        if self._hello is None:
            self._hello = self.act({}, "hello")
        before = {}
        slots = dict(self._hello)
        if item.question != CONSENT:
            before = slots_before(self.protocol, item.question)
            slots.update(before)
        after = self.act(slots, item.reply)
        outcome, recorded = classify(item, before, after)
        return Result(item, outcome, recorded, after["_said"])


def drive(settings: Settings, protocol: Protocol, items: Iterable[Item], workers: int = 4,
          replay: bool = False) -> List[Result]:
    """Each item through the whole stack (a conversation of its own), or with `replay` through Replay."""
    driver = (Replay if replay else Driver)(settings.rasa_url, settings.token, protocol)
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(driver.run, items))


def table(results: List[Result], key) -> str:
    groups = defaultdict(Counter)
    for result in results:
        groups[key(result)][result.outcome] += 1
    width = max([len(str(k)) for k in groups] + [8])
    lines = [f"{'':{width}}  {'n':>4}  " + "  ".join(f"{o:>11}" for o in OUTCOMES)]
    for name in sorted(groups, key=str) + ["all"]:
        counts = sum(groups.values(), Counter()) if name == "all" else groups[name]
        n = sum(counts.values())
        lines.append(f"{name:{width}}  {n:>4}  " + "  ".join(f"{counts[o]:>11}" for o in OUTCOMES))
    return "\n".join(lines)


def summary(results: List[Result]) -> dict:
    counts = Counter(r.outcome for r in results)
    n = len(results)
    return {"items": n, **{o: counts[o] for o in OUTCOMES},
            "right_or_confirmed": round((counts["right"] + counts["confirmed"]) / n, 4) if n else 0.0,
            "asked_again_share": round(counts["asked_again"] / n, 4) if n else 0.0}


def report(name: str, results: List[Result], show: Iterable[str] = ()) -> None:
    s = summary(results)
    print(f"\n=== {name}: {s['items']} replies; right or confirmed {s['right_or_confirmed']:.1%}, "
          f"asked again {s['asked_again_share']:.1%}, wrong {s['wrong']}, lost {s['lost']}, misread {s['misread']}, "
          f"Not sure instead of a firm answer {s['unsure']}")
    print("\nby category\n" + table(results, lambda r: r.item.category))
    print("\nby question\n" + table(results, lambda r: r.item.question))
    for outcome in show:
        listed = [r for r in results if r.outcome == outcome]
        if listed:
            print(f"\n{outcome}:")
        for r in listed:
            print(f"  [{r.item.question}] {r.item.reply!r}: expected {r.item.expect!r}, got {r.recorded!r}"
                  f" | bot: {r.bot_said[:160]!r}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", type=Path, help="blind sets (default: every .jsonl under tests/blind/)")
    parser.add_argument("--show", default="wrong,lost,misread,unsure", help="outcomes to list item by item")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--replay", action="store_true",
                        help="read each reply with the server's NLU and the actions in this process (Replay): "
                             "several times faster, and the e2e test checks it agrees with the whole stack")
    args = parser.parse_args(argv)
    sets = args.sets or sorted(BLIND_DIR.rglob("*.jsonl"))
    protocol = load_protocol("NCT04143984")
    everything = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                            database_url=f"sqlite:///{workdir / 'bot.db'}", token=secrets.token_urlsafe(16),
                            web_port=free_port(), review_port=free_port())
        process = spawn_run(settings, workdir, workdir / "run.out")
        try:
            wait_running(process, workdir / "run.out")
            for path in sets:
                results = drive(settings, protocol, load_items(path), replay=args.replay)
                report(path.name, results, [s for s in args.show.split(",") if s])
                everything[path.name] = results
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    if args.json:
        args.json.write_text(json.dumps({name: {"summary": summary(rs), "results": [
            {"question": r.item.question, "reply": r.item.reply, "expect": r.item.expect,
             "category": r.item.category, "outcome": r.outcome, "recorded": r.recorded, "bot": r.bot_said}
            for r in rs]} for name, rs in everything.items()}, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
