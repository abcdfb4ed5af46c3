"""Shared fixtures. Every test gets its own SQLite database file unless it uses the running stack."""
import json
import os
import secrets
import socket
import subprocess
import sys
import uuid

import pytest
import requests

from bot.protocol import load_protocol
from bot.stack import Settings, Stack


@pytest.fixture(scope="session")
def protocol():
    return load_protocol("NCT04143984")


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A fresh, real SQLite database for the store, as BOT_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The real action server and Rasa server, started the way `make run` starts them,
    on free ports and a fresh SQLite database; shared by every end-to-end test."""
    workdir = tmp_path_factory.mktemp("stack")
    settings = Settings(rasa_port=_free_port(), actions_port=_free_port(),
                        database_url=f"sqlite:///{workdir / 'bot.db'}", token=secrets.token_urlsafe(16))
    running = Stack(settings, workdir / "log")
    try:
        running.start_actions()
        running.start_rasa()
        running.wait_ready()
        yield running
    finally:
        running.stop()


class Chat:
    """One volunteer's conversation over the REST channel, and what the servers recorded of it."""

    def __init__(self, stack: Stack, sender: str):
        self.stack, self.sender = stack, sender
        self.last: list = []

    def say(self, text: str) -> list:
        response = requests.post(f"{self.stack.settings.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=30)
        response.raise_for_status()
        self.last = response.json()
        return self.last

    @property
    def texts(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)

    def slots(self) -> dict:
        s = self.stack.settings
        response = requests.get(f"{s.rasa_url}/conversations/{self.sender}/tracker", params={"token": s.token},
                                timeout=10)
        response.raise_for_status()
        return response.json()["slots"]

    def screening(self):
        """The stored screening, read by the documented command in another process."""
        env = {**os.environ, "BOT_DATABASE_URL": self.stack.settings.database_url}
        done = subprocess.run([sys.executable, "-m", "bot", "screening", self.sender, "--json"], env=env,
                              capture_output=True, text=True, timeout=60)
        return json.loads(done.stdout) if done.returncode == 0 else None


@pytest.fixture
def chat(stack, request):
    return Chat(stack, f"{request.node.name}-{uuid.uuid4().hex[:8]}")
