"""The coordinators' review app, route by route, over a real SQLite database (Flask's test client)."""
import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import referrals, store
from bot.review import add_user, create_app
from bot.screening import RecordedAnswer
from tests.test_outbox import referral_state

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
XSS = '<script>alert(1)</script> <img src=x onerror=alert(1)>'


@pytest.fixture
def app(database, tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    add_user("maria", PASSWORD)
    application = create_app()
    application.config["TESTING"] = True  # CSRF stays on: TESTING does not disable Flask-WTF
    return application


@pytest.fixture
def referral(app, protocol):
    answers = {**referral_state().answers, "hiv": RecordedAnswer("no", f"no {XSS}")}
    state = referral_state(answers=answers, contact={**referral_state().contact, "contact_preferred_time": XSS})
    return referrals.create_referral("volunteer-xss", protocol, state)


def csrf(client, path="/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def logged_in(app):
    client = app.test_client()
    response = client.post("/login", data={"username": "maria", "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    return client


def test_every_route_but_login_needs_a_login(app, referral):
    """Every rule of the app's URL map, every method, without a session: sent to the login page
    (or, for a form without its CSRF token, refused outright)."""
    swept = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in ("/login", "/favicon.ico"):  # public, and about no one
            continue
        path = re.sub(r"<[^>]+>", referral, rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = app.test_client().open(path, method=method)
            refused = (response.status_code == 302 and response.headers["Location"].startswith("/login")
                       or (method == "POST" and response.status_code == 400))
            assert refused, (method, path, response.status_code)
            swept.append((method, path))
    assert ("GET", "/") in swept and ("GET", "/referrals.csv") in swept and len(swept) >= 6


def test_wrong_password_is_refused(app):
    client = app.test_client()
    response = client.post("/login", data={"username": "maria", "password": "wrong", "csrf_token": csrf(client)})
    assert response.status_code == 401 and "Wrong user name or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_forms_without_csrf_token_are_refused(app, referral):
    client = app.test_client()
    assert client.post("/login", data={"username": "maria", "password": PASSWORD}).status_code == 400
    client = logged_in(app)
    response = client.post(f"/referrals/{referral}", data={"status": "contacted", "note": "called"})
    assert response.status_code == 400
    assert referrals.list_referrals()[0]["status"] == "new"


def test_session_cookie_is_httponly_and_samesite(app):
    client = app.test_client()
    response = client.post("/login", data={"username": "maria", "password": PASSWORD, "csrf_token": csrf(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_idle_session_expires(app):
    app.permanent_session_lifetime = dt.timedelta(seconds=1)
    client = logged_in(app)
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(app):
    client = logged_in(app)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_inbox_lists_referrals_with_counts_and_filters(app, referral):
    client = logged_in(app)
    page = client.get("/").get_data(as_text=True)
    assert referral in page and "New: <strong>1</strong>" in page and "Not yet delivered to the study team" in page
    assert referral not in client.get("/?status=contacted").get_data(as_text=True)
    assert referral in client.get("/?verdict=needs_review&trial=NCT04143984").get_data(as_text=True)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert referral not in client.get(f"/?since={tomorrow}").get_data(as_text=True)


def test_referral_page_shows_answers_as_text_and_records_a_status_change(app, referral, protocol):
    client = logged_in(app)
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "<img src=x" not in page
    assert protocol.by_id["hiv"].text.replace("≥", "≥") in page and protocol.by_id["hiv"].question in page
    assert 'class="outcome-not-sure"' in page and protocol.by_id["blood_counts"].doctor_check in page
    assert "default-src 'none'" in client.get(f"/referrals/{referral}").headers["Content-Security-Policy"]

    token = csrf(client, f"/referrals/{referral}")
    client.post(f"/referrals/{referral}", data={"status": "contacted", "note": "Left a voicemail",
                                                 "csrf_token": token})
    assert referrals.list_referrals()[0]["status"] == "contacted"
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC · maria · New → Contacted: Left a voicemail", page)
    # a move the workflow does not allow is refused
    client.post(f"/referrals/{referral}", data={"status": "enrolled", "csrf_token": token})
    assert referrals.list_referrals()[0]["status"] == "contacted"


def test_screenings_page_has_no_contact_details_and_names_the_commonest_ender(app, protocol):
    from bot.conversation import State
    out = State(trial_id="NCT04143984", consent=True, answers={"age": RecordedAnswer(75, "75")},
                verdict="likely_ineligible")
    store.save_screening("s-1", protocol, out)
    store.save_screening("s-2", protocol, out)
    page = logged_in(app).get("/screenings").get_data(as_text=True)
    assert f"most often ends a screening: <strong>{protocol.by_id['age'].short}</strong> (2)" in page
    assert "Likely not eligible: <strong>2</strong>" in page


def test_the_sms_replies_page_shows_undelivered_replies_without_their_text_or_the_phone_number(app, referral):
    from sqlalchemy import update

    from bot import callbacks

    callbacks.enqueue("volunteer-xss", [{"recipient_id": "volunteer-xss", "text": "Your reference is RF-XXXX"}])
    callbacks.enqueue("+8613912345678", [{"recipient_id": "+8613912345678", "text": "Hello! I'm an automated"}])
    with store.unit_of_work() as db:  # the first given up on (its text dropped), the second still tried
        db.execute(update(store.CallbackReply).where(store.CallbackReply.id == 1).values(
            state="failed", body=None, attempts=9, last_error="could not connect", failed_at=store.now()))
        db.execute(update(store.CallbackReply).where(store.CallbackReply.id == 2).values(
            attempts=2, last_error="HTTP 503"))
    client = logged_in(app)
    page = client.get("/replies").get_data(as_text=True)
    assert "waiting: <strong>1</strong>" in page and "failed: <strong>1</strong>" in page
    assert f'<a href="/referrals/{referral}">{referral}</a>' in page and "not consented" in page
    assert "could not connect" in page and "HTTP 503" in page
    assert "13912345678" not in page and "automated" not in page and "RF-XXXX" not in page
    assert "view_replies" in client.get("/audit").get_data(as_text=True)


def test_the_sms_replies_page_marks_cancelled_replies_and_counts_the_numbers_that_opted_out(app):
    from bot import callbacks

    callbacks.enqueue("sms-opted", [{"recipient_id": "+8613912345678", "text": "Question 3 of 25"}])
    callbacks.opt_out("sms-opted", "STOP", {"recipient_id": "+8613912345678", "text": "You have opted out"})
    page = logged_in(app).get("/replies").get_data(as_text=True)
    assert "cancelled (opted out): <strong>1</strong>" in page and "numbers opted out: <strong>1</strong>" in page
    assert "cancelled: opted out" in page and "waiting (answer to a keyword)" in page
    assert "13912345678" not in page and "Question 3" not in page


def test_csv_export_escapes_formulas(app, protocol):
    state = referral_state(contact={**referral_state().contact, "contact_preferred_time": "=HYPERLINK(\"x\")"})
    reference = referrals.create_referral("csv-1", protocol, state)
    response = logged_in(app).get("/referrals.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and reference in text
    assert "'=HYPERLINK" in text


def test_audit_log_records_who_opened_and_changed_what(app, referral):
    client = logged_in(app)
    client.get(f"/referrals/{referral}")
    client.get("/referrals.csv")
    page = client.get("/audit").get_data(as_text=True)
    for action in ("login", "view_referral", "export_csv"):
        assert f"<td>maria</td><td>{action}</td>" in page
    assert f"referral {referral}" in page and "alert" not in page  # no health data or volunteer text


def test_users_add_command_stores_an_argon2_hash(database, tmp_path):
    env = {**os.environ, "BOT_DATABASE_URL": database}
    done = subprocess.run([sys.executable, "-m", "bot", "users", "add", "li", "--password-stdin"], cwd=ROOT,
                          env=env, input="a long enough password\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with store.unit_of_work() as session:
        user = session.query(store.StaffUser).filter_by(username="li").one()
        assert user.password_hash.startswith("$argon2id$")
    short = subprocess.run([sys.executable, "-m", "bot", "users", "add", "x", "--password-stdin"], cwd=ROOT, env=env,
                           input="short\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "12 characters" in short.stderr


def test_a_chinese_referral_shows_its_language_and_the_volunteers_words_beside_the_english(app, protocol):
    from dataclasses import replace as with_
    state = with_(referral_state(answers={**referral_state().answers, "hiv": RecordedAnswer("no", "没有")}),
                  language="zh")
    reference = referrals.create_referral("volunteer-zh", protocol, state)
    client = logged_in(app)
    page = client.get(f"/referrals/{reference}").get_data(as_text=True)
    assert 'screened in <strong lang="zh-Hans">中文</strong>' in page
    assert protocol.by_id["hiv"].text.replace("≥", "≥") in page  # the registry's English criterion
    assert protocol.in_language("zh").by_id["hiv"].question in page and ">没有</td>" in page
    assert ">中文</td>" in client.get("/").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/referrals.csv").get_data(as_text=True))))
    assert rows[0][3] == "language" and rows[1][3] == "zh"


def test_the_translations_page_lists_what_awaits_approval(app, protocol):
    page = logged_in(app).get("/translations").get_data(as_text=True)
    from bot import i18n
    waiting = len(i18n.unapproved("zh"))
    assert re.search(rf"\d{{3}} trial texts, {waiting} messages", page) and waiting > 150
    assert protocol.in_language("zh").by_id["hiv"].question in page
    assert "Not sure" in page and "不确定" in page  # a message, beside its translation
    assert protocol.headline in page and protocol.in_language("zh").headline in page  # the page's heading


# Issue items 11 (login throttling) and 12 (sessions revocable on the server).

def login_post(client, username="maria", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)})


def audit_rows():
    with store.unit_of_work() as session:
        return [(e.username, e.action, e.record) for e in
                session.query(store.AuditEntry).order_by(store.AuditEntry.id).all()]


def users_command(*args, password=None):
    """`python -m bot users …` in this process (bot.__main__.main), the password as if piped in."""
    from bot.__main__ import main
    if password is not None:
        stdin = sys.stdin
        sys.stdin = io.StringIO(password + "\n")
        try:
            return main(["users", *args, "--password-stdin"])
        finally:
            sys.stdin = stdin
    return main(["users", *args])


def test_repeated_wrong_passwords_lock_the_user_name_and_are_audited(app):
    client = app.test_client()
    for attempt in range(4):
        assert login_post(client, password=f"wrong guess {attempt}").status_code == 401
    response = login_post(client, password="wrong guess 4")  # the fifth in a row locks the name, and says so
    assert response.status_code == 403 and "locked until" in response.get_data(as_text=True)
    response = login_post(client)  # the right password, now refused
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Too many failed logins for this user name" in page
    assert client.get("/").status_code == 302
    # kept in the database: a restarted app (a new one on the same database) refuses it too
    assert login_post(create_app().test_client()).status_code == 403

    rows = audit_rows()
    actions = [action for who, action, _ in rows if who == "maria"]
    assert actions.count("login_failed") == 5 and actions.count("login_locked") == 1
    assert actions.count("login_refused") == 2 and "login" not in actions
    assert ("maria", "login_failed", "wrong password, 5 in a row, from 127.0.0.1") in rows
    assert not any("wrong guess" in field or PASSWORD in field for row in rows for field in row)

    assert users_command("enable", "maria") == 0  # an administrator lifts the lockout
    assert login_post(client).status_code == 302


def test_an_unknown_user_name_costs_the_same_argon2_verification(app, monkeypatch):
    """No timing measured: the hasher's verify must run for a name that does not exist, on a hash made with the
    same settings as the real ones, so a failed login takes argon2's time either way."""
    import bot.review
    from argon2 import PasswordHasher

    verified = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash, password):
            verified.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(bot.review, "hasher", CountingHasher())
    client = app.test_client()
    assert login_post(client, "nobody-by-this-name", "some password").status_code == 401
    assert login_post(client, "maria", "some password").status_code == 401
    assert len(verified) == 2
    with store.unit_of_work() as session:
        real = session.query(store.StaffUser).filter_by(username="maria").one().password_hash
    assert verified[1] == real and verified[0] != real
    assert verified[0].rsplit("$", 2)[0] == real.rsplit("$", 2)[0]  # $argon2id$v=19$m=…,t=…,p=…: the same work
    assert ("nobody-by-this-name", "login_failed", "no such user, 1 in a row, from 127.0.0.1") in audit_rows()


def test_login_attempts_from_one_address_are_rate_limited(app):
    client = app.test_client()
    for n in range(10):  # ten names, so no lockout: the default limit is 10 a minute per address
        assert login_post(client, f"guess-{n}", "wrong password").status_code == 401
    response = login_post(client)
    assert response.status_code == 429 and "Too many login attempts from this address" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # the page itself is not limited
    assert login_post(app.test_client()).status_code == 429  # another session from the same address too


def test_disabling_a_user_refuses_their_logins_and_ends_their_open_sessions(app):
    open_session = logged_in(app)
    assert open_session.get("/").status_code == 200
    assert users_command("disable", "maria") == 0
    assert open_session.get("/").status_code == 302
    refused = login_post(app.test_client())
    assert refused.status_code == 403 and "This login has been disabled" in refused.get_data(as_text=True)
    assert ("maria", "login_refused", "user disabled, from 127.0.0.1") in audit_rows()
    assert users_command("enable", "maria") == 0
    assert logged_in(app).get("/").status_code == 200
    by_command = [(action, record) for who, action, record in audit_rows() if who == "command line"]
    assert by_command[-2:] == [("user_disabled", "user maria"), ("user_enabled", "user maria")]


def test_users_disable_and_enable_commands(database, capsys):
    add_user("li", "a long enough password")
    done = subprocess.run([sys.executable, "-m", "bot", "users", "disable", "li"], cwd=ROOT, capture_output=True,
                          env={**os.environ, "BOT_DATABASE_URL": database}, text=True, timeout=60)
    assert done.returncode == 0 and "disabled li" in done.stdout, done.stderr
    with store.unit_of_work() as session:
        assert session.query(store.StaffUser).filter_by(username="li").one().disabled
    assert users_command("enable", "li") == 0  # in this process, which is quicker
    with store.unit_of_work() as session:
        assert not session.query(store.StaffUser).filter_by(username="li").one().disabled
    assert users_command("enable", "nobody") == 2
    assert "error: there is no user 'nobody'" in capsys.readouterr().err


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(app):
    client = logged_in(app)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 200  # the copy works while the session is open ...
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 302
    response = thief.get("/")  # ... and not after the log-out
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert logged_in(app).get("/").status_code == 200  # logging in again works


def test_a_new_password_ends_open_sessions(app):
    old = logged_in(app)
    assert old.get("/").status_code == 200
    assert users_command("passwd", "maria", password="a brand new password") == 0
    assert old.get("/").status_code == 302
    assert login_post(app.test_client()).status_code == 401  # the old password no longer works
    fresh = app.test_client()
    assert login_post(fresh, password="a brand new password").status_code == 302
    assert fresh.get("/").status_code == 200
    assert [(action, record) for who, action, record in audit_rows()
            if who == "command line"][-1] == ("password_changed", "user maria")


def test_users_passwd_command(database, capsys):
    add_user("li", "a long enough password")
    done = subprocess.run([sys.executable, "-m", "bot", "users", "passwd", "li", "--password-stdin"], cwd=ROOT,
                          env={**os.environ, "BOT_DATABASE_URL": database}, input="another long password\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "sessions have ended" in done.stdout, done.stderr
    from bot.review import attempt_login
    assert attempt_login("li", "another long password").result == "ok"
    assert users_command("passwd", "li", password="short") == 2  # in this process, which is quicker
    assert "12 characters" in capsys.readouterr().err
    assert users_command("passwd", "nobody", password="a long enough password") == 2


# --- Issue 17: the inbox as a work queue, the screenings page -------------------------------------------------

def make_referral(protocol, sender_id, name="Ana Lopez", phone="+8613912345678", email="ana@example.com",
                  way="either", hours_ago=0.0, status="new", language="en", not_sure=True, activity_hours_ago=None):
    """A referral as the bot stores it, then aged and moved on as a coordinator would have."""
    from sqlalchemy import select, update

    from bot.store import Referral, ReferralChange

    contact = {"contact_name": name, "contact_preferred_way": way, "contact_email": email,
               "contact_phone": phone, "contact_preferred_time": "mornings"}
    answers = referral_state().answers if not_sure else {**referral_state().answers,
                                                         "blood_counts": RecordedAnswer("yes", "fine")}
    state = referral_state(contact={k: v for k, v in contact.items() if v}, language=language, answers=answers,
                           verdict="needs_review" if not_sure else "likely_eligible")
    reference = referrals.create_referral(sender_id, protocol, state)
    arrived = store.now() - dt.timedelta(hours=hours_ago)
    with store.unit_of_work() as db:
        db.execute(update(Referral).where(Referral.reference == reference).values(created_at=arrived, status=status))
        if activity_hours_ago is not None:
            number = db.execute(select(Referral.id).where(Referral.reference == reference)).scalar_one()
            db.add(ReferralChange(referral_id=number, by="maria", from_status="new", to_status=status,
                                  at=store.now() - dt.timedelta(hours=activity_hours_ago)))
    return reference


def references_in(page):
    return re.findall(r'href="/referrals/(RF-[A-Z0-9-]+)"', page)


def test_each_inbox_row_has_what_a_call_needs(app, protocol):
    reference = make_referral(protocol, "web-" + "ab" * 28, hours_ago=3, language="zh")
    page = logged_in(app).get("/").get_data(as_text=True)
    row = page[page.index(f'href="/referrals/{reference}"'):]
    row = row[:row.index("</tr>")]
    assert 'href="tel:+8613912345678">+8613912345678</a>' in row
    assert 'href="mailto:ana@example.com">ana@example.com</a>' in row
    assert "Ana Lopez" in row and "E-mail or phone, mornings" in row and "中文" in row and "Web chat" in row
    assert "Needs review: 1 Not sure" in row and "New" in row and ">3 h</span>" in row
    assert "Overdue" not in row and "overdue" not in row
    assert '<th scope="col">Since referral</th>' in page and ">Age<" not in page  # not the volunteer's age


def test_overdue_referrals_come_first_oldest_first_then_new_ones_then_latest_activity(app, protocol):
    made = {
        "overdue, 5 days": make_referral(protocol, "sms-1", hours_ago=5 * 24),
        "overdue, 9 days": make_referral(protocol, "wx-1", hours_ago=9 * 24),
        "new, 1 h": make_referral(protocol, "web-" + "1" * 56, hours_ago=1),
        "new, 2 h": make_referral(protocol, "web-" + "2" * 56, hours_ago=2),
        "contacted long ago": make_referral(protocol, "rest-1", hours_ago=30 * 24, status="contacted",
                                            activity_hours_ago=20 * 24),
        "contacted, just changed": make_referral(protocol, "rest-2", hours_ago=40 * 24, status="contacted",
                                                 activity_hours_ago=1),
        "booked, no change recorded": make_referral(protocol, "rest-3", hours_ago=10 * 24,
                                                    status="screening_visit_booked"),
    }
    client = logged_in(app)
    page = client.get("/").get_data(as_text=True)
    expected = ["overdue, 9 days", "overdue, 5 days", "new, 2 h", "new, 1 h", "contacted, just changed",
                "booked, no change recorded", "contacted long ago"]
    assert references_in(page) == [made[k] for k in expected]
    overdue_rows = re.findall(r'<tr class="overdue">\s*<td data-label="Reference"><a href="/referrals/([^"]+)"', page)
    assert overdue_rows == [made["overdue, 9 days"], made["overdue, 5 days"]]
    assert page.count('<strong class="overdue-tag">Overdue</strong>') == 2  # a word, not colour alone
    assert "Overdue</a>: <strong>2</strong>" in page

    assert references_in(client.get("/?overdue=1").get_data(as_text=True)) == \
        [made["overdue, 9 days"], made["overdue, 5 days"]]
    by_age = sorted(made, key=lambda k: -{"overdue, 5 days": 120, "overdue, 9 days": 216, "new, 1 h": 1,
                                          "new, 2 h": 2, "contacted long ago": 720, "contacted, just changed": 960,
                                          "booked, no change recorded": 240}[k])
    assert references_in(client.get("/?sort=oldest").get_data(as_text=True)) == [made[k] for k in by_age]
    assert references_in(client.get("/?sort=newest").get_data(as_text=True)) == [made[k] for k in by_age[::-1]]
    # a contact made: no longer overdue (the status until contact attempts are recorded on their own)
    token = csrf(client, f"/referrals/{made['overdue, 9 days']}")
    client.post(f"/referrals/{made['overdue, 9 days']}", data={"status": "contacted", "csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    assert references_in(page)[0] == made["overdue, 5 days"] and page.count("overdue-tag") == 1


def test_the_first_contact_target_counts_the_sites_working_days_in_the_inbox(app, protocol):
    """1 working day in Shanghai: a referral that arrived on a Friday morning there is not overdue on the
    Saturday, nor on the Monday before the time it arrived."""
    from sqlalchemy import update

    from bot.review import queue
    from bot.store import Referral

    reference = make_referral(protocol, "sms-friday")
    friday_10am_shanghai = dt.datetime(2026, 11, 27, 2, 0)
    with store.unit_of_work() as db:
        db.execute(update(Referral).values(created_at=friday_10am_shanghai))
    for now, late in [(dt.datetime(2026, 11, 28, 3, 0), False), (dt.datetime(2026, 11, 30, 1, 59), False),
                      (dt.datetime(2026, 11, 30, 2, 1), True)]:
        with store.unit_of_work() as db:
            listed = queue.page(db, queue.View(), now)
        assert [(r["reference"], r["overdue"]) for r in listed["rows"]] == [(reference, late)], now
        assert listed["overdue_count"] == int(late)


def test_search_by_reference_name_or_phone_however_typed(app, protocol):
    ana = make_referral(protocol, "sms-ana", name="Ana Lopez", phone="+8613912345678", email=None, way="phone")
    wei = make_referral(protocol, "sms-wei", name="王伟", phone="+8613800138000", email="wei@example.com")
    client = logged_in(app)

    def found(q):
        return references_in(client.get("/", query_string={"q": q}).get_data(as_text=True))

    assert found(ana) == [ana] and found(ana.lower().replace("-", "")) == [ana] and found(ana[3:7]) == [ana]
    assert found("lopez") == [ana] and found("王") == [wei] and found("wei@example") == [wei]
    for typed in ["139 1234 5678", "+86 139-1234-5678", "(139) 1234 5678", "0086 139 1234 5678", "13912345678",
                  "5678"]:
        assert found(typed) == [ana], typed
    assert found("138 0013 8000") == [wei]
    assert found("%") == [] and found("_") == [] and found("nobody") == []
    page = client.get("/", query_string={"q": "139 1234 5678"}).get_data(as_text=True)
    assert 'value="139 1234 5678"' in page and "1–1 of 1 referral matching" in page


def test_filters_and_the_page_are_kept_in_the_url(app, protocol):
    for n in range(57):
        make_referral(protocol, f"sms-{n}", hours_ago=n, language="zh" if n % 2 else "en")
    for n in range(3):
        make_referral(protocol, f"web-{n:056d}", hours_ago=n, not_sure=False)
    client = logged_in(app)
    page = client.get("/?channel=sms").get_data(as_text=True)
    assert "1–50 of 57 referrals matching" in page and len(references_in(page)) == 50
    assert '<option value="sms" selected>SMS</option>' in page
    assert 'href="/?channel=sms&amp;page=2" rel="next"' in page and "Page 1 of 2" in page
    second = client.get("/?channel=sms&page=2").get_data(as_text=True)
    assert "51–57 of 57" in second and len(references_in(second)) == 7
    assert 'href="/?channel=sms" rel="prev"' in second
    assert not set(references_in(page)) & set(references_in(second))
    assert "51–57 of 57" in client.get("/?channel=sms&page=99").get_data(as_text=True)  # past the end: the last

    filtered = client.get("/?channel=sms&language=zh&sort=oldest&q=Lopez").get_data(as_text=True)
    assert "1–28 of 28 referrals matching, oldest first" in filtered
    assert '<option value="zh" lang="zh-Hans" selected>' in filtered and '<option value="oldest" selected>' in filtered
    assert 'name="q" value="Lopez"' in filtered
    assert "3 of 3" in client.get("/?verdict=likely_eligible").get_data(as_text=True)
    assert "Web chat" in client.get("/?channel=web").get_data(as_text=True)
    assert "No referrals matching" in client.get("/?channel=wechat").get_data(as_text=True)
    assert "1–50 of 60" in client.get("/?status=new&trial=NCT04143984").get_data(as_text=True)
    assert "No referrals matching" in client.get("/?status=contacted").get_data(as_text=True)


def test_volunteer_text_in_the_inbox_is_escaped(app, referral):
    client = logged_in(app)
    page = client.get("/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page and "<img src=x" not in page
    page = client.get("/", query_string={"q": XSS}).get_data(as_text=True)
    assert "<script>" not in page and "<img src=x" not in page and "&lt;img src=x" in page


def test_the_new_parameters_refuse_without_a_login(app, referral):
    for path in ["/?q=139+1234+5678", "/?overdue=1&channel=sms&language=zh", "/?sort=oldest&page=2",
                 "/?status=new&verdict=needs_review&trial=NCT04143984", "/screenings?page=2",
                 "/screenings?status=in_progress&verdict=open&trial=NCT04143984"]:
        response = app.test_client().get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path
        assert "Ana" not in response.get_data(as_text=True) and referral not in response.get_data(as_text=True)


def save_screenings(protocol, count, answers, verdict=None, current=None, prefix="s"):
    from bot.conversation import State

    for n in range(count):
        store.save_screening(f"{prefix}-{n}", protocol, State(
            trial_id=protocol.trial_id, consent=True, verdict=verdict, current=current,
            answers={k: RecordedAnswer(v, str(v)) for k, v in answers.items()}))


def test_the_screenings_page_pages_and_says_everything_in_plain_words(app, protocol):
    order = [c.id for c in protocol.questions]
    save_screenings(protocol, 45, {"age": 45}, current=order[1], prefix="open")
    save_screenings(protocol, 3, {"age": 45, "distant_metastasis": "yes"}, verdict="likely_ineligible",
                    prefix="spread")
    save_screenings(protocol, 2, {"age": 75}, verdict="likely_ineligible", prefix="old")
    save_screenings(protocol, 4, {}, prefix="stopped")  # stopped before the first answer
    client = logged_in(app)
    page = client.get("/screenings").get_data(as_text=True)
    assert "1–50 of 54 screenings" in page and page.count("<tr><td>") == 50 and "Page 1 of 2" in page
    spread = protocol.by_id["distant_metastasis"].short
    assert f"most often ends a screening: <strong>{spread}</strong> (3)" in page
    assert "Stopped by the volunteer" in page and "Not finished: <strong>49</strong>" in page
    for code in ("in_progress", "distant_metastasis", "likely_ineligible", ">stopped<", ">complete<"):
        assert code not in page.replace('value="in_progress"', "").replace('value="likely_ineligible"', ""), code
    second = client.get("/screenings?page=2").get_data(as_text=True)
    assert "51–54 of 54" in second and second.count("<tr><td>") == 4

    ended = client.get("/screenings?verdict=likely_ineligible").get_data(as_text=True)
    assert "1–5 of 5 screenings matching" in ended and '<option value="likely_ineligible" selected>' in ended
    assert ended.count(f"Ended by: {spread}") == 3 and ended.count(f"Ended by: {protocol.by_id['age'].short}") == 2
    opened = client.get("/screenings?status=in_progress&page=1").get_data(as_text=True)
    assert "1–45 of 45" in opened and f"At: {protocol.by_id[order[1]].short}" in opened and "In progress" in opened
    assert "4 of 4" in client.get("/screenings?verdict=open&status=stopped").get_data(as_text=True)

    # more screenings ended by age: the count is worked out again
    save_screenings(protocol, 2, {"age": 80}, verdict="likely_ineligible", prefix="older")
    page = client.get("/screenings").get_data(as_text=True)
    assert f"most often ends a screening: <strong>{protocol.by_id['age'].short}</strong> (4)" in page
