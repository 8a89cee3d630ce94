"""The map and the overview in a real browser: offline, points drawn, clicks, escaping, base path."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import Page, expect

from core import db as dbmod
from core import registry, settings
from core.validation import validate_mine
from tests.e2e.browser import App, assert_all_local, drawn_mines, login, map_frame, wait_for_app
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_pages import query

XSS = "<img src=x onerror=alert(1)>"


def listed(app: App) -> int:
    return query(app, "SELECT COUNT(*) FROM mines WHERE status = '在册' AND lat IS NOT NULL")[0][0]


def search(page: Page, text: str) -> None:
    box = page.get_by_label("搜索矿山名称、采矿许可证号或采矿权人")
    box.fill(text)
    box.press("Enter")


def test_map_page_draws_every_listed_mine_offline(page: Page, app: App, requests_seen: list[str]) -> None:
    login(page, app)
    page.goto(app.url("map"))
    wait_for_app(page)
    frame = map_frame(page)
    assert drawn_mines(frame) == listed(app)
    expect(frame.locator(".gm-legend")).to_contain_text("国家级")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{datetime.now():%Y%m%d-%H%M%S}.png"), full_page=True)
    assert_all_local(requests_seen)
    assert any("/app/static/vendor/leaflet/leaflet.js" in url for url in requests_seen)


def test_clicking_a_mine_shows_its_details(page: Page, app: App, requests_seen: list[str]) -> None:
    licence, name = query(app, "SELECT licence_no, name FROM mines WHERE status = '在册' ORDER BY id DESC LIMIT 1")[0]
    login(page, app)
    page.goto(app.url("map"))
    wait_for_app(page)
    search(page, licence)
    expect(page.get_by_text("地图上显示 1 座矿山")).to_be_visible()
    frame = map_frame(page)
    expect(frame.locator("path.gm-mine")).to_have_count(1)
    frame.locator("path.gm-mine").click(force=True)
    expect(page.get_by_test_id("stMain").get_by_text(name, exact=True)).to_be_visible()
    expect(page.get_by_text(f"采矿许可证号：{licence}")).to_be_visible()
    assert_all_local(requests_seen)


def test_a_mine_named_like_html_shows_as_text(page: Page, app: App, requests_seen: list[str]) -> None:
    licence = "C4205002020019999999999"
    database = dbmod.connect(app.data_dir / "greenmine.db")
    if registry.get_by_licence(database, licence) is None:
        values, problems = validate_mine({
            "licence_no": licence, "name": XSS, "level": "省级", "city": "宜昌市", "mineral": "磷矿",
            "method": "地下开采", "lon": 111.3, "lat": 30.7}, settings.province(database))
        assert not [p for p in problems if p.is_error]
        registry.create_mine(database, values, "浏览器测试")
    database.close()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, app)
    page.goto(app.url("map"))
    wait_for_app(page)
    search(page, licence)
    expect(page.get_by_text("地图上显示 1 座矿山")).to_be_visible()
    frame = map_frame(page, selector="path.gm-mine")
    marker = frame.locator("path.gm-mine")
    marker.hover(force=True)
    expect(frame.locator(".leaflet-tooltip:not(.gm-seat)")).to_contain_text(XSS)
    marker.click(force=True)
    expect(page.get_by_test_id("stMain").get_by_text(XSS, exact=True)).to_be_visible()
    assert frame.locator("img[src='x']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert_all_local(requests_seen)


def test_overview_shows_chart_and_map_offline(page: Page, app: App, requests_seen: list[str]) -> None:
    login(page, app)
    page.goto(app.url(""))
    wait_for_app(page)
    frame = map_frame(page)
    assert drawn_mines(frame) == listed(app)
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    assert_all_local(requests_seen)


def test_the_map_works_under_a_base_path(page: Page, app_under_path: App, requests_seen: list[str]) -> None:
    login(page, app_under_path)
    page.goto(app_under_path.url("map"))
    wait_for_app(page)
    frame = map_frame(page)
    assert drawn_mines(frame) == listed(app_under_path)
    assert f"/{app_under_path.base.rsplit('/', 1)[1]}/app/static/vendor/leaflet/leaflet.js" in " ".join(requests_seen)
    assert_all_local(requests_seen)
