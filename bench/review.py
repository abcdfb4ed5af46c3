"""Review-app benchmark (issue 17): the inbox and the screenings page with 10,000 referrals and 10,000
screenings. Prints the median and 95th percentile of each page's time; asserts nothing.

    .venv/bin/python bench/review.py                     # a fresh SQLite file  (make bench-review)
    .venv/bin/python bench/review.py --database-url postgresql://postgres@127.0.0.1:5432
    options: --referrals N, --screenings N (10,000 each), --requests N (20 a page)

With --database-url, a fresh database is created on that PostgreSQL server (the URL's own database name,
if any, is not used) and dropped at the end. The database is migrated as `make setup` does, then filled
with bulk inserts: referrals as bot/referrals.py writes them (every answer with its criterion, question and
words; an outbox row with the webhook's body; status changes for those past New), and screenings of every
kind with their answers. The pages are requested through Flask's test client, logged in, exactly as the
app serves them (login check, queries, template, audit entry): no network in the figures.
"""
import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="bench-review-"))
os.environ["BOT_VAR_DIR"] = str(WORKDIR)  # before bot is imported: the review app's secret key goes here
os.environ.setdefault("REVIEW_LOGIN_RATE", "1000 per minute")

from sqlalchemy import func, insert, select  # noqa: E402

from bot import store  # noqa: E402
from bot.protocol import load_protocol  # noqa: E402
from bot.referrals import new_reference  # noqa: E402

PROTOCOL = load_protocol("NCT04143984")
ZH = PROTOCOL.in_language("zh")
PASSWORD = "benchmark password 1"
SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Lopez", "Smith", "Nguyen", "Kim"]
GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Ana", "John", "Mei", "Hao", "Yan", "Tao", "Xin"]
STATUSES = ["contacted", "screening_visit_booked", "enrolled", "not_eligible", "could_not_reach", "withdrew"]
CHANNELS = [("web-", 50), ("sms-", 25), ("wx-", 15), ("", 10)]


def words(criterion, answer):
    if answer == "not_sure":
        return "I'm not sure, my doctor would know"
    if criterion.answer_type == "number":
        return f"I am {answer} years old"
    return "yes, I have had that" if answer == "yes" else "no, never"


def met_answer(criterion, rng):
    if criterion.answer_type == "number":
        return rng.randint(criterion.met.min or 18, (criterion.met.max or 70) - 1)
    return criterion.met_when


def failing_answer(criterion):
    if criterion.answer_type == "number":
        return (criterion.met.max or 70) + 5
    return "no" if criterion.met_when == "yes" else "yes"


def sender(rng):
    prefix = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    return (prefix or "rest-") + secrets.token_hex(28)


