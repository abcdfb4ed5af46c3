"""Fetching a study from the ClinicalTrials.gov API v2 with requests.

One `Session` with a User-Agent, (connect, read) timeouts on every call, and
urllib3 `Retry` with exponential backoff on connection errors, 429 and 5xx,
honouring `Retry-After`. Failures become `FetchError`s whose exit codes
differ by cause.
"""
from __future__ import annotations

import os
import re

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

NCT_ID = re.compile(r"^NCT\d{8}$")


class FetchError(Exception):
    exit_code = 10

    def __init__(self, message: str):
        super().__init__(message)


class MalformedId(FetchError):
    exit_code = 3


class NotFound(FetchError):
    exit_code = 4


class NetworkDown(FetchError):
    exit_code = 5


class TimedOut(FetchError):
    exit_code = 6


class RateLimited(FetchError):
    exit_code = 7


class UnexpectedShape(FetchError):
    exit_code = 8


def base_url() -> str:
    return (os.environ.get("CTGOV_BASE_URL") or "https://clinicaltrials.gov/api/v2").rstrip("/")


def session(retries: int = 4, backoff: float = 0.5) -> requests.Session:
    http = requests.Session()
    http.headers["User-Agent"] = "prescreening-bot-trial-import/1 (+https://github.com/)"
    http.headers["Accept"] = "application/json"
    retry = Retry(total=retries, connect=retries, read=1, status=retries, backoff_factor=backoff,
                  status_forcelist=(429, 500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
                  respect_retry_after_header=True, raise_on_status=False)
    http.mount("http://", HTTPAdapter(max_retries=retry))
    http.mount("https://", HTTPAdapter(max_retries=retry))
    return http


def fetch_study(nct_id: str, http: requests.Session = None) -> dict:
    """The study record, checked to have the parts an import needs."""
    if not NCT_ID.match(nct_id or ""):
        raise MalformedId(f"{nct_id!r} is not an NCT id (NCT followed by 8 digits, e.g. NCT04143984)")
    http = http or session()
    timeout = (float(os.environ.get("CTGOV_CONNECT_TIMEOUT", 5)), float(os.environ.get("CTGOV_READ_TIMEOUT", 30)))
    url = f"{base_url()}/studies/{nct_id}"
    try:
        response = http.get(url, timeout=timeout)
    except requests.exceptions.RetryError as exc:
        raise RateLimited(f"ClinicalTrials.gov kept refusing ({exc}); try again later") from exc
    except requests.Timeout as exc:
        raise TimedOut(f"ClinicalTrials.gov did not answer within {timeout[1]:.0f} s ({url})") from exc
    except requests.ConnectionError as exc:
        if isinstance(getattr(exc.args[0] if exc.args else None, "reason", None), ReadTimeoutError):
            raise TimedOut(f"ClinicalTrials.gov did not answer within {timeout[1]:.0f} s ({url})") from exc
        raise NetworkDown(f"could not reach ClinicalTrials.gov at {base_url()}: is the network up?") from exc
    if response.status_code == 404:
        raise NotFound(f"ClinicalTrials.gov has no study {nct_id}")
    if response.status_code == 429:
        raise RateLimited("ClinicalTrials.gov is rate-limiting us (HTTP 429) even after waiting; try again later")
    if response.status_code >= 500:
        raise NetworkDown(f"ClinicalTrials.gov answered HTTP {response.status_code} after retries; try again later")
    if response.status_code != 200:
        raise UnexpectedShape(f"ClinicalTrials.gov answered HTTP {response.status_code}")
    try:
        study = response.json()
        section = study["protocolSection"]
        if section["identificationModule"]["nctId"] != nct_id or "eligibilityModule" not in section:
            raise KeyError("nctId/eligibilityModule")
    except (ValueError, KeyError, TypeError) as exc:
        raise UnexpectedShape(f"the answer for {nct_id} is not a study record as expected ({exc})") from exc
    return study
