"""AppTest of the register page: listing, filters, opening a mine, editing, conflicts, removal."""

from __future__ import annotations

from core import registry
from core.access import System
from tests.pages.conftest import button, widget

PAGE = "pages/register.py"


def first_listed(database) -> dict:
    return next(database.query("SELECT * FROM mines WHERE status = '在册' ORDER BY id LIMIT 1"))


def form_key(mine: dict, name: str) -> str:
    """Key of a widget of the mine's edit form (keyed by the version the user started from)."""
    return f"m{mine['id']}v{mine['version']}_{name}"


def table_with(at, column: str):
    """The table that has this column (AppTest does not report the keys of plain tables)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with column {column!r}"
    return found[0]


def open_mine(open_page, mine: dict):
    at = open_page(PAGE)
    widget(at.text_input, "搜索矿山名称、采矿许可证号或采矿权人").set_value(mine["licence_no"]).run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == [mine["name"]]
    return at


def test_lists_the_listed_mines_with_counts(open_page, database) -> None:
    listed = database.execute("SELECT COUNT(*) FROM mines WHERE status = '在册'").fetchone()[0]
    at = open_page(PAGE)
    assert at.title[0].value == "绿色矿山名录库"
    assert widget(at.metric, "符合条件的矿山").value == f"{listed} 座"
    shown = at.dataframe[0].value
    assert len(shown) == listed
    assert list(shown.columns[:3]) == ["采矿许可证号", "矿山名称", "入库级别"]


def test_filters_by_level_and_priority_category(open_page, database) -> None:
    at = open_page(PAGE)
    widget(at.multiselect, "入库级别").set_value(["国家级"]).run()
    expected = database.execute("SELECT COUNT(*) FROM mines WHERE status = '在册' AND level = '国家级'").fetchone()[0]
    assert widget(at.metric, "符合条件的矿山").value == f"{expected} 座"
    widget(at.multiselect, "入库级别").set_value([]).run()
    widget(at.multiselect, "重点核查类别").set_value(["露天开采"]).run()
    open_pit = database.execute("SELECT COUNT(*) FROM mines WHERE status = '在册' AND method = '露天开采'").fetchone()[0]
    assert set(at.dataframe[0].value["开采方式"]) == {"露天开采"}
    assert len(at.dataframe[0].value) == open_pit


def test_no_match_says_what_to_do(open_page, database) -> None:
    at = open_page(PAGE)
    widget(at.text_input, "搜索矿山名称、采矿许可证号或采矿权人").set_value("不存在的矿山名称").run()
    assert any("没有符合条件的矿山" in i.value for i in at.info)


def test_empty_register_points_to_import(open_page, empty_database) -> None:
    at = open_page(PAGE)
    assert any("名录库中还没有矿山" in i.value for i in at.info)
    assert not at.dataframe


def test_edit_a_mine_writes_the_change_and_its_history(open_page, database) -> None:
    mine = first_listed(database)
    at = open_mine(open_page, mine)
    at.text_input(key=form_key(mine, "owner")).set_value("改名后的示例矿业有限公司").run()
    at.button(key=form_key(mine, "save")).click().run()
    assert not at.exception, at.exception
    saved = registry.get_mine(database, mine["id"])
    assert saved["owner"] == "改名后的示例矿业有限公司"
    assert saved["version"] == mine["version"] + 1
    history = registry.history(database, mine["id"])
    change = history[history["字段"] == "采矿权人"].iloc[0]
    assert (change["原值"], change["新值"], change["操作"]) == (mine["owner"], "改名后的示例矿业有限公司", "编辑")
    assert any("已保存" in s.value for s in at.success)


def test_edit_with_a_bad_coordinate_is_refused_and_writes_nothing(open_page, database) -> None:
    mine = first_listed(database)
    at = open_mine(open_page, mine)
    at.text_input(key=form_key(mine, "lon")).set_value("一百一十二度").run()
    at.button(key=form_key(mine, "save")).click().run()
    assert any("修改未保存" in e.value for e in at.error)
    problems = table_with(at, "问题")
    assert "无法识别的坐标" in set(problems["问题"])
    assert registry.get_mine(database, mine["id"]) == mine


def test_a_save_after_someone_else_saved_is_a_conflict_not_an_overwrite(open_page, database) -> None:
    mine = first_listed(database)
    at = open_mine(open_page, mine)
    # Someone else saves the same mine after this user opened it.
    other = dict(mine, owner="另一位同事填写的采矿权人")
    registry.update_mine(database, mine["id"], other, mine["version"], System("同事"))
    at.text_input(key=form_key(mine, "owner")).set_value("我填写的采矿权人").run()
    at.button(key=form_key(mine, "save")).click().run()
    assert any("已被他人修改" in e.value for e in at.error)
    assert registry.get_mine(database, mine["id"])["owner"] == "另一位同事填写的采矿权人"
    both = table_with(at, "您填写的内容")
    assert list(both.iloc[0]) == ["采矿权人", "另一位同事填写的采矿权人", "我填写的采矿权人"]


def test_mark_removed_asks_first_then_keeps_the_mine(open_page, database) -> None:
    mine = first_listed(database)
    at = open_mine(open_page, mine)
    button(at, "移出名录").click().run()
    assert registry.get_mine(database, mine["id"])["status"] == "在册"  # nothing before confirmation
    assert any("确认将" in w.value for w in at.warning)
    button(at, "确认移出").click().run()
    assert not at.exception, at.exception
    removed = registry.get_mine(database, mine["id"])
    assert removed["status"] == "已移出"
    assert removed["removed_reason"].startswith("采矿许可证到期或注销")
    history = registry.history(database, mine["id"])
    assert "移出" in set(history["操作"])


def test_add_a_mine(open_page, database) -> None:
    at = open_page(PAGE)
    widget(at.text_input, "采矿许可证号 *").set_value("C4205002020017777777777").run()
    widget(at.text_input, "矿山名称 *").set_value("测试新增示例矿").run()
    widget(at.selectbox, "入库级别 *").set_value("省级").run()
    widget(at.selectbox, "市（州） *").set_value("宜昌市").run()
    widget(at.selectbox, "开采矿种 *").set_value("磷矿").run()
    widget(at.selectbox, "开采方式 *").set_value("地下开采").run()
    button(at, "添加到名录库").click().run()
    assert not at.exception, at.exception
    added = registry.get_by_licence(database, "C4205002020017777777777")
    assert added is not None
    assert (added["city_code"], added["standard"], added["status"]) == ("420500", "DZ/T 0313—2018", "在册")
