"""AppTest of the import page: upload, see the problems, confirm, see the mines; exports."""

from __future__ import annotations

import io

import xlsxwriter

from core import registry
from core.exports import EXPORT_COLUMNS
from tests.pages.conftest import button

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