def referral_rows(count, now, rng):
    """Referrals over the last 90 days: most handled, the last two days' new, and some older ones still new
    (the overdue); half with Not sure answers; each as create_referral stores it."""
    referrals, outbox, changes, attempts = [], [], [], []
    for number in range(1, count + 1):
        created = now - dt.timedelta(seconds=rng.uniform(0, 90 * 86400))
        age_days = (now - created).days
        status = "new" if age_days < 2 or rng.random() < 0.03 else rng.choice(STATUSES)
        language = "zh" if rng.random() < 0.4 else "en"
        asked = ZH if language == "zh" else PROTOCOL
        not_sure = set(rng.sample(["blood_counts", "organ_function", "measurable_lesion", "hepatitis"],
                                  rng.choice([0, 0, 1, 2, 3])))
        answers = []
        for c in PROTOCOL.questions:
            answer = "not_sure" if c.id in not_sure else met_answer(c, rng)
            answers.append({"criterion_id": c.id, "kind": c.kind, "criterion_text": c.text,
                            "question": asked.by_id[c.id].question, "answer": answer, "text": words(c, answer)})
        checklist = [{"criterion_id": c.id, "criterion": c.short, "check": c.doctor_check}
                     for c in PROTOCOL.questions if c.id in not_sure]
        name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
        way = rng.choice(["phone", "email", "either"])
        phone = f"+86139{rng.randrange(10**8):08d}" if way != "email" else None
        email = f"{name.replace(' ', '.').lower()}{number}@example.com" if way != "phone" else None
        reference = new_reference()
        row = {"id": number, "reference": reference, "sender_id": sender(rng), "trial_id": PROTOCOL.trial_id,
               "protocol_version": PROTOCOL.version, "verdict": "needs_review" if not_sure else "likely_eligible",
               "flags": sorted(not_sure), "doctor_checklist": checklist, "answers": answers,
               "contact_name": name, "contact_email": email, "contact_phone": phone, "contact_preferred_way": way,
               "contact_preferred_time": rng.choice(["mornings", "after 6 pm", "weekends", None, "工作日下午"]),
               "language": language, "status": status, "created_at": created}
        referrals.append(row)
        body = json.dumps({"type": "referral.created", "data": {k: v for k, v in row.items() if k != "created_at"}},
                          ensure_ascii=False, default=str)
        delivered = created + dt.timedelta(seconds=2)
        outbox.append({"referral_id": number, "webhook_id": f"msg_{uuid.uuid4().hex}", "body": body,
                       "state": "delivered" if age_days or rng.random() < 0.9 else "pending", "attempts": 1,
                       "next_attempt_at": created, "delivered_at": delivered, "created_at": created})
        at, previous = created, "new"
        path = {"contacted": ["contacted"], "screening_visit_booked": ["contacted", "screening_visit_booked"],
                "enrolled": ["contacted", "screening_visit_booked", "enrolled"], "not_eligible": ["not_eligible"],
                "could_not_reach": ["could_not_reach"], "withdrew": ["contacted", "withdrew"], "new": []}[status]
        tries = ([("no_answer", 1)] * rng.randrange(0, 3) + [("reached", 0)] if path and path[0] == "contacted"
                 else [("no_answer", 1)] * 3 if status == "could_not_reach" else [])
        if status == "new" and rng.random() < 0.3:
            tries = [("no_answer", 1)]  # tried once, not reached yet
        for number_of, (outcome, _) in enumerate(tries, start=1):
            attempts.append({"referral_id": number, "number": number_of, "channel": "phone", "outcome": outcome,
                             "note": "", "by": "maria", "logged_at": now,
                             "at": min(now, created + dt.timedelta(hours=rng.uniform(1, 48) * number_of))})
        for step in path:
            at = min(now, at + dt.timedelta(hours=rng.uniform(2, 72)))
            changes.append({"referral_id": number, "at": at, "by": "maria", "from_status": previous,
                            "to_status": step, "note": rng.choice(["", "Called, left a message", "Booked"])})
            previous = step
    return referrals, outbox, changes, attempts


def screening_rows(count, now, rng):
    """Screenings of every kind: ruled out after a few questions, still open, stopped, and complete."""
    screenings, answers = [], []
    order = PROTOCOL.questions
    for number in range(1, count + 1):
        started = now - dt.timedelta(seconds=rng.uniform(0, 90 * 86400))
        kind = rng.choices(["ineligible", "in_progress", "stopped", "complete"], [40, 20, 10, 30])[0]
        given = {}
        if kind == "ineligible":
            out_at = rng.randrange(0, 8)
            for c in order[:out_at]:
                given[c.id] = met_answer(c, rng)
            given[order[out_at].id] = failing_answer(order[out_at])
        else:
            upto = len(order) if kind == "complete" else rng.randrange(1, len(order))
            for c in order[:upto]:
                given[c.id] = "not_sure" if rng.random() < 0.03 else met_answer(c, rng)
        not_sure = any(a == "not_sure" for a in given.values())
        verdict = {"ineligible": "likely_ineligible", "complete": "needs_review" if not_sure else "likely_eligible"
                   }.get(kind)
        status = "complete" if verdict else kind
        current = order[len(given)].id if kind == "in_progress" else None
        screenings.append({"id": number, "sender_id": sender(rng), "trial_id": PROTOCOL.trial_id,
                           "protocol_version": PROTOCOL.version, "status": status, "current_criterion": current,
                           "verdict": verdict, "started_at": started, "updated_at": started,
                           "completed_at": started + dt.timedelta(minutes=5) if verdict else None})
        for criterion_id, answer in given.items():
            answers.append({"screening_id": number, "criterion_id": criterion_id, "answer": answer,
                            "text": words(PROTOCOL.by_id[criterion_id], answer), "answered_at": started})
    return screenings, answers


