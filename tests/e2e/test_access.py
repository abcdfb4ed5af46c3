"""Access: every server of the stack listens on 127.0.0.1 only, and Rasa's HTTP API refuses requests
without the token (the review app's routes are swept in tests/test_review.py)."""
import pytest
import requests


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


@pytest.mark.parametrize("method,path", [
    ("GET", "/status"), ("GET", "/domain"), ("GET", "/conversations/anyone/tracker"),
    ("POST", "/conversations/anyone/tracker/events"), ("POST", "/conversations/anyone/messages"),
    ("POST", "/model/parse"), ("GET", "/conversations/anyone/story"), ("PUT", "/model"),
])
def test_rasa_http_api_refuses_without_the_token(stack, method, path):
    url = f"{stack.settings.rasa_url}{path}"
    assert requests.request(method, url, json={}, timeout=10).status_code == 401
    assert requests.request(method, url, params={"token": "wrong"}, json={}, timeout=10).status_code == 401
