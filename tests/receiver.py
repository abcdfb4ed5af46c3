"""A real webhook receiver on 127.0.0.1 that plays the study team's system in tests.

It verifies Standard Webhooks signatures with the `standardwebhooks` library,
applies each `webhook-id` once (de-duplication, as a receiver should), and can
be scripted to answer with given status codes or to hang.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, secret: str, port: int = 0):
        self.secret = secret
        self.script: list = []  # status codes (or (status, headers)) to answer with in turn; then 200
        self.hang = threading.Event()  # while set, requests are held (to kill a sender mid-delivery)
        self.received: List[str] = []  # every webhook-id that arrived with a valid signature
        self.arrivals: List[float] = []  # time.monotonic() of each of those
        self.applied: dict = {}  # webhook-id -> payload, each applied once
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.server: Optional[ThreadingHTTPServer] = None
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/referrals"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    return self._answer(401)
                webhook_id = self.headers["webhook-id"]
                with receiver.lock:
                    receiver.received.append(webhook_id)
                    receiver.arrivals.append(time.monotonic())
                    status = receiver.script.pop(0) if receiver.script else 200
                while receiver.hang.is_set():
                    time.sleep(0.05)
                status, headers = status if isinstance(status, tuple) else (status, {})
                if status == 200:
                    with receiver.lock:
                        receiver.applied.setdefault(webhook_id, payload)
                self._answer(status, headers)

            def _answer(self, status, headers=None):
                try:
                    self.send_response(status)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"status": status}).encode())
                except OSError:  # the sender is gone (killed mid-delivery)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class SmsGateway:
    """Plays an SMS / messaging gateway for Rasa's callback channel: records every bot message it accepts.

    `port` 0 takes a free port; a given one lets a test start the gateway where the bot already sends.
    `script`: status codes (or (status, headers)) to answer with in turn, then 200; only a 2xx is accepted."""

    def __init__(self, port: int = 0):
        self.messages: List[dict] = []  # accepted (2xx), in arrival order
        self.refused: List[dict] = []  # answered with another status
        self.script: list = []
        self.lock = threading.Lock()
        self.server: Optional[ThreadingHTTPServer] = None
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> "SmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with gateway.lock:
                    status = gateway.script.pop(0) if gateway.script else 200
                    status, headers = status if isinstance(status, tuple) else (status, {})
                    (gateway.messages if 200 <= status < 300 else gateway.refused).append(json.loads(body))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def for_recipient(self, recipient: str) -> List[dict]:
        with self.lock:
            return [m for m in self.messages if m.get("recipient_id") == recipient]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
