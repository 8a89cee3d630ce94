"""core.exports: the import template and the register as xlsx/csv (which import back unchanged)."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from core import db as dbmod
from core import exports, reference, registry, regions, settings
from core.importer import apply_import, plan_import
from core.labels import FIELDS, LEVELS, METHODS, SCALE_CLASSES, SCALE_UNITS
from core.validation import validate_mine
from core.access import System

HUBEI = regions.region_by_code("420000")


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(io.BytesIO(exports.import_template(HUBEI)))


def _column_of(sheet, heading_key: str) -> str:
    index = [f.key for f in FIELDS].index(heading_key) + 1
    return get_column_letter(index)


def _list_values(workbook, formula: str) -> list[str]:
    """The cells a list validation like '选项!$A$2:$A$5' points at."""
    match = re.fullmatch(r"=?(?P<sheet>[^!]+)!\$(?P<c1>[A-Z]+)\$(?P<r1>\d+):\$(?P<c2>[A-Z]+)\$(?P<r2>\d+)", formula)
    assert match, formula
    assert match["c1"] == match["c2"]
    sheet = workbook[match["sheet"].strip("'")]
    col = column_index_from_string(match["c1"])
    return [sheet.cell(row=r, column=col).value for r in range(int(match["r1"]), int(match["r2"]) + 1)]


def test_template_sheets(template):
    assert template.sheetnames[:2] == ["绿色矿山名录", "填表说明"]
    assert template.sheetnames[0] == template.active.title or template.worksheets[0].title == "绿色矿山名录"
    hidden = [ws.title for ws in template.worksheets if ws.sheet_state != "visible"]
    assert hidden == ["选项"]


def test_template_headers_mark_required_columns(template):
    headings = [c.value for c in template["绿色矿山名录"][1]]
    assert headings == [f.label + ("*" if f.required else "") for f in FIELDS]
    assert "采矿许可证号*" in headings and "采矿权人" in headings
    sheet = template["绿色矿山名录"]
    for col, f in enumerate(FIELDS, start=1):
        comment = sheet.cell(row=1, column=col).comment
        assert comment is not None and comment.text.strip() == exports.NOTES[f.key]


def test_template_notes_sheet(template):
    notes = template["填表说明"]
    cells = [[c.value for c in row] for row in notes.iter_rows()]
    assert cells[0][0] == "湖北省绿色矿山名录导入模板 · 填表说明"
    assert "全部成功或全部不写入" in cells[1][1]
    labels = [row[0] for row in cells[3:3 + len(FIELDS)]]
    assert labels == [f.label + ("（必填）" if f.required else "") for f in FIELDS]
    assert [row[1] for row in cells[3:3 + len(FIELDS)]] == [exports.NOTES[f.key] for f in FIELDS]
    dated = [row for row in cells if row[0] == "模板生成日期"]
    assert dated and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", dated[0][1])


def test_template_data_validations(template):
    sheet = template["绿色矿山名录"]
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        ref = str(validation.sqref)
        match = re.fullmatch(r"([A-Z]+)2:\1(\d+)", ref)
        assert match, ref
        assert int(match[2]) >= 1001  # room for a thousand mines at least
        by_column[match[1]] = validation
    expected = {
        "level": list(LEVELS),
        "method": list(METHODS),
        "scale_unit": list(SCALE_UNITS),
        "scale_class": list(SCALE_CLASSES),
        "flag_problem": ["是", "否"],
        "flag_rectify": ["是", "否"],
        "city": [r.name for r in regions.prefectures(HUBEI.code)],
        "mineral": reference.mineral_names(),
    }
    assert set(by_column) == {_column_of(sheet, key) for key in expected}
    for key, values in expected.items():
        validation = by_column[_column_of(sheet, key)]
        assert validation.type == "list"
        assert _list_values(template, validation.formula1) == values, key
        assert validation.showErrorMessage
        # Unknown minerals may be typed (the import warns); other lists are strict.
        assert (validation.errorStyle or "stop") == ("warning" if key == "mineral" else "stop")
    assert "恩施土家族苗族自治州" in expected["city"] and "武汉市" in expected["city"]


def test_filled_template_imports(db, valid_mine):
    workbook = openpyxl.load_workbook(io.BytesIO(exports.import_template(HUBEI)))
    sheet = workbook["绿色矿山名录"]
    raw = valid_mine()
    for col, f in enumerate(FIELDS, start=1):
        sheet.cell(row=2, column=col, value=raw[f.key])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_import(db, buffer.getvalue(), "模板.xlsx")
    assert plan.header_row == 1
    assert plan.problems == []
    assert [r["licence_no"] for r in plan.new] == [raw["licence_no"]]


def test_empty_template_has_no_data_rows(db):
    from core.importer import ImportFileError

    with pytest.raises(ImportFileError, match="表头下面没有数据行"):
        plan_import(db, exports.import_template(HUBEI), "模板.xlsx")


def test_register_xlsx_round_trip(demo_db):
    mines = registry.list_mines(demo_db).to_dict("records")
    content = exports.register_xlsx(mines)
    before = demo_db.execute("SELECT * FROM mines ORDER BY id").fetchall()
    plan = plan_import(demo_db, content, "名录导出.xlsx")
    assert plan.errors == []
    assert (len(plan.new), len(plan.changed), plan.unchanged) == (0, 0, 60)
    assert sorted(plan.ignored_columns) == sorted(label for _, label in exports.EXTRA_EXPORT)
    assert apply_import(demo_db, plan, System("导入员")) == (0, 0)
    assert demo_db.execute("SELECT * FROM mines ORDER BY id").fetchall() == before


def test_register_xlsx_headings_and_title(demo_db):
    mines = registry.list_mines(demo_db).to_dict("records")
    workbook = openpyxl.load_workbook(io.BytesIO(exports.register_xlsx(mines, title="湖北省绿色矿山名录")))
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == "湖北省绿色矿山名录"
    assert [c.value for c in sheet[2]] == [label for _, label in exports.EXPORT_COLUMNS]
    assert sheet.max_row == 62
    plan = plan_import(demo_db, exports.register_xlsx(mines, title="湖北省绿色矿山名录"), "带标题.xlsx")
    assert plan.header_row == 2 and plan.errors == [] and plan.unchanged == 60


def test_register_csv_has_bom_and_round_trips(demo_db):
    mines = registry.list_mines(demo_db).to_dict("records")
    content = exports.register_csv(mines)
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[:3] == ["采矿许可证号", "矿山名称", "采矿权人"]
    assert len(text.splitlines()) == 61
    plan = plan_import(demo_db, content, "名录导出.csv")
    assert plan.errors == []
    assert (len(plan.new), len(plan.changed), plan.unchanged) == (0, 0, 60)


def test_register_export_round_trips_into_an_empty_register(demo_db):
    mines = registry.list_mines(demo_db).to_dict("records")
    db = dbmod.connect(":memory:")
    plan = plan_import(db, exports.register_xlsx(mines), "迁移.xlsx")
    assert plan.errors == [] and len(plan.new) == 60
    apply_import(db, plan, System("迁移"))
    editable = ", ".join(c for c in registry.EDITABLE if c not in ("province", "province_code"))
    query = f"SELECT {editable} FROM mines ORDER BY licence_no"
    assert db.execute(query).fetchall() == demo_db.execute(query).fetchall()
    db.close()


def test_register_flags_are_written_as_yes_no(demo_db):
    mines = registry.list_mines(demo_db).to_dict("records")
    sheet = openpyxl.load_workbook(io.BytesIO(exports.register_xlsx(mines))).worksheets[0]
    headings = [c.value for c in sheet[1]]
    col = headings.index("问题线索") + 1
    values = [sheet.cell(row=r, column=col).value for r in range(2, sheet.max_row + 1)]
    assert set(values) <= {"是", "否"}
    assert values.count("是") == sum(m["flag_problem"] for m in mines)


@pytest.mark.parametrize(
    "day, text",
    [(date(2023, 11, 30), "2023年11月30日"), (date(2024, 1, 5), "2024年1月5日"), (date(2020, 10, 1), "2020年10月1日")],
)
def test_chinese_date(day, text):
    assert exports.chinese_date(day) == text


def test_a_mine_without_scale_year_or_coordinates_exports(db) -> None:
    values, _ = validate_mine({"licence_no": "C4205002020019999999999", "name": "只有必填项的示例矿", "level": "省级",
                               "city": "宜昌市", "mineral": "磷矿", "method": "地下开采"}, settings.province(db))
    registry.create_mine(db, values, System("测试"))
    rows = registry.list_mines(db).to_dict("records")
    assert plan_import(db, exports.register_xlsx(rows), "导出.xlsx").unchanged == 1
    assert plan_import(db, exports.register_csv(rows), "导出.csv").unchanged == 1
