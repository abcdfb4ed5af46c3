"""The site's landing page (issue 18): its open trials in plain words, each with its own page, and "find
trials for me", whose chat screens for all of them at once. In chromium, through the real servers."""
import requests
from playwright.sync_api import expect

from bot.protocol import load_protocol
from tests.e2e.test_page_accessibility import axe_check

NPC_TRIALS = ("NCT04143984", "NCT04533620", "NCT06846450")


def test_the_landing_page_lists_the_open_trials_and_finds_trials_for_me(stack, page):
    base = f"http://localhost:{stack.settings.web_port}"
    page.goto(base + "/")
    expect(page.locator("h1")).to_have_text("Clinical trials you could take part in")
    studies = page.locator(".studies li")
    expect(studies).to_have_count(4)  # the three trials of the site, and the imported one the tests add
    for trial_id in NPC_TRIALS:
        study = load_protocol(trial_id)
        link = page.get_by_role("link", name=study.headline)
        expect(link).to_have_attribute("href", f"/trials/{trial_id}")
    axe_check(page, "landing")
    assert requests.get(base + "/trials/NCT09999999", timeout=10).status_code == 404  # not a trial of the site

    page.get_by_role("link", name="A study of radiotherapy for newly diagnosed nasopharyngeal cancer").click()
    expect(page.locator("h1")).to_contain_text("newly diagnosed")
    expect(page.locator(".rw-message").first).to_contain_text("radiotherapy for newly diagnosed", timeout=20000)
    page.evaluate("localStorage.clear(); sessionStorage.clear()")  # a new visitor for the next page

    page.goto(base + "/")
    page.get_by_role("link", name="Find trials for me").click()
    expect(page.locator("h1")).to_have_text("Which of our studies might suit you?")
    expect(page.locator(".rw-message").first).to_contain_text("I can check which of its 4 studies", timeout=20000)
    page.locator(".rw-reply", has_text="Yes, let's start").click()
    expect(page.locator(".rw-message").last).to_contain_text("Question 1 for the site's studies")
    axe_check(page, "find-trials")
    assert page.console_errors == []
