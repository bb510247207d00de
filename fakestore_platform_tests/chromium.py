"""Debian's Chromium driven by Playwright, as every browser test drives it: never a downloaded
browser. Importing this skips the importing test module when Playwright is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

playwright = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed: pip install -e '.[dev]' (the browser is Debian's chromium)",
)
Browser, Locator, Page, expect = (
    playwright.Browser,
    playwright.Locator,
    playwright.Page,
    playwright.expect,
)

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root in a container: no sandbox, no GPU, no small /dev/shm, no background requests.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
# A page of a server sharing two cores with a daemon and run workers can take tens of seconds.
PAGE_TIMEOUT_MS = 60_000

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does; no browser download)",
)


@contextmanager
def chromium() -> Iterator[Browser]:
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def new_page(browser: Browser, viewport: dict[str, int], init_script: str = "") -> Iterator[Page]:
    """A page in a context of its own, actions and assertions waiting PAGE_TIMEOUT_MS (an
    assertion's own default is 5 s)."""
    context = browser.new_context(viewport=viewport)
    if init_script:
        context.add_init_script(init_script)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    yield context.new_page()
    context.close()
