"""Chinese everywhere a user can see or hear it: Streamlit's own English (menus, tooltips, placeholders,
what a screen reader announces) is translated or hidden on every page, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import App, assert_all_local, login, wait_for_app

# Latin words that are names, not English: file types, units, hashes.
NAMES = {"PDF", "Excel", "CSV", "xlsx", "xls", "JSON", "SHA", "GPS", "EXIF", "MB", "GB", "KB", "PNG", "SVG",
         "heic", "heif", "jpg", "png", "mp", "mov", "zip", "ofd", "doc", "docx", "XLSX", "XLS", "HEIC", "HEIF",
         "JPG", "JPEG", "MP4", "MOV", "GeoJSON", "geojson", "json", "UTF", "BOM", "GBK", "ZIP", "OFD", "DOC",
         "DOCX", "lvkuang", "GIS", "WGS", "CGCS"}

# Visible text outside our own markdown (which is Chinese by construction) and every attribute a screen reader
# or a tooltip uses; the inside of charts (data labels) and of code blocks (hashes, commands) is content.
SCAN = """() => {
  const found = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement, text = node.nodeValue.trim();
    if (!el || !/[A-Za-z]{2,}/.test(text)) continue;
    if (el.closest("script, style, svg, code, pre, [data-testid='stMarkdownContainer'], [data-testid='stCode']")) continue;
    if (el.closest("[aria-hidden='true']")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden" || style.fontSize === "0px" || !el.getClientRects().length) continue;
    found.add("text: " + text);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (el.closest("svg")) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value && /[A-Za-z]{2,}/.test(value)) found.add(name + ": " + value);
    }
  }
  return [...found];
}"""


def english(page: Page) -> list[str]:
    """What the page shows or announces in English (names such as PDF or SHA-256 aside)."""
    return [item for item in page.evaluate(SCAN)
            if any(word not in NAMES for word in re.findall(r"[A-Za-z]{2,}", item.split(": ", 1)[1]))]


@pytest.mark.parametrize("path,user", [
    ("overview", "zuzhi"), ("register", "zuzhi"), ("import", "zuzhi"), ("sampling", "zuzhi"),
    ("inspections", "zuzhi"), ("reports", "zuzhi"), ("followup", "zuzhi"), ("inspectors", "zuzhi"),
    ("audit", "zuzhi"), ("map", "zuzhi"), ("settings", "admin"), ("accounts", "admin"), ("account", "chakan"),
])
def test_no_english_on_the_page(page: Page, campaign_app: App, requests_seen: list[str], path: str, user: str) -> None:
    login(page, campaign_app, user)
    page.goto(campaign_app.url(path))
    wait_for_app(page)
    page.wait_for_timeout(800)  # widgets drawn after the run (data grids, the map's frame)
    assert english(page) == []
    # Icons are drawn from ligature names ("keyboard_arrow_down"): hidden from screen readers.
    assert page.evaluate("() => [...document.querySelectorAll(\"[data-testid='stIconMaterial']\")]"
                         ".filter(i => i.getAttribute('aria-hidden') !== 'true').length") == 0
    # No menu of English items (print, record a screencast, made with Streamlit).
    expect(page.get_by_test_id("stMainMenu")).to_have_count(0)
    assert_all_local(requests_seen)


def test_a_search_without_result_and_an_unknown_address(page: Page, campaign_app: App, requests_seen: list[str]) -> None:
    login(page, campaign_app)
    page.goto(campaign_app.url("register"))
    wait_for_app(page)
    levels = page.get_by_role("combobox", name="入库级别")
    levels.click()
    levels.fill("不存在的级别")
    expect(page.get_by_text("没有匹配的选项")).to_be_visible()
    assert english(page) == []
    page.keyboard.press("Escape")

    page.goto(campaign_app.url("no-such-page"))
    wait_for_app(page)
    expect(page.get_by_role("dialog")).to_contain_text("页面不存在")
    assert english(page) == []
    assert_all_local(requests_seen)
