"""The action server as `make run` starts it (python -m actions.server): rasa_sdk's own app, which
answers only requests carrying the shared secret that Rasa sends with every call (endpoints.yml,
action_endpoint.headers), and listens on 127.0.0.1. /health stays open for readiness checks; it
tells nothing about anyone.
"""
import argparse
import hmac
import os
import sys

from rasa_sdk import utils

from bot import redact
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response

HEADER = "X-Action-Token"


def create(token: str) -> Sanic:
    app = create_app("actions", cors_origins=None)  # only the Rasa server calls it, never a browser

    @app.middleware("request")
    async def require_token(request):
        if request.path != "/health" and not hmac.compare_digest(
                request.headers.get(HEADER, "").encode(), token.encode()):
            return response.json({"error": "this server answers only the Rasa server"}, status=401)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    token = os.environ.get("ACTION_SERVER_TOKEN")
    if not token:
        sys.exit("ACTION_SERVER_TOKEN is not set (python -m bot run generates one)")
    redact.install()  # before the first log line: no volunteer's text in actions.log (bot/redact.py)
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    create(token).run(os.environ.get("SANIC_HOST", "127.0.0.1"), args.port, workers=1)


if __name__ == "__main__":
    main()
