"""The map: points, escaping, legend, clicks, and that nothing in it points at the internet."""

from __future__ import annotations

import json
import re

import folium
import pytest
from core.maps import MineLayer

from core import basemap, maps, registry, regions
from core.map_assets import internet_addresses, local_addresses, localize_folium
from core.access import System
from scripts import vendor_assets

HUBEI = regions.region_by_code("420000")
XSS = "<img src=x onerror=alert(1)>"


def rendered(fmap: folium.Map) -> str:
    return fmap.get_root().render()


def test_every_vendored_file_matches_the_manifest() -> None:
    assert vendor_assets.verify() == []


def test_folium_classes_used_by_the_map_point_at_no_internet_address(demo_db) -> None:
    points = maps.point_rows(registry.list_mines(demo_db), "入库级别")
    fmap = maps.build_map(points, "入库级别", basemap.Basemap(kind="local"), HUBEI,
                          boundary={"type": "Polygon", "coordinates": [[[110, 30], [112, 30], [112, 31], [110, 30]]]})
    used = {type(element) for element in _walk(fmap)}
    assert folium.Map in used and MineLayer in used and folium.GeoJson in used
    assert internet_addresses(sorted(used, key=str)) == []
    html = rendered(fmap)
    assert not re.findall(r"(?:src|href)=\"(?:https?:)?//", html)
    assert "../../app/static/vendor/leaflet/leaflet.js" in html


def test_localisation_replaces_the_cdn_addresses_folium_names() -> None:
    leaflet = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    assert local_addresses()[leaflet] == "vendor/leaflet/leaflet.js"
    localize_folium()
    assert localize_folium() == []  # once per process; a second call changes nothing
    assert folium.Map.default_js[0] == ("leaflet", "../../app/static/vendor/leaflet/leaflet.js")


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def test_points_carry_escaped_text_and_the_legend_counts(demo_db) -> None:
    mine = next(demo_db.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(demo_db, mine["id"], dict(mine, name=XSS), mine["version"], System("测试"))
    mines = registry.list_mines(demo_db)
    points = maps.point_rows(mines, "入库级别")
    assert points.missing == 0 and len(points.rows) == len(mines)
    xss_row = next(r for r in points.rows if r[5] == mine["licence_no"])
    assert xss_row[4] == "&lt;img src=x onerror=alert(1)&gt;"
    assert points.details[xss_row[6]].startswith(f"入库级别：{mine['level']}<br>开采矿种：{mine['mineral']}")
    assert XSS not in rendered(maps.build_map(points, "入库级别", basemap.Basemap(), HUBEI))
    assert {e.label: e.count for e in points.legend} == mines["level"].value_counts().to_dict()
    assert len(points.details) == len(set(points.details))  # a shared line travels once
    assert {r[6] for r in points.rows} == set(range(len(points.details)))


def test_mines_without_coordinates_are_counted_not_drawn(demo_db) -> None:
    mine = next(demo_db.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(demo_db, mine["id"], dict(mine, lon=None, lat=None), mine["version"], System("测试"))
    points = maps.point_rows(registry.list_mines(demo_db), "入库级别")
    assert points.missing == 1 and mine["licence_no"] not in {r[5] for r in points.rows}


def test_priority_category_takes_problem_before_rectify_before_open_pit(demo_db) -> None:
    mines = registry.list_mines(demo_db)
    chosen = maps.categories(mines, "重点核查类别")
    assert (chosen[mines["flag_problem"] == 1] == "问题线索").all()
    only_rectify = (mines["flag_problem"] == 0) & (mines["flag_rectify"] == 1)
    assert (chosen[only_rectify] == "回头看整改要求").all()
    plain_open = (mines["flag_problem"] == 0) & (mines["flag_rectify"] == 0) & (mines["method"] == "露天开采")
    assert (chosen[plain_open] == "露天开采").all()
    points = maps.point_rows(mines, "重点核查类别")
    ringed = {r[5] for r in points.rows if r[3]}
    assert ringed == set(mines[(mines["flag_problem"] == 1) | (mines["flag_rectify"] == 1)]["licence_no"])


@pytest.mark.parametrize("text,licence", [
    ("示例矿采矿许可证号：C4201052011069910993548入库级别：国家级开采矿种：磷矿", "C4201052011069910993548"),
    ("<b>x</b>采矿许可证号：4200000410123入库级别：省级", "4200000410123"),
    ("十堰", None),
    (None, None),
])
def test_the_clicked_mine_is_read_from_its_tooltip(text, licence) -> None:
    assert maps.clicked_licence(text) == licence


def test_tiles_from_an_intranet_server_and_no_seats(demo_db) -> None:
    base = basemap.Basemap(kind="tiles", url="/tiles/vec/{z}/{x}/{y}.png", label_url="/tiles/cva/{z}/{x}/{y}.png",
                           attribution="天地图·湖北", max_zoom=16)
    html = rendered(maps.build_map(maps.MapPoints([], [], [], 0), "入库级别", base, HUBEI))
    assert "/tiles/vec/{z}/{x}/{y}.png" in html and "/tiles/cva/{z}/{x}/{y}.png" in html
    assert "\"className\": \"gm-seat\"" not in html  # prefecture seats only on the plain background
    plain = rendered(maps.build_map(maps.MapPoints([], [], [], 0), "入库级别", basemap.Basemap(), HUBEI))
    assert "武汉" in plain and "maxZoom" in plain


def test_a_mine_named_like_template_code_stays_text(demo_db) -> None:
    mine = next(demo_db.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(demo_db, mine["id"], dict(mine, name="{{ 7*7 }}示例矿{% if 1 %}"), mine["version"], System("测试"))
    fmap = maps.build_map(maps.point_rows(registry.list_mines(demo_db), "入库级别"), "入库级别", basemap.Basemap(), HUBEI)
    page = rendered(fmap)
    data = re.search(r"var data = (\[.*?\]);\n", page, re.S).group(1)
    names = {row[4] for row in json.loads(data)}
    assert "{{ 7*7 }}示例矿{% if 1 %}" in names
    assert "49示例矿" not in page


def test_clusters_are_drawn_from_each_mines_colour_class(demo_db) -> None:
    """Each marker carries its colour class (the index into the legend); the cluster icon draws a ring of
    the classes' shares from them, in the legend's colours."""
    mines = registry.list_mines(demo_db)
    points = maps.point_rows(mines, "入库级别")
    shares = {e.label: e.count for e in points.legend}
    by_class = {i: sum(1 for r in points.rows if r[2] == i) for i in range(len(points.legend))}
    assert {points.legend[i].label: n for i, n in by_class.items()} == shares
    page = rendered(maps.build_map(points, "入库级别", basemap.Basemap(), HUBEI))
    assert "gmClass: row[2]" in page and "options.iconCreateFunction = function (cluster)" in page
    colours = json.loads(re.search(r"var colours = (\[.*?\]);", page).group(1))
    assert colours == list(maps.PALETTES["入库级别"].values())


def test_the_first_view_fits_the_boundary_when_one_is_loaded() -> None:
    boundary = {"type": "Polygon", "coordinates": [[[110, 30], [112, 30], [112, 31.5], [110, 30]]]}
    assert basemap.boundary_box(boundary) == (110, 30, 112, 31.5)
    page = rendered(maps.build_map(maps.MapPoints([], [], [], 0), "入库级别", basemap.Basemap(), HUBEI, boundary))
    assert "L.latLngBounds([[30, 110], [31.5, 112]])" in page
    assert '"interactive": false' in page  # the province's shape never takes a click meant for a mine
    assert " 公里" in page and " 米" in page  # the scale bar in Chinese units
