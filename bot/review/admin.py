"""Roles in the review app, the admins' Users page, and everyone's own password (issue 17).

Two roles (store.ROLES): a *coordinator* works referrals; an *admin* also manages the users (add, disable,
enable, reset a password, change a role) and reads the audit log. The role is read from the database on every
request, so a change takes effect at the user's next click.

An admin never chooses another person's password: adding a user or resetting a password makes a random
temporary one, shown to the admin once (in that answer only: not in a redirect, the session cookie, a log or
the audit), and its owner must replace it at the next login before anything else opens. Everyone can change
their own password (the current one, then the new one twice); that ends their other sessions.
"""
from __future__ import annotations

import secrets
from functools import wraps

from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import delete, select

from bot import sitetime, store
from bot.protocol import ProtocolError, default_trial_id, load_protocol
from bot.review import (NAME_LENGTH, _change_user, _password_ok, add_user, audit, disable_user, enable_user,
                        hasher)
from bot.store import LoginThrottle, StaffUser

ROLE_LABELS = {"coordinator": "Coordinator", "admin": "Admin"}
# 31 letters and digits that are hard to confuse when read out (no 0/o, 1/l/i): 16 of them are 79 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A random password to hand over once, in four groups of four: `k7pq-3mzx-wd9h-r2tb`."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def admin_required(view):
    """Only for a logged-in admin: no login is sent to the login page; a coordinator gets 403, in the audit."""
    @wraps(view)
    @login_required
    def checked(*args, **kwargs):
        if not current_user.is_admin:
            audit("refused_not_admin", request.path[:80])
            abort(403)
        return view(*args, **kwargs)
    return checked


def list_users() -> list:
    with store.unit_of_work() as db:
        rows = db.execute(select(StaffUser).order_by(StaffUser.username)).scalars().all()
    return [{"name": u.username, "role": u.role, "disabled": u.disabled, "created_at": u.created_at,
             "temporary": u.must_change_password, "trials": u.trials} for u in rows]


def set_trials(username: str, trials, by: str) -> None:
    """Limit a coordinator to these trials' referrals and screenings (None or empty: every trial). Their open
    sessions end, so the new limit holds from their next request."""
    from bot.review import check_trials

    stored = check_trials(list(trials)) if trials else None
    _change_user(username, "", by, trials=stored)
    with store.unit_of_work() as db:
        db.add(store.AuditEntry(username=by[:NAME_LENGTH], action="trials_changed",
                                record=f"user {username}: {', '.join(stored) if stored else 'every trial'}"[:80]))


def reset_password(username: str, by: str) -> str:
    """A new temporary password for this user, returned to be shown once: their open sessions end, a lockout after
    failed logins is lifted, and they must choose their own password at the next login."""
    password = temporary_password()
    _change_user(username, "password_reset", by, password_hash=hasher.hash(password), must_change_password=True)
    with store.unit_of_work() as db:
        db.execute(delete(LoginThrottle).where(LoginThrottle.username == username[:NAME_LENGTH]))
    return password


def set_role(username: str, role: str, by: str) -> None:
    if role not in store.ROLES:
        raise ValueError(f"a role is one of: {', '.join(store.ROLES)}")
    with store.unit_of_work() as db:
        user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            raise ValueError(f"there is no user {username!r}")
        if user.role != role:
            db.add(store.AuditEntry(username=by[:NAME_LENGTH], action="role_changed",
                                    record=f"user {username}: {user.role} to {role}"[:80]))
            user.role = role


def change_own_password(username: str, current: str, new: str, again: str) -> int:
    """A user's own new password, after their current one: returns the new session generation (every other session
    of theirs ends). Raises ValueError with a sentence for the page."""
    with store.unit_of_work() as db:
        stored = db.execute(select(StaffUser.password_hash).where(StaffUser.username == username)).scalar_one()
    try:
        hasher.verify(stored, current)
    except (VerificationError, InvalidHashError):
        with store.unit_of_work() as db:
            db.add(store.AuditEntry(username=username, action="password_change_failed",
                                    record="wrong current password"))
        raise ValueError("The current password is not right.") from None
    if new != again:
        raise ValueError("The two new passwords differ.")
    if new == current:
        raise ValueError("The new password must differ from the current one.")
    try:
        _password_ok(new)
    except ValueError:
        raise ValueError("A password needs at least 12 characters.") from None
    return _change_user(username, "own_password_changed", username, password_hash=hasher.hash(new),
                        must_change_password=False)


