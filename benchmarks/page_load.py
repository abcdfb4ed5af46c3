"""Volunteers' page: load time and time to the bot's first message, in headless Chromium.

Starts `python -m bot run` on free ports with a fresh SQLite database, opens
the page N times in fresh browser contexts and prints the medians.

    .venv/bin/python benchmarks/page_load.py [--loads 5]
"""
import argparse
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.stack import Settings, free_port, spawn_run, wait_running  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = Settings(free_port(), free_port(), f"sqlite:///{workdir / 'bot.db'}", secrets.token_urlsafe(16),
                            web_port=free_port())
        process = spawn_run(settings, workdir, workdir / "run.out")
        loads, first_messages, first_buttons = [], [], []
        try:
            wait_running(process, workdir / "run.out")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                for _ in range(args.loads):
                    page = browser.new_context().new_page()
                    started = time.perf_counter()
                    page.goto(f"http://localhost:{settings.web_port}/", wait_until="load")
                    loads.append(time.perf_counter() - started)
                    page.locator(".rw-message").first.wait_for(timeout=30000)
                    first_messages.append(time.perf_counter() - started)
                    page.locator(".rw-reply").first.wait_for(timeout=30000)
                    first_buttons.append(time.perf_counter() - started)
                    page.context.close()
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    print(f"page load (load event): median {statistics.median(loads) * 1000:.0f} ms over {len(loads)} loads")
    print(f"first bot message shown: median {statistics.median(first_messages) * 1000:.0f} ms")
    print(f"consent buttons shown (after the widget's typing delay): median {statistics.median(first_buttons) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
