"""Issue 16: the volunteers' page is accessible. axe-core (var/axe.min.js, pinned and sha512-checked by the
Makefile) checks it at load, mid-screening and at the verdict; the accessibility tree has the live region
and the names; nothing scrolls or takes the focus at load; the focus follows the questions; a whole
screening works by keyboard alone. In headless Debian chromium over the real stack."""
import json
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_conversations import PROTOCOL

AXE = Path(__file__).resolve().parents[2] / "var" / "axe.min.js"
HEADING = f"{PROTOCOL.headline} — {PROTOCOL.study_team.location}"

# The last bot message, the element with the focus, and whether that element is in the last bot message.
LAST = "[...document.querySelectorAll('.rw-from-response .rw-message:not(.rw-typing-indication)')].pop()"
FOCUS = f"""() => {{
    const a = document.activeElement, last = {LAST};
    return {{tag: a.tagName.toLowerCase(), text: a.textContent, label: a.getAttribute('aria-label'),
             reply: a.classList.contains('rw-reply'), inLast: !!(last && last.contains(a)),
             first: !!(last && last.querySelector('.rw-reply') === a)}};
}}"""


def axe_check(page, moment):
    """axe-core on the page as it is now: no violation of impact serious or critical. A screenshot either way."""
    if not AXE.exists():
        pytest.fail("var/axe.min.js is missing: run `make setup` (it fetches axe-core, pinned, from npm)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"webchat-axe-{moment}.png"), full_page=True)
    page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: the page's CSP stays as it is
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["version"] == "4.14.1"
    bad = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
            "nodes": [{"target": n["target"], "failure": n.get("failureSummary")} for n in v["nodes"]]}
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"axe-core at {moment}:\n" + json.dumps(bad, indent=1, ensure_ascii=False)
    return result["violations"]


def last_message(page):
    return page.locator(".rw-from-response .rw-message:not(.rw-typing-indication)").last


def shown_question(page, number):
    """Wait until the widget shows question `number` and has nothing more to show."""
    expect(last_message(page)).to_contain_text(f"Question {number} of 25")
    expect(page.locator(".rw-typing-indication")).to_have_count(0)


def wait_focus_on_first_button(page, seconds=10):
    """The focus moves once the bot's reply is all shown (wait_for_function would need eval, which the CSP
    forbids: this asks the page every 100 ms)."""
    for _ in range(seconds * 10):
        focus = page.evaluate(FOCUS)
        if focus["first"]:
            return focus
        page.wait_for_timeout(100)
    pytest.fail(f"the focus is not on the last question's first button but on {focus}")


def eligible_title(criterion_id):
    return "Yes" if PROTOCOL.by_id[criterion_id].met_when == "yes" else "No"


def test_no_jump_no_focus_at_load_names_live_region_and_axe_at_load_mid_screening_and_verdict(stack, page):
    url = f"http://localhost:{stack.settings.web_port}/trials/NCT04143984"
    # At load, on a desktop and on a phone: the page stays at its top and nothing has the focus (a focused
    # text box opens a phone's keyboard over the title).
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(viewport)
        page.goto(url)
        expect(page.locator(".rw-reply", has_text="Yes, let's start")).to_be_visible(timeout=20000)
        page.wait_for_timeout(1000)  # the widget's text box is created with the buttons; give it time to act
        assert page.evaluate("window.scrollY") == 0, viewport
        assert page.evaluate("document.activeElement === document.body"), page.evaluate(FOCUS)
        assert page.locator("h1").bounding_box()["y"] >= 0
    # (the second load restored the conversation from the browser: nothing of it is read out again)
    expect(page.locator("#chat-announcer")).to_be_empty()

    # A plain heading that says where the trial runs, from the protocol; the registry's title below it.
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADING)
    assert "Shanghai, China" in HEADING
    expect(page.get_by_text(f"Its official title: {PROTOCOL.title}.")).to_be_visible()

    # The accessibility tree: the text box and the send button have names, the live region is there.
    expect(page.get_by_role("textbox", name="Your answer")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_attached()
    log = page.get_by_role("log", name="New messages from the assistant")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("region", name="The conversation")).to_be_visible()
    axe_check(page, "load")

    page.get_by_role("button", name="Yes, let's start").click()
    shown_question(page, 1)
    expect(log).to_contain_text("Question 1 of 25: How old are you?")
    tree = page.locator("#chat").aria_snapshot()
    assert '- log "New messages from the assistant"' in tree and "Question 1 of 25" in tree, tree
    assert '- textbox "Your answer"' in tree and '- button "Send"' in tree, tree
    # After a button, the focus is on the next question's first button (here the only one: Not sure).
    wait_focus_on_first_button(page)
    page.get_by_role("textbox", name="Your answer").fill("I'm 52")
    page.keyboard.press("Enter")
    shown_question(page, 2)
    expect(log).to_contain_text("Question 2 of 25")
    expect(log).not_to_contain_text("Question 1 of 25")  # the region holds the reply to the last answer only
    for number in range(2, 5):
        page.get_by_role("button", name=eligible_title(PROTOCOL.order[number - 1]), exact=True).last.click()
        shown_question(page, number + 1)
        wait_focus_on_first_button(page)
        expect(log).to_contain_text(f"Question {number + 1} of 25")
    axe_check(page, "mid-screening")

    for number in range(5, 26):  # to the verdict; Not sure for the blood counts gives a list to ask the doctor
        criterion = PROTOCOL.order[number - 1]
        page.get_by_role("button", name="Not sure" if criterion == "blood_counts" else eligible_title(criterion),
                         exact=True).last.click()
        if number < 25:
            shown_question(page, number + 1)
    verdict = page.locator(".rw-from-response .rw-message", has_text="that was the last question")
    expect(verdict).to_have_count(1)
    expect(last_message(page)).to_contain_text("to contact you about this trial")
    wait_focus_on_first_button(page)
    expect(log).to_contain_text("you may qualify")

    # The verdict as paragraphs and a list, never run together ("…hemoglobin This is not a final decision").
    items = verdict.locator("li")
    expect(items).to_have_count(1)
    expect(items.first).to_have_text(re.compile(r"^your blood counts: .*hemoglobin$"))
    expect(verdict.locator("p", has_text=re.compile("^This is not a final decision"))).to_have_count(1)
    expect(verdict.locator("p", has_text=re.compile("Things you could ask your doctor about:$"))).to_have_count(1)

    # Touch targets of at least 44 × 44 px: the answer buttons, the text box, the send button, the language link.
    targets = page.locator("#webchat .rw-reply, #webchat .rw-new-message, #webchat .rw-send, nav.languages a")
    assert targets.count() >= 5
    for box in (targets.nth(i).bounding_box() for i in range(targets.count())):
        assert box["width"] >= 44 and box["height"] >= 44, box
    axe_check(page, "verdict")
    assert page.console_errors == []


