"""A coordinator reviews, in headless Chromium, a referral made by a real conversation through the real stack."""
import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_conversations import answer_until_done, begin

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PASSWORD = "coordinator password 1"


def test_coordinator_reads_volunteer_text_as_text_and_moves_the_referral(stack, chat, page):
    begin(chat)
    answer_until_done(chat, {"prior_imrt": f"I had 70 Gy in 2021 {IMG}", "hiv": "not sure"})
    chat.say(SCRIPT)  # a message that is no answer still lands in the transcript
    for text in ["yes", "Ana Lopez", "by e-mail", "ana@example.com", f"evenings {SCRIPT}", "yes"]:
        chat.say(text)
    reference = chat.slots()["referral_reference"]
    assert reference
    added = chat.command("users", "add", "maria", "--password-stdin", input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr

    page.set_viewport_size({"width": 1280, "height": 900})  # coordinators work at a desk
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = f"http://localhost:{stack.settings.review_port}"
    page.goto(f"{base}/referrals/{reference}")
    expect(page).to_have_url(re.compile(r"/login"))  # nothing without a login
    page.get_by_label("User name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Referral {reference}")).to_be_visible()
    expect(page.get_by_role("cell", name=f"I had 70 Gy in 2021 {IMG}")).to_be_visible()
    expect(page.get_by_text(f"evenings {SCRIPT}").first).to_be_visible()
    expect(page.locator(".transcript .said", has_text=re.compile(f"^{re.escape(SCRIPT)}$"))).to_have_count(1)
    assert page.locator("img[src=x]").count() == 0

    page.get_by_label("Status", exact=True).select_option(label="Contacted")
    page.get_by_label("Note", exact=True).fill("Called, will book a visit")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".history")).to_contain_text("maria · New → Contacted: Called, will book a visit")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    assert [r["Status"] for r in rows if r["Reference"] == reference] == ["Contacted"]  # the stack has others too

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/referrals/{reference}")
    page.screenshot(path=str(ARTIFACTS / "review.png"))
    assert dialogs == [] and page.console_errors == []
