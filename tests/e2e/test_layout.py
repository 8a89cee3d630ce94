"""The frame on the screens people use: a tablet of 1024 px, and links that look like links."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.e2e.browser import App, assert_all_local, login, wait_for_app


def test_tablet_sidebar_and_links(browser: Browser, campaign_app: App) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    try:
        login(page, campaign_app, "chakan")
        page.goto(campaign_app.url("register"))  # not the viewer's: the page says so and links to theirs
        wait_for_app(page)
        # The page's style arrives with its first run and the sidebar then narrows (Streamlit animates it).
        page.wait_for_function("() => { const s = document.querySelector(\"[data-testid='stSidebar']\");"
                               " return s && s.getBoundingClientRect().width <= 1024 * 0.21; }")
        link = page.get_by_test_id("stMain").get_by_role("link", name="总览")
        style = link.evaluate("a => { const p = a.querySelector('p') || a; const s = getComputedStyle(p);"
                              " return [s.textDecorationLine, s.color]; }")
        assert "underline" in style[0] and style[1] != "rgb(49, 51, 63)", style
        assert_all_local(seen)
    finally:
        context.close()
