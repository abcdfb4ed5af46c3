"""End-to-end fixtures: the browser (Debian's chromium, driven by Playwright, no browser download), and a
Rasa server + action server of their own for tests that break or reconfigure them."""
import secrets
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from bot.stack import Settings, Stack, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
expect.set_options(timeout=20000)  # the widget shows long messages after a typing delay
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"  # screenshots


@pytest.fixture
def page(stack):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (make test installs it when run as root)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        yield page
        browser.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """The Rasa server and the action server, started the way `make run` starts them, on a database of their own."""
    workdir = tmp_path_factory.mktemp("faults")
    settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                        database_url=f"sqlite:///{workdir / 'bot.db'}", token=secrets.token_urlsafe(16),
                        web_port=free_port(), review_port=free_port())
    stack = Stack(settings, workdir / "log")
    stack.start_actions()
    stack.start_rasa()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()
