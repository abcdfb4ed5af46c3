"""Rasa's own checks of the project: story tests against the trained model."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
# utter_trouble is predicted by rasa_addons.policy.TroublePolicy, not by a rule.
KNOWN_FALSE_WARNING = re.compile(r"The utterance 'utter_trouble' is not used in any story or rule")


def test_rasa_data_validate_is_clean():
    done = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--data", "data/nlu.yml", "data/rules.yml",
         "data/stories.yml"], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    warnings = [line for line in (done.stdout + done.stderr).splitlines()
                if "UserWarning" in line and not KNOWN_FALSE_WARNING.search(line)]
    assert not warnings


def test_rasa_story_tests_pass(tmp_path):
    env = ENV
    done = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--stories", "tests/test_stories.yml",
         "--model", "models/prescreening.tar.gz", "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "failed_test_stories.yml").read_text().strip().endswith("None of the test stories failed - all good!")
