"""AppTest of the map page: what the map is given, and that the filters change it."""

from __future__ import annotations

import json
from datetime import date, timedelta

from core import registry
from core.access import System
from tests.pages.conftest import map_args, map_rows, widget

PAGE = "pages/map.py"


def test_the_map_gets_every_listed_mine_with_local_assets(open_page, database) -> None:
    at = open_page(PAGE)
    listed = database.execute("SELECT COUNT(*) FROM mines WHERE status = '在册'").fetchone()[0]
    rows = map_rows(at)
    assert len(rows) == listed
    assert any(f"地图上显示 {listed} 座矿山" in c.value for c in at.caption)
    args = map_args(at)
    assert all(link.startswith("../../app/static/") for link in args["js_links"] + args["css_links"])
    # Pan and zoom never rerun the page: only a click on a mine comes back.
    assert args["returned_objects"] == ["last_object_clicked_tooltip"]


def test_filters_change_the_map_data(open_page, database) -> None:
    at = open_page(PAGE)
    widget(at.multiselect, "入库级别").set_value(["国家级"]).run()
    national = {r[0] for r in database.execute(
        "SELECT licence_no FROM mines WHERE status = '在册' AND level = '国家级'").fetchall()}
    rows = map_rows(at)
    assert {row[5] for row in rows} == national
    assert all(row[6].startswith("入库级别：国家级<br>") for row in rows)
    widget(at.multiselect, "重点核查类别").set_value(["问题线索"]).run()
    flagged = {r[0] for r in database.execute("SELECT licence_no FROM mines WHERE status = '在册' AND "
                                               "level = '国家级' AND flag_problem = 1").fetchall()}
    assert {row[5] for row in map_rows(at)} == flagged


def test_colour_dimension_changes_colours_and_legend(open_page, database) -> None:
    at = open_page(PAGE)
    level_index = {"国家级": 0, "省级": 1, "市级": 2, "县级": 3}
    assert all(row[2] == level_index[row[6].split("<br>")[0].removeprefix("入库级别：")] for row in map_rows(at))
    at.segmented_control(key="map_dimension").set_value("重点核查类别").run()
    problem = {r[0] for r in database.execute("SELECT licence_no FROM mines WHERE flag_problem = 1").fetchall()}
    rows = map_rows(at)
    assert problem and all(row[2] == 0 for row in rows if row[5] in problem)  # 问题线索 is the first colour
    legend = map_args(at)["script"]
    assert json.dumps("重点核查类别")[1:-1] in legend  # the legend's title, as the browser receives it


def test_a_mine_edited_elsewhere_shows_on_the_map_at_once(open_page, database) -> None:
    at = open_page(PAGE)
    mine = next(database.query("SELECT * FROM mines WHERE status = '在册' LIMIT 1"))
    registry.update_mine(database, mine["id"], dict(mine, name="改名后的示例矿"), mine["version"], System("测试"))
    at.run()
    assert "改名后的示例矿" in {row[4] for row in map_rows(at)}


def test_empty_register_says_what_to_do(open_page, empty_database) -> None:
    at = open_page(PAGE)
    assert any("地图上暂无内容" in i.value for i in at.info)
    assert not at.get("component_instance")


def test_the_map_follows_the_campaigns_records(open_page, database) -> None:
    from core import demo, inspections, maps
    from tests.test_inspections import complete_content, sign_all

    campaign = demo.demo_campaign(database)
    at = open_page(PAGE)
    at.segmented_control(key="map_dimension").set_value("核查进度").run()
    progress = inspections.progress_by_licence(database, campaign)
    order = list(maps.PALETTES["核查进度"])
    rows = map_rows(at)
    assert rows and all(row[2] == order.index(progress.get(row[5], "未抽中")) for row in rows)
    assert any("核查进度：保留" in row[6] for row in rows)
    # A record submitted elsewhere shows at once (the cached points follow the records).
    waiting = next(r for r in inspections.campaign_records(database, campaign).itertuples() if r.progress == "核查中")
    record = inspections.get(database, int(waiting.record_id))
    days = {k: record.content[k] for k in ("date_from", "date_to")}  # the draft's own dates, within the campaign
    deadline = (date.fromisoformat(days["date_to"]) + timedelta(days=180)).isoformat()
    inspections.save_draft(database, record.id, complete_content("整改") | days | {"rectify_measures": "补种复绿",
                                                                                 "rectify_deadline": deadline},
                           record.version, System("李某明"))
    sign_all(database, inspections.get(database, record.id))
    inspections.submit(database, record.id, inspections.get(database, record.id).version, System("李某明"))
    at.run()
    assert next(row for row in map_rows(at) if row[5] == waiting.licence_no)[2] == order.index("整改")
