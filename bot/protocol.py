"""A trial's screening protocol: loaded from data/trials/<NCT id>.yml and validated.

The protocol file is the single source of truth for criteria, questions,
explanations and the rules that map answers to met / not met. Loading fails
loudly, naming the file, the criterion and the field, so a broken file stops
start-up instead of mis-screening volunteers.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple, Union

import yaml
from pydantic import BaseModel, ValidationError, root_validator, validator

from bot import shared_questions

TRIALS_DIR = Path(__file__).resolve().parent.parent / "data" / "trials"
DEFAULT_TRIAL_ID = "NCT04143984"
BRIEF_QUESTION_CHARS = 119  # with "Q12 of 25: " and "\nReply 1 Yes, 2 No, 3 Not sure", one SMS of 160

YesNo = Literal["yes", "no"]
Answer = Union[Literal["yes", "no", "not_sure"], int]


class ProtocolError(ValueError):
    """A protocol file is missing or invalid; the message names file, criterion and field."""


class ProtocolNotReady(ProtocolError):
    """A drafted protocol whose questions a person has not yet reviewed: the bot does not screen with it."""


class _Frozen(BaseModel):
    class Config:
        frozen = True
        extra = "forbid"
        anystr_strip_whitespace = True
        min_anystr_length = 1


class Range(_Frozen):
    min: int
    max: int

    @root_validator(skip_on_failure=True)
    def _ordered(cls, values):
        if values["min"] > values["max"]:
            raise ValueError("min must not be greater than max")
        return values

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.min <= number <= self.max


class Measure(_Frozen):
    """A quantity a volunteer may type instead of yes/no, e.g. "I had 70 Gy"."""

    unit: str
    met_at_least: float


class VolunteerTexts(_Frozen):
    """What a volunteer reads of a criterion: its topic, question, reason, explanation, ruled-out sentence, the
    doctor check, and the ruling-out answer restated (read back before a typed one is recorded)."""

    short: str
    question: str
    why: str
    explanation: str
    ruled_out: str
    doctor_check: str
    confirm: Optional[str] = None
    # The question for text channels (SMS, WeChat): at most BRIEF_QUESTION_CHARS characters, so that with its
    # number and "Reply 1 Yes, 2 No, 3 Not sure" it fits one SMS. None: `question` is sent as it is.
    brief_question: Optional[str] = None

    @validator("brief_question")
    def _brief(cls, value):
        if value is not None and len(value) > BRIEF_QUESTION_CHARS:
            raise ValueError(f"at most {BRIEF_QUESTION_CHARS} characters (it has {len(value)})")
        return value


class CriterionText(VolunteerTexts):
    """A criterion's volunteer-facing texts in one more language, and whether the study team approved them."""

    approved: bool = False  # stays false until the study team has read and approved the translation


CRITERION_TEXTS = tuple(VolunteerTexts.__fields__)


class Criterion(VolunteerTexts):
    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    answer_type: Literal["yes_no", "number"] = "yes_no"
    met_when: Optional[YesNo] = None
    unit: Optional[str] = None
    plausible: Optional[Range] = None
    met: Optional[Range] = None
    measure: Optional[Measure] = None
    not_sure_is_normal: bool = False
    concept: Optional[str] = None  # the entry of data/concepts/<language>.yml whose words state this criterion
    # The shared question it asks (data/concepts/questions.yml; its id is the key): answered once for every trial.
    shared: Optional[str] = None
    # Other registry criteria this one also answers (e.g. an exclusion that is this inclusion said the other way
    # round), so `check-trial` does not report them as new.
    covers: Tuple[str, ...] = ()
    # Where a criterion that is not in the registry's list comes from (e.g. the trial's design, "for newly
    # diagnosed cancer"): `check-trial` does not report it as removed.
    derived_from: Optional[str] = None
    needs_review: bool = False  # drafted by `python -m bot import-trial`; a person must rewrite and clear it
    # The volunteer-facing texts in other languages (language code -> texts); `text` stays the registry's own.
    translations: Dict[str, CriterionText] = {}

    @validator("met_when", pre=True)
    def _no_yaml_booleans(cls, value):
        if isinstance(value, bool):
            raise ValueError('write "yes" or "no" in quotes; YAML read it as a boolean')
        return value

    @root_validator(skip_on_failure=True)
    def _rule_matches_type(cls, values):
        if values["answer_type"] == "yes_no":
            if values["met_when"] is None:
                raise ValueError("met_when is required for a yes_no criterion")
            # The polarity contract: "yes" means the statement is true of the volunteer.
            expected = "yes" if values["kind"] == "inclusion" else "no"
            if values["met_when"] != expected:
                raise ValueError(f"met_when of an {values['kind']} criterion must be {expected!r}")
            if values["met"] or values["plausible"]:
                raise ValueError("met/plausible ranges only apply to number criteria")
            from bot.concepts import catalogue

            if values["concept"] is not None and values["concept"] not in catalogue():
                raise ValueError(f"concept {values['concept']!r} is not in the concept catalogue (data/concepts/)")
        else:
            missing = [f for f in ("unit", "plausible", "met") if values[f] is None]
            if missing:
                raise ValueError(f"a number criterion needs {', '.join(missing)}")
            if values["met_when"] is not None or values["measure"] is not None:
                raise ValueError("met_when/measure only apply to yes_no criteria")
        return values

    def in_language(self, language: str, current: str) -> "Criterion":
        """This criterion with its volunteer-facing texts in `language` (from `current`, the language its
        texts are in now: the texts it leaves are kept under translations[current])."""
        texts = self.translations.get(language)
        if texts is None or language == current:
            return self
        own = CriterionText(**{f: getattr(self, f) for f in CRITERION_TEXTS}, approved=True)
        update = {f: getattr(texts, f) for f in CRITERION_TEXTS if getattr(texts, f) is not None}
        update["brief_question"] = texts.brief_question  # none in this language: its full question, not another's brief
        return self.copy(update={**update, "translations": {**self.translations, current: own}})

    def rules_out(self, answer: Answer) -> bool:
        """True when this answer means the volunteer probably does not qualify."""
        if answer == "not_sure":
            return False
        if self.answer_type == "number":
            return isinstance(answer, int) and answer not in self.met
        return answer != self.met_when


