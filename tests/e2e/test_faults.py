"""Faults, through real servers of their own (the `servers` fixture, not the shared stack, which must stay healthy):
the action server goes down, the database becomes unavailable, every process restarts mid-screening.
In each case the volunteer is told, nothing stored is lost, and the screening carries on at the same question.
"""
import os
import secrets
import signal
import time

from bot.stack import Settings, free_port, spawn_run, wait_running
from tests.conftest import Chat, RunningStack, database_unavailable
from tests.e2e.test_conversations import PROTOCOL, eligible_reply

TROUBLE = "we are having trouble"
FIRST = PROTOCOL.order[:4]  # age, distant metastasis, prior IMRT, ...


def timed_say(chat, text):
    started = time.monotonic()
    chat.say(text)
    elapsed = time.monotonic() - started
    print(f"\nreply in {elapsed * 1000:.0f} ms: {chat.texts[:60]!r}")
    return elapsed


def started_screening(stack, name):
    chat = Chat(RunningStack(stack.settings, None, None), f"{name}-{secrets.token_hex(4)}")
    chat.say("hello")
    chat.say("yes")
    chat.say("I'm 45")
    assert "Question 2 of 25" in chat.texts
    return chat


def test_action_server_down_gets_a_clear_reply_and_the_screening_resumes(servers):
    chat = started_screening(servers, "actions-down")
    actions = servers.children["actions"]
    os.killpg(actions.pid, signal.SIGKILL)
    actions.wait()

    assert timed_say(chat, eligible_reply(FIRST[1])) < 5
    assert TROUBLE in chat.texts.lower()
    assert chat.slots()["current_criterion"] == FIRST[1]  # nothing moved on

    servers.start_actions()
    servers.wait_ready()
    chat.say(eligible_reply(FIRST[1]))
    assert "Question 3 of 25" in chat.texts
    assert list(chat.screening()["answers"]) == list(FIRST[:2])


def test_database_unavailable_fails_closed_and_nothing_is_lost(servers):
    chat = started_screening(servers, "db-down")
    chat.say(eligible_reply(FIRST[1]))
    events_before = len(chat.events())
    with database_unavailable(servers.settings):
        for _ in range(2):
            assert timed_say(chat, eligible_reply(FIRST[2])) < 5
            assert TROUBLE in chat.texts.lower()

    events = chat.events()
    assert len(events) == events_before  # the stand-in conversation was not stored, nor mixed in
    assert chat.slots()["current_criterion"] == FIRST[2]
    chat.say(eligible_reply(FIRST[2]))
    assert "Question 4 of 25" in chat.texts
    assert list(chat.screening()["answers"]) == list(FIRST[:3])


def test_restarting_every_process_mid_screening_loses_nothing(tmp_path):
    settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                        database_url=f"sqlite:///{tmp_path / 'bot.db'}", token=secrets.token_urlsafe(16),
                        web_port=free_port(), review_port=free_port())

    def start(run):
        output = tmp_path / f"run{run}.out"
        process = spawn_run(settings, tmp_path, output)
        wait_running(process, output)
        return process

    process = start(1)
    try:
        chat = Chat(RunningStack(settings, process, None), f"restart-{secrets.token_hex(4)}")
        chat.say("hello")
        chat.say("yes")
        chat.say("I'm 45")
        chat.say(eligible_reply(FIRST[1]))
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    process = start(2)
    try:
        chat.say(eligible_reply(FIRST[2]))
        assert "Question 4 of 25" in chat.texts
        assert set(chat.slots()["screening_answers"]) == set(FIRST[:3])
        assert list(chat.screening()["answers"]) == list(FIRST[:3])
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0


def _settings(tmp_path):
    return Settings(rasa_port=free_port(), actions_port=free_port(), database_url=f"sqlite:///{tmp_path / 'bot.db'}",
                    token=secrets.token_urlsafe(16), web_port=free_port(), review_port=free_port())


def test_killing_the_launcher_outright_leaves_no_server_behind(tmp_path):
    """SIGKILL gives the launcher no chance to stop anything: every server must end anyway (bot.child),
    so the next `make run` finds its ports free."""
    from tests.conftest import _refuses
    settings = _settings(tmp_path)
    output = tmp_path / "run.out"
    process = spawn_run(settings, tmp_path, output)
    wait_running(process, output)
    ports = [settings.rasa_port, settings.actions_port, settings.web_port, settings.review_port]
    assert not any(_refuses(p) for p in ports)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 30
    while not all(_refuses(p) for p in ports) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p for p in ports if not _refuses(p)] == []
    again = spawn_run(settings, tmp_path, tmp_path / "run2.out")  # and it starts again on the same ports
    try:
        wait_running(again, tmp_path / "run2.out")
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=90) == 0


def test_a_port_in_use_is_named_with_what_holds_it(tmp_path):
    import socket
    settings = _settings(tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", settings.web_port))
        holder.listen()
        output = tmp_path / "run.out"
        process = spawn_run(settings, tmp_path, output)
        assert process.wait(timeout=120) != 0
    said = output.read_text(errors="replace")
    assert f"port {settings.web_port} (WEB_PORT) is in use by process {os.getpid()}" in said, said[-600:]
    assert not (tmp_path / "log" / "rasa.log").exists()  # nothing was started
