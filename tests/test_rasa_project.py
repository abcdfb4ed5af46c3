"""Rasa's own checks of the project: story tests against the trained model."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rasa_story_tests_pass(tmp_path):
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--stories", "tests/test_stories.yml",
         "--model", "models/prescreening.tar.gz", "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "failed_test_stories.yml").read_text().strip().endswith("None of the test stories failed - all good!")
