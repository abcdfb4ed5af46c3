"""Per-turn latency of full prescreening conversations over REST, through the real stack.

Starts `python -m bot run` on free ports with a fresh SQLite database (as
`make run` does), drives N complete eligible screenings (27 turns each) and
prints start-up time, per-turn latency percentiles and throughput.

    .venv/bin/python benchmarks/turn_latency.py [--conversations 10]
"""
import argparse
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.protocol import load_protocol  # noqa: E402
from bot.stack import Settings, free_port, spawn_run, wait_running  # noqa: E402


def eligible_replies(protocol):
    yield "hello"
    yield "yes"
    for criterion in protocol.questions:
        if criterion.answer_type == "number":
            yield "45"
        else:
            yield "yes" if criterion.met_when == "yes" else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=10)
    args = parser.parse_args()
    protocol = load_protocol("NCT04143984")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = Settings(free_port(), free_port(), f"sqlite:///{workdir / 'bot.db'}", secrets.token_urlsafe(16))
        started = time.perf_counter()
        process = spawn_run(settings, workdir, workdir / "run.out")
        try:
            wait_running(process, workdir / "run.out")
            startup = time.perf_counter() - started
            latencies = []
            began = time.perf_counter()
            with requests.Session() as http:
                for n in range(args.conversations):
                    for text in eligible_replies(protocol):
                        t0 = time.perf_counter()
                        response = http.post(f"{settings.rasa_url}/webhooks/rest/webhook",
                                             json={"sender": f"bench-{n}", "message": text}, timeout=30)
                        response.raise_for_status()
                        latencies.append(time.perf_counter() - t0)
            elapsed = time.perf_counter() - began
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    ms = sorted(x * 1000 for x in latencies)
    print(f"stack start-up (model load, both servers ready): {startup:.1f} s")
    print(f"turns: {len(ms)} in {args.conversations} conversations, {len(ms) / elapsed:.1f} turns/s sequential")
    print(f"per-turn latency ms: p50 {statistics.median(ms):.0f}  p95 {ms[int(0.95 * len(ms)) - 1]:.0f}  "
          f"max {ms[-1]:.0f}  mean {statistics.fmean(ms):.0f}")


if __name__ == "__main__":
    main()
