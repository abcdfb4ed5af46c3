"""The volunteers' page in headless Chromium (Debian's chromium, driven by Playwright) over the real stack."""
import re

import requests
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_conversations import PROTOCOL

def click_reply(page, title):
    page.locator(".rw-reply", has_text=re.compile(f"^{re.escape(title)}$")).last.click()


def stored_in_browser(page) -> str:
    """Everything the page keeps in this browser (localStorage and sessionStorage), as one JSON text."""
    return page.evaluate("JSON.stringify({local: {...localStorage}, session: {...sessionStorage}})")


def session_id_of(page):
    """The conversation's id as the widget stores it (rasa-webchat's session persistence)."""
    return page.evaluate("(JSON.parse(localStorage.getItem('chat_session') || '{}')).session_id || null")


def consent_and_type_age(stack, page, typed):
    """Open the page, consent with the button, type the age: the page then shows question 2. Returns the URL."""
    url = f"http://localhost:{stack.settings.web_port}/trials/NCT04143984"
    page.goto(url)
    expect(page.locator(".rw-message").first).to_contain_text("prescreen", timeout=20000)
    click_reply(page, "Yes, let's start")
    expect(page.locator(".rw-message").last).to_contain_text("Question 1 of 25")
    page.locator(".rw-new-message").fill(typed)
    page.keyboard.press("Enter")
    expect(page.locator(".rw-message").last).to_contain_text("Question 2 of 25")
    return url


def test_volunteer_completes_questions_in_the_browser_and_keeps_them_across_reload(stack, page):
    url = f"http://localhost:{stack.settings.web_port}/trials/NCT04143984"
    response = page.goto(url)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text(f"{PROTOCOL.headline} — {PROTOCOL.study_team.location}")
    expect(page.locator(".rw-message").first).to_contain_text("prescreen", timeout=20000)

    page.locator(".rw-reply").first.wait_for()
    for _ in range(6):  # by keyboard alone: Tab to the first answer button, Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Yes, let's start":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".rw-message").last).to_contain_text("Question 1 of 25")
    page.locator(".rw-new-message").fill("I'm 45")
    page.keyboard.press("Enter")
    for number, title in [(2, "No"), (3, "Yes"), (4, "Yes"), (5, "No")]:  # with the mouse
        expect(page.locator(".rw-message").last).to_contain_text(f"Question {number} of 25")
        click_reply(page, title)
    expect(page.locator(".rw-message").last).to_contain_text("Question 6 of 25")
    page.locator(".rw-reply", has_text=re.compile("^No$")).last.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".rw-message").last).to_contain_text("Question 7 of 25")

    session_id = page.evaluate("JSON.parse(localStorage.getItem('chat_session')).session_id")
    page.reload()
    expect(page.locator(".rw-message", has_text="Question 6 of 25")).to_have_count(1, timeout=20000)
    expect(page.locator(".rw-message").last).to_contain_text("Question 7 of 25")
    click_reply(page, "Not sure")
    expect(page.locator(".rw-message").last).to_contain_text("Question 8 of 25")

    tracker = requests.get(f"{stack.settings.rasa_url}/conversations/{session_id}/tracker",
                           params={"token": stack.settings.token}, timeout=10).json()
    answers = tracker["slots"]["screening_answers"]
    assert answers["age"] == {"answer": 45, "text": "I'm 45"}
    assert {k: v["answer"] for k, v in answers.items()} == {
        "age": 45, "distant_metastasis": "no", "prior_imrt": "yes", "recurrence_interval": "yes",
        "other_treatment": "no", "prior_checkpoint": "no", "particle_implant": "not_sure"}
    assert tracker["slots"]["current_criterion"] == PROTOCOL.order[7]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat.png"), full_page=True)
    assert page.console_errors == []