def _site_timezone() -> str:
    try:
        return load_protocol(default_trial_id(), for_screening=False).study_team.timezone
    except ProtocolError:
        return "UTC"


def register(app, limiter) -> None:
    """The routes: /admin/users (and its forms) for admins, /account/password for everyone logged in."""
    app.jinja_env.globals.update(role_labels=ROLE_LABELS)

    @app.before_request
    def _temporary_password_first():
        """With a temporary password, nothing opens but the page that replaces it (and logging out)."""
        if (request.endpoint not in ("own_password", "logout", "login_page", "static", "no_favicon")
                and current_user.is_authenticated and current_user.must_change_password):
            return redirect(url_for("own_password"))
        return None

    @app.errorhandler(403)
    def _forbidden(_error):
        return render_template("forbidden.html"), 403

    def users_page(status: int = 200, shown_once: dict = None):
        timezone = _site_timezone()
        users = [{**u, "created_local": sitetime.local(u["created_at"], timezone)} for u in list_users()]
        audit("view_users", f"{len(users)} users")
        return render_template("users.html", users=users, roles=store.ROLES, shown_once=shown_once,
                               timezone=timezone), status

    @app.get("/admin/users")
    @admin_required
    def admin_users():
        return users_page()

    @app.post("/admin/users")
    @admin_required
    def admin_add_user():
        name = request.form.get("username", "").strip()
        role = request.form.get("role", "coordinator")
        password = temporary_password()
        try:
            add_user(name, password, role=role, must_change_password=True, by=current_user.id)
        except ValueError as error:
            flash(f"Not added: {error}.")
            return users_page(400)
        return users_page(shown_once={"name": name, "password": password, "why": "added"})

    def _act_on(action, done: str, *, self_allowed: bool = False):
        """Apply `action(name)` to the user named in the form and go back to the list, saying `done`. An admin
        disables, resets or changes the role of other users here, never their own: so at least one enabled admin
        always remains, and their own password is changed on its own page."""
        name = request.form.get("username", "")
        if name == current_user.id and not self_allowed:
            flash("You can't do that to your own login here: ask another admin (or change your password on the "
                  "Password page).")
            return redirect(url_for("admin_users"))
        try:
            result = action(name)
        except ValueError as error:
            if "no user" in str(error):
                abort(404)
            flash(f"Not changed: {error}.")
            return redirect(url_for("admin_users"))
        if isinstance(result, str):  # a temporary password: shown in this answer, once
            return users_page(shown_once={"name": name, "password": result, "why": "reset"})
        flash(done.format(name=name))
        return redirect(url_for("admin_users"))

    @app.post("/admin/users/disable")
    @admin_required
    def admin_disable_user():
        return _act_on(lambda name: disable_user(name, by=current_user.id),
                       "Disabled {name}: no more logins, and their open sessions have ended.")

    @app.post("/admin/users/enable")
    @admin_required
    def admin_enable_user():
        return _act_on(lambda name: enable_user(name, by=current_user.id),
                       "Enabled {name} (and lifted any lockout after failed logins).", self_allowed=True)

    @app.post("/admin/users/reset")
    @admin_required
    def admin_reset_password():
        return _act_on(lambda name: reset_password(name, by=current_user.id), "")

    @app.post("/admin/users/role")
    @admin_required
    def admin_set_role():
        role = request.form.get("role", "")
        return _act_on(lambda name: set_role(name, role, by=current_user.id),
                       "{name} is now " + ROLE_LABELS.get(role, role).lower() + ".")

    @app.post("/admin/users/trials")
    @admin_required
    def admin_set_trials():
        chosen = [t.strip() for t in request.form.get("trials", "").replace(",", " ").split() if t.strip()]
        return _act_on(lambda name: set_trials(name, chosen, by=current_user.id),
                       "{name} now sees " + (", ".join(sorted(set(chosen))) if chosen else "every trial") + ".",
                       self_allowed=True)

    @app.route("/account/password", methods=["GET", "POST"])
    @limiter.limit(lambda: app.config["REVIEW_LOGIN_RATE"], methods=["POST"])
    @login_required
    def own_password():
        if request.method == "POST":
            try:
                generation = change_own_password(current_user.id, request.form.get("current", ""),
                                                 request.form.get("new", ""), request.form.get("again", ""))
            except ValueError as error:
                flash(str(error))
                return render_template("password.html"), 400
            session["generation"] = generation  # this session goes on; every other one of this user has ended
            flash("Your password is changed. Your other sessions have ended.")
            return redirect(url_for("inbox"))
        return render_template("password.html")
