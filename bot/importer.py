"""Drafting a protocol file from a ClinicalTrials.gov study record: pure functions, no I/O.

Every drafted criterion keeps the registry's text verbatim and gets a
mechanical question and explanation marked `needs_review: true`; the bot
will not screen with the file until a person has rewritten and cleared them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import phonenumbers

from bot import concepts

_HEADING = re.compile(
    r"^\s*(?:key\s+|main\s+|general\s+)?(inclusion|exclusion|eligibility)(?:\s+criteria)?"
    r"(?:\s+(?:include|includes|are|is))?\s*[:：-]?\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[*\-•·◦▪‣]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)]|\(?[ivx]{1,4}[.)])\s+(?P<text>.+)$")


@dataclass(frozen=True)
class DraftCriterion:
    kind: str  # inclusion | exclusion
    text: str  # verbatim, sub-bullets joined beneath their parent


def eligibility_hash(text: str) -> str:
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()


def split_criteria(text: str) -> List[DraftCriterion]:
    """Inclusion and exclusion items from the registry's eligibility text.

    Headings ("Inclusion Criteria:", "Key exclusion criteria", ...) switch the
    kind; bullets and numbered items start a criterion; an indented item or a
    continuation line belongs to the criterion above it."""
    items: List[Tuple[str, List[str], int]] = []
    kind = "inclusion"
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        if not raw.strip():
            continue
        heading = _HEADING.match(raw)
        if heading:
            kind = "exclusion" if heading.group(1).lower() == "exclusion" else "inclusion"
            continue
        bullet = _BULLET.match(raw)
        indent = len(raw) - len(raw.lstrip())
        if bullet and (not items or indent <= items[-1][2] or items[-1][0] != kind):
            items.append((kind, [bullet.group("text").strip()], indent))
        elif items and items[-1][0] == kind:
            items[-1][1].append(raw.strip())
        else:
            items.append((kind, [raw.strip()], indent))
    return [DraftCriterion(k, "\n".join(lines)) for k, lines, _ in items]


def criterion_id(kind: str, text: str, taken: set) -> str:
    """Stable across imports: a few words of the text plus a short hash of it."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2][:3]
    base = f"{'inc' if kind == 'inclusion' else 'exc'}_{'_'.join(words) or 'item'}_{eligibility_hash(text)[:6]}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _years(value: Optional[str]) -> Optional[int]:
    match = re.match(r"\s*(\d+)\s*(year|month|week|day)", value or "", re.IGNORECASE)
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2).lower()
    return number if unit == "year" else 0


# An age range written in the criteria text: "Aged between 17-70 years", "Age: ≥ 18 and ≤ 70 years old".
_TEXT_AGES = (re.compile(r"\baged?\b\s*(?:between|from)?\s*:?\s*(\d{1,3})\s*(?:-|–|to|and)\s*(\d{1,3})\s*years?", re.I),
              re.compile(r"\bage\b\s*:?\s*(?:≥|>=|>)\s*(\d{1,3})\s*(?:years?)?\s*(?:and|,|to)\s*(?:≤|<=|<)\s*(\d{1,3})", re.I))


def text_ages(text: str) -> Optional[Tuple[int, int]]:
    """The age range the criteria text states, as written (lowest, highest), if it states one."""
    for pattern in _TEXT_AGES:
        match = pattern.search(text or "")
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def age_notes(eligibility: dict) -> List[str]:
    """What a reviewer must settle about age: the criteria text and the structured limits disagree."""
    written = text_ages(eligibility.get("eligibilityCriteria", ""))
    structured = (_years(eligibility.get("minimumAge")), _years(eligibility.get("maximumAge")))
    if written is None or structured == (None, None) or written == structured:
        return []
    low, high = (str(n) if n is not None else "no limit" for n in structured)
    return [f"Age: the criteria text says {written[0]}-{written[1]} years, but the registry's structured age limits "
            f"say {low} to {high} years. Ask the study team which is right, write it in the age criterion's `met` "
            "range, and say here what was decided."]


def _drafted(kind: str, text: str, cid: str) -> dict:
    first_line = text.split("\n")[0]
    short = " ".join(first_line.split()[:6]).rstrip(",;:.")
    return {
        "id": cid, "kind": kind, "text": text, "short": f"\u201c{short}\u2026\u201d", "needs_review": True,
        "question": (f"Is this true for you: \u201c{first_line}\u201d?" if kind == "inclusion"
                     else f"Does this apply to you: \u201c{first_line}\u201d?"),
        "why": f"The study lists this as {'an entry requirement' if kind == 'inclusion' else 'a reason not to take part'}.",
        "explanation": "This is the study's own wording. DRAFT: write a plain-language explanation.",
        "answer_type": "yes_no", "met_when": "yes" if kind == "inclusion" else "no",
        "ruled_out": f"The study lists this as {'a requirement for' if kind == 'inclusion' else 'a reason against'} taking part.",
        "doctor_check": f"whether this applies to you: {first_line}",
        # The shared concept whose words state this criterion, guessed from its text: the reviewer
        # confirms it, or picks another from data/concepts/, or adds one there.
        "concept": concepts.guess(text),
    }


def _phone_region(section: dict) -> str:
    contacts = (section.get("contactsLocationsModule") or {}).get("centralContacts") or []
    for contact in contacts:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(contact.get("phone") or "", None))
        except phonenumbers.NumberParseException:
            continue
        if region:
            return region
    return "US"


