"""Browser tests: the real app under `streamlit run`, driven by Debian's chromium through Playwright.

Every request of the browser context (iframes included) is recorded; a test fails if any request goes
to a host other than 127.0.0.1. A missing browser fails the run (it is never skipped).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.browser import App, is_local

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GREENMINE_CHROMIUM", "/usr/bin/chromium")
BASE_PATH = "lvkuang"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, *extra: str):
    """Start the app on a free port with this data directory (demo data loaded if empty)."""
    log = data_dir / "server.log"
    env = {**os.environ, "GREENMINE_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "core.demo", "--seed-if-empty"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--server.port", str(port), "--server.address", "127.0.0.1", *extra],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}" + (f"/{BASE_PATH}" if "--server.baseUrlPath" in extra else "")
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"streamlit did not start; its log:\n{log.read_text()}")
        time.sleep(0.2)
    return server, App(base, data_dir, log)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    server, running = start_app(tmp_path_factory.mktemp("e2e-data"))
    yield running
    stop(server)


@pytest.fixture(scope="session")
def campaign_app(tmp_path_factory: pytest.TempPathFactory):
    """The app as command one leaves it: the demo register, a campaign under way and the demo accounts
    (hecha1, the leader of team 1; chakan, a viewer; …)."""
    data_dir = tmp_path_factory.mktemp("e2e-campaign")
    subprocess.run([sys.executable, "-m", "core.demo", "--seed-if-empty", "--campaign"], cwd=ROOT, check=True,
                   env={**os.environ, "GREENMINE_DATA_DIR": str(data_dir)}, capture_output=True)
    server, running = start_app(data_dir)
    yield running
    stop(server)


@pytest.fixture(scope="session")
def app_under_path(tmp_path_factory: pytest.TempPathFactory):
    """The app as an intranet reverse proxy often serves it: under a path."""
    server, running = start_app(tmp_path_factory.mktemp("e2e-data-path"), "--server.baseUrlPath", BASE_PATH)
    yield running
    stop(server)


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到浏览器 {CHROMIUM}：浏览器测试需要 Debian 的 chromium（apt-get install chromium）。")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def requests_seen() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, app: App, requests_seen: list[str]) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1600})
    context.on("request", lambda request: requests_seen.append(request.url))
    opened = context.new_page()
    opened.on("websocket", lambda ws: requests_seen.append(ws.url))
    opened.set_default_timeout(30_000)
    yield opened
    context.close()
    outside = [url for url in requests_seen if not is_local(url)]
    assert not outside, f"requests left the machine: {outside}"
