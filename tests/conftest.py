"""Shared fixtures. Every test gets its own SQLite database file unless it uses the running stack."""
import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from bot.importer import draft_protocol
from bot.protocol import load_protocol
from bot.stack import Settings, free_port, spawn_run, wait_running
from tests.receiver import Receiver, SmsGateway

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    """Tests marked `last` run after all others (they check what the whole run left behind)."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


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


WEBHOOK_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
# NCT04533620's study team has an endpoint and a signing key of its own (REFERRAL_WEBHOOK_URL_NCT04533620)
SECOND_TEAM_TRIAL = "NCT04533620"
SECOND_TEAM_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
WECHAT_TOKEN = "wx" + secrets.token_hex(8)  # the token a WeChat Official Account's console would hold


@pytest.fixture(scope="session")
def study_team():
    """The study team's webhook receiver that the running stack delivers referrals to."""
    receiver = Receiver(WEBHOOK_SECRET).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def second_team():
    """The webhook receiver of NCT04533620's own study team."""
    receiver = Receiver(SECOND_TEAM_SECRET).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def sms_gateway():
    """The SMS gateway that the callback channel sends the bot's messages to."""
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


REVIEWED_QUESTIONS = {  # what a coordinator wrote over the drafted questions of the imported NCT00000102
    "inc_diagnosed_with_chronic": "Has a neurologist (a doctor for the brain and nerves) told you that you "
                                      "have chronic migraine?",
    "inc_least_headache_days": "Do you have a headache on at least 8 days in a typical month?",
    "inc_willing_keep_daily": "Would you be willing to write down your headaches in a diary every day?",
}


