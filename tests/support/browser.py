"""A real headless browser for the dashboard's tests: Debian's chromium,
driven by Playwright.

Playwright's own browser downloads are never used (the test machines are
offline): the system's chromium is launched by path, with the switches
that keep it from reaching the network or needing a GPU or a sandbox
(the tests run as root in containers, where chromium's sandbox cannot
start). Playwright is imported when a browser is asked for, so modules
that merely import this one need neither of them."""

from __future__ import annotations

import contextlib
import os

#: Debian's chromium (installed by .ci/run when missing)
CHROMIUM = os.environ.get("STREAMR_TEST_CHROMIUM", "/usr/bin/chromium")

#: headless, no sandbox, no GPU, and nothing fetched behind the page's back
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 900):
    """A fresh page of a headless chromium (closed with the browser on exit)."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        raise AssertionError("the browser tests need chromium at %s: apt-get install chromium"
                             " (.ci/run installs it)" % CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            yield context.new_page()
        finally:
            browser.close()
