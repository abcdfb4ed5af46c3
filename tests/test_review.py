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
    assert referral in page and "New: <strong>1</strong>" in page and "waiting" in page
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
    assert "most often ends a screening: <strong>age</strong> (2)" in page
    assert "likely ineligible: <strong>2</strong>" in page


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