def test_a_whole_screening_by_keyboard_alone(stack, page):
    """Tab, Shift+Tab, Enter, Space and typing only: no click, from the page's top to the verdict."""
    page.goto(f"http://localhost:{stack.settings.web_port}/trials/NCT04143984")
    expect(page.locator(".rw-reply", has_text="Yes, let's start")).to_be_visible(timeout=20000)

    def tab_to(title, backwards=False, limit=12):
        for _ in range(limit):
            page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focus = page.evaluate(FOCUS)
            if focus["reply"] and focus["inLast"] and focus["text"] == title:
                return
        pytest.fail(f"{title!r} not reached by keyboard; the focus is on {focus}")

    tab_to("Yes, let's start")  # from the top: the skip link, the language, the conversation, the button
    page.keyboard.press("Enter")
    shown_question(page, 1)
    wait_focus_on_first_button(page)
    assert page.evaluate(FOCUS)["text"] == "Not sure"
    page.keyboard.press("Tab")  # the age is typed
    assert page.evaluate(FOCUS) | {"text": ""} == {"tag": "textarea", "text": "", "label": "Your answer",
                                                    "reply": False, "inLast": False, "first": False}
    page.keyboard.type("I'm 52")
    page.keyboard.press("Enter")

    typed = {"other_treatment": "no, nothing else", "hiv": "no"}  # a few answers typed, the rest by button
    by_button = False
    for number in range(2, 26):
        criterion = PROTOCOL.order[number - 1]
        shown_question(page, number)
        if by_button:  # after a button, the focus is on the new question's first button
            wait_focus_on_first_button(page)
            assert page.evaluate(FOCUS)["text"] == "Yes"
        else:  # after a typed answer, the focus stays in the text box
            assert page.evaluate(FOCUS)["label"] == "Your answer"
        by_button = criterion not in typed
        if not by_button:
            for _ in range(4):  # from the first button, past the others, to the text box
                if page.evaluate(FOCUS)["tag"] == "textarea":
                    break
                page.keyboard.press("Tab")
            assert page.evaluate(FOCUS)["label"] == "Your answer", page.evaluate(FOCUS)
            page.keyboard.type(typed[criterion])
            page.keyboard.press("Enter")
            continue
        title = eligible_title(criterion)
        if page.evaluate(FOCUS)["tag"] == "textarea":
            tab_to(title, backwards=True)
        elif title != "Yes":
            tab_to(title)
        page.keyboard.press(" " if number % 2 else "Enter")  # Space and Enter both choose a button

    expect(last_message(page)).to_contain_text("to contact you about this trial")
    expect(page.locator(".rw-from-response .rw-message", has_text="you may qualify")).to_have_count(1)
    wait_focus_on_first_button(page)
    session_id = page.evaluate("JSON.parse(localStorage.getItem('chat_session')).session_id")
    tracker = requests.get(f"{stack.settings.rasa_url}/conversations/{session_id}/tracker",
                           params={"token": stack.settings.token}, timeout=10).json()
    answers = tracker["slots"]["screening_answers"]
    assert tracker["slots"]["screening_verdict"] == "likely_eligible"
    assert len(answers) == 25 and answers["age"]["answer"] == 52
    assert answers["other_treatment"] == {"answer": "no", "text": "no, nothing else"}
    assert answers["ecog"]["text"] == "Yes" and answers["hiv"]["text"] == "no"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat-keyboard.png"), full_page=True)
    assert page.console_errors == []