def fill(referrals, screenings, seed=17):
    rng = random.Random(seed)
    now = store.now()
    started = time.monotonic()
    rows, outbox, changes, attempts = referral_rows(referrals, now, rng)
    screened, answered = screening_rows(screenings, now, rng)
    with store.unit_of_work() as db:
        for table, values in ((store.Referral, rows), (store.OutboxMessage, outbox), (store.ReferralChange, changes),
                              (store.ContactAttempt, attempts), (store.Screening, screened),
                              (store.ScreeningAnswer, answered)):
            for start in range(0, len(values), 2000):
                db.execute(insert(table), values[start:start + 2000])
    print(f"filled: {len(rows)} referrals ({sum(r['status'] == 'new' for r in rows)} new), {len(changes)} status "
          f"changes, {len(attempts)} contact attempts, {len(screened)} screenings with {len(answered)} answers, in {time.monotonic() - started:.1f} s")
    return rows


def timed(client, path, requests, before=None):
    """Median and 95th percentile of the wall-clock time, and the median CPU time of this process; `before`
    runs before each request, untimed."""
    for _ in range(2):  # warm up
        assert client.get(path).status_code == 200, path
    times, cpu = [], []
    for _ in range(requests):
        if before:
            before()
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, path
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], statistics.median(cpu)


def new_ineligible():
    """One more screening ruled out (as a volunteer's answer does): the page's count of the criteria that end
    screenings must be worked out again."""
    with store.unit_of_work() as db:
        number = db.execute(select(func.max(store.Screening.id))).scalar_one() + 1
        db.add(store.Screening(id=number, sender_id=f"web-{secrets.token_hex(28)}", trial_id=PROTOCOL.trial_id,
                               protocol_version=PROTOCOL.version, status="complete", verdict="likely_ineligible",
                               answers=[store.ScreeningAnswer(criterion_id="age", answer=75, text="75")]))


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def postgres_database(server: str):
    import psycopg2

    base = server.rsplit("/", 1)[0] if server.count("/") > 2 else server
    name = f"bench_review_{secrets.token_hex(4)}"
    admin = psycopg2.connect(f"{base}/postgres", connect_timeout=5)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')

    def drop():
        store.plain_engine(f"{base}/{name}").dispose()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
    return f"{base}/{name}", drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql://user@127.0.0.1:5432)")
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--screenings", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    drop = None
    if args.database_url:
        url, drop = postgres_database(args.database_url)
    else:
        url = f"sqlite:///{WORKDIR / 'bench.db'}"
    os.environ["BOT_DATABASE_URL"] = url
    try:
        run(args, url)
    finally:
        if drop:
            drop()
        shutil.rmtree(WORKDIR, ignore_errors=True)


def run(args, url):
    from bot.review import add_user, create_app

    print(f"review-app benchmark, {dt.date.today()}, {machine()}")
    print(f"database: {store.plain_engine(url).dialect.name}, migrated to {store.migrate(url)}")
    rows = fill(args.referrals, args.screenings)
    add_user("maria", PASSWORD)
    app = create_app()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "maria", "password": PASSWORD, "csrf_token": token}).status_code == 302
    middle = rows[len(rows) // 2]
    phone = next(r["contact_phone"] for r in rows[len(rows) // 3:] if r["contact_phone"])
    typed = f"{phone[3:6]} {phone[6:10]} {phone[10:]}"  # +8613912345678 typed as 139 1234 5678
    last_page = -(-len(rows) // 50)
    pages = [
        ("inbox, who to call first (page 1)", "/"),
        ("inbox, search by reference", f"/?q={middle['reference']}"),
        ("inbox, search by name", f"/?q={middle['contact_name'].split()[1]}"),
        (f"inbox, search by phone typed '{typed}'", f"/?q={typed.replace(' ', '+')}"),
        ("inbox, filter status New + channel SMS", "/?status=new&channel=sms"),
        ("inbox, overdue only", "/?overdue=1"),
        (f"inbox, late page ({last_page - 1} of {last_page})", f"/?page={last_page - 1}"),
        ("inbox, oldest first, late page", f"/?sort=oldest&page={last_page - 1}"),
        ("screenings, page 1", "/screenings"),
        (f"screenings, late page ({-(-args.screenings // 50) - 1})", f"/screenings?page={-(-args.screenings // 50) - 1}"),
        ("screenings, filter Likely not eligible", "/screenings?verdict=likely_ineligible&page=3"),
        ("screenings, page 1, each after a new ineligible one", "/screenings", new_ineligible),
    ]
    print(f"{args.requests} requests each (after 2 to warm up), through Flask's test client; load average "
          f"{os.getloadavg()[0]:.1f} at the start:")
    for label, path, *before in pages:
        median, p95, cpu = timed(client, path, args.requests, *before)
        print(f"  {label:<52} median {median:6.1f} ms   p95 {p95:6.1f} ms   (CPU {cpu:5.1f} ms)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
