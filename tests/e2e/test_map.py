"""The map and the overview in a real browser: offline, points drawn, clicks, escaping, base path."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from core import db as dbmod
from core import registry, settings
from core.validation import validate_mine
from core.access import System
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
    frame = fitted_map_frame(page)
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
    frame = fitted_map_frame(page)
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
        registry.create_mine(database, values, System("浏览器测试"))
    database.close()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, app)
    page.goto(app.url("map"))
    wait_for_app(page)
    search(page, licence)
    expect(page.get_by_text("地图上显示 1 座矿山")).to_be_visible()
    frame = fitted_map_frame(page, "path.gm-mine")
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
    frame = fitted_map_frame(page)
    assert drawn_mines(frame) == listed(app)
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    assert_all_local(requests_seen)


def test_the_map_works_under_a_base_path(page: Page, app_under_path: App, requests_seen: list[str]) -> None:
    login(page, app_under_path)
    page.goto(app_under_path.url("map"))
    wait_for_app(page)
    frame = fitted_map_frame(page)
    assert drawn_mines(frame) == listed(app_under_path)
    assert f"/{app_under_path.base.rsplit('/', 1)[1]}/app/static/vendor/leaflet/leaflet.js" in " ".join(requests_seen)
    assert_all_local(requests_seen)


# --- issue 13: clicks with the mouse, coloured clusters, a legend clear of the mines ---------------

VIEWPORTS = {"demo": {"width": 1400, "height": 1600}, "laptop": {"width": 1366, "height": 768}}


def fitted_map_frame(page: Page, selector: str = ".marker-cluster, path.gm-mine"):
    """The map's frame once its first view is set (the app fits the province beside the legend after
    the frame is laid out) and mines are drawn in it."""
    page.wait_for_function(
        "(selector) => [...document.querySelectorAll(\"iframe[src*='st_folium']\")].some(f => {"
        " const d = f.contentDocument;"
        " return d && d.querySelector('[data-fitted]') && d.querySelectorAll(selector).length > 0"
        "   && (selector.includes('cluster') || d.querySelectorAll('.marker-cluster').length === 0); })",
        arg=selector, timeout=30_000,
    )
    return next(f for f in page.frames if "st_folium" in f.url)


def open_at(browser, app: App, requests_seen: list[str], viewport: dict) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.on("request", lambda request: requests_seen.append(request.url))
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    login(opened, app)
    return opened


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_real_mouse_click_on_a_mine_shows_its_details(browser, app: App, requests_seen: list[str],
                                                         viewport) -> None:
    # The southernmost mine of 咸宁: in the corner where the legend used to lie over the mines, so that
    # a click on the mine landed on the legend and the side panel stayed empty.
    licence, name = query(app, "SELECT licence_no, name FROM mines WHERE status = '在册' AND city = '咸宁市' "
                               "AND lat IS NOT NULL ORDER BY lat LIMIT 1")[0]
    page = open_at(browser, app, requests_seen, viewport)
    page.goto(app.url("map"))
    wait_for_app(page)
    search(page, licence)
    expect(page.get_by_text("地图上显示 1 座矿山")).to_be_visible()
    frame = fitted_map_frame(page, "path.gm-mine")
    page.locator("iframe[src*='st_folium']").scroll_into_view_if_needed()
    box = frame.locator("path.gm-mine").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(name, exact=True)).to_be_visible()
    expect(main.get_by_text(f"采矿许可证号：{licence}")).to_be_visible()
    page.context.close()
    assert_all_local(requests_seen)


UNDER_LEGEND = """() => {
    const legend = document.querySelector('.gm-legend').getBoundingClientRect();
    const map = window.map, under = [];
    map.eachLayer(layer => {
        if (!layer.getLayers || !layer.options.maxClusterRadius) return;
        layer.getLayers().forEach(mine => {
            const p = map.latLngToContainerPoint(mine.getLatLng());
            if (p.x > legend.left - 8 && p.x < legend.right + 8 && p.y > legend.top - 8 && p.y < legend.bottom + 8)
                under.push(mine.getTooltip().getContent());
        });
    });
    return under;
}"""

LABELS_OVER_MINES = """() => {
    const overlaps = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
    const mines = [...document.querySelectorAll('.marker-cluster, path.gm-mine')].map(e => e.getBoundingClientRect());
    const shown = [...document.querySelectorAll('.gm-seat')].filter(l => getComputedStyle(l).visibility !== 'hidden')
        .map(l => [l.textContent, l.getBoundingClientRect()]);
    const clashes = [];
    shown.forEach(([name, rect], i) => {
        if (mines.some(m => overlaps(rect, m))) clashes.push(name + ' over a mine');
        shown.slice(i + 1).forEach(([other, r]) => { if (overlaps(rect, r)) clashes.push(name + ' over ' + other); });
    });
    return [shown.length, clashes];
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_legend_labels_and_scale_leave_the_mines_readable(browser, app: App, requests_seen: list[str],
                                                          viewport) -> None:
    page = open_at(browser, app, requests_seen, viewport)
    for path in ("map", ""):
        page.goto(app.url(path))
        wait_for_app(page)
        frame = fitted_map_frame(page)
        assert frame.evaluate(UNDER_LEGEND) == [], f"mines under the legend on /{path}"
        page.wait_for_timeout(600)  # the names are placed once the clusters have settled
        frame.evaluate("() => window.map.fire('moveend')")
        page.wait_for_timeout(600)
        shown, clashes = frame.evaluate(LABELS_OVER_MINES)
        assert shown >= 8 and clashes == [], f"/{path}: {shown} names shown; {clashes}"
        scale = frame.locator(".leaflet-control-scale-line").inner_text()
        assert scale.endswith(("公里", "米")) and "km" not in scale
        assert frame.locator(".gm-legend summary").inner_text() in ("入库级别", "核查进度")
    page.context.close()
    assert_all_local(requests_seen)


def test_clusters_show_the_share_of_each_colour(page: Page, app: App, requests_seen: list[str]) -> None:
    from core.maps import PALETTES

    login(page, app)
    page.goto(app.url("map"))
    wait_for_app(page)
    frame = fitted_map_frame(page, ".marker-cluster")
    clusters = frame.evaluate(
        "() => [...document.querySelectorAll('.marker-cluster')].map(c => ({"
        " count: parseInt(c.querySelector('span').textContent, 10),"
        " arcs: [...c.querySelectorAll('circle.gm-share')].map(a => [a.getAttribute('stroke'),"
        "   parseFloat(a.getAttribute('stroke-dasharray').split(' ')[0])]),"
        " title: c.querySelector('[title]').getAttribute('title') }))")
    levels = PALETTES["入库级别"]
    assert clusters and all(c["arcs"] for c in clusters)
    assert {colour for c in clusters for colour, _ in c["arcs"]} <= set(levels.values())
    mixed = [c for c in clusters if len(c["arcs"]) > 1]
    assert mixed, "no cluster shows more than one class"
    # Each arc is as long as its class's share: the numbers in the cluster's title say how many of each.
    for cluster in mixed:
        counts = {levels[part.rsplit(" ", 1)[0]]: int(part.rsplit(" ", 1)[1]) for part in cluster["title"].split("，")}
        assert sum(counts.values()) == cluster["count"]
        total = sum(length for _, length in cluster["arcs"])
        for colour, length in cluster["arcs"]:
            assert abs(length / total - counts[colour] / cluster["count"]) < 0.01
    assert_all_local(requests_seen)


def test_overview_on_a_phone_puts_several_figures_in_a_row(browser, app: App, requests_seen: list[str]) -> None:
    page = open_at(browser, app, requests_seen, {"width": 390, "height": 844})
    page.goto(app.url(""))
    wait_for_app(page)
    page.locator("[class*='st-key-overview_figures_register'] [data-testid='stMetric']").nth(7).wait_for()
    tops = page.evaluate(
        "() => [...document.querySelectorAll(\"[class*='st-key-overview_figures_register'] [data-testid='stMetric']\")]"
        ".map(m => Math.round(m.getBoundingClientRect().top))")
    assert len(tops) == 8
    assert len(set(tops)) <= 4, f"the register's 8 figures take {len(set(tops))} rows"
    page.context.close()
    assert_all_local(requests_seen)
