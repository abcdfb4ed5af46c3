"""The volunteer-facing page: the trial in plain words and the chat widget (rasa-webchat over socketio).

Served by Flask; Jinja2 escapes every value. The widget's script is the
pinned rasa-webchat bundle that `make setup` fetches from the npm registry
into var/web/, served from here (no CDN at run time).
"""
from __future__ import annotations

import json
import os

from flask import Flask, abort, render_template, request, send_file

from bot import config
from bot.protocol import default_trial_id, load_protocol

WEBCHAT_BUNDLE = config.PROJECT_DIR / "var" / "web" / "rasa-webchat.js"  # fetched by `make setup`


def create_app() -> Flask:
    app = Flask(__name__)
    rasa_port = config.port("RASA_PORT", 5005)

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
    def volunteer_page():
        protocol = load_protocol(default_trial_id())
        init_payload = "/greet" + json.dumps({"trial_id": protocol.trial_id})
        return render_template("volunteer.html", protocol=protocol, rasa_port=rasa_port, init_payload=init_payload)

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

