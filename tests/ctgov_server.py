"""A local stand-in for the ClinicalTrials.gov API v2, serving the recorded studies in tests/ctgov/.

Special ids play the registry's bad days: NCT09999503 answers 503 twice then 200, NCT09999429 answers
429 with Retry-After: 1 then 200, NCT09999408 takes longer than any test's read timeout, NCT09999777
answers JSON that is not a study; any other unknown id is a 404.
"""
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDS = Path(__file__).resolve().parent / "ctgov"


def record(nct_id: str, like: str = "NCT00000101") -> dict:
    path = RECORDS / f"{nct_id}.json"
    study = json.loads((path if path.exists() else RECORDS / f"{like}.json").read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["nctId"] = nct_id
    return study


class FakeRegistry:
    def __init__(self):
        self.requests = Counter()
        self.user_agents = []
        self.overrides = {}  # nct_id -> study, to play a registry that changed
        self.server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def start(self) -> "FakeRegistry":
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                nct_id = self.path.rsplit("/", 1)[-1]
                registry.requests[nct_id] += 1
                registry.user_agents.append(self.headers.get("User-Agent", ""))
                seen = registry.requests[nct_id]
                if nct_id == "NCT09999503" and seen <= 2:
                    return self._send(503, {"error": "unavailable"})
                if nct_id == "NCT09999429" and seen == 1:
                    return self._send(429, {"error": "slow down"}, {"Retry-After": "1"})
                if nct_id == "NCT09999408":
                    time.sleep(3)
                    return self._send(200, record(nct_id))
                if nct_id == "NCT09999777":
                    return self._send(200, {"studies": []})
                if nct_id in registry.overrides:
                    return self._send(200, registry.overrides[nct_id])
                if (RECORDS / f"{nct_id}.json").exists() or nct_id in ("NCT09999503", "NCT09999429"):
                    return self._send(200, record(nct_id))
                return self._send(404, {"error": "not found"})

            def _send(self, status, body, headers=None):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
