"""Delivery timings of the referral relay against a receiver that fails, then recovers.

A real receiver on 127.0.0.1 answers 500 three times, then 200; the relay
runs with its default backoff (REFERRAL_RETRY_BASE_SECONDS=2, cap 300 s).
Prints when each attempt arrived and the total time to delivery.

    .venv/bin/python benchmarks/delivery_retries.py [--failures 3] [--runs 3]
"""
import argparse
import base64
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import referrals  # noqa: E402
from bot.conversation import State  # noqa: E402
from bot.outbox import RelaySettings, deliver_due  # noqa: E402
from bot.protocol import load_protocol  # noqa: E402
from bot.screening import RecordedAnswer  # noqa: E402
from tests.receiver import Receiver  # noqa: E402


def eligible_state(protocol) -> State:
    answers = {c.id: RecordedAnswer(45 if c.answer_type == "number" else c.met_when, "benchmark")
               for c in protocol.criteria}
    contact = {"contact_name": "Bench Mark", "contact_preferred_way": "email", "contact_email": "b@example.com",
               "contact_preferred_time": "any time"}
    return State(trial_id=protocol.trial_id, consent=True, answers=answers, verdict="likely_eligible",
                 contact_consent=True, contact=contact)


def one_run(protocol, failures: int, n: int) -> list:
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = Receiver(secret).start()
    receiver.script = [500] * failures
    settings = RelaySettings(url=receiver.url, secret=secret)
    referrals.create_referral(f"bench-{n}", protocol, eligible_state(protocol))
    started = time.monotonic()
    while not receiver.applied:
        deliver_due(settings)
        time.sleep(0.1)  # the relay's polling interval in this run
    receiver.stop()
    return [t - started for t in receiver.arrivals]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--failures", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BOT_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        protocol = load_protocol("NCT04143984")
        for n in range(args.runs):
            times = one_run(protocol, args.failures, n)
            gaps = [b - a for a, b in zip(times, times[1:])]
            print(f"run {n + 1}: attempts at " + ", ".join(f"{t:.1f}s" for t in times)
                  + "; gaps " + ", ".join(f"{g:.1f}s" for g in gaps) + f"; delivered after {times[-1]:.1f}s")


if __name__ == "__main__":
    main()
