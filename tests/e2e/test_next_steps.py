"""Issue 16 through the real stack (REST channel, Rasa, the action server, the database, the review app): a
ruled-out volunteer asks what to do now and about other trials and gets next steps, the ClinicalTrials.gov
search and the site's other trial; their consent to hear about the site's other studies is stored as a consent
of its own, shown to coordinators, and erased with "delete my data"; a referral's reference stands on a line of
its own with how to reach the site."""
import random
import re
import string
import uuid

import requests

from tests.conftest import Chat
from tests.e2e.test_conversations import answer_until_done, begin
from tests.e2e.test_erasure import tables_holding

SEARCH = ("https://clinicaltrials.gov/search?cond=Nasopharyngeal%20Carcinoma&locStr=Shanghai,%20China"
          "&country=China&city=Shanghai&aggFilters=status:rec")
OTHER_TRIAL = "Headache Diary App for Chronic Migraine (NCT00000102): https://clinicaltrials.gov/study/NCT00000102"
PASSWORD = "coordinator password 16"


def ruled_out(chat):
    begin(chat)
    chat.say("72")
    chat.say("yes")
    assert chat.slots()["screening_verdict"] == "likely_ineligible"


def review_session(chat):
    """A coordinator logged in to the stack's review app (a user of their own)."""
    name = f"coordinator{uuid.uuid4().hex[:8]}"
    added = chat.command("users", "add", name, "--password-stdin", input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    base = f"http://127.0.0.1:{chat.stack.settings.review_port}"
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f"{base}/login", timeout=10).text).group(1)
    logged = session.post(f"{base}/login", data={"username": name, "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert logged.status_code == 302
    return session, base


def test_a_ruled_out_volunteer_gets_next_steps_and_other_trials_not_a_dead_end(chat):
    ruled_out(chat)
    verdict = chat.last
    assert "would not qualify" in verdict[0]["text"] and not verdict[0].get("buttons")
    assert SEARCH in verdict[1]["text"].splitlines() and OTHER_TRIAL in verdict[1]["text"]
    # the imported migraine trial (18 and over) is not ruled out by age: it can be checked (issue 18)
    assert [b["title"] for b in verdict[-1]["buttons"]] == ["Yes, you may contact me", "No, thanks",
                                                            "Go back and change it", "Check the site's other studies"]
    for question in ("what should I do now?",):
        chat.say(question)
        assert "Talk to your own doctor" in chat.texts and "your age on the date the study would start" in chat.texts
        assert SEARCH in chat.texts and OTHER_TRIAL in chat.texts
        assert "The questions are finished" not in chat.texts and "carbon-ion" not in chat.texts.lower()
    chat.say("no thanks")
    assert "nothing more will be collected" in chat.texts
    assert [b["title"] for b in chat.last[-1]["buttons"]] == ["What can I do now?", "Go back and change it",
                                                             "Start over"]
    chat.say("/ask_what_happens")  # the button
    assert SEARCH in chat.texts and OTHER_TRIAL in chat.texts
    assert chat.slots()["contact_consent"] is False and chat.referrals() == []
    chat.say("are there other trials for me?")  # checks the one other trial that age does not rule out
    assert "check the site's other 3 studies with the answers you've already given" in chat.texts
    assert chat.slots()["screening_catalogue"] == ["NCT00000102", "NCT04533620", "NCT06846450"]


def test_the_consent_to_hear_about_other_studies_is_stored_shown_to_coordinators_and_erased(stack, chat,
                                                                                              monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", stack.settings.database_url)
    canary = "Ana " + "".join(random.choice(string.ascii_lowercase) for _ in range(12))
    ruled_out(chat)
    chat.say("yes")
    assert "how the Shanghai Proton and Heavy Ion Center can reach you" in chat.texts
    for text in [canary, "by e-mail", "ana@example.com", "mornings"]:
        chat.say(text)
    assert "their other studies" in chat.texts and "not passed on" in chat.texts
    chat.say("yes")
    assert "may contact you by e-mail about its other studies" in chat.texts
    assert chat.referrals() == []  # not a referral for this trial
    assert tables_holding(stack, canary) == ["events", "other_studies_contacts"]
    session, base = review_session(chat)
    page = session.get(f"{base}/other-studies", timeout=10).text
    assert canary in page and "not a referral" in page and "NCT04143984" in page
    assert canary not in session.get(f"{base}/", timeout=10).text  # not in the referrals' inbox
    chat.say("what should I do now?")  # asked again: next steps, and no second offer
    assert SEARCH in chat.texts and "its other studies that might suit you" not in chat.texts

    chat.say("delete my data")
    chat.say("yes")
    assert "deleted" in chat.texts
    assert tables_holding(stack, canary) == []
    assert canary not in session.get(f"{base}/other-studies", timeout=10).text


def test_a_referral_s_reference_stands_on_its_own_line_with_how_to_reach_the_site(chat):
    begin(chat)
    answer_until_done(chat, {"hiv": "not sure"})
    assert "the study team needs to check 1 thing first" in chat.texts and "question(s)" not in chat.texts
    for text in ["yes", "Ana Lopez", "by e-mail", "ana@example.com", "evenings", "yes"]:
        chat.say(text)
    reference = chat.slots()["referral_reference"]
    lines = chat.texts.splitlines()
    assert reference in lines  # on a line of its own
    assert "How to reach the site: the Shanghai Proton and Heavy Ion Center, Shanghai." in lines
    assert any(line.startswith("What happens next: you can expect the study team to contact you by e-mail")
               for line in lines)
    chat.say("what should I do now?")
    assert "How to reach the site" in chat.texts and reference in chat.texts.splitlines()
    assert chat.slots()["referral_reference"] == reference and len(chat.referrals()) == 1


def test_chinese_what_now_after_ruled_out(stack):
    chat = Chat(stack, f"zh-next-{uuid.uuid4().hex[:8]}")
    chat.say("你好")
    chat.say("好的")
    chat.say("七十二岁")
    chat.say("是的")
    assert chat.slots()["screening_verdict"] == "likely_ineligible"
    chat.say("我现在该怎么办？")
    assert "医生" in chat.texts and SEARCH in chat.texts
    assert "NCT00000102" not in chat.texts  # a trial without Chinese texts is not offered in Chinese
    chat.say("还有别的试验吗")
    assert SEARCH in chat.texts