class TrialInfo(_Frozen):
    about: str
    treatment: str
    sponsor: str
    size: str
    what_happens: str


class StudyTeam(_Frozen):
    """Who receives this trial's referrals, and how volunteers' phone numbers are read."""

    site: str
    # Where the trial runs, in plain words for the volunteers' page (e.g. "Shanghai, China").
    location: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    # Where the site is, in the registry's words (English): said to volunteers and used to search
    # ClinicalTrials.gov for other trials near it (bot/next_steps.py).
    city: Optional[str] = None
    country: Optional[str] = None
    # ISO 3166 region for phone numbers typed without a country code, e.g. "CN".
    default_phone_region: str
    # The site's time zone (IANA name): coordinators see times in it, and the first-contact target counts its
    # working days (bot/sitetime.py).
    timezone: str = "UTC"
    # How soon a referral should get its first contact attempt, in the site's working days (Monday to Friday).
    first_contact_working_days: int = 1

    @validator("timezone")
    def _known_timezone(cls, value):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not a time zone name (IANA, e.g. Asia/Shanghai): {value!r}") from None
        return value

    @validator("first_contact_working_days")
    def _positive(cls, value):
        if value < 1:
            raise ValueError("at least 1 working day")
        return value

    @validator("default_phone_region")
    def _known_region(cls, value):
        import phonenumbers

        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"not a phone region phonenumbers knows: {value!r}")
        return value


class ProtocolText(_Frozen):
    """A protocol's own volunteer-facing texts in one more language."""

    title: str
    short_title: str
    headline: Optional[str] = None
    summary: str
    intro: str
    consent_question: str
    site: str
    location: Optional[str] = None
    info: TrialInfo
    brief_intro: Optional[str] = None
    brief_consent_question: Optional[str] = None
    approved: bool = False


PROTOCOL_TEXTS = ("title", "short_title", "headline", "summary", "intro", "consent_question", "info", "brief_intro",
                  "brief_consent_question")


class Provenance(_Frozen):
    """Where an imported protocol came from, so `check-trial` can tell when the registry changed."""

    nct_id: str
    last_update: Optional[str] = None
    eligibility_sha256: str
    imported_at: str


