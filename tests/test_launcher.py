"""Start-up refuses a broken protocol file, naming the file, the criterion and the field."""
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_broken_protocol_file_stops_start_up(tmp_path):
    data = yaml.safe_load((ROOT / "data" / "trials" / "NCT04143984.yml").read_text(encoding="utf-8"))
    del data["criteria"][5]["explanation"]  # ecog
    broken = tmp_path / "NCT04143984.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "BOT_TRIALS_DIR": str(tmp_path), "BOT_VAR_DIR": str(tmp_path / "var"),
           "RASA_AUTH_TOKEN": "unused"}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert f"error: {broken}: criterion ecog, field explanation: field required" in done.stderr
    assert not (tmp_path / "var" / "log").exists()  # no server was started
