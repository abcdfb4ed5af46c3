"""`python -m bot import-trial / validate-trial / check-trial` against a local stand-in for ClinicalTrials.gov."""
import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.protocol import ProtocolNotReady, load_protocol, load_protocol_file
from bot.stack import free_port, validate_trials
from tests.ctgov_server import FakeRegistry, record

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def registry():
    running = FakeRegistry().start()
    yield running
    running.stop()


def bot(registry_url, *args, timeout=60):
    env = {**os.environ, "CTGOV_BASE_URL": registry_url, "CTGOV_READ_TIMEOUT": "1"}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def imported(registry, tmp_path, nct_id):
    done = bot(registry.base_url, "import-trial", nct_id, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    return load_protocol_file(tmp_path / f"{nct_id}.yml")


def test_import_drafts_every_criterion_verbatim_and_marked_for_review(registry, tmp_path):
    protocol = imported(registry, tmp_path, "NCT04143984")
    source = record("NCT04143984")["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    parsed = [c for c in protocol.criteria if c.id != "age"]
    assert [c.kind for c in parsed] == ["inclusion"] * 9 + ["exclusion"] * 7
    assert all(f"* {c.text}\n" in source + "\n" for c in parsed)  # verbatim
    assert all(c.needs_review for c in protocol.criteria) and protocol.review_required
    age = protocol.by_id["age"]
    assert (age.answer_type, age.met.min, age.met.max) == ("number", 18, 69)
    assert protocol.sponsor == "Shanghai Proton and Heavy Ion Center" and protocol.study_team.default_phone_region == "CN"
    assert protocol.provenance.last_update == "2022-05-13" and len(protocol.provenance.eligibility_sha256) == 64
    assert [a["label"] for a in protocol.registry["arms"]] == ["CIRT alone", "CIRT plus camrelizumab"]
    assert "prescreening-bot" in registry.user_agents[0]
    # ids are stable: importing again gives the same ids
    again = bot(registry.base_url, "import-trial", "NCT04143984", "--out", str(tmp_path / "again"))
    assert again.returncode == 0
    assert [c.id for c in load_protocol_file(tmp_path / "again" / "NCT04143984.yml").criteria] == [
        c.id for c in protocol.criteria]


def test_numbered_lists_nested_bullets_and_heading_variants(registry, tmp_path):
    protocol = imported(registry, tmp_path, "NCT00000101")
    parsed = [c for c in protocol.criteria if c.id != "age"]
    assert [c.kind for c in parsed] == ["inclusion"] * 3 + ["exclusion"] * 3
    assert parsed[1].text == ("HbA1c between 7.0% and 10.5%, inclusive\na. measured within 3 months before screening\n"
                              "b. by a certified laboratory")
    assert parsed[4].text.startswith("Any of the following heart conditions:\n- heart attack in the last 6 months")


def test_no_exclusion_section_and_open_ended_age(registry, tmp_path):
    protocol = imported(registry, tmp_path, "NCT00000102")
    assert [c.kind for c in protocol.criteria] == ["inclusion"] * 4
    assert (protocol.by_id["age"].met.min, protocol.by_id["age"].met.max) == (18, 120)


def test_only_structured_age_and_sex(registry, tmp_path):
    protocol = imported(registry, tmp_path, "NCT00000103")
    assert [c.id for c in protocol.criteria] == ["age", "sex"]
    assert (protocol.by_id["age"].met.min, protocol.by_id["age"].met.max) == (50, 79)
    assert "female" in protocol.by_id["sex"].question


def test_drafts_are_not_screened_until_reviewed(registry, tmp_path, monkeypatch):
    imported(registry, tmp_path, "NCT00000102")
    checked = bot(registry.base_url, "validate-trial", str(tmp_path / "NCT00000102.yml"))
    assert checked.returncode == 1 and "not screened until reviewed" in checked.stdout and "age" in checked.stdout
    (tmp_path / "NCT04143984.yml").write_text((ROOT / "data/trials/NCT04143984.yml").read_text(encoding="utf-8"))
    monkeypatch.setenv("BOT_TRIALS_DIR", str(tmp_path))
    assert validate_trials() == ["NCT04143984"]
    with pytest.raises(ProtocolNotReady, match="review_required"):
        load_protocol("NCT00000102")
    data = yaml.safe_load((tmp_path / "NCT00000102.yml").read_text(encoding="utf-8"))
    data["review_required"] = False
    for criterion in data["criteria"]:
        criterion["needs_review"] = False
    (tmp_path / "NCT00000102.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert bot(registry.base_url, "validate-trial", str(tmp_path / "NCT00000102.yml")).returncode == 0


def test_check_trial_reports_registry_changes(registry, tmp_path):
    imported(registry, tmp_path, "NCT00000102")
    same = bot(registry.base_url, "check-trial", "NCT00000102", "--out", str(tmp_path))
    assert same.returncode == 0 and "unchanged" in same.stdout
    changed = copy.deepcopy(record("NCT00000102"))
    module = changed["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(
        "At least 8 headache days per month", "At least 10 headache days per month")
    registry.overrides["NCT00000102"] = changed
    report = bot(registry.base_url, "check-trial", "NCT00000102", "--out", str(tmp_path))
    assert report.returncode == 1 and "CHANGED" in report.stdout
    assert "At least 10 headache days per month" in report.stdout and "inc_least_headache_days" in report.stdout


def test_503_twice_then_200_is_retried(registry, tmp_path):
    imported(registry, tmp_path, "NCT09999503")
    assert registry.requests["NCT09999503"] == 3


def test_429_waits_for_retry_after(registry, tmp_path):
    started = time.monotonic()
    imported(registry, tmp_path, "NCT09999429")
    assert registry.requests["NCT09999429"] == 2 and time.monotonic() - started >= 1


@pytest.mark.parametrize("nct_id,code,message", [
    ("NCT0414398", 3, "is not an NCT id"),
    ("NCT09999404", 4, "has no study NCT09999404"),
    ("NCT09999408", 6, "did not answer within 1 s"),
    ("NCT09999777", 8, "not a study record"),
])
def test_failures_are_clear_have_their_own_exit_code_and_write_nothing(registry, tmp_path, nct_id, code, message):
    done = bot(registry.base_url, "import-trial", nct_id, "--out", str(tmp_path))
    assert (done.returncode, done.stdout) == (code, "")
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_network_down(tmp_path):
    done = bot(f"http://127.0.0.1:{free_port()}/api/v2", "import-trial", "NCT04143984", "--out", str(tmp_path))
    assert done.returncode == 5 and "could not reach ClinicalTrials.gov" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_not_replaced_without_force(registry, tmp_path):
    imported(registry, tmp_path, "NCT00000102")
    again = bot(registry.base_url, "import-trial", "NCT00000102", "--out", str(tmp_path))
    assert again.returncode == 2 and "--force" in again.stderr
