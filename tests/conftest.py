"""Shared fixtures. Every test gets its own SQLite database file unless it uses the running stack."""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.protocol import load_protocol
from bot.stack import Settings, free_port, spawn_run, wait_running

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def protocol():
    return load_protocol("NCT04143984")


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A fresh, real SQLite database for the store, as BOT_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    return url


def _refuses(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class RunningStack:
    settings: Settings
    process: subprocess.Popen
    output: Path


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """`python -m bot run` — what `make run` starts — on free ports and a fresh SQLite
    database, shared by every end-to-end test, and stopped with Ctrl-C (SIGINT) at the end."""
    workdir = tmp_path_factory.mktemp("stack")
    settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                        database_url=f"sqlite:///{workdir / 'bot.db'}", token=secrets.token_urlsafe(16))
    output = workdir / "run.out"
    process = spawn_run(settings, workdir, output)
    running = RunningStack(settings, process, output)
    try:
        wait_running(process, output)
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        assert code == 0, output.read_text(errors="replace")
        assert _refuses(settings.rasa_port) and _refuses(settings.actions_port), "a server outlived Ctrl-C"


class Chat:
    """One volunteer's conversation over the REST channel, and what the servers recorded of it."""

    def __init__(self, stack: RunningStack, sender: str):
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
        if done.returncode == 1 and "no screening stored" in done.stderr:
            return None
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def chat(stack, request):
    return Chat(stack, f"{request.node.name}-{uuid.uuid4().hex[:8]}")
