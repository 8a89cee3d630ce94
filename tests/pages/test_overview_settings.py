"""AppTest of the overview and settings pages."""

from __future__ import annotations

from core import basemap, registry, settings
from core.access import ADMIN, System
from tests.pages.conftest import DEMO_MINES, account, button, map_rows, shown, widget


def test_overview_counts_the_register(open_page, database) -> None:
    at = open_page()
    summary = registry.summary(database)
    assert at.title[0].value == "湖北省绿色矿山实地抽查核查"
    assert widget(at.metric, "在册绿色矿山").value == f"{summary['listed']} 座"
    assert widget(at.metric, "重点核查：露天开采").value == str(summary["open_pit"])
    by_city = at.dataframe[0].value
    assert by_city["合计"].sum() == summary["listed"]


def test_overview_numbers_agree_with_the_register(open_page, database) -> None:
    at = open_page()
    rows = database.execute("SELECT level, COUNT(*) FROM mines WHERE status = '在册' GROUP BY level").fetchall()
    for level, count in rows:
        assert widget(at.metric, level).value == str(count)
    problem = database.execute("SELECT COUNT(*) FROM mines WHERE status = '在册' AND flag_problem = 1").fetchone()[0]
    assert widget(at.metric, "重点核查：有问题线索反映").value == str(problem)
    assert len(map_rows(at)) == sum(count for _, count in rows)


def test_overview_of_an_empty_register_says_what_to_do(open_page, empty_database) -> None:
    at = open_page()
    assert any("第一步：导入本省的绿色矿山名录" in i.value for i in at.info)


def test_change_the_province(open_page, empty_database) -> None:
    at = open_page("pages/settings.py", account(ADMIN))
    widget(at.selectbox, "省（区、市）").set_value("430000").run()
    button(at, "保存为湖南省").click().run()
    assert settings.province(empty_database).name == "湖南省"
    at.switch_page("pages/overview.py").run()
    assert at.title[0].value == "湖南省绿色矿山实地抽查核查"


def test_reset_to_demo_data_asks_first(open_page, database) -> None:
    mine = next(database.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(database, mine["id"], dict(mine, owner="演示前修改"), mine["version"], System("测试"))
    at = open_page("pages/settings.py", account(ADMIN))
    assert button(at, "重置为演示数据").disabled  # until the province's name is typed
    widget(at.text_input, "请输入本省名称“湖北省”以确认").set_value("湖北").run()
    assert button(at, "重置为演示数据").disabled
    widget(at.text_input, "请输入本省名称“湖北省”以确认").set_value("湖北省").run()
    button(at, "重置为演示数据").click().run()
    assert registry.count_mines(database) == DEMO_MINES
    assert any("此操作不能撤销" in w.value for w in at.warning)
    button(at, "确认重置").click().run()
    assert not at.exception, at.exception
    assert registry.count_mines(database) == 400
    assert any("已载入 400 座演示矿山，并建立了进行中的演示核查任务" in s.value for s in at.success)
    assert database.execute("SELECT COUNT(*) FROM records WHERE status = '已提交'").fetchone()[0] > 0


def test_reset_to_demo_data_is_offered_only_on_demo_data(open_page, database) -> None:
    """On a register that holds real mines (here one imported by a person), a reset would destroy them: the
    section is not there at all."""
    mine = next(database.query("SELECT * FROM mines LIMIT 1"))
    registry.create_mine(database, dict(mine, licence_no="C4200002023017110199999", name="某县某矿业公司某矿"), System("组织者"))
    at = open_page("pages/settings.py", account(ADMIN))
    assert not [b for b in at.button if b.label == "重置为演示数据"]
    assert "演示数据" not in [h.value for h in at.subheader]


def test_settings_keep_server_paths_in_the_technical_section(open_page, database, data_dir) -> None:
    at = open_page("pages/settings.py", account(ADMIN))
    [technical] = [e for e in at.expander if e.label == "技术信息（供信息技术人员）"]
    text = " ".join(m.value for m in technical.markdown) + " ".join(c.value for c in technical.code)
    assert str(data_dir) in text and "GREENMINE_DATA_DIR" in text and "core.backup restore" in text
    outside = [m.value for m in at.markdown if m not in technical.markdown] + [c.value for c in at.caption]
    assert not [t for t in outside if str(data_dir) in t or ".venv/bin/python" in t], outside


def test_base_map_settings_are_validated_then_saved(open_page, empty_database) -> None:
    at = open_page("pages/settings.py", account(ADMIN))
    widget(at.radio, "底图").set_value("tiles").run()
    widget(at.text_input, "瓦片地址模板").set_value("/tiles/map.png").run()
    button(at, "保存底图设置").click().run()
    assert any("{z}" in shown(e.value) for e in at.error)
    assert basemap.load(empty_database).kind == "none"
    widget(at.text_input, "瓦片地址模板").set_value("/tianditu/vec_w/{z}/{x}/{y}").run()
    widget(at.text_input, "底图来源说明").set_value("天地图·湖北").run()
    button(at, "保存底图设置").click().run()
    saved = basemap.load(empty_database)
    assert (saved.kind, saved.url, saved.attribution) == ("tiles", "/tianditu/vec_w/{z}/{x}/{y}", "天地图·湖北")


def test_a_bad_boundary_file_is_refused_in_chinese(open_page, empty_database) -> None:
    at = open_page("pages/settings.py", account(ADMIN))
    at.file_uploader(key="boundary_upload").set_value(("边界.geojson", b"{not json", "application/json")).run()
    button(at, "保存边界").click().run()
    assert any("不是有效的 GeoJSON" in e.value for e in at.error)
    assert basemap.load_boundary() is None


def test_back_up_and_check_from_the_settings_page(open_page, database, data_dir) -> None:
    at = open_page("pages/settings.py", account(ADMIN))
    assert any("还没有备份" in i.value for i in at.info)
    button(at, "立即备份").click().run()
    assert not at.exception, at.exception
    [made] = list((data_dir / "backups").glob("绿矿核查备份-*.zip"))
    assert any(made.name in shown(s.value) for s in at.success)
    assert any(len(d.value) and d.value.iloc[0].get("备份文件") == made.name for d in at.dataframe)
    button(at, "检查所选备份").click().run()
    assert any(f"备份完好：{made.name}" in shown(s.value) for s in at.success)
    button(at, "检查当前数据").click().run()
    assert any("数据完好" in s.value and "审计日志链" in s.value for s in at.success)