@pytest.fixture(scope="session")
def trials_dir(tmp_path_factory):
    """data/trials plus a second trial, imported from the recorded registry JSON and then reviewed."""
    folder = tmp_path_factory.mktemp("trials")
    for path in (ROOT / "data" / "trials").glob("*.yml"):
        shutil.copy(path, folder / path.name)
    study = json.loads((ROOT / "tests" / "ctgov" / "NCT00000102.json").read_text(encoding="utf-8"))
    draft = draft_protocol(study, "2026-11-25T00:00:00Z")
    for criterion in draft["criteria"]:
        for prefix, question in REVIEWED_QUESTIONS.items():
            if criterion["id"].startswith(prefix):
                criterion.update(question=question, explanation="Your neurologist can tell you.", short="migraine")
        criterion["needs_review"] = False
    draft["review_required"] = False
    (folder / "NCT00000102.yml").write_text(yaml.safe_dump(draft, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def stack(tmp_path_factory, study_team, second_team, sms_gateway, trials_dir):
    """`python -m bot run` — what `make run` starts — on free ports and a fresh SQLite
    database, shared by every end-to-end test, and stopped with Ctrl-C (SIGINT) at the end."""
    workdir = tmp_path_factory.mktemp("stack")
    settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                        database_url=f"sqlite:///{workdir / 'bot.db'}", token=secrets.token_urlsafe(16),
                        web_port=free_port(), callback_url=sms_gateway.url, review_port=free_port())
    output = workdir / "run.out"
    process = spawn_run(settings, workdir, output, {
        "REFERRAL_WEBHOOK_URL": study_team.url, "REFERRAL_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REFERRAL_RETRY_BASE_SECONDS": "0.2", "REFERRAL_RETRY_CAP_SECONDS": "1", "BOT_TRIALS_DIR": str(trials_dir),
        "WECHAT_TOKEN": WECHAT_TOKEN, f"REFERRAL_WEBHOOK_URL_{SECOND_TEAM_TRIAL}": second_team.url,
        f"REFERRAL_WEBHOOK_SECRET_{SECOND_TEAM_TRIAL}": SECOND_TEAM_SECRET})
    running = RunningStack(settings, process, output)
    try:
        wait_running(process, output)
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        assert code == 0, output.read_text(errors="replace")
        assert _refuses(settings.rasa_port) and _refuses(settings.actions_port), "a server outlived Ctrl-C"


POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def postgres():
    """A function that creates a fresh PostgreSQL database on TEST_POSTGRES_URL and returns its URL; all
    are dropped at the end. Skipped, saying so, where no PostgreSQL answers; REQUIRE_POSTGRES=1 (set by
    .ci/run) makes that a failure instead."""
    import psycopg2

    try:
        admin = psycopg2.connect(f"{POSTGRES}/postgres", connect_timeout=5)
    except psycopg2.OperationalError as error:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {POSTGRES} does not answer: {error}")
        pytest.skip(f"SKIPPED: no PostgreSQL at {POSTGRES} ({error.__class__.__name__}); "
                    "set TEST_POSTGRES_URL or start one to run the PostgreSQL variants")
    admin.autocommit = True
    created = []

    def create() -> str:
        name = f"bot_test_{uuid.uuid4().hex[:12]}"
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"{POSTGRES}/{name}"

    yield create
    for name in created:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def redis_host():
    """REDIS_HOST for Rasa's lock store: 127.0.0.1:6379 (TEST_REDIS_PORT), skipped like PostgreSQL where no
    Redis answers (REQUIRE_REDIS=1, set by .ci/run, makes that a failure)."""
    import redis

    port = int(os.environ.get("TEST_REDIS_PORT", "6379"))
    try:
        redis.Redis("127.0.0.1", port, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (REQUIRE_REDIS=1) but 127.0.0.1:{port} does not answer: {error}")
        pytest.skip(f"SKIPPED: no Redis at 127.0.0.1:{port} ({error.__class__.__name__})")
    return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "REDIS_DB": "1",
            "REDIS_KEY_PREFIX": f"test{uuid.uuid4().hex[:8]}"}


def start_stack(workdir: Path, database_url: str, instances: int = 1, extra_env=None) -> RunningStack:
    """`python -m bot run` on free ports (consecutive ones for several instances) and this database."""
    settings = Settings(rasa_port=free_port(instances), actions_port=free_port(instances), database_url=database_url,
                        token=secrets.token_urlsafe(16), web_port=free_port(), review_port=free_port(),
                        instances=instances)
    output = workdir / "run.out"
    process = spawn_run(settings, workdir, output, extra_env)
    running = RunningStack(settings, process, output)
    try:
        wait_running(process, output)
    except Exception:
        stop_stack(running)
        raise
    return running


def stop_stack(running: RunningStack) -> int:
    running.process.send_signal(signal.SIGINT)
    return running.process.wait(timeout=60)


@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory, trials_dir, postgres):
    """The same stack on PostgreSQL."""
    running = start_stack(tmp_path_factory.mktemp("pg-stack"), postgres(), extra_env={"BOT_TRIALS_DIR": str(trials_dir)})
    yield running
    stop_stack(running)


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

    def events(self) -> list:
        """The conversation's events as Rasa stored them (read back through its HTTP API)."""
        s = self.stack.settings
        response = requests.get(f"{s.rasa_url}/conversations/{self.sender}/tracker", timeout=10,
                                params={"token": s.token, "include_events": "ALL"})
        response.raise_for_status()
        return response.json()["events"]

    def command(self, *args, input=None, timeout=60):
        """A `python -m bot` command in another process, on the stack's database."""
        env = {**os.environ, "BOT_DATABASE_URL": self.stack.settings.database_url}
        if self.stack.output is not None:  # the stack's own var/ folder: its keys (an SMS number's id, say)
            env["BOT_VAR_DIR"] = str(self.stack.output.parent)
        return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                              timeout=timeout, input=input)

    def referrals(self):
        done = self.command("referrals", "--json")
        assert done.returncode == 0, done.stderr
        return [r for r in json.loads(done.stdout) if r["sender_id"] == self.sender]

    def screening(self):
        """The stored screening, read by the documented command in another process."""
        done = self.command("screening", self.sender, "--json")
        if done.returncode == 1 and "no screening stored" in done.stderr:
            return None
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@contextlib.contextmanager
def database_unavailable(settings: Settings):
    """The stack's SQLite database made unavailable while the block runs: its files moved aside and a folder
    in the file's place, so SQLite cannot open it; everything is put back afterwards."""
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    aside = database.parent / "aside"
    aside.mkdir(exist_ok=True)
    moved = list(database.parent.glob(database.name + "*"))
    for path in moved:
        shutil.move(path, aside / path.name)
    database.mkdir()
    try:
        yield
    finally:
        database.rmdir()
        for path in moved:
            shutil.move(aside / path.name, path)


def sms_conversation(stack: RunningStack, phone: str) -> str:
    """The conversation id a stack gives the SMS volunteer with this phone number (bot/senders.py), with the
    key the stack generated into its var/ folder."""
    from bot.senders import sms_id
    return sms_id(phone, (stack.output.parent / "sender_id_key").read_text().strip().encode())


class SmsChat(Chat):
    """An SMS volunteer: the gateway posts as their phone number and receives the bot's messages for it;
    the stack knows the conversation by another id (chat.sender), which the tracker and our tables use."""

    def __init__(self, stack: RunningStack, phone: str):
        super().__init__(stack, sms_conversation(stack, phone))
        self.phone = phone


@pytest.fixture
def chat(stack, request):
    # (a sender id has at most 128 characters: long parametrized test names are cut)
    return Chat(stack, f"{re.sub(r'[^A-Za-z0-9_-]', '_', request.node.name)[:80]}-{uuid.uuid4().hex[:8]}")
