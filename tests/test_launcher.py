"""Start-up refuses a broken protocol file, naming the file, the criterion and the field."""
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_broken_protocol_file_stops_start_up(tmp_path):
    data = yaml.safe_load((ROOT / "data" / "trials" / "NCT04143984.yml").read_text(encoding="utf-8"))
    del data["criteria"][5]["why"]  # ecog
    broken = tmp_path / "NCT04143984.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "BOT_TRIALS_DIR": str(tmp_path), "BOT_VAR_DIR": str(tmp_path / "var"),
           "RASA_AUTH_TOKEN": "unused"}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert f"error: {broken}: criterion ecog, field why: field required" in done.stderr
    assert not (tmp_path / "var" / "log").exists()  # no server was started


def test_optional_channels_are_enabled_only_with_all_their_variables(tmp_path, monkeypatch):
    from bot.stack import write_credentials

    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TELEGRAM_ACCESS_TOKEN", "TELEGRAM_VERIFY",
                 "TELEGRAM_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret-token")
    monkeypatch.setenv("TWILIO_NUMBER", "+15550001111")
    path = tmp_path / "credentials.yml"
    assert write_credentials(path) == ["rest", "socketio", "callback", "twilio"]
    written = yaml.safe_load(path.read_text())
    assert written["twilio"] == {"account_sid": "${TWILIO_ACCOUNT_SID}", "auth_token": "${TWILIO_AUTH_TOKEN}",
                                 "twilio_number": "${TWILIO_NUMBER}"}  # no secret on disk
    assert "telegram" not in written and "secret-token" not in path.read_text()


def test_the_wechat_channel_is_enabled_by_its_token_and_safe_mode_by_its_two_settings(tmp_path, monkeypatch):
    from bot.stack import write_credentials

    for name in ("TWILIO_ACCOUNT_SID", "TELEGRAM_ACCESS_TOKEN", "WECHAT_TOKEN", "WECHAT_APPID",
                 "WECHAT_ENCODING_AES_KEY"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "credentials.yml"
    monkeypatch.setenv("WECHAT_APPID", "wx1234567890abcdef")  # alone it enables nothing
    assert "wechat" not in write_credentials(path)
    assert "rasa_addons.wechat.WeChatInput" not in yaml.safe_load(path.read_text())
    monkeypatch.setenv("WECHAT_TOKEN", "secret-token")
    monkeypatch.delenv("WECHAT_APPID")
    assert write_credentials(path)[-1] == "wechat"
    assert yaml.safe_load(path.read_text())["rasa_addons.wechat.WeChatInput"] == {"token": "${WECHAT_TOKEN}"}
    monkeypatch.setenv("WECHAT_APPID", "wx1234567890abcdef")
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", "k" * 43)
    write_credentials(path)
    assert yaml.safe_load(path.read_text())["rasa_addons.wechat.WeChatInput"] == {
        "token": "${WECHAT_TOKEN}", "appid": "${WECHAT_APPID}", "encoding_aes_key": "${WECHAT_ENCODING_AES_KEY}"}
    assert "secret-token" not in path.read_text()
