"""Load benchmark (issue 8): concurrent scripted screenings through the REST channel of the real stack,
and the same load against a stock `rasa init` bot in the same run. Prints numbers; asserts nothing.

    .venv/bin/python bench/load.py                 # both scenarios, ours and stock  (make bench)
    .venv/bin/python bench/load.py --quick         # 10 volunteers, no stock bot
    options: --database-url URL (default: a fresh SQLite file), --instances N (needs REDIS_HOST),
             --train (also time a full `rasa train --force`)

Scenarios: "offered" = 40 volunteers each answering every 2 s on average for 60 s (about 20 turns/s
offered; each starts at a random moment within the first 2 s and pauses 1-3 s, seeded, so that they
do not all send at the same instant, and starts a new screening when one ends);
"saturation" = 20 volunteers with no think time. Each volunteer runs one screening in free text;
the mix is eligible + handoff, eligible + declines contact, two Not sure (needs review), age 72
(ineligible). The stock bot gets the same number of turns from the same number of volunteers.
"""
import argparse
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.protocol import load_protocol  # noqa: E402
from bot.stack import Settings, free_port, spawn_run, wait_running  # noqa: E402

PROTOCOL = load_protocol("NCT04143984")
STOCK_DIR = ROOT / "var" / "bench" / "stock"
# Each gets a reply from the stock bot wherever it falls in the cycle (after "great, carry on" a
# plain "no" got none, which would count as an error).
STOCK_MESSAGES = ["hello", "I am feeling sad", "yes", "great, carry on", "good morning", "goodbye", "are you a bot?"]


def reply_for(criterion_id, kind, index):
    criterion = PROTOCOL.by_id[criterion_id]
    if criterion.answer_type == "number":
        return "I'm 72" if kind == "ineligible" else "I'm 45"
    if kind == "needs_review" and index in (3, 7):
        return "I'm not sure"
    if criterion_id == "prior_imrt":
        return "I had 70 Gy in 2021"
    return "yes I have" if criterion.met_when == "yes" else "nope, never"


def script(kind):
    """The messages of one volunteer, in free text."""
    messages = ["hello", "yes, let's start"]
    for index, criterion_id in enumerate(PROTOCOL.order):
        messages.append(reply_for(criterion_id, kind, index))
        if kind == "ineligible":
            messages.append("yes")  # "Just to be sure: you are 72 years old?"
            break
    if kind == "handoff":
        messages += ["yes", "Ana Lopez", "by e-mail", "ana@example.com", "evenings", "yes"]
    elif kind == "declines":
        messages.append("no thanks")
    return messages


KINDS = ["handoff", "declines", "needs_review", "ineligible"]


class Memory(threading.Thread):
    """Peak resident memory (VmRSS) of each group of processes ({label: command-line regex}), every 0.2 s."""

    def __init__(self, patterns):
        super().__init__(daemon=True)
        self.patterns, self.peak, self.stopped = patterns, {label: 0 for label in patterns}, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for label, pattern in self.patterns.items():
                now = 0
                for proc in processes(pattern):
                    try:
                        rss = next(line for line in (proc / "status").read_text().splitlines()
                                   if line.startswith("VmRSS"))
                        now += int(rss.split()[1]) * 1024
                    except (OSError, StopIteration, ValueError):
                        continue
                self.peak[label] = max(self.peak[label], now)
            self.stopped.wait(0.2)


