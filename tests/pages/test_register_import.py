"""AppTest of the import page: upload, see the problems, confirm, see the mines; exports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import xlsxwriter

from core import registry
from core.exports import EXPORT_COLUMNS
from tests.pages.conftest import button, widget

PAGE = "pages/register_import.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["采矿许可证号", "矿山名称", "采矿权人", "入库级别", "市", "县", "开采矿种", "开采方式", "生产规模", "经度", "纬度"]


def workbook(rows: list[list], title: str | None = "湖北省绿色矿山名录") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    start = 0
    if title:
        sheet.merge_range(0, 0, 0, len(HEADER) - 1, title)
        start = 1
    sheet.write_row(start, 0, HEADER)
    for offset, row in enumerate(rows, start=start + 1):
        sheet.write_row(offset, 0, row)
    book.close()
    return buffer.getvalue()


GOOD = ["C4205002020011234567890", "夷陵区甲子示例矿业有限公司青石岭磷矿", "夷陵区甲子示例矿业有限公司", "省级",
        "宜昌市", "夷陵区", "磷矿", "井工", "50万吨/年", 111.3, 30.8]
BAD = ["C4205002020011234567891", "夷陵区乙丑示例矿业有限公司白石坪磷矿", "", "乡级",
       "宜昌", "夷陵区", "磷矿", "地下开采", "30", 121.5, 25.0]


def test_a_file_with_errors_lists_them_and_writes_nothing(open_page, database) -> None:
    before = registry.count_mines(database)
    at = open_page(PAGE)
    at.file_uploader[0].set_value(("名录.xlsx", workbook([GOOD, BAD]), XLSX)).run()
    assert not at.exception, at.exception
    assert any("本次不能导入" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert set(problems["行号"]) == {4}
    assert {"入库级别", "经度"} <= set(problems["列"])
    assert not [b for b in at.button if b.label.startswith("确认导入")]
    assert registry.count_mines(database) == before


def test_upload_preview_confirm_then_the_mines_are_in_the_register(open_page, database) -> None:
    existing = next(database.query("SELECT * FROM mines ORDER BY id LIMIT 1"))
    changed = [existing["licence_no"], existing["name"], "新的采矿权人示例有限公司", existing["level"], existing["city"],
               existing["county"], existing["mineral"], existing["method"], existing["scale_value"],
               existing["lon"], existing["lat"]]
    before = registry.count_mines(database)
    at = open_page(PAGE)
    at.file_uploader[0].set_value(("名录.xlsx", workbook([GOOD, changed]), XLSX)).run()
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新增矿山"], metrics["更新矿山"], metrics["错误"]) == ("1", "1", "0")
    assert registry.count_mines(database) == before  # nothing written before confirmation
    button(at, "确认导入（新增 1 座，更新 1 座）").click().run()
    assert not at.exception, at.exception
    assert any("导入完成：新增 1 座，更新 1 座" in s.value for s in at.success)
    assert registry.count_mines(database) == before + 1
    added = registry.get_by_licence(database, GOOD[0])
    assert (added["method"], added["scale_value"], added["scale_unit"], added["scale_class"]) == (
        "地下开采", 50.0, "万吨/年", "中型")
    assert registry.get_mine(database, existing["id"])["owner"] == "新的采矿权人示例有限公司"
    history = registry.history(database, existing["id"])
    assert history.iloc[0]["操作"] == "导入更新" and history.iloc[0]["说明"] == "导入文件：名录.xlsx"
    assert at.dataframe[-1].value.iloc[0]["文件"] == "名录.xlsx"  # the import log


def test_a_renamed_file_gets_a_clear_message(open_page, database) -> None:
    at = open_page(PAGE)
    at.file_uploader[0].set_value(("名录.xlsx", "不是表格".encode(), XLSX)).run()
    assert any("内容不是 Excel 工作簿" in e.value for e in at.error)


def test_downloads_are_offered(open_page, database) -> None:
    at = open_page(PAGE)
    labels = [b.label for b in at.download_button]
    assert labels == ["下载导入模板（.xlsx）", "导出 Excel（.xlsx）", "导出 CSV"]
    assert any(f"导出全部 {registry.count_mines(database)} 座矿山" in m.value for m in at.markdown)
    assert len(EXPORT_COLUMNS) > 20


def test_empty_register_has_nothing_to_export(open_page, empty_database) -> None:
    at = open_page(PAGE)
    assert [b.label for b in at.download_button] == ["下载导入模板（.xlsx）"]
    assert any("名录库为空" in i.value for i in at.info)


DATA = Path(__file__).resolve().parents[1] / "data"  # files made by tests/data/make_registers.py


def upload(at, name: str):
    mime = "text/csv" if name.endswith(".csv") else XLSX
    return at.file_uploader[0].set_value((name, (DATA / name).read_bytes(), mime)).run()


def table_with(at, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with column {column!r}"
    return found[0]


@pytest.mark.parametrize("name", ["provincial_register.xlsx", "provincial_register_gb18030.csv"])
def test_a_provincial_register_with_footer_imports(open_page, database, name) -> None:
    before = registry.count_mines(database)
    at = upload(open_page(PAGE), name)
    assert not at.exception, at.exception
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新增矿山"], metrics["错误"]) == ("5", "0")
    assert any("表头在第 3–4 行" in c.value for c in at.caption)

    assert any("有 5 行不是矿山" in i.value for i in at.info)
    skipped = table_with(at, "跳过原因")
    assert list(skipped["行号"]) == [10, 12, 13, 14, 15]
    assert skipped.iloc[3]["内容"].startswith("填表人：张三")

    preview = table_with(at, "操作")
    assert list(preview["行号"]) == [5, 6, 7, 8, 9]
    first = preview.iloc[0]
    assert (first["开采方式"], first["生产规模"], first["经度"]) == (
        "露采 → 露天开采", "１２０ → 120万吨/年", "114°18′30″ → 114.308333")
    assert any("有 11 个单元格按规范写法导入" in c.value for c in at.caption)
    cells = table_with(at, "文件中的写法")
    assert ("露采", "露天开采") in set(zip(cells["文件中的写法"], cells["导入后的值"]))

    button(at, "确认导入（新增 5 座，更新 0 座）").click().run()
    assert not at.exception, at.exception
    assert registry.count_mines(database) == before + 5
    assert registry.get_by_licence(database, "C4201152010011234567801")["method"] == "露天开采"


def test_an_unknown_city_heading_is_mapped_by_the_user_then_imports(open_page, database) -> None:
    before = registry.count_mines(database)
    at = upload(open_page(PAGE), "unknown_city_heading.xlsx")
    assert not at.exception, at.exception
    [error] = at.error
    assert "表格缺少必填列：市" in error.value and "表格中的“所在地区”是否就是“市”？" in error.value
    choice = widget(at.selectbox, "“市”在文件中是哪一列？")
    assert choice.options == ["序号", "所在地区"]
    assert choice.value == "所在地区"  # the suggestion is chosen already
    assert not [b for b in at.button if b.label.startswith("确认导入")]

    choice.set_value("所在地区")
    button(at, "按所选的列重新检查").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert any("“所在地区”作为“市”" in c.value for c in at.caption)
    assert {m.label: m.value for m in at.metric}["新增矿山"] == "5"
    button(at, "撤销指定的列").click().run()
    assert any("表格缺少必填列：市" in e.value for e in at.error)
    button(at, "按所选的列重新检查").click().run()  # the suggestion is still chosen
    assert not at.error
    button(at, "确认导入（新增 5 座，更新 0 座）").click().run()
    assert registry.count_mines(database) == before + 5
    assert registry.get_by_licence(database, "C4228012015071234567803")["city"] == "恩施土家族苗族自治州"


def test_the_same_column_cannot_be_two_fields(open_page, database) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["采矿许可证号", "矿山名称", "入库级别", "地区", "开采矿种", "方式"])
    sheet.write_row(1, 0, ["C4205002020011234567890", "某示例磷矿", "省级", "宜昌市", "磷矿", "地下开采"])
    book.close()
    at = open_page(PAGE)
    at.file_uploader[0].set_value(("缺两列.xlsx", buffer.getvalue(), XLSX)).run()
    assert any("表格缺少必填列：市、开采方式" in e.value for e in at.error)
    widget(at.selectbox, "“市”在文件中是哪一列？").set_value("地区")
    widget(at.selectbox, "“开采方式”在文件中是哪一列？").set_value("地区")
    button(at, "按所选的列重新检查").click().run()
    assert any("同一列不能同时作为两个字段" in e.value for e in at.error)
    widget(at.selectbox, "“开采方式”在文件中是哪一列？").set_value("方式")
    button(at, "按所选的列重新检查").click().run()
    assert not at.error
    assert {m.label: m.value for m in at.metric}["新增矿山"] == "1"


def test_problems_wrap_whole_in_columns_that_fit_the_screen(open_page, database) -> None:
    at = open_page(PAGE)
    at.file_uploader[0].set_value(("名录.xlsx", workbook([GOOD, BAD]), XLSX)).run()
    problems = at.dataframe[0]
    assert "修改方法" in problems.value.columns
    # Streamlit wraps text only in rows taller than 4rem (64 px); the longest fix needs several lines.
    assert problems.proto.row_height >= 68
    widths = {name: spec["width"] for name, spec in json.loads(problems.proto.columns).items() if "width" in spec}
    assert widths["问题"] >= 200 and widths["修改方法"] >= 200
    assert sum(widths.values()) <= 900  # the page's width beside the menu on a 1366 px screen
