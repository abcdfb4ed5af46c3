"""The protocol file: the contract's 25 criteria, and validation that names file, criterion and field."""
from pathlib import Path

import pytest
import yaml

from bot.protocol import ProtocolError, load_protocol_file

TRIAL_FILE = Path(__file__).resolve().parents[2] / "data" / "trials" / "NCT04143984.yml"

# ARCHITECTURE.md's criterion ids, in the order of the listing.
INCLUSION = ["prior_imrt", "recurrence_interval", "neck_dissection", "measurable_lesion", "age", "ecog",
             "blood_counts", "organ_function", "contraception", "consent_capacity"]
EXCLUSION = ["distant_metastasis", "particle_implant", "prior_malignancy", "other_treatment", "active_infection",
             "pneumonia", "autoimmune", "hiv", "hepatitis", "prior_checkpoint", "needs_antibiotics_steroids",
             "recent_antibiotics", "drug_allergy", "pregnant_lactating", "severe_comorbidity"]

SEED = (Path(__file__).resolve().parents[3] / "shared" / "seed" / "NCT04143984.md")


def test_all_25_criteria_with_the_contract_ids_in_listing_order(protocol):
    assert [c.id for c in protocol.criteria] == INCLUSION + EXCLUSION
    assert {c.id: c.kind for c in protocol.criteria} == {
        **{i: "inclusion" for i in INCLUSION}, **{i: "exclusion" for i in EXCLUSION}}


def test_every_question_is_asked_once(protocol):
    assert sorted(c.id for c in protocol.questions) == sorted(INCLUSION + EXCLUSION)
    assert protocol.questions[0].id == "age"  # quick knock-outs first, see order_rationale


@pytest.mark.skipif(not SEED.exists(), reason="the listing copy in ../shared/seed is not beside this checkout")
def test_original_text_is_the_listings_verbatim(protocol):
    listing = SEED.read_text(encoding="utf-8")
    for criterion in protocol.criteria:
        assert f"- {criterion.text}\n" in listing, criterion.id


def test_plain_language_fields_are_present_and_short(protocol):
    for c in protocol.criteria:
        assert "?" in c.question, c.id
        assert len(c.question) < 400, c.id
        for field in (c.why, c.explanation, c.ruled_out, c.doctor_check, c.short):
            assert field.strip(), c.id


def test_lab_criteria_say_not_sure_is_normal(protocol):
    flagged = {c.id for c in protocol.criteria if c.not_sure_is_normal}
    assert flagged == {"blood_counts", "organ_function"}
    for cid in flagged:
        assert "not sure" in protocol.by_id[cid].question.lower()


def _broken(tmp_path, change):
    data = yaml.safe_load(TRIAL_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "NCT04143984.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_field_names_file_criterion_and_field(tmp_path):
    path = _broken(tmp_path, lambda d: d["criteria"][3].pop("why"))
    with pytest.raises(ProtocolError) as error:
        load_protocol_file(path)
    message = str(error.value)
    assert str(path) in message and "criterion measurable_lesion" in message and "field why" in message


def test_unquoted_yes_read_as_boolean_is_refused(tmp_path):
    path = _broken(tmp_path, lambda d: d["criteria"][0].update(met_when=True))
    with pytest.raises(ProtocolError, match=r"criterion prior_imrt, field met_when: .*quotes"):
        load_protocol_file(path)


def test_wrong_polarity_is_refused(tmp_path):
    path = _broken(tmp_path, lambda d: d["criteria"][10].update(met_when="yes"))  # distant_metastasis
    with pytest.raises(ProtocolError, match=r"criterion distant_metastasis: met_when of an exclusion"):
        load_protocol_file(path)


def test_order_must_list_every_criterion(tmp_path):
    path = _broken(tmp_path, lambda d: d["order"].remove("hiv"))
    with pytest.raises(ProtocolError, match=r"missing: \['hiv'\]"):
        load_protocol_file(path)


def test_number_criterion_needs_its_ranges(tmp_path):
    path = _broken(tmp_path, lambda d: d["criteria"][4].pop("met"))
    with pytest.raises(ProtocolError, match=r"criterion age: a number criterion needs met"):
        load_protocol_file(path)


def test_not_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "NCT00000001.yml"
    bad.write_text("criteria: [unclosed", encoding="utf-8")
    with pytest.raises(ProtocolError, match="not valid YAML"):
        load_protocol_file(bad)
    with pytest.raises(ProtocolError, match="cannot read"):
        load_protocol_file(tmp_path / "NCT00000002.yml")
