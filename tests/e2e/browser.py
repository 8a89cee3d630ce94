"""Helpers of the browser tests: the running app, waiting for a page, and the rule that nothing leaves."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.demo import DEMO_PASSWORD
from ui.auth import COOKIE

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


# Streamlit marks its root with the state of the connection and of the script run (as its own browser tests
# wait for). A page is settled when no run is going and none has been for QUIET_MS: a widget's change may
# set "rerunRequested" a moment after the event, and a run that ends in st.rerun() shows "notRunning" for
# a moment before the next run. An observer sees every change of the state, however short.
QUIET_MS = 300
SETTLED = """(quiet) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app) return false;
  if (!window.__gmRunWatch || window.__gmRunWatch.app !== app) {
    const watch = window.__gmRunWatch = { app, changed: performance.now() };
    new MutationObserver(() => { watch.changed = performance.now(); }).observe(
      app, { attributes: true, attributeFilter: ["data-test-script-state", "data-test-connection-state"] });
  }
  return app.dataset.testScriptState === "notRunning" && app.dataset.testConnectionState === "CONNECTED"
    && !document.querySelector("[data-testid='stStatusWidget']")
    && document.querySelector("[data-testid='stMain'] h1") !== null
    && performance.now() - window.__gmRunWatch.changed >= quiet;
}"""


def wait_for_app(page: Page) -> None:
    """Wait until the script run has finished, no other has started for a moment, and no exception is shown."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_function(SETTLED, arg=QUIET_MS)
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()


def login(page: Page, app: App, username: str = "zuzhi", password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form (the demo accounts; 'zuzhi' is the organizer). The browser keeps
    the session's cookie, so the test's next ``page.goto`` is still logged in."""
    page.goto(app.url(""))
    page.get_by_label("账号", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("当前用户：").wait_for()
    wait_for_app(page)
    # The session's cookie is written by a script of the run after the login; the next page.goto carries it
    # only once it is there (a busy browser may draw the sidebar before it runs that script).
    page.wait_for_function(f"() => document.cookie.includes({json.dumps(COOKIE + '=')})")


def assert_all_local(requests: list[str]) -> None:
    assert requests, "no request was recorded"
    outside = [url for url in requests if not is_local(url)]
    assert not outside, f"requests left the machine: {outside}"


def map_frame(page: Page, index: int = 0, selector: str = ".marker-cluster, path.gm-mine"):
    """The map's component frame, once Leaflet has drawn mines in it (clusters or single markers; pass
    ``selector="path.gm-mine"`` to wait for a map of single markers, e.g. after a search, rather than
    the previous map still on screen)."""
    page.wait_for_function(
        "([i, selector]) => { const f = document.querySelectorAll(\"iframe[src*='st_folium']\")[i];"
        " if (!f || !f.contentDocument) return false;"
        " const d = f.contentDocument;"
        " return d.querySelectorAll(selector).length > 0"
        "   && (selector.includes('cluster') || d.querySelectorAll('.marker-cluster').length === 0); }",
        arg=[index, selector], timeout=30_000,
    )
    frames = [f for f in page.frames if "st_folium" in f.url]
    return frames[index]


def drawn_mines(frame) -> int:
    """Mines shown in the map frame: the numbers on the clusters plus the single markers."""
    return frame.evaluate(
        "() => { let n = 0; document.querySelectorAll('.marker-cluster span')"
        ".forEach(s => n += parseInt(s.textContent, 10));"
        " return n + document.querySelectorAll('path.gm-mine').length; }"
    )


def choose(page: Page, label: str, option: str, tries: int = 3) -> None:
    """Pick ``option`` of the select box ``label`` by typing it. A run the last action started may still
    redraw the page and close the list just opened: then the list is opened again."""
    for attempt in range(tries):
        wait_for_app(page)
        page.get_by_role("combobox", name=label).click()
        page.keyboard.type(option)
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            if attempt == tries - 1:
                raise