class Protocol(_Frozen):
    trial_id: str
    version: int
    title: str
    short_title: str
    # The trial in plain words, for the heading of the volunteers' page (the title is the registry's).
    headline: Optional[str] = None
    sponsor: str
    source: str
    # What the trial studies, in the registry's words (its first condition): searched on ClinicalTrials.gov
    # for other trials a volunteer who does not qualify might look at (bot/next_steps.py).
    condition: Optional[str] = None
    summary: str
    intro: str
    consent_question: str
    info: TrialInfo
    # The intro and consent question for text channels (SMS, WeChat): together within two SMS. None: the full ones.
    brief_intro: Optional[str] = None
    brief_consent_question: Optional[str] = None
    study_team: StudyTeam
    review_required: bool = False  # a drafted file, as a whole, not yet switched on by a person
    registry: Optional[Dict[str, Any]] = None  # status, arms, contacts, locations as imported
    provenance: Optional[Provenance] = None
    # What the import found the registry saying in two ways (e.g. its free text and structured age limits),
    # and, once reviewed, what was decided: shown by `python -m bot validate-trial`.
    review_notes: Tuple[str, ...] = ()
    order_rationale: str
    order: Tuple[str, ...]
    criteria: Tuple[Criterion, ...]
    translations: Dict[str, ProtocolText] = {}
    language: str = "en"  # the language of this object's volunteer-facing texts (see in_language)

    @root_validator(skip_on_failure=True)
    def _order_is_permutation(cls, values):
        ids = [c.id for c in values["criteria"]]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion ids: {', '.join(duplicates)}")
        if sorted(values["order"]) != sorted(ids):
            missing = sorted(set(ids) - set(values["order"]))
            unknown = sorted(set(values["order"]) - set(ids))
            raise ValueError(f"order must list every criterion once (missing: {missing}, unknown: {unknown})")
        return values

    def in_language(self, language: Optional[str]) -> "Protocol":
        """This protocol with every volunteer-facing text in the language, where it has a translation
        (the registry's criterion text stays as it is). Cached: called on every turn."""
        from bot.i18n import known

        language = known(language)
        if language == self.language or language not in self.translations:
            return self
        key = (id(self), language)
        if key not in _localized:
            texts = self.translations[language]
            own = ProtocolText(**{f: getattr(self, f) for f in PROTOCOL_TEXTS}, site=self.study_team.site,
                               location=self.study_team.location, approved=True)
            _localized[key] = (self, self.copy(update={
                **{f: getattr(texts, f) for f in PROTOCOL_TEXTS},
                "study_team": self.study_team.copy(update={
                    "site": texts.site, "location": texts.location or self.study_team.location}),
                "criteria": tuple(c.in_language(language, self.language) for c in self.criteria),
                "translations": {**self.translations, self.language: own},
                "language": language}))
        return _localized[key][1]

    def unapproved(self, language: str) -> List[str]:
        """The texts in `language` that the study team has not approved yet (or that are missing)."""
        if language == "en":
            return []
        texts = self.translations.get(language)
        pending = [] if texts is not None and texts.approved else ["the trial's own texts"]
        return pending + [c.id for c in self.criteria
                          if c.translations.get(language) is None or not c.translations[language].approved]

    def pending_review(self) -> List[str]:
        """What a person must still review before the bot may screen with this protocol."""
        pending = [c.id for c in self.criteria if c.needs_review]
        return (["the file as a whole (review_required)"] if self.review_required else []) + pending

    @property
    def questions(self) -> Tuple[Criterion, ...]:
        """Criteria in the order they are asked."""
        by_id = self.by_id
        return tuple(by_id[i] for i in self.order)

    @property
    def by_id(self) -> Dict[str, Criterion]:
        return {c.id: c for c in self.criteria}


def _describe(error: dict, raw: dict) -> str:
    loc = list(error["loc"])
    where = []
    if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
        index = loc[1]
        items = raw.get("criteria") or []
        cid = items[index].get("id") if index < len(items) and isinstance(items[index], dict) else None
        where.append(f"criterion {cid or '#' + str(index + 1)}")
        loc = loc[2:]
    fields = [str(part) for part in loc if part != "__root__"]
    if fields:
        where.append("field " + ".".join(fields))
    return f"{', '.join(where) or 'top level'}: {error['msg']}"


def load_protocol_file(path: Union[str, Path]) -> Protocol:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ProtocolError(f"{path}: a protocol file must be a mapping of fields")
    for index, criterion in enumerate(raw.get("criteria") or []):
        if isinstance(criterion, dict):
            try:
                raw["criteria"][index] = shared_questions.expand(criterion)
            except ValueError as exc:
                raise ProtocolError(f"{path}: criterion {criterion.get('id') or '#' + str(index + 1)}, {exc}") from None
    try:
        protocol = Protocol.parse_obj(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e, raw) for e in exc.errors())
        raise ProtocolError(f"{path}: {problems}") from exc
    if protocol.trial_id != path.stem:
        raise ProtocolError(f"{path}: field trial_id is {protocol.trial_id!r} but the file is named for {path.stem!r}")
    return protocol


_cache: Dict[Path, Protocol] = {}
_localized: Dict[Tuple[int, str], Tuple[Protocol, Protocol]] = {}  # (id of the source, language) -> (source, copy)


def load_protocol(trial_id: str, for_screening: bool = True) -> Protocol:
    """The protocol of one trial, from BOT_TRIALS_DIR (default data/trials/), cached per process.

    For screening, a draft that still needs review is refused (ProtocolNotReady names what)."""
    if not trial_id or not trial_id.replace("_", "").isalnum():
        raise ProtocolError(f"not a trial id: {trial_id!r}")
    path = Path(os.environ.get("BOT_TRIALS_DIR", TRIALS_DIR)) / f"{trial_id}.yml"
    if path not in _cache:
        _cache[path] = load_protocol_file(path)
    protocol = _cache[path]
    if for_screening and protocol.pending_review():
        raise ProtocolNotReady(f"{path}: not screened until reviewed: {', '.join(protocol.pending_review())}")
    return protocol


def trial_ids() -> List[str]:
    """The trials of this site: one protocol file each in BOT_TRIALS_DIR (default data/trials/)."""
    return sorted(path.stem for path in Path(os.environ.get("BOT_TRIALS_DIR", TRIALS_DIR)).glob("*.yml"))


def default_trial_id() -> str:
    return os.environ.get("BOT_TRIAL_ID", DEFAULT_TRIAL_ID)
