"""The coordinators' review app: referrals, screenings and transcripts, behind a login.

Flask with Jinja2 autoescaping (everything a volunteer typed is shown as
text), Flask-Login sessions that expire when idle and can be revoked on the
server, Flask-WTF CSRF tokens on every form, argon2 password hashes, logins
throttled per address (Flask-Limiter) and locked per user name after failures
in a row, a Content-Security-Policy without scripts, and an audit log of who
opened or changed what, failed logins included.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot import config, i18n, other_studies, outbox, sitetime, store, transcripts
from bot.protocol import CRITERION_TEXTS, ProtocolError, default_trial_id, load_protocol, trial_ids
from bot.review import attempts, display, labels, queue, report, screening_list, spreadsheet, workflow
from bot.store import (AuditEntry, CallbackReply, LoginThrottle, Referral, ReferralChange, Screening, SmsOptOut,
                       StaffUser)

hasher = PasswordHasher()
IDLE_MINUTES = int(os.environ.get("REVIEW_IDLE_MINUTES", 30))
NAME_LENGTH = StaffUser.__table__.c.username.type.length  # 80
COMMAND_LINE = "command line"  # who, in the audit log, for `python -m bot users …`


def login_settings() -> dict:
    """REVIEW_LOGIN_RATE: Flask-Limiter's limits on login attempts from one address (in memory, per process);
    REVIEW_LOCKOUT_FAILURES failed logins in a row for one user name, each within REVIEW_LOCKOUT_MINUTES of
    the one before, lock that name for REVIEW_LOCKOUT_MINUTES."""
    return {"REVIEW_LOGIN_RATE": os.environ.get("REVIEW_LOGIN_RATE") or "10 per minute;100 per hour",
            "REVIEW_LOCKOUT_FAILURES": max(1, int(os.environ.get("REVIEW_LOCKOUT_FAILURES") or 5)),
            "REVIEW_LOCKOUT_MINUTES": float(os.environ.get("REVIEW_LOCKOUT_MINUTES") or 15)}


class Coordinator(UserMixin):
    """A logged-in member of the study team: a coordinator, or an admin (store.ROLES)."""

    def __init__(self, username: str, role: str = "coordinator", must_change_password: bool = False,
                 trials: Optional[Sequence[str]] = None):
        self.id = username
        self.role = role
        self.must_change_password = must_change_password
        self.trials = tuple(trials) if trials is not None else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope(self) -> Optional[Tuple[str, ...]]:
        """The trials whose referrals and screenings this user sees; None: every trial (admins always)."""
        return None if self.is_admin else self.trials

    def sees(self, trial_id: Optional[str]) -> bool:
        return self.scope is None or trial_id in self.scope


def _password_ok(password: str) -> None:
    if len(password) < 12:
        raise ValueError("a password needs at least 12 characters")


def _log(db, who: str, action: str, record: str = "") -> None:
    db.add(AuditEntry(username=who[:NAME_LENGTH], action=action, record=record[:80]))


def check_trials(trials: Optional[Sequence[str]]) -> Optional[List[str]]:
    """A user's trials as stored: trial ids of the site's protocol files, or None for every trial."""
    if trials is None:
        return None
    known = set(trial_ids())
    unknown = sorted(set(trials) - known)
    if unknown:
        raise ValueError(f"no such trial: {', '.join(unknown)} (the site's trials: {', '.join(sorted(known))})")
    return sorted(set(trials))


def add_user(username: str, password: str, role: str = "coordinator", must_change_password: bool = False,
             by: str = COMMAND_LINE, trials: Optional[Sequence[str]] = None) -> None:
    """A new user of the review app (`python -m bot users add NAME [--role admin]`, or an admin's Users page)."""
    if not username or len(password) < 12:
        raise ValueError("a user needs a name and a password of at least 12 characters")
    if len(username) > NAME_LENGTH:
        raise ValueError(f"a user name has at most {NAME_LENGTH} characters")
    if role not in store.ROLES:
        raise ValueError(f"a role is one of: {', '.join(store.ROLES)}")
    with store.unit_of_work() as db:
        if db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none():
            raise ValueError(f"user {username!r} exists already")
        db.add(StaffUser(username=username, password_hash=hasher.hash(password), role=role,
                         must_change_password=must_change_password, trials=check_trials(trials)))
        _log(db, by, "user_added", f"user {username} as {role}" + (f" for {', '.join(trials)}" if trials else ""))


def _change_user(username: str, action: str, by: str = COMMAND_LINE, **values) -> int:
    """Set these columns of one user and start a new session generation: every cookie issued before stops working.
    Returns the new generation."""
    with store.unit_of_work() as db:
        changed = db.execute(update(StaffUser).where(StaffUser.username == username)
                             .values(session_generation=StaffUser.session_generation + 1, **values)).rowcount
        if not changed:
            raise ValueError(f"there is no user {username!r}")
        if action:
            _log(db, by, action, f"user {username}")
        return db.execute(select(StaffUser.session_generation).where(StaffUser.username == username)).scalar_one()


def set_password(username: str, password: str) -> None:
    """`python -m bot users passwd NAME`: a new password; the user's open sessions end."""
    _password_ok(password)
    _change_user(username, "password_changed", password_hash=hasher.hash(password), must_change_password=False)


def disable_user(username: str, by: str = COMMAND_LINE) -> None:
    """`python -m bot users disable NAME`: no more logins, and the user's open sessions end."""
    _change_user(username, "user_disabled", by, disabled=True)


def enable_user(username: str, by: str = COMMAND_LINE) -> None:
    """`python -m bot users enable NAME`: logins again, and a lockout after failed logins is lifted."""
    _change_user(username, "user_enabled", by, disabled=False)
    with store.unit_of_work() as db:
        db.execute(delete(LoginThrottle).where(LoginThrottle.username == username[:NAME_LENGTH]))


def end_sessions(username: str) -> None:
    """Log-out: every session cookie of this user, in any browser, stops working."""
    _change_user(username, "")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password, made by the same hasher: a name with no user is checked against it, so a
    failed login costs the same argon2 work (about 0.2 s) whether or not the name exists."""
    return hasher.hash(secrets.token_urlsafe(32))


@dataclass
class LoginOutcome:
    result: str  # ok | wrong | locked | disabled
    generation: int = 0  # the user's session generation, for the new session (when ok)
    locked_until: Optional[dt.datetime] = None  # when locked (also when this failure locked the name)


def attempt_login(username: str, password: str, address: str = "", failures_allowed: int = 5,
                  lock_minutes: float = 15) -> LoginOutcome:
    """Check a login and keep count of failures: `failures_allowed` wrong passwords in a row for a user name
    (each within `lock_minutes` of the one before) lock that name for `lock_minutes`, whether or not a user has
    it. Every attempt costs one argon2 verification. Failures, lockouts and refusals go to the audit log, with
    the name tried and the address, never the password."""
    key, stamp = username[:NAME_LENGTH], store.now()
    with store.unit_of_work() as db:
        user = db.execute(select(StaffUser.password_hash, StaffUser.disabled, StaffUser.session_generation)
                          .where(StaffUser.username == username)).first()
        throttle = db.get(LoginThrottle, key)
        locked_until = throttle.locked_until if throttle and throttle.locked_until else None
    try:  # the same work for a name that does not exist: verify against a dummy hash
        matches = hasher.verify(user.password_hash if user else _dummy_hash(), password) and user is not None
    except (VerificationError, InvalidHashError):
        matches = False
    where = f", from {address}" if address else ""

    if locked_until and locked_until > stamp:
        with store.unit_of_work() as db:
            _log(db, key, "login_refused", f"locked until {locked_until:%H:%M} UTC{where}")
        return LoginOutcome("locked", locked_until=locked_until)
    if matches and user.disabled:
        with store.unit_of_work() as db:
            _log(db, key, "login_refused", f"user disabled{where}")
        return LoginOutcome("disabled")
    if matches:
        with store.unit_of_work() as db:
            db.execute(delete(LoginThrottle).where(LoginThrottle.username == key))
        return LoginOutcome("ok", generation=user.session_generation)

    window_start = stamp - dt.timedelta(minutes=lock_minutes)
    for _ in range(2):  # a second try if another request inserted the same name's row in the meantime
        try:
            with store.unit_of_work() as db:
                counted = db.execute(
                    update(LoginThrottle).where(LoginThrottle.username == key).values(
                        failures=case((LoginThrottle.last_failure_at < window_start, 1),
                                      else_=LoginThrottle.failures + 1),
                        last_failure_at=stamp)).rowcount
                if not counted:
                    db.add(LoginThrottle(username=key, failures=1, last_failure_at=stamp))
            break
        except IntegrityError:
            continue
    with store.unit_of_work() as db:
        counted = db.get(LoginThrottle, key)  # gone only if the name logged in at this very moment
        failures = counted.failures if counted else 1
        _log(db, key, "login_failed", f"{'wrong password' if user else 'no such user'}, "
                                      f"{failures} in a row{where}")
        until = stamp + dt.timedelta(minutes=lock_minutes)
        locked = db.execute(update(LoginThrottle).where(LoginThrottle.username == key,
                                                        LoginThrottle.failures >= failures_allowed)
                            .values(locked_until=until, failures=0)).rowcount
        if locked:  # this failure locked the name (one entry, even for failures at the same moment)
            _log(db, key, "login_locked", f"until {until:%H:%M} UTC after {failures} failures{where}")
        db.execute(delete(LoginThrottle).where(  # names nobody has tried for a while
            LoginThrottle.last_failure_at < window_start,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < stamp)))
    return LoginOutcome("locked" if locked else "wrong", locked_until=until if locked else None)


def audit(action: str, record: str = "") -> None:
    with store.unit_of_work() as db:
        db.add(AuditEntry(username=current_user.id, action=action, record=record))


def _criterion_rows(referral: Referral):
    """The per-criterion table: criterion text, question asked, own words, recorded answer, met / not met / not sure."""
    try:
        protocol = load_protocol(referral.trial_id, for_screening=False)
    except ProtocolError:
        protocol = None
    rows = []
    for item in referral.answers:
        criterion = protocol.by_id.get(item["criterion_id"]) if protocol else None
        if item["answer"] == "not_sure":
            outcome = "not sure"
        elif criterion is None:
            outcome = "unknown"
        else:
            outcome = "not met" if criterion.rules_out(item["answer"]) else "met"
        rows.append({**item, "outcome": outcome})
    return rows


def _screened_trials(sender_id: str) -> List[str]:
    """Every trial the conversation screened: the one it was started for, and the others it checked."""
    with store.unit_of_work() as db:
        row = db.execute(select(Screening.trial_id, Screening.trials).where(Screening.sender_id == sender_id)).first()
    return [] if row is None else [row.trial_id] + [t for t in (row.trials or {}) if t != row.trial_id]


def _trial_of(reference: str) -> Optional[str]:
    with store.unit_of_work() as db:
        return db.execute(select(Referral.trial_id).where(Referral.reference == reference)).scalar_one_or_none()


def _criteria(trial_id: str) -> dict:
    """The trial's criteria, id → a coordinator's label from its `short` text, in the protocol's order."""
    try:
        protocol = load_protocol(trial_id, for_screening=False)
    except ProtocolError:
        return {}
    return {c.id: workflow.criterion_label(c.short) for c in protocol.criteria}


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret("REVIEW_SECRET_KEY", "review_secret_key"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=os.environ.get("REVIEW_COOKIE_SECURE", "") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=IDLE_MINUTES),
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        **login_settings(),
        REVIEW_NOT_REACHABLE_AFTER=workflow.not_reachable_after(),
    )
    from bot.review import admin  # needs this module whole

    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "login_page"
    login.session_protection = "strong"
    # Login attempts per client address, in this process's memory (the per-name lockout is in the database).
    limiter = Limiter(app=app, key_func=get_remote_address, storage_uri="memory://")

    @login.user_loader
    def _load(username: str) -> Optional[Coordinator]:
        """Each request: the user must exist, not be disabled, and the cookie be of the user's current session
        generation (log-out, a new password and disabling start a new one)."""
        with store.unit_of_work() as db:
            found = db.execute(select(StaffUser.disabled, StaffUser.session_generation, StaffUser.role,
                                      StaffUser.must_change_password, StaffUser.trials)
                               .where(StaffUser.username == username)).first()
        if found is None or found.disabled or session.get("generation") != found.session_generation:
            return None
        return Coordinator(username, found.role, found.must_change_password, found.trials)

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.jinja_env.globals.update(status_labels=workflow.LABELS, language_names=i18n.NAMES, html_langs=i18n.HTML_LANG,
                                 delivery_labels=outbox.DELIVERY_LABELS, delivery_of=outbox.delivery,
                                 delivery_explanations=outbox.DELIVERY_EXPLANATIONS)
    app.jinja_env.filters.update(site_time=display.site_time, mailto=display.mailto, tel=display.tel)

    @app.get("/favicon.ico")
    def no_favicon():
        return "", 204

    @app.errorhandler(429)
    def _too_many(_error):
        flash("Too many login attempts from this address. Wait a minute, then try again.")
        return render_template("login.html"), 429

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(lambda: app.config["REVIEW_LOGIN_RATE"], methods=["POST"])
    def login_page():
        if request.method == "POST":
            username = request.form.get("username", "")
            outcome = attempt_login(username, request.form.get("password", ""), request.remote_addr or "",
                                    app.config["REVIEW_LOCKOUT_FAILURES"], app.config["REVIEW_LOCKOUT_MINUTES"])
            if outcome.result == "ok":
                session.clear()
                session["generation"] = outcome.generation
                login_user(Coordinator(username))
                session.permanent = True  # expires after REVIEW_IDLE_MINUTES without a request
                audit("login")
                return redirect(url_for("inbox"))  # or, with a temporary password, to its change (admin.py)
            if outcome.result == "disabled":
                flash("This login has been disabled. Ask an administrator.")
                return render_template("login.html"), 403
            if outcome.result == "locked":
                flash(f"Too many failed logins for this user name: it is locked until "
                      f"{outcome.locked_until:%H:%M} UTC. Try again then, or ask an administrator to unlock it.")
                return render_template("login.html"), 403
            flash("Wrong user name or password.")
            return render_template("login.html"), 401
        return render_template("login.html")

    @app.post("/logout")
    @login_required
    def logout():
        end_sessions(current_user.id)  # this cookie, and any copy of it, no longer logs anyone in
        audit("logout")
        logout_user()
        session.clear()
        return redirect(url_for("login_page"))

    @app.before_request
    def _own_trials_only():
        """A coordinator limited to some trials gets a 404 for any other trial's referral (every route that
        names a referral), as if it did not exist; the refusal is audited."""
        reference = (request.view_args or {}).get("reference")
        if reference and current_user.is_authenticated and not current_user.sees(_trial_of(reference)):
            audit("refused_other_trial", f"referral {reference}")
            abort(404)

    @app.get("/")
    @login_required
    def inbox():
        """The referrals as a work queue: who to call first, search, filters and paging (bot/review/queue.py)."""
        view = queue.View.from_args(request.args)
        if view.since and queue.since_date(view.since) is None:
            flash("The date must look like 2026-11-25.")
        with store.unit_of_work() as db:
            listed = queue.page(db, view, store.now(), current_user.scope)
        audit("view_inbox")
        return render_template("inbox.html", view=view, sorts=queue.SORTS, channels=labels.CHANNELS,
                               verdicts={k: labels.VERDICTS[k] for k in ("likely_eligible", "needs_review")},
                               **listed)

    @app.get("/referrals/<reference>")
    @login_required
    def referral_page(reference: str):
        """One referral, top to bottom: what to do (status, outcome with its reason, log a contact attempt), the
        contact details, the open questions, the answers criterion by criterion, the transcript."""
        with store.unit_of_work() as db:
            referral = db.execute(select(Referral).where(Referral.reference == reference)).scalar_one_or_none()
            if referral is None:
                abort(404)
            changes = db.execute(select(ReferralChange).where(ReferralChange.referral_id == referral.id)
                                 .order_by(ReferralChange.at, ReferralChange.id)).scalars().all()
            logged = attempts.listed(db, referral.id)
            delivery = referral.outbox
        timezone = display.site_timezone(referral.trial_id)
        criteria = _criteria(referral.trial_id)
        so_far = attempts.summary(logged)
        # the transcript holds every trial's answers of a conversation that screened several: only for staff
        # who see all of those trials (the volunteer was told each team gets only what its own study needs)
        others = [t for t in _screened_trials(referral.sender_id) if not current_user.sees(t)]
        needed = app.config["REVIEW_NOT_REACHABLE_AFTER"]
        audit("view_referral", f"referral {reference}")
        return render_template(
            "referral.html", r=referral, rows=_criterion_rows(referral), changes=changes, delivery=delivery,
            delivery_state=outbox.delivery(delivery), attempts=logged, timezone=timezone,
            zone=display.zone_label(timezone), options=workflow.options(referral.status, so_far, needed),
            suggest_not_reachable=workflow.suggest_not_reachable(referral.status, so_far, needed),
            failed_in_a_row=so_far.failed_in_a_row, needed=needed, criteria=criteria,
            decline_reasons=workflow.DECLINE_REASONS, takes_reason=workflow.NEEDS_REASON,
            reason_label=lambda status, reason: workflow.reason_label(status, reason, criteria),
            channel=transcripts.referral_channel(referral.sender_id), ways=display.WAYS,
            channels=attempts.CHANNELS, outcomes=attempts.OUTCOMES,
            now_input=f"{sitetime.local(store.now(), timezone):%Y-%m-%dT%H:%M}",
            transcript=None if others else transcripts.transcript(referral.sender_id), others=others)

    @app.post("/referrals/<reference>")
    @login_required
    def change_status(reference: str):
        """A move to another status (with its reason where it takes one) and/or a note, as the workflow allows."""
        note = request.form.get("note", "").strip()[:4000]
        with store.unit_of_work() as db:
            referral = db.execute(select(Referral).where(Referral.reference == reference)
                                  .with_for_update()).scalar_one_or_none()
            if referral is None:
                abort(404)
            current = referral.status
            target = request.form.get("status", current)
            reason = (request.form.get("criterion", "") if target == "not_eligible" else
                      request.form.get("reason", "") if target in ("declined", "withdrew") else "")
            so_far = attempts.summary(attempts.listed(db, referral.id))
            refused = workflow.refusal(current, target, reason, note, so_far, list(_criteria(referral.trial_id)),
                                       app.config["REVIEW_NOT_REACHABLE_AFTER"])
            if refused is None:
                db.add(ReferralChange(referral_id=referral.id, by=current_user.id, from_status=current,
                                      to_status=target, reason=reason or None, note=note))
                if target != current:
                    referral.status, referral.status_reason = target, reason or None
        if refused:
            flash(refused)
        elif target == current:
            audit("add_note", f"referral {reference}")
            flash("Note saved.")
        else:
            moved = f"{workflow.LABELS[current]} → {workflow.LABELS[target]}"
            audit("change_status", f"referral {reference}: {moved}")
            flash(f"Saved: {moved}.")
        return redirect(url_for("referral_page", reference=reference))

    @app.post("/referrals/<reference>/attempts")
    @login_required
    def log_attempt(reference: str):
        """Log a contact attempt: its channel, when (the site's time; empty for now), outcome and a note."""
        timezone = display.site_timezone(_trial_of(reference))
        try:
            at = display.local_input(request.form.get("at", ""), timezone)
        except ValueError:
            flash(f"The time must look like 2026-11-28 09:30 ({display.zone_label(timezone)} time).")
            return redirect(url_for("referral_page", reference=reference))
        try:
            done = attempts.log(reference, current_user.id, request.form.get("channel", ""),
                                request.form.get("outcome", ""), at, request.form.get("note", "").strip()[:4000])
        except LookupError:
            abort(404)
        except ValueError as problem:
            flash(str(problem))
            return redirect(url_for("referral_page", reference=reference))
        audit("log_contact_attempt", f"referral {reference}: attempt {done.number}")
        message = f"Attempt {done.number} logged: {attempts.OUTCOMES[request.form['outcome']]}."
        if done.moved_from:
            audit("change_status", f"referral {reference}: {workflow.LABELS[done.moved_from]} → Contacted")
            message += f" It reached the volunteer, so the referral moved from {workflow.LABELS[done.moved_from]} " \
                       "to Contacted."
        flash(message)
        return redirect(url_for("referral_page", reference=reference))

    @app.get("/translations")
    @login_required
    def translations_page():
        """The texts in other languages that await the study team's approval, beside their English."""
        protocol = load_protocol(default_trial_id(), for_screening=False)
        languages = []
        for language in i18n.LANGUAGES[1:]:
            local = protocol.in_language(language)
            texts = [(f"{c.id}: {field}", getattr(c, field), getattr(local.by_id[c.id], field))
                     for c in protocol.criteria if c.id in protocol.unapproved(language)
                     for field in CRITERION_TEXTS if getattr(c, field)]
            if "the trial's own texts" in protocol.unapproved(language):
                texts = [(field, getattr(protocol, field), getattr(local, field))
                         for field in ("title", "headline", "summary", "intro", "consent_question")
                         if getattr(protocol, field)] + texts
            messages = [(m, i18n.drafted(language, m)) for m in i18n.unapproved(language)]
            languages.append({"code": language, "name": i18n.NAMES[language], "html": i18n.HTML_LANG[language],
                              "offered": language in i18n.offered(protocol), "texts": texts, "messages": messages})
        audit("view_translations")
        return render_template("translations.html", trial_id=protocol.trial_id, languages=languages)

    @app.get("/screenings")
    @login_required
    def screenings_page():
        """Every screening, a page at a time, filters in the URL (bot/review/screening_list.py)."""
        view = screening_list.View.from_args(request.args)
        with store.unit_of_work() as db:
            listed = screening_list.page(db, view, current_user.scope)
        audit("view_screenings")
        return render_template("screenings.html", view=view, statuses=labels.SCREENING_STATUSES,
                               verdicts_offered={**labels.VERDICTS, screening_list.OPEN: labels.NO_VERDICT}, **listed)

    @app.get("/report")
    @login_required
    def report_page():
        """The funnel: referrals → contacted → booked → enrolled, by week, channel, language and verdict, drawn as
        SVG on the server (no script), with the median time to first contact and where screenings end."""
        with store.unit_of_work() as db:
            built = report.build(db, current_user.scope)
        audit("view_report")
        return render_template("report.html", report=built, stages=report.STAGES)

    @app.get("/other-studies")
    @login_required
    def other_studies_page():
        """Volunteers whom their trial did not suit and who agreed to be contacted about the site's other
        studies: a consent of its own, not a referral, with contact details and no answers."""
        listed = other_studies.list_all()
        audit("view_other_studies", f"{len(listed)} consents")
        return render_template("other_studies.html", consents=listed, days=config.other_studies_days())

    @app.get("/replies")
    @login_required
    def replies_page():
        """The SMS gateway's undelivered replies (bot/callbacks.py): when, how often tried, why, and whose
        conversation by its referral or screening, never the text or the phone number; and how many numbers
        opted out with STOP (bot/carrier.py)."""
        with store.unit_of_work() as db:
            rows = db.execute(select(CallbackReply).order_by(CallbackReply.id.desc()).limit(500)).scalars().all()
            senders = {r.recipient_id for r in rows}
            references = dict(db.execute(select(Referral.sender_id, Referral.reference)
                                         .where(Referral.sender_id.in_(senders))).all())
            screenings = dict(db.execute(select(Screening.sender_id, Screening.id)
                                         .where(Screening.sender_id.in_(senders))).all())
            opted_out = db.execute(select(func.count()).select_from(SmsOptOut)).scalar_one()
            listed = [{"id": r.id, "state": r.state, "kind": r.kind, "attempts": r.attempts, "last_error": r.last_error,
                       "created_at": r.created_at, "next_attempt_at": r.next_attempt_at, "failed_at": r.failed_at,
                       "reference": references.get(r.recipient_id), "screening": screenings.get(r.recipient_id)}
                      for r in rows]
        audit("view_replies")
        return render_template("replies.html", replies=listed, counts=Counter(r["state"] for r in listed),
                               opted_out=opted_out)

    @app.get("/referrals.csv")
    @login_required
    def export_csv():
        """Every referral for a spreadsheet (bot/review/spreadsheet.py): coordinators may export, and each export
        is in the audit log with who, when and how many referrals."""
        text, count = spreadsheet.referrals_csv(current_user.scope)
        audit("export_csv", f"{count} referrals")
        return Response(text, mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=referrals.csv"})

    @app.get("/audit")
    @admin.admin_required
    def audit_page():
        with store.unit_of_work() as db:
            entries = db.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)).scalars().all()
        return render_template("audit.html", entries=entries)

    admin.register(app, limiter)
    return app


def serve() -> None:
    """`python -m bot review`: the review app on 127.0.0.1:REVIEW_PORT."""
    from waitress import serve as waitress_serve

    waitress_serve(create_app(), host=os.environ.get("REVIEW_HOST", "127.0.0.1"),
                   port=config.port("REVIEW_PORT", 8001), threads=8, ident=None)
