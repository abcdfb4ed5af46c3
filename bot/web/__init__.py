"""The volunteers' pages: the site's open trials in plain words (/), each trial with its chat (/trials/<id>),
and "find trials for me" (/find), whose chat screens for every open trial at once (bot/matching.py).
The chat is the rasa-webchat widget over socketio.

Served by Flask; Jinja2 escapes every value. The widget's script is the
pinned rasa-webchat bundle that `make setup` fetches from the npm registry
into var/web/, served from here (no CDN at run time).
"""
from __future__ import annotations

import json
import os

from flask import Flask, abort, g, render_template, request, send_file

from bot import config, i18n, trials
from bot.protocol import ProtocolError, default_trial_id, load_protocol

WEBCHAT_BUNDLE = config.PROJECT_DIR / "var" / "web" / "rasa-webchat.js"  # fetched by `make setup`


def create_app() -> Flask:
    app = Flask(__name__)
    rasa_port = config.port("RASA_PORT", 5005)
    # The page's sentences come from the same catalogues as the bot's (locale/), in the request's language.
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(
        gettext=lambda message, **values: i18n.gettext_for(g.get("language"))(message) % values if values
        else i18n.gettext_for(g.get("language"))(message),
        ngettext=lambda singular, plural, n, **values: i18n.translations(g.get("language")).ngettext(
            singular, plural, n) % dict(values, num=n),
        newstyle=True)

    @app.after_request
    def _headers(response):
        host = request.host.rsplit(":", 1)[0]
        rasa = f"{host}:{rasa_port}"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; "
            f"connect-src 'self' http://{rasa} ws://{rasa}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.get("/")
    def landing_page():
        """The site's open trials in plain words, each with its page, and "find trials for me"."""
        studies = trials.open_protocols()
        default = load_protocol(default_trial_id())
        g.language = page_language(i18n.offered(default))
        shown = [p.in_language(g.language) for p in studies]
        return _with_language_cookie(app.make_response(render_template(
            "landing.html", studies=shown, site=default.in_language(g.language).study_team,
            language=g.language, html_lang=i18n.HTML_LANG[g.language], html_langs=i18n.HTML_LANG,
            languages=[(code, i18n.NAMES[code]) for code in i18n.offered(default)])))

    @app.get("/trials/<trial_id>")
    def trial_page(trial_id: str):
        """One trial in plain words, and its prescreening chat."""
        if trial_id not in {p.trial_id for p in trials.open_protocols()}:
            abort(404)
        return _chat_page(load_protocol(trial_id), "/greet")

    @app.get("/find")
    def find_page():
        """The chat that checks which of the site's open trials might suit the volunteer."""
        return _chat_page(load_protocol(default_trial_id()), "/find_trials", studies=trials.open_protocols())

    def _chat_page(source, opening: str, studies=()):
        g.language = page_language(i18n.offered(source))
        protocol = source.in_language(g.language)
        init_payload = opening + json.dumps({"trial_id": protocol.trial_id, "language": g.language})
        return _with_language_cookie(app.make_response(render_template(
            "volunteer.html", protocol=protocol, rasa_port=rasa_port, init_payload=init_payload,
            set_language_payload="/set_language" + json.dumps({"language": g.language}),
            studies=[p.in_language(g.language) for p in studies],
            language=g.language, html_lang=i18n.HTML_LANG[g.language], html_langs=i18n.HTML_LANG,
            languages=[(code, i18n.NAMES[code]) for code in i18n.offered(source)])))

    def _with_language_cookie(response):
        if request.args.get("lang") == g.language:
            response.set_cookie("lang", g.language, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.errorhandler(ProtocolError)
    def _no_trial(_error):
        return "", 404

    def page_language(offered) -> str:
        """?lang= (the switch), else the cookie it left, else the browser's first choice we offer."""
        for choice in (request.args.get("lang"), request.cookies.get("lang")):
            if choice in offered:
                return choice
        best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans"], default="en")
        return i18n.CHINESE if best.startswith("zh") and i18n.CHINESE in offered else i18n.ENGLISH

    @app.get("/favicon.ico")
    def no_favicon():
        return "", 204

    @app.get("/vendor/rasa-webchat.js")
    def webchat_bundle():
        if not WEBCHAT_BUNDLE.exists():
            abort(404, "rasa-webchat is not installed: run `make setup`")
        return send_file(WEBCHAT_BUNDLE, mimetype="text/javascript", max_age=3600)

    return app


def serve() -> None:
    """`python -m bot web`: the page on 127.0.0.1:WEB_PORT."""
    from waitress import serve as waitress_serve

    waitress_serve(create_app(), host=os.environ.get("WEB_HOST", "127.0.0.1"), port=config.port("WEB_PORT", 8000),
                   threads=8, ident=None)

