"""A coordinator reviews, in headless Chromium, a referral made by a real conversation through the real stack."""
import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_conversations import answer_until_done, begin

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PASSWORD = "coordinator password 1"


def test_coordinator_reads_volunteer_text_as_text_logs_attempts_and_moves_the_referral(stack, chat, page):
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

    # the actions first, then the contact details, the e-mail a link; times in Shanghai with UTC on hover
    actions = page.get_by_role("heading", name="What to do next").bounding_box()["y"]
    assert actions < page.get_by_role("heading", name="Contact details").bounding_box()["y"] \
        < page.get_by_role("heading", name="Answers, criterion by criterion").bounding_box()["y"]
    expect(page.get_by_role("link", name="ana@example.com")).to_have_attribute("href", "mailto:ana@example.com")
    arrived = page.locator(".summary time")
    expect(arrived).to_have_text(re.compile(r"^\d+ \w{3} \d{4}, \d\d:\d\d \(Shanghai\)$"))
    expect(arrived).to_have_attribute("title", re.compile(r" UTC$"))
    expect(page.locator(".transcript .meta", has_text="volunteer · other (REST)").first).to_be_visible()

    # a failed attempt keeps the status; the one that reaches her marks it Contacted
    page.get_by_label("Channel").select_option(label="E-mail")
    page.get_by_label("Outcome").select_option(label="No answer")
    page.get_by_label("Attempt note").fill(f"no reply yet {SCRIPT}")
    page.get_by_role("button", name="Log attempt").click()
    expect(page.locator(".attempts")).to_contain_text("Attempt 1 · ")
    expect(page.locator(".attempts")).to_contain_text(f"E-mail · No answer · maria: no reply yet {SCRIPT}")
    expect(page.locator(".summary strong").first).to_have_text("New")
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_label("Outcome").select_option(label="Reached")
    page.get_by_role("button", name="Log attempt").click()
    expect(page.locator(".flash")).to_contain_text("the referral moved from New to Contacted")
    expect(page.locator(".summary strong").first).to_have_text("Contacted")

    # a reason's menu shows only with the status that takes it (CSS, no script)
    criterion = page.get_by_label("Which criterion (for Not eligible)")
    expect(criterion).to_be_hidden()
    page.get_by_label("Status", exact=True).select_option(label="Not eligible")
    expect(criterion).to_be_visible()
    page.get_by_role("button", name="Save").click()  # without the criterion: refused
    expect(page.locator(".flash")).to_have_text("Not eligible needs which criterion: choose one.")
    expect(page.locator(".summary strong").first).to_have_text("Contacted")

    page.get_by_label("Status", exact=True).select_option(label="Screening visit booked")
    page.get_by_label("Note", exact=True).fill("Called, visit on Monday")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".history")).to_contain_text("maria · Contacted → Screening visit booked: Called, visit on Monday")
    expect(page.locator(".history time").first).to_have_attribute("title", re.compile(r"^\d+ \w{3} \d{4}, \d\d:\d\d UTC$"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    assert [r["Status"] for r in rows if r["Reference"] == reference] == ["Screening visit booked"]  # others too

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/referrals/{reference}")
    page.screenshot(path=str(ARTIFACTS / "review.png"))
    assert dialogs == [] and page.console_errors == []


@pytest.fixture
def stored_referral(stack, monkeypatch, protocol):
    """Stores a referral straight into the running stack's database, as the bot would after a screening (no
    conversation behind it), and erases each one after the test: the consent gate's last check reads every
    row of the shared database and finds no consent event for these."""
    import uuid

    from bot import erasure, referrals
    from tests.test_outbox import referral_state

    monkeypatch.setenv("BOT_DATABASE_URL", stack.settings.database_url)
    made = []

    def store(prefix: str, contact: dict) -> str:
        sender = f"{prefix}{uuid.uuid4().hex}"
        made.append(sender)
        return referrals.create_referral(sender, protocol, referral_state(contact=contact))

    yield store
    for sender in made:
        erasure.erase(sender)


def test_the_inbox_and_screenings_fit_a_phone_375_px_wide(stack, page, stored_referral):
    """Issue 17: on a phone the inbox's rows become cards and nothing makes the page wider than the screen;
    the overdue referral is the first card, marked in words, with its number to call."""
    import datetime as dt

    from sqlalchemy import update

    from bot import store
    from bot.review import add_user
    from bot.store import Referral

    contact = {"contact_name": "Alexandra Konstantinopoulou-Wolfeschlegelsteinhausen", "contact_preferred_way": "either",
               "contact_email": "alexandra.konstantinopoulou.wolfeschlegelsteinhausen@example-hospital.org",
               "contact_phone": "+8613912345678", "contact_preferred_time": f"weekday evenings after work {SCRIPT}"}
    late = stored_referral("sms-", contact)
    for _ in range(3):
        stored_referral("web-", contact)
    with store.unit_of_work() as db:
        db.execute(update(Referral).where(Referral.reference == late)
                   .values(created_at=store.now() - dt.timedelta(days=10)))
    add_user("phone-user", PASSWORD)

    page.set_viewport_size({"width": 375, "height": 812})
    base = log_in(page, stack, "phone-user")
    expect(page.get_by_role("heading", name="Referrals")).to_be_visible()

    first = page.locator("table.queue tbody tr").first
    expect(first).to_have_class("overdue")
    expect(first).to_contain_text(late)
    expect(first.get_by_text("Overdue", exact=True)).to_be_visible()
    expect(first.locator('a[href="tel:+8613912345678"]')).to_be_visible()
    assert first.evaluate("row => getComputedStyle(row).display") == "block"  # a card, not a table row
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox-375.png"), full_page=True)

    page.get_by_role("searchbox", name="Search").fill("139 1234 5678")
    page.get_by_label("Channel").select_option(label="SMS")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"q=139\+1234\+5678.*channel=sms"))
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.reload()  # the search and the filter are in the URL: a reload keeps them
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("139 1234 5678")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)

    page.goto(f"{base}/screenings")
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the table scrolls in its own box
    page.screenshot(path=str(ARTIFACTS / "screenings-375.png"), full_page=True)
    assert page.console_errors == []