def draft_protocol(study: dict, imported_at: str) -> dict:
    """A protocol file's content, every drafted part marked for review."""
    section = study["protocolSection"]
    ident = section["identificationModule"]
    nct_id = ident["nctId"]
    eligibility = section.get("eligibilityModule") or {}
    status = section.get("statusModule") or {}
    sponsor = ((section.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}).get("name", "the sponsor")
    summary = ((section.get("descriptionModule") or {}).get("briefSummary") or ident.get("briefTitle", "")).strip()
    arms_module = section.get("armsInterventionsModule") or {}
    contacts_module = section.get("contactsLocationsModule") or {}
    locations = contacts_module.get("locations") or []
    central = (contacts_module.get("centralContacts") or [{}])[0]
    enrollment = ((section.get("designModule") or {}).get("enrollmentInfo") or {}).get("count")
    conditions = (section.get("conditionsModule") or {}).get("conditions") or []

    taken: set = set()
    criteria = []
    minimum, maximum = _years(eligibility.get("minimumAge")), _years(eligibility.get("maximumAge"))
    if minimum is not None or maximum is not None:
        low, high = minimum or 0, (maximum - 1 if maximum and maximum > (minimum or 0) else 120)
        # the shared age question (data/concepts/questions.yml): asked once for every trial of the site
        criteria.append({
            "id": "age", "shared": "age", "kind": "inclusion", "needs_review": True,
            "text": f"Age: minimum {eligibility.get('minimumAge', 'none')}, maximum {eligibility.get('maximumAge', 'none')}",
            "why": f"The study is for people aged {low} to {high}.",
            "met": {"min": low, "max": high}, "ruled_out": f"This study is only for people aged {low} to {high}.",
            "doctor_check": "your age on the date the study would start"})
        taken.add("age")
    sex = (eligibility.get("sex") or "ALL").upper()
    if sex in ("FEMALE", "MALE"):
        word = "female" if sex == "FEMALE" else "male"
        criteria.append({
            "id": "sex", "kind": "inclusion", "needs_review": True, "text": f"Sex: {sex}",
            "short": "who the study is for", "question": f"This study is only for {word} participants. Does that apply to you?",
            "why": f"The registry lists the study as open to {word} participants only.",
            "explanation": "DRAFT: explain how the study defines this.", "answer_type": "yes_no", "met_when": "yes",
            "ruled_out": f"The study is only open to {word} participants.", "doctor_check": "who the study is open to"})
        taken.add("sex")
    for item in split_criteria(eligibility.get("eligibilityCriteria", "")):
        criteria.append(_drafted(item.kind, item.text, criterion_id(item.kind, item.text, taken)))

    treatments = "; ".join(f"{i.get('name')} ({i.get('type', '').lower()})" for i in arms_module.get("interventions") or [])
    arms = [{"label": a.get("label"), "type": a.get("type"), "description": a.get("description")}
            for a in arms_module.get("armGroups") or []]
    title = ident.get("officialTitle") or ident.get("briefTitle") or nct_id
    return {
        "trial_id": nct_id,
        "version": 1,
        "review_required": True,
        "title": ident.get("briefTitle") or title,
        "short_title": f"the {nct_id} study",
        "sponsor": sponsor,
        "source": f"ClinicalTrials.gov record {nct_id}, last updated {status.get('lastUpdatePostDateStruct', {}).get('date', 'unknown')}",
        "condition": conditions[0] if conditions else None,
        "summary": summary,
        "intro": (f"Hello! I'm an automated prescreening assistant for a clinical study run by {sponsor}. "
                  "This is a short prescreen, not enrollment: the study team makes every decision. If you agree, "
                  "I'll keep your answers so the study team can review them. Nothing about your health is stored "
                  "until you agree. You can stop at any time."),
        "consent_question": "Would you like to start the prescreening questions? You can answer Yes, No or Not sure to each one.",
        "info": {
            "about": summary,
            "treatment": f"The study looks at: {treatments}." if treatments else summary,
            "sponsor": f"The study is run by {sponsor}.",
            "size": f"The study plans to include {enrollment} people." if enrollment else "The registry does not say how many people will take part.",
            "what_happens": ("If this prescreen suggests the study could be a fit and you agree to be contacted, "
                             "the study team will get in touch. They confirm eligibility after full screening, and "
                             "you sign an informed consent form before you can take part."),
        },
        "study_team": {
            "site": (locations[0].get("facility") if locations else None) or sponsor,
            "email": central.get("email") or None, "phone": central.get("phone") or None,
            "city": (locations[0].get("city") if locations else None) or None,
            "country": (locations[0].get("country") if locations else None) or None,
            "default_phone_region": _phone_region(section),
        },
        "registry": {"status": status.get("overallStatus"), "arms": arms,
                     "contacts": contacts_module.get("centralContacts") or [],
                     "locations": [{k: loc.get(k) for k in ("facility", "city", "country")} for loc in locations]},
        "provenance": {"nct_id": nct_id, "last_update": status.get("lastUpdatePostDateStruct", {}).get("date"),
                       "eligibility_sha256": eligibility_hash(eligibility.get("eligibilityCriteria", "")),
                       "imported_at": imported_at},
        # what the registry's record says in two ways, for the reviewer to settle with the study team
        "review_notes": age_notes(eligibility),
        "order_rationale": "DRAFT: the registry's order. Put the commonest reasons not to qualify first.",
        "order": [c["id"] for c in criteria],
        "criteria": criteria,
    }


def compare_criteria(protocol_texts: Dict[str, str], study: dict) -> Dict[str, List[str]]:
    """What changed in the registry since the import: criteria added (new texts) and removed (our ids)."""
    current = split_criteria(study["protocolSection"]["eligibilityModule"].get("eligibilityCriteria", ""))
    current_texts = {c.text for c in current}
    ours = set(protocol_texts.values())
    return {"added": sorted(current_texts - ours),
            "removed": sorted(cid for cid, text in protocol_texts.items()
                              if text not in current_texts and cid not in ("age", "sex"))}
