"""The coordinators' review app: referrals, screenings and transcripts, behind a login.

Flask with Jinja2 autoescaping (everything a volunteer typed is shown as
text), Flask-Login sessions that expire when idle, Flask-WTF CSRF tokens on
every form, argon2 password hashes, a Content-Security-Policy without
scripts, and an audit log of who opened or changed what.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections import Counter
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import Flask, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot import config, i18n, screening, store, transcripts
from bot.protocol import CRITERION_TEXTS, ProtocolError, default_trial_id, load_protocol
from bot.review import workflow
from bot.screening import RecordedAnswer
from bot.store import AuditEntry, Referral, ReferralChange, Screening, StaffUser

hasher = PasswordHasher()
IDLE_MINUTES = int(os.environ.get("REVIEW_IDLE_MINUTES", 30))


class Coordinator(UserMixin):
    def __init__(self, username: str):
        self.id = username


def add_user(username: str, password: str) -> None:
    if not username or len(password) < 12:
        raise ValueError("a user needs a name and a password of at least 12 characters")
    with store.unit_of_work() as db:
        if db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none():
            raise ValueError(f"user {username!r} exists already")
        db.add(StaffUser(username=username, password_hash=hasher.hash(password)))


def check_password(username: str, password: str) -> bool:
    with store.unit_of_work() as db:
        user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        stored = user.password_hash if user else None
    try:
        return stored is not None and hasher.verify(stored, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


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
    )
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "login_page"
    login.session_protection = "strong"

    @login.user_loader
    def _load(username: str) -> Optional[Coordinator]:
        with store.unit_of_work() as db:
            found = db.execute(select(StaffUser.id).where(StaffUser.username == username)).first()
        return Coordinator(username) if found else None

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.jinja_env.globals.update(status_labels=workflow.LABELS, language_names=i18n.NAMES, html_langs=i18n.HTML_LANG)

    @app.get("/favicon.ico")
    def no_favicon():
        return "", 204

    @app.route("/login", methods=["GET", "POST"])
    def login_page():
        if request.method == "POST":
            username = request.form.get("username", "")
            if check_password(username, request.form.get("password", "")):
                login_user(Coordinator(username))
                session.permanent = True  # expires after REVIEW_IDLE_MINUTES without a request
                audit("login")
                return redirect(url_for("inbox"))
            flash("Wrong user name or password.")
            return render_template("login.html"), 401
        return render_template("login.html")

    @app.post("/logout")
    @login_required
    def logout():
        audit("logout")
        logout_user()
        return redirect(url_for("login_page"))

    @app.get("/")
    @login_required
    def inbox():
        filters = {k: request.args.get(k, "") for k in ("status", "verdict", "trial", "since")}
        query = (select(Referral).options(selectinload(Referral.outbox))
                 .order_by(Referral.created_at.desc(), Referral.id.desc()))
        if filters["status"]:
            query = query.where(Referral.status == filters["status"])
        if filters["verdict"]:
            query = query.where(Referral.verdict == filters["verdict"])
        if filters["trial"]:
            query = query.where(Referral.trial_id == filters["trial"])
        if filters["since"]:
            try:
                query = query.where(Referral.created_at >= dt.datetime.fromisoformat(filters["since"]))
            except ValueError:
                flash("The date must look like 2026-11-25.")
        with store.unit_of_work() as db:
            referrals = db.execute(query).scalars().all()
            counts = dict(db.execute(select(Referral.status, func.count()).group_by(Referral.status)).all())
            trials = [t for (t,) in db.execute(select(Referral.trial_id).distinct()).all()]
        audit("view_inbox")
        return render_template("inbox.html", referrals=referrals, counts=counts, filters=filters, trials=trials,
                               now=store.now())

    @app.route("/referrals/<reference>", methods=["GET", "POST"])
    @login_required
    def referral_page(reference: str):
        with store.unit_of_work() as db:
            referral = db.execute(select(Referral).where(Referral.reference == reference)).scalar_one_or_none()
            if referral is None:
                abort(404)
            if request.method == "POST":
                target = request.form.get("status", referral.status)
                note = request.form.get("note", "").strip()[:4000]
                if target not in workflow.LABELS or not workflow.allowed(referral.status, target):
                    flash(f"A referral that is {workflow.LABELS[referral.status]} can't move to that status.")
                elif target == referral.status and not note:
                    flash("Nothing to save: choose a new status or write a note.")
                else:
                    db.add(ReferralChange(referral_id=referral.id, by=current_user.id,
                                               from_status=referral.status, to_status=target, note=note))
                    referral.status = target
                    flash("Saved.")
            changes = db.execute(select(ReferralChange).where(ReferralChange.referral_id == referral.id)
                                      .order_by(ReferralChange.at, ReferralChange.id)).scalars().all()
            delivery = referral.outbox
        audit("change_status" if request.method == "POST" else "view_referral", f"referral {reference}")
        if request.method == "POST":
            return redirect(url_for("referral_page", reference=reference))
        return render_template("referral.html", r=referral, rows=_criterion_rows(referral), changes=changes,
                               delivery=delivery, moves=workflow.MOVES.get(referral.status, ()),
                               transcript=transcripts.transcript(referral.sender_id))

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
                         for field in ("title", "summary", "intro", "consent_question")] + texts
            translate = i18n.gettext_for(language)
            messages = [(m, translate(m)) for m in i18n.unapproved(language)]
            languages.append({"code": language, "name": i18n.NAMES[language], "html": i18n.HTML_LANG[language],
                              "offered": language in i18n.offered(protocol), "texts": texts, "messages": messages})
        audit("view_translations")
        return render_template("translations.html", trial_id=protocol.trial_id, languages=languages)

    @app.get("/screenings")
    @login_required
    def screenings_page():
        with store.unit_of_work() as db:
            rows = db.execute(select(Screening).order_by(Screening.started_at.desc())).scalars().all()
            listed = []
            for row in rows:
                answers = {a.criterion_id: RecordedAnswer(a.answer, a.text) for a in row.answers}
                try:
                    ended_by = screening.evaluate(load_protocol(row.trial_id, for_screening=False),
                                                  answers).ruled_out_by
                except ProtocolError:
                    ended_by = None
                listed.append({"id": row.id, "trial_id": row.trial_id, "status": row.status,
                               "verdict": row.verdict, "started_at": row.started_at, "answered": len(answers),
                               "current": row.current_criterion, "ended_by": ended_by})
        verdicts = Counter(s["verdict"] or "open" for s in listed)
        enders = Counter(s["ended_by"] for s in listed if s["ended_by"])
        audit("view_screenings")
        return render_template("screenings.html", screenings=listed, verdicts=verdicts,
                               top_ender=enders.most_common(1)[0] if enders else None)

    @app.get("/referrals.csv")
    @login_required
    def export_csv():
        with store.unit_of_work() as db:
            referrals = db.execute(select(Referral).order_by(Referral.created_at.desc())).scalars().all()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["reference", "created_at", "trial_id", "language", "verdict", "status", "not_sure",
                             "contact_name", "contact_email", "contact_phone", "preferred_way", "preferred_time",
                             "delivery"])
            for r in referrals:
                writer.writerow([_cell(v) for v in (
                    r.reference, store.iso(r.created_at), r.trial_id, r.language, r.verdict, r.status,
                    ";".join(r.flags),
                    r.contact_name, r.contact_email, r.contact_phone, r.contact_preferred_way,
                    r.contact_preferred_time, r.outbox.state)])
        audit("export_csv", f"{len(referrals)} referrals")
        return Response(buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=referrals.csv"})

    @app.get("/audit")
    @login_required
    def audit_page():
        with store.unit_of_work() as db:
            entries = db.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)).scalars().all()
        return render_template("audit.html", entries=entries)

    return app


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def serve() -> None:
    """`python -m bot review`: the review app on 127.0.0.1:REVIEW_PORT."""
    from waitress import serve as waitress_serve

    waitress_serve(create_app(), host=os.environ.get("REVIEW_HOST", "127.0.0.1"),
                   port=config.port("REVIEW_PORT", 8001), threads=8, ident=None)