def log_in(page, stack, username):
    """Log in through the review app's own form; returns the app's base address."""
    base = f"http://localhost:{stack.settings.review_port}"
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return base


def funnel_counts(page, base):
    """The funnel's four counts for all referrals, as the report page's table shows them."""
    page.goto(f"{base}/report")
    cells = page.locator("#overall ~ table tbody tr").first.locator("td")
    return [int(cells.nth(i).inner_text()) for i in range(4)]


def test_a_coordinator_works_the_overdue_referral_from_the_queue_to_a_booked_visit(stack, page, stored_referral):
    """Issue 17's 'done when', in chromium: a coordinator logs in, finds the overdue referral at the top of the
    queue, has its number to call (tel:), logs a failed attempt then one that reaches the volunteer, books the
    screening visit, sees the funnel move, and exports a CSV that reads correctly. Screenshots at each step."""
    import datetime as dt

    from sqlalchemy import update

    from bot import store
    from bot.review import add_user
    from bot.store import Referral

    contact = {"contact_name": "Wang Fang", "contact_preferred_way": "phone", "contact_phone": "+8613987654321",
               "contact_preferred_time": "mornings"}
    waiting = stored_referral("sms-", contact)
    with store.unit_of_work() as db:  # it came in two months ago and nobody has tried to reach her yet
        db.execute(update(Referral).where(Referral.reference == waiting)
                   .values(created_at=store.now() - dt.timedelta(days=60)))
    add_user("li-coordinator", PASSWORD)  # a coordinator (the default role)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    base = log_in(page, stack, "li-coordinator")
    first = page.locator("table.queue tbody tr").first
    expect(first).to_contain_text(waiting)
    expect(first.get_by_text("Overdue", exact=True)).to_be_visible()
    expect(first.locator('a[href="tel:+8613987654321"]')).to_be_visible()  # the number to call, one tap away
    page.screenshot(path=str(ARTIFACTS / "coordinator-1-queue.png"), full_page=True)

    before = funnel_counts(page, base)
    page.goto(f"{base}/")
    page.locator("table.queue tbody tr").first.get_by_role("link", name=waiting).click()
    expect(page.get_by_role("heading", name=f"Referral {waiting}")).to_be_visible()
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_label("Outcome").select_option(label="No answer")
    page.get_by_label("Attempt note").fill("no answer at 9:00, will try after lunch")
    page.get_by_role("button", name="Log attempt").click()
    expect(page.locator(".summary strong").first).to_have_text("New")
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_label("Outcome").select_option(label="Reached")
    page.get_by_role("button", name="Log attempt").click()
    expect(page.locator(".summary strong").first).to_have_text("Contacted")
    page.get_by_label("Status", exact=True).select_option(label="Screening visit booked")
    page.get_by_label("Note", exact=True).fill("Visit on Tuesday 10:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".summary strong").first).to_have_text("Screening visit booked")
    expect(page.locator(".attempts")).to_contain_text("Attempt 2 · ")
    page.screenshot(path=str(ARTIFACTS / "coordinator-2-referral.png"), full_page=True)

    after = funnel_counts(page, base)
    assert after == [before[0], before[1] + 1, before[2] + 1, before[3]], (before, after)
    page.screenshot(path=str(ARTIFACTS / "coordinator-3-funnel.png"), full_page=True)

    page.goto(f"{base}/")
    expect(page.locator("table.queue tbody tr", has_text=waiting).get_by_text("Overdue", exact=True)).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    row, = [r for r in rows if r["Reference"] == waiting]
    assert (row["Name"], row["Phone"], row["Status"], row["Channel"]) == (
        "Wang Fang", "(+86) 139 8765 4321", "Screening visit booked", "SMS")
    tried = row["Contact attempts"].split("\n")
    assert len(tried) == 2 and "Phone, No answer (li-coordinator): no answer at 9:00" in tried[0]
    assert "Phone, Reached (li-coordinator)" in tried[1] and "Visit on Tuesday 10:00" in row["Notes"]
    assert page.console_errors == []
