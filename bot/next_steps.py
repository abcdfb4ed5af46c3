"""Where a volunteer can go after the verdict: other trials and the site's contacts, from the protocol files.

- A ClinicalTrials.gov search for the trial's condition, recruiting, near the site. The parameters are the
  ones the public search page puts in its own address (cond, locStr, country, city, aggFilters=status:rec).
- The site's other trials: every other open trial (bot/trials.py: the operator's BOT_OPEN_TRIALS, else the
  reviewed protocol files open by their registry status) that has its texts in the volunteer's language,
  and whose age limits do not rule out the age the volunteer already gave.
- How to reach the site: its name and city, and the phone and e-mail the protocol (or the registry's
  contacts, for an imported trial) gives; None where it gives none.
"""
from __future__ import annotations

from typing import Optional, Tuple
from urllib.parse import quote, urlencode

from bot import trials
from bot.protocol import Protocol
from bot.screening import Answers

SEARCH_PAGE = "https://clinicaltrials.gov/search"
STUDY_PAGE = "https://clinicaltrials.gov/study/{trial_id}"
AGE = "age"


def site_place(protocol: Protocol) -> Tuple[Optional[str], Optional[str]]:
    """The site's (city, country), from the protocol, else the registry's first location."""
    team = protocol.study_team
    if team.city or team.country:
        return team.city, team.country
    locations = (protocol.registry or {}).get("locations") or [{}]
    return locations[0].get("city") or None, locations[0].get("country") or None


def site_contacts(protocol: Protocol) -> Tuple[Optional[str], Optional[str]]:
    """The site's (phone, e-mail), from the protocol, else the registry's first contact that has one."""
    team = protocol.study_team
    if team.phone or team.email:
        return team.phone, team.email
    for contact in (protocol.registry or {}).get("contacts") or []:
        if contact.get("phone") or contact.get("email"):
            return contact.get("phone") or None, contact.get("email") or None
    return None, None


def search_url(protocol: Protocol) -> str:
    """ClinicalTrials.gov's search for recruiting trials of this trial's condition near its site."""
    city, country = site_place(protocol)
    params = {}
    if protocol.condition:
        params["cond"] = protocol.condition
    if city or country:
        params["locStr"] = ", ".join(part for part in (city, country) if part)
    if country:
        params["country"] = country
    if city:
        params["city"] = city
    params["aggFilters"] = "status:rec"
    return f"{SEARCH_PAGE}?{urlencode(params, quote_via=quote, safe=',:')}"


def study_url(trial_id: str) -> str:
    return STUDY_PAGE.format(trial_id=trial_id)


def _age_rules_out(protocol: Protocol, age) -> bool:
    criterion = protocol.by_id.get(AGE)
    return (isinstance(age, int) and criterion is not None and criterion.answer_type == "number"
            and criterion.rules_out(age))


def other_trials(protocol: Protocol, answers: Answers, language: str = "en") -> Tuple[Protocol, ...]:
    """The site's other open trials, in the volunteer's language, that their recorded age does not rule out."""
    recorded = answers.get(AGE)
    age = recorded.answer if recorded is not None and protocol.by_id.get(AGE) is not None else None
    found = []
    for other in trials.open_protocols():
        if other.trial_id == protocol.trial_id:
            continue
        in_language = language == other.language or language in other.translations
        if in_language and not _age_rules_out(other, age):
            found.append(other)
    return tuple(found)
