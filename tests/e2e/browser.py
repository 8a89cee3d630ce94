"""Helpers of the browser tests: the running app, waiting for a page, and the rule that nothing leaves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page

LOCAL_SCHEMES = {"data", "blob", "about"}


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or parsed.hostname == "127.0.0.1"


class App:
    """A running app: its base URL, data directory and server log."""

    def __init__(self, base: str, data_dir: Path, log: Path):
        self.base = base
        self.data_dir = data_dir
        self.log = log

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}"


def wait_for_app(page: Page) -> None:
    """Wait until the script run has finished and no exception is shown."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
        " && document.querySelector(\"[data-testid='stMain'] h1\") !== null"
    )
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()


def assert_all_local(requests: list[str]) -> None:
    assert requests, "no request was recorded"
    outside = [url for url in requests if not is_local(url)]
    assert not outside, f"requests left the machine: {outside}"