def processes(pattern):
    """/proc entries of the processes whose command line matches the regex `pattern`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and re.search(pattern, (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()):
                found.append(proc)
        except OSError:
            continue
    return found


def on_ports(command, ports):
    """A regex for `command` listening on one of `ports` (other stacks on the machine are left out)."""
    return rf"{re.escape(command)} .*(--port|-p) ({'|'.join(map(str, ports))})( |$)"


def cpu_seconds(pattern):
    """User + system CPU time used so far by the processes matching `pattern` (from /proc/PID/stat)."""
    total = 0
    for proc in processes(pattern):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def drive(urls, conversations, think, scripts, tag, duration=None):
    """Run every volunteer's script concurrently; return per-turn latencies, per-screening server time, errors.

    With `duration` (seconds), each volunteer starts its script again, as a new conversation, until the
    time is up, so that the load stays the same throughout instead of fading as short screenings end."""
    latencies, per_screening, errors, lock = [], {}, [], threading.Lock()
    began = time.perf_counter()

    def volunteer(n):
        pace = random.Random(n)  # the same pauses in every run, for ours and for stock
        if think:
            time.sleep(pace.uniform(0, think))  # volunteers arrive spread over one think time, not all at once
        with requests.Session() as http:
            while True:
                sender, spent = f"{tag}-{n}-{secrets.token_hex(3)}", 0.0
                for turn, text in enumerate(scripts[n]):
                    if duration and time.perf_counter() - began > duration:
                        return
                    url = urls[turn % len(urls)]
                    t0 = time.perf_counter()
                    try:
                        response = http.post(f"{url}/webhooks/rest/webhook",
                                             json={"sender": sender, "message": text}, timeout=60)
                        ok = response.status_code == 200 and bool(response.json())
                        if response.status_code == 200 and not ok:
                            response = "no reply"
                    except requests.RequestException as error:
                        ok, response = False, error
                    took = time.perf_counter() - t0
                    spent += took
                    with lock:
                        latencies.append(took)
                        if not ok:
                            errors.append(f"{text!r}: {getattr(response, 'status_code', response)}")
                    if think:
                        time.sleep(pace.uniform(0.5 * think, 1.5 * think))  # every `think` s on average
                per_screening.setdefault(n, spent)  # its first complete screening
                if not duration:
                    return

    with ThreadPoolExecutor(max_workers=conversations) as pool:
        list(pool.map(volunteer, range(conversations)))
    return latencies, per_screening, errors, time.perf_counter() - began


def summary(name, latencies, errors, elapsed, cpu):
    """`cpu`: CPU seconds the servers used during the scenario (Rasa, and the action server if any)."""
    ms = sorted(x * 1000 for x in latencies)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return {"name": name, "turns": len(ms), "tps": len(ms) / elapsed, "p50": pick(0.5), "p95": pick(0.95),
            "p99": pick(0.99), "errors": len(errors), "cpu": [1000 * c / len(ms) for c in cpu]}


def print_row(row):
    print(f"  {row['name']:<40} {row['turns']:>6} turns  {row['tps']:6.1f} turns/s  p50 {row['p50']:5.0f} ms  "
          f"p95 {row['p95']:5.0f} ms  p99 {row['p99']:5.0f} ms  errors {row['errors']}  CPU/turn "
          + " + ".join(f"{c:.0f}" for c in row["cpu"]) + " ms")


def scenarios(quick):
    """(name, volunteers, think time, duration): "offered" keeps 40 volunteers busy for 60 s."""
    return [("saturation", 10, 0.0, None)] if quick else [("offered", 40, 2.0, 60.0), ("saturation", 20, 0.0, None)]


def bench_ours(args, workdir):
    settings = Settings(rasa_port=free_port(args.instances), actions_port=free_port(args.instances),
                        database_url=args.database_url or f"sqlite:///{workdir / 'bot.db'}",
                        token=secrets.token_urlsafe(16), web_port=free_port(), review_port=free_port(),
                        instances=args.instances)
    servers = {"rasa": on_ports("rasa_addons.serve run", [settings.rasa_port + i for i in range(args.instances)]),
               "actions": on_ports("actions.server", [settings.actions_port + i for i in range(args.instances)])}
    memory = Memory(servers)
    started = time.perf_counter()
    process = spawn_run(settings, workdir, workdir / "run.out", {"BOT_VAR_DIR": str(workdir)})
    rows, screening_time = [], []
    try:
        wait_running(process, workdir / "run.out")
        print(f"cold start-up of the stack (python -m bot run until ready): {time.perf_counter() - started:.1f} s")
        memory.start()
        _, alone, _, _ = drive(settings.rasa_urls(), 1, 0.0, [script("declines")], "alone")
        print(f"server time for one complete 25-question screening, alone: {alone[0]:.2f} s "
              f"({len(script('declines'))} turns)")
        for name, volunteers, think, duration in scenarios(args.quick):
            scripts = [script(KINDS[n % len(KINDS)]) for n in range(volunteers)]
            before = [cpu_seconds(servers["rasa"]), cpu_seconds(servers["actions"])]
            latencies, per_screening, errors, elapsed = drive(settings.rasa_urls(), volunteers, think, scripts, name,
                                                              duration)
            cpu = [after - b for after, b in zip([cpu_seconds(servers["rasa"]), cpu_seconds(servers["actions"])], before)]
            label = f"ours, {name} ({volunteers} x think {think:g}s" + (f", {duration:g}s)" if duration else ")")
            rows.append(summary(label, latencies, errors, elapsed, cpu))
            screening_time += [per_screening[n] for n in per_screening if KINDS[n % len(KINDS)] == "declines"]
            for error in errors[:3]:
                print("   error:", error)
    finally:
        memory.stopped.set()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return rows, screening_time, memory.peak


def stock_model():
    """A stock `rasa init` bot, created and trained once under var/bench/stock (training time printed)."""
    if not list((STOCK_DIR / "models").glob("*.tar.gz")):
        shutil.rmtree(STOCK_DIR, ignore_errors=True)
        STOCK_DIR.mkdir(parents=True)  # rasa init wants the folder to exist
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
        print(f"stock `rasa init` bot trained in {time.perf_counter() - t0:.0f} s")


def bench_stock(args):
    stock_model()
    port, token = free_port(), secrets.token_urlsafe(16)
    log = open(STOCK_DIR / "run.log", "wb")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "rasa", "run", "--enable-api", f"--auth-token={token}",
                                "-i", "127.0.0.1", "-p", str(port), "-m", "models"], cwd=STOCK_DIR, stdout=log,
                               stderr=subprocess.STDOUT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
                               start_new_session=True)
    stock = on_ports("rasa run", [port])
    memory = Memory({"stock": stock})
    rows = []
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None:
                raise SystemExit("the stock bot did not start; see var/bench/stock/run.log")
            time.sleep(0.5)
        print(f"cold start-up of the stock bot (rasa run until ready): {time.perf_counter() - started:.1f} s")
        memory.start()
        for name, volunteers, think, duration in scenarios(args.quick):
            lengths = [len(script(KINDS[n % len(KINDS)])) for n in range(volunteers)]
            scripts = [[STOCK_MESSAGES[i % len(STOCK_MESSAGES)] for i in range(length)] for length in lengths]
            before = cpu_seconds(stock)
            latencies, _, errors, elapsed = drive([f"http://127.0.0.1:{port}"], volunteers, think, scripts, name,
                                                  duration)
            cpu = [cpu_seconds(stock) - before]
            rows.append(summary(f"stock rasa init, {name}", latencies, errors, elapsed, cpu))
            for error in errors[:3]:
                print("   stock error:", error)
    finally:
        memory.stopped.set()
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    return rows, memory.peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--instances", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    if args.train:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--out", out, "--data", "data/nlu.yml",
                            "data/rules.yml", "data/stories.yml"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"model training (rasa train --force, no cache): {time.perf_counter() - t0:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        ours, screening_time, ours_memory = bench_ours(args, Path(tmp))
    rows = list(ours)
    stock_memory = None
    if not (args.skip_stock or args.quick):
        stock, stock_memory = bench_stock(args)
        rows += stock
    print("\nper-turn latency and throughput over REST (CPU/turn: the Rasa server's + the action server's):")
    for row in rows:
        print_row(row)
    if screening_time:
        print(f"server time for one complete 25-question screening under load (sum of its turns' latencies): "
              f"mean {statistics.fmean(screening_time):.2f} s, max {max(screening_time):.2f} s "
              f"({len(screening_time)} screenings, under load)")
    print(f"peak resident memory: Rasa server {ours_memory['rasa'] / 2**20:.0f} MiB + action server "
          f"{ours_memory['actions'] / 2**20:.0f} MiB = "
          f"{(ours_memory['rasa'] + ours_memory['actions']) / 2**20:.0f} MiB")
    if stock_memory:
        print(f"peak resident memory, stock bot: {list(stock_memory.values())[0] / 2**20:.0f} MiB")
        ours_sat = next(r for r in rows if r["name"].startswith("ours, saturation"))
        stock_sat = next(r for r in rows if r["name"].startswith("stock rasa init, saturation"))
        print(f"saturation throughput ours / stock: {ours_sat['tps'] / stock_sat['tps']:.2f}")


if __name__ == "__main__":
    main()
