"""Access: every server of the stack listens on 127.0.0.1 only; every route of Rasa's HTTP API and of the
action server refuses requests without their token (the review app's routes are swept in tests/test_review.py;
the volunteers' page is public and holds no one's data)."""
import re
from pathlib import Path

import rasa
import requests

from actions.server import HEADER, create

# Public by design: Rasa's hello and version routes, and the action server's readiness check.
PUBLIC = {("rasa", "GET", "/"), ("rasa", "GET", "/version"), ("actions", "GET", "/health")}


def rasa_api_routes():
    """(method, path) of every route Rasa's HTTP API defines, read from rasa/server.py."""
    source = (Path(rasa.__file__).parent / "server.py").read_text()
    return [(method.upper(), re.sub(r"<[^>]+>", "anyone", path))
            for method, path in re.findall(r'@app\.(get|post|put|delete)\("([^"]+)"', source)]


def action_server_routes():
    return [(method, route.path if route.path.startswith("/") else "/" + route.path)
            for route in create("not-used").router.routes for method in route.methods if method != "OPTIONS"]


def listening_addresses(port):
    """Local addresses in LISTEN state for a TCP port, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


def test_every_server_listens_on_loopback_only(stack):
    s = stack.settings
    for port in (s.rasa_port, s.actions_port, s.web_port, s.review_port):
        assert listening_addresses(port) == ["0100007F"], port  # 127.0.0.1, and no IPv6 / 0.0.0.0 listener


def test_every_rasa_api_route_refuses_without_the_token(stack):
    routes = rasa_api_routes()
    assert len(routes) >= 19 and ("POST", "/conversations/anyone/tracker/events") in routes
    answered = {}
    for method, path in routes:
        if ("rasa", method, path) in PUBLIC:
            continue
        url = f"{stack.settings.rasa_url}{path}"
        answered[method, path] = (requests.request(method, url, json={}, timeout=10).status_code,
                                  requests.request(method, url, params={"token": "wrong"}, json={},
                                                   timeout=10).status_code)
    assert {route: codes for route, codes in answered.items() if codes != (401, 401)} == {}


def test_every_action_server_route_refuses_without_the_token(stack):
    routes = action_server_routes()
    assert ("POST", "/webhook") in routes and ("GET", "/actions") in routes
    url = f"http://127.0.0.1:{stack.settings.actions_port}"
    for method, path in routes:
        if ("actions", method, path) in PUBLIC:
            assert requests.request(method, url + path, timeout=10).ok
            continue
        assert requests.request(method, url + path, json={}, timeout=10).status_code == 401, path
        assert requests.request(method, url + path, json={}, headers={HEADER: "wrong"},
                                timeout=10).status_code == 401, path