def test_volunteer_text_is_shown_as_text_never_html(stack, page):
    page.goto(f"http://localhost:{stack.settings.web_port}/trials/NCT04143984")
    expect(page.locator(".rw-message").first).to_contain_text("prescreen", timeout=20000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    click_reply(page, "Yes, let's start")
    expect(page.locator(".rw-message").last).to_contain_text("Question 1 of 25")
    page.locator(".rw-new-message").fill('<img src=x onerror="alert(1)"><script>alert(2)</script>')
    page.keyboard.press("Enter")
    expect(page.locator(".rw-message", has_text="haven't recorded")).to_have_count(1)
    expect(page.locator(".rw-client", has_text='<img src=x onerror="alert(1)">')).to_have_count(1)
    assert page.locator(".rw-conversation-container img[src=x]").count() == 0 and dialogs == []


def test_delete_my_data_leaves_nothing_of_the_conversation_in_the_browser(stack, page):
    """Issue item 7: once "delete my data" is confirmed, the browser keeps nothing of the conversation either:
    not in localStorage or sessionStorage, not after a reload, not in a new tab of the same browser; the chat
    starts afresh with a new session id."""
    url = consent_and_type_age(stack, page, "I am 45 years old")
    click_reply(page, "No")
    expect(page.locator(".rw-message").last).to_contain_text("Question 3 of 25")
    old_session = session_id_of(page)
    traces = [old_session, "I am 45 years old", "Question 1 of 25", "Question 2 of 25", "delete my data",
              "Yes, delete everything", "Done: I've deleted"]
    assert all(trace in stored_in_browser(page) for trace in traces[:4])  # what the widget keeps meanwhile

    page.locator(".rw-new-message").fill("delete my data")
    page.keyboard.press("Enter")
    click_reply(page, "Yes, delete everything")
    expect(page.get_by_text("Done: I've deleted your answers").first).to_be_visible()
    for _ in range(50):  # the page forgets the conversation once the widget has shown the confirmation
        stored = stored_in_browser(page)
        if old_session not in stored:
            break
        page.wait_for_timeout(200)
    leftovers = [trace for trace in traces if trace in stored]
    assert leftovers == [], f"the browser still holds {leftovers} after the erasure: {stored[:300]}…"

    # This page: the confirmation stays in view, above a chat that starts afresh in a new session.
    expect(page.locator("#chat-status")).to_have_text(re.compile("^Done: I've deleted your answers"))
    expect(page.locator(".rw-message").first).to_contain_text("prescreen")
    page.wait_for_function("old => [null, old].indexOf((JSON.parse(localStorage.getItem('chat_session') || '{}'))"
                           ".session_id || null) < 0", arg=old_session)
    new_session = session_id_of(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat-erased.png"), full_page=True)

    def shows_nothing_of_the_old_conversation(tab):
        expect(tab.locator(".rw-message").first).to_contain_text("prescreen", timeout=20000)
        expect(tab.locator(".rw-reply", has_text="Yes, let's start")).to_be_visible()  # the new one, all shown
        expect(tab.locator(".rw-client")).to_have_count(0)
        chat = tab.locator("#webchat").inner_text()
        assert not [trace for trace in traces[1:] if trace in chat], chat
        assert session_id_of(tab) == new_session
        stored = stored_in_browser(tab)
        assert not [trace for trace in traces if trace in stored], stored

    shows_nothing_of_the_old_conversation(page)
    page.reload()
    shows_nothing_of_the_old_conversation(page)
    expect(page.locator("#chat-status")).to_be_hidden()  # the confirmation itself is not kept either
    other = page.context.new_page()
    other.goto(url)
    shows_nothing_of_the_old_conversation(other)

    click_reply(page, "Yes, let's start")  # the new conversation works, with nothing of the old one
    expect(page.locator(".rw-message").last).to_contain_text("Question 1 of 25")
    tracker = requests.get(f"{stack.settings.rasa_url}/conversations/{new_session}/tracker",
                           params={"token": stack.settings.token}, timeout=10).json()
    assert tracker["slots"]["screening_consent"] is True and tracker["slots"]["screening_answers"] == {}
    assert page.console_errors == []


def test_the_page_and_the_chat_in_chinese(stack, page):
    """Issue 14: the page's switch, <html lang>, the page and the chat in Chinese, and a change of language
    mid-way that keeps the answers."""
    url = consent_and_type_age(stack, page, "I'm 45")
    session_id = page.evaluate("JSON.parse(localStorage.getItem('chat_session')).session_id")

    page.locator("nav.languages a", has_text="中文").click()  # the page's visible switch
    page.wait_for_url(re.compile(r"\?lang=zh$"))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    zh = PROTOCOL.translations["zh"]
    expect(page.locator("h1")).to_have_text(f"{zh.headline}——{zh.location}")
    expect(page.locator("#chat-heading")).to_have_text(re.compile("[\u4e00-\u9fff]"))
    expect(page.get_by_role("textbox", name="您的回答")).to_be_visible()  # the page's names too (issue 16)
    expect(page.locator(".rw-message").last).to_contain_text("第 2 题", timeout=20000)
    click_reply(page, "否")
    expect(page.locator(".rw-message").last).to_contain_text("第 3 题")
    page.locator(".rw-new-message").fill("做完了，70Gy")
    page.keyboard.press("Enter")
    expect(page.locator(".rw-message").last).to_contain_text("第 4 题")
    for text in page.locator("header, nav, section[aria-labelledby=about-heading], #chat-heading").all_inner_texts():
        assert not re.search(r"\b(?:the|and|you|trial|chat)\b", text, re.I), text

    tracker = requests.get(f"{stack.settings.rasa_url}/conversations/{session_id}/tracker",
                           params={"token": stack.settings.token}, timeout=10).json()
    answers = tracker["slots"]["screening_answers"]
    assert tracker["slots"]["language"] == "zh"
    assert answers["age"] == {"answer": 45, "text": "I'm 45"}  # kept across the change of language
    assert answers["distant_metastasis"] == {"answer": "no", "text": "否"}  # the button's words, as shown
    assert answers["prior_imrt"]["answer"] == "yes"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat-zh.png"), full_page=True)
    assert page.console_errors == []
