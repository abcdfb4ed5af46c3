"""What becomes of a callback reply after an attempt (bot/callbacks.py): pure decisions, no server."""
import pytest

from bot.callbacks import Attempt, CallbackSettings, after

SETTINGS = CallbackSettings(url="http://127.0.0.1:9/bot", backoff_base=2.0, backoff_cap=60.0, retry_for=900.0)


def test_delivered_is_delivered():
    assert after(Attempt(), attempts=3, age=100.0, settings=SETTINGS) == ("delivered", None)


@pytest.mark.parametrize("error", ["HTTP 400", "HTTP 404", "HTTP 410", "InvalidURL"])
def test_what_no_retry_mends_fails_at_once(error):
    assert after(Attempt(error, retryable=False), attempts=1, age=0.0, settings=SETTINGS) == ("failed", None)


@pytest.mark.parametrize("attempts, low, high", [(1, 1, 2), (2, 2, 4), (3, 4, 8), (6, 30, 60), (12, 30, 60)])
def test_retries_back_off_exponentially_with_jitter_up_to_the_cap(attempts, low, high):
    for _ in range(50):
        result, delay = after(Attempt("could not connect", True), attempts, age=0.0, settings=SETTINGS)
        assert result == "retry" and low <= delay <= high


def test_retry_after_is_honoured():
    result, delay = after(Attempt("HTTP 429", True, retry_after=120.0), attempts=1, age=0.0, settings=SETTINGS)
    assert (result, delay) == ("retry", 120.0)


def test_no_retry_is_scheduled_past_the_window_after_the_reply_was_written():
    attempt = Attempt("timed out", True)
    assert after(attempt, attempts=1, age=899.5, settings=SETTINGS) == ("failed", None)  # 899.5 + 1..2 > 900
    assert after(attempt, attempts=1, age=850.0, settings=SETTINGS)[0] == "retry"
    assert after(Attempt("HTTP 503", True, retry_after=3600.0), 1, 0.0, SETTINGS) == ("failed", None)


def test_settings_from_the_environment(monkeypatch):
    for name in ("CALLBACK_URL", "CALLBACK_RETRY_BASE_SECONDS", "CALLBACK_RETRY_CAP_SECONDS",
                 "CALLBACK_RETRY_FOR_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    defaults = CallbackSettings.from_env()
    assert (defaults.url, defaults.backoff_base, defaults.backoff_cap, defaults.retry_for) == (
        "http://127.0.0.1:5034/bot", 2.0, 60.0, 900.0)
    monkeypatch.setenv("CALLBACK_URL", "http://127.0.0.1:7000/sms")
    monkeypatch.setenv("CALLBACK_RETRY_FOR_SECONDS", "60")
    configured = CallbackSettings.from_env()
    assert (configured.url, configured.retry_for) == ("http://127.0.0.1:7000/sms", 60.0)
