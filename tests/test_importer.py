"""core.importer: reading xlsx/csv, finding the header, planning, and the all-or-nothing apply."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from core import importer, registry
from core.importer import ImportFileError, apply_import, plan_import
from core.exports import register_xlsx
from core.labels import FIELDS
from core.registry import ConflictError, RegistryError
from core.access import System

DATA = Path(__file__).parent / "data"
CJK = re.compile(r"[\u4e00-\u9fff]")

LICENCES = ["C4202812010011234567890", "C4228012012051234567891", "C4203232015071234567892"]


@pytest.fixture
def rows(valid_mine):
    """Three valid mines as raw values keyed by field key."""
    return [
        valid_mine(),
        valid_mine(licence_no=LICENCES[1], name="恩施市乙丑示例矿业有限公司龙泉坪磷矿", owner="恩施市乙丑示例矿业有限公司",
                   level="国家级", listing_year=2019, city="恩施土家族苗族自治州", county="恩施市", mineral="磷矿",
                   method="地下开采", scale=50, scale_unit="万吨/年", lon=109.48, lat=30.29),
        valid_mine(licence_no=LICENCES[2], name="竹山县丙寅示例矿业有限公司松林沟铁矿", owner="竹山县丙寅示例矿业有限公司",
                   level="市级", listing_year=2021, city="十堰市", county="竹山县", mineral="铁矿",
                   method="地下开采", scale=20, scale_unit="万吨/年", lon=110.23, lat=32.22),
    ]


def table(raws, headers=None):
    """Header row (template labels) + one row per raw mine, in template column order."""
    headers = headers or [f.label for f in FIELDS]
    return [headers] + [[raw.get(f.key) for f in FIELDS] for raw in raws]


def snapshot(db):
    return {name: db.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()
            for name in ("mines", "mine_history", "imports")}


def is_chinese(message: str) -> bool:
    return bool(CJK.search(message))


# --- reading files ------------------------------------------------------------------------------

def test_xlsx_with_merged_title_row_above_the_header(db, make_xlsx, rows):
    content = make_xlsx(table(rows), title="湖北省绿色矿山名录（2023年）")
    plan = plan_import(db, content, "名录.xlsx")
    assert plan.header_row == 2
    assert plan.problems == []
    assert [r["_row"] for r in plan.rows] == [3, 4, 5]
    assert [r["licence_no"] for r in plan.new] == LICENCES
    assert plan.ok and plan.unchanged == 0 and plan.changed == []


def test_xlsx_saved_by_openpyxl_with_merged_title(db, rows):
    import io

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "湖北省绿色矿山名录"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(FIELDS))
    sheet.append([])  # an empty row between title and header
    for row in table(rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_import(db, buffer.getvalue(), "名录.xlsx")
    assert plan.header_row == 3
    assert [r["_row"] for r in plan.rows] == [4, 5, 6]
    assert plan.problems == []


def test_header_aliases_and_marks_are_recognised(db, make_xlsx, valid_mine):
    headers = ["序号", "许可证号 *", "矿山名", "矿权人", "级别", "入库\n年度", "地市", "区县", "矿种", "开采方法",
               "设计生产规模", "单位", "东经", "北纬", "是否有问题线索", "问题描述", "备注"]
    data = [1, "C4202812010011234567890", "大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿", "大冶市甲子示例矿业有限公司",
            "省", "2020年", "黄石", "大冶", "建筑用灰岩", "露采", "30", "万m3/a", "114°58′48″", "30°6′0″",
            "有", "群众来信反映扬尘", "无"]
    plan = plan_import(db, make_xlsx([headers, data]), "别名.xlsx")
    assert plan.columns == {
        "licence_no": "许可证号 *", "name": "矿山名", "owner": "矿权人", "level": "级别", "listing_year": "入库 年度",
        "city": "地市", "county": "区县", "mineral": "矿种", "method": "开采方法", "scale": "设计生产规模",
        "scale_unit": "单位", "lon": "东经", "lat": "北纬", "flag_problem": "是否有问题线索", "problem_desc": "问题描述",
    }
    assert plan.ignored_columns == ["序号", "备注"]
    assert plan.problems == []
    values = plan.rows[0]
    assert (values["level"], values["listing_year"], values["city"], values["county"]) == ("省级", 2020, "黄石市", "大冶市")
    assert (values["mineral"], values["standard"], values["method"]) == ("建筑石料用灰岩", "DZ/T 0316—2018", "露天开采")
    assert (values["scale_value"], values["scale_unit"], values["scale_class"]) == (30.0, "万立方米/年", "大型")
    assert values["lon"] == pytest.approx(114.98) and values["lat"] == pytest.approx(30.1)
    assert values["flag_problem"] == 1


def test_unit_in_the_scale_heading_is_used(db, make_xlsx):
    # Many registers carry the unit in the heading ("生产规模（万吨/年）", one of the template's aliases).
    headers = ["采矿许可证号", "矿山名称", "入库级别", "市", "开采矿种", "开采方式", "生产规模（万吨/年）"]
    data = ["C4205252010011234567890", "远安县戊辰示例矿业有限公司青山岭磷矿", "省级", "宜昌市", "磷矿", "地下开采", 120]
    plan = plan_import(db, make_xlsx([headers, data]), "带单位表头.xlsx")
    assert plan.columns["scale"] == "生产规模（万吨/年）"  # the heading as written in the file
    assert plan.problems == []
    values = plan.rows[0]
    assert (values["scale_value"], values["scale_unit"], values["scale_class"]) == (120.0, "万吨/年", "大型")


def test_register_found_on_a_later_sheet(db, make_xlsx, rows):
    notes = [["填表说明"], ["请按模板填写"], ["采矿许可证号：必填"]]
    content = make_xlsx(table(rows), sheet_name="名录", before=[("填表说明", notes)])
    plan = plan_import(db, content, "两页.xlsx")
    assert len(plan.new) == 3 and plan.problems == []


def test_gb18030_csv_as_excel_writes_it(db, make_csv, rows):
    content = make_csv(table(rows), encoding="gb18030")
    assert not content.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    plan = plan_import(db, content, "名录.csv")
    assert plan.problems == []
    assert [r["name"] for r in plan.rows] == [r["name"] for r in rows]
    assert plan.rows[1]["city"] == "恩施土家族苗族自治州"


def test_utf8_csv_with_bom(db, make_csv, rows):
    content = make_csv(table(rows), bom=True)
    assert content.startswith(b"\xef\xbb\xbf")
    plan = plan_import(db, content, "名录.CSV")
    assert plan.columns["licence_no"] == "采矿许可证号"
    assert plan.problems == []
    assert [r["licence_no"] for r in plan.rows] == LICENCES


def test_tab_separated_text(db, make_csv, rows):
    plan = plan_import(db, make_csv(table(rows), delimiter="\t"), "名录.txt")
    assert plan.problems == [] and len(plan.rows) == 3


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(db, make_xlsx, rows, valid_mine):
    bad = valid_mine(licence_no="C4202812010011234567899", level="特级")
    data = table(rows[:1]) + [[None] * len(FIELDS), ["", " ", "　"]] + table([rows[1], bad])[1:]
    plan = plan_import(db, make_xlsx(data), "空行.xlsx")
    assert [r["_row"] for r in plan.rows] == [2, 5]
    assert [(p.row, p.column, p.message) for p in plan.errors] == [(6, "入库级别", "入库级别无法识别")]


def test_csv_blank_lines_keep_excel_row_numbers(db, make_csv, rows, valid_mine):
    bad = valid_mine(licence_no="C4202812010011234567899", method="乱采")
    data = table(rows[:1]) + [[], [""] * len(FIELDS)] + table([bad])[1:]
    plan = plan_import(db, make_csv(data, encoding="gb18030"), "空行.csv")
    assert [(p.row, p.message) for p in plan.errors] == [(5, "开采方式无法识别")]


def test_duplicate_licence_in_file_names_the_first_row(db, make_xlsx, rows):
    again = dict(rows[0], name="另一个名称", licence_no=" c4202812010011234567890")
    plan = plan_import(db, make_xlsx(table([rows[0], rows[1], again])), "重复.xlsx")
    [error] = plan.errors
    assert (error.row, error.column, error.value) == (4, "采矿许可证号", "C4202812010011234567890")
    assert error.message == "与第 2 行的采矿许可证号重复"
    assert [r["_row"] for r in plan.rows] == [2, 3]


def test_problems_are_sorted_by_row_with_errors_first(db, make_xlsx, rows, valid_mine):
    late = valid_mine(licence_no="C42000", level="特级")  # warning (licence shape) + error (level)
    early = valid_mine(licence_no=LICENCES[1], mineral="独居石")  # warning only
    plan = plan_import(db, make_xlsx(table([early, late])), "排序.xlsx")
    assert [(p.row, p.severity) for p in plan.problems] == [(2, "提醒"), (3, "错误"), (3, "提醒")]
    frame = plan.problems_frame()
    assert list(frame.columns) == ["行号", "级别", "列", "填写内容", "问题", "修改方法"]
    assert list(frame["行号"]) == [2, 3, 3]


def test_warnings_do_not_block_an_import(db, make_xlsx, rows, valid_mine):
    odd = valid_mine(licence_no="C42000-OLD-123", mineral="独居石", lon="", lat="")
    plan = plan_import(db, make_xlsx(table([odd])), "提醒.xlsx")
    assert plan.ok and len(plan.warnings) == 3
    assert apply_import(db, plan, System("导入员")) == (1, 0)
    assert registry.get_by_licence(db, "C42000-OLD-123")["mineral"] == "独居石"


def test_unsupported_extension(db):
    with pytest.raises(ImportFileError, match="不支持的文件类型“.docx”"):
        plan_import(db, b"PK\x03\x04 something", "名录.docx")
    with pytest.raises(ImportFileError, match="无扩展名"):
        plan_import(db, b"a,b\n1,2\n", "名录")


# --- apply: all or nothing ----------------------------------------------------------------------

def test_apply_writes_every_row_and_records_the_import(db, make_xlsx, rows):
    content = make_xlsx(table(rows))
    plan = plan_import(db, content, "名录.xlsx")
    assert apply_import(db, plan, System("导入员")) == (3, 0)
    assert registry.count_mines(db) == 3
    mine = registry.get_by_licence(db, LICENCES[1])
    assert (mine["level"], mine["city_code"], mine["standard"], mine["scale_class"]) == (
        "国家级", "422800", "DZ/T 0313—2018", "中型")
    history = db.execute("SELECT actor, action, note FROM mine_history WHERE mine_id = ?", [mine["id"]]).fetchall()
    assert history == [("导入员", "导入新增", "导入文件：名录.xlsx")]
    imports = db.execute("SELECT actor, filename, sha256, rows, created, updated FROM imports").fetchall()
    assert imports == [("导入员", "名录.xlsx", plan.sha256, 3, 3, 0)]
    recent = importer.recent_imports(db)
    assert list(recent.columns) == ["时间", "操作人", "文件", "行数", "新增", "更新"]
    assert recent.iloc[0]["文件"] == "名录.xlsx"


def test_one_bad_row_among_good_ones_writes_nothing(demo_db, make_xlsx, rows, valid_mine):
    existing = registry.list_mines(demo_db).iloc[0]
    changed_existing = valid_mine(licence_no=existing["licence_no"], name=existing["name"], level="县级",
                                  city=existing["city"], county=existing["county"], lon=existing["lon"],
                                  lat=existing["lat"])
    bad = valid_mine(licence_no="C4202812010011234567899", lon=121.47, lat=31.23)  # Shanghai
    content = make_xlsx(table(rows + [changed_existing, bad]))
    before = snapshot(demo_db)

    plan = plan_import(demo_db, content, "一行错误.xlsx")
    assert not plan.ok
    assert [(p.row, p.column) for p in plan.errors] == [(6, "经度")]
    assert len(plan.new) == 3 and len(plan.changed) == 1
    with pytest.raises(RegistryError, match="导入文件还有 1 处错误"):
        apply_import(demo_db, plan, System("导入员"))
    assert snapshot(demo_db) == before
    assert registry.count_mines(demo_db) == 60
    assert registry.get_by_licence(demo_db, LICENCES[0]) is None


def test_reimport_with_one_changed_field_updates_one_mine(db, make_xlsx, rows):
    apply_import(db, plan_import(db, make_xlsx(table(rows)), "第一次.xlsx"), System("张三"))
    first = registry.get_by_licence(db, LICENCES[1])

    rows[1]["owner"] = "恩施市乙丑示例新能矿业有限公司"
    plan = plan_import(db, make_xlsx(table(rows)), "第二次.xlsx")
    assert plan.new == [] and plan.unchanged == 2
    [(values, diff)] = plan.changed
    assert values["licence_no"] == LICENCES[1]
    assert values["_row"] == 3 and values["_expected_version"] == 1
    assert diff == {"owner": ("恩施市乙丑示例矿业有限公司", "恩施市乙丑示例新能矿业有限公司")}
    frame = plan.changes_frame()
    assert frame.to_dict("records") == [{
        "行号": 3, "采矿许可证号": LICENCES[1], "矿山名称": "恩施市乙丑示例矿业有限公司龙泉坪磷矿", "字段": "采矿权人",
        "原值": "恩施市乙丑示例矿业有限公司", "新值": "恩施市乙丑示例新能矿业有限公司",
    }]

    assert apply_import(db, plan, System("李四")) == (0, 1)
    after = registry.get_by_licence(db, LICENCES[1])
    assert after["owner"] == "恩施市乙丑示例新能矿业有限公司"
    assert after["version"] == first["version"] + 1
    assert {k: v for k, v in after.items() if k not in ("owner", "version", "updated_at")} == {
        k: v for k, v in first.items() if k not in ("owner", "version", "updated_at")}
    edits = db.execute("SELECT actor, action, field, old_value, new_value, note FROM mine_history "
                       "WHERE action = '导入更新'").fetchall()
    assert edits == [("李四", "导入更新", "owner", "恩施市乙丑示例矿业有限公司", "恩施市乙丑示例新能矿业有限公司",
                      "导入文件：第二次.xlsx")]
    for licence in (LICENCES[0], LICENCES[2]):
        assert registry.get_by_licence(db, licence)["version"] == 1


def test_reimport_identical_is_all_unchanged(db, make_xlsx, make_csv, rows):
    apply_import(db, plan_import(db, make_xlsx(table(rows)), "第一次.xlsx"), System("张三"))
    before = snapshot(db)["mines"]
    for content, name in ((make_xlsx(table(rows)), "again.xlsx"), (make_csv(table(rows), encoding="gb18030"), "again.csv")):
        plan = plan_import(db, content, name)
        assert (plan.new, plan.changed, plan.unchanged) == ([], [], 3)
        assert apply_import(db, plan, System("张三")) == (0, 0)
    assert snapshot(db)["mines"] == before


def test_columns_missing_from_the_file_are_left_alone(db, make_xlsx, rows):
    apply_import(db, plan_import(db, make_xlsx(table(rows)), "全.xlsx"), System("张三"))
    keys = ("licence_no", "name", "level", "city", "mineral", "method")
    slim = [[f.label for f in FIELDS if f.key in keys]] + [[raw[f.key] for f in FIELDS if f.key in keys] for raw in rows]
    plan = plan_import(db, make_xlsx(slim), "只有必填列.xlsx")
    assert plan.problems == [] and plan.unchanged == 3
    mine = registry.get_by_licence(db, LICENCES[0])
    assert (mine["owner"], mine["lon"], mine["scale_value"], mine["county"]) == ("大冶市甲子示例矿业有限公司", 114.98, 30.0, "大冶市")


def test_conflict_after_preview_writes_nothing(db, make_xlsx, rows, valid_mine):
    apply_import(db, plan_import(db, make_xlsx(table(rows)), "第一次.xlsx"), System("张三"))
    rows[0]["level"] = "国家级"
    newcomer = valid_mine(licence_no="C4202812010011234567899", name="新矿山")
    plan = plan_import(db, make_xlsx(table(rows + [newcomer])), "第二次.xlsx")
    assert len(plan.changed) == 1 and len(plan.new) == 1

    mine = registry.get_by_licence(db, LICENCES[0])
    registry.update_mine(db, mine["id"], {**mine, "owner": "他人改过的采矿权人"}, mine["version"], System("王五"))
    before = snapshot(db)
    with pytest.raises(ConflictError):
        apply_import(db, plan, System("李四"))
    assert snapshot(db) == before
    assert registry.get_by_licence(db, "C4202812010011234567899") is None
    assert registry.get_by_licence(db, LICENCES[0])["level"] == "省级"


def test_new_mine_created_by_someone_else_after_preview_is_a_conflict(db, make_xlsx, rows):
    plan = plan_import(db, make_xlsx(table(rows)), "名录.xlsx")
    apply_import(db, plan_import(db, make_xlsx(table(rows[:1])), "别人先导入.xlsx"), System("王五"))
    before = snapshot(db)
    with pytest.raises(ConflictError):
        apply_import(db, plan, System("李四"))
    assert snapshot(db) == before


def test_applying_the_same_plan_twice_is_refused(db, make_xlsx, rows):
    plan = plan_import(db, make_xlsx(table(rows)), "名录.xlsx")
    apply_import(db, plan, System("李四"))
    before = snapshot(db)
    with pytest.raises(ConflictError):
        apply_import(db, plan, System("李四"))
    assert snapshot(db) == before


# --- the bad inputs of tests/data ---------------------------------------------------------------

FILE_ERRORS = {
    "wrong_headers.xlsx": "没有找到表头",
    "missing_required_columns.csv": "表格缺少必填列：入库级别、开采矿种、开采方式",
    "empty.csv": "文件是空的",
    "empty.xlsx": "文件是空的",
    "header_only.xlsx": "表头下面没有数据行",
    "not_excel.xlsx": "内容不是 Excel 工作簿",
    "html_table.xls": "内容不是 Excel 工作簿",
    "truncated.xlsx": "文件已损坏",
    "utf16.csv": "UTF-16",
}

PLAN_ERRORS = {
    "gb18030_bad_level.csv": [(5, "入库级别", "特级", "入库级别无法识别")],
    "merged_title_bad_city.xlsx": [(5, "市", "上海市", "不是湖北省的地市")],
    "duplicate_licences.xlsx": [(4, "采矿许可证号", "C4202812010011234567890", "与第 2 行的采矿许可证号重复")],
    "text_in_number_columns.xlsx": [
        (2, "生产规模", "三十万方", "生产规模应为数字（可带单位）"),
        (3, "入库年份", "二〇一九年", "入库年份应为 2008 年至今的四位年份"),
        (4, "经度", "东经一百一十度", "无法识别的坐标"),
    ],
    "coordinates_in_sea.xlsx": [
        (2, "经度", "125, 28", "坐标（125, 28）不在湖北省范围内"),
        (3, "经度", "0, 0", "坐标（0, 0）不在中国境内"),
        (4, "经度", "114, 12", "坐标（114, 12）不在湖北省范围内"),
    ],
}


# Made by tests/data/make_registers.py (realistic registers that import), not by make_bad_inputs.py.
REGISTER_FILES = {"provincial_register.xlsx", "provincial_register_gb18030.csv", "unknown_city_heading.xlsx"}


def bad_input_files() -> set[str]:
    return {p.name for p in DATA.iterdir() if p.is_file() and p.suffix != ".py"} - REGISTER_FILES


def test_every_bad_input_file_is_covered():
    assert bad_input_files() == set(FILE_ERRORS) | set(PLAN_ERRORS)


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_bad_file_is_refused_with_a_clear_message(demo_db, name):
    before = snapshot(demo_db)
    with pytest.raises(ImportFileError) as caught:
        plan_import(demo_db, (DATA / name).read_bytes(), name)
    message = str(caught.value)
    assert FILE_ERRORS[name] in message
    assert is_chinese(message)
    assert snapshot(demo_db) == before


@pytest.mark.parametrize("name", sorted(PLAN_ERRORS))
def test_bad_rows_are_reported_and_nothing_is_written(demo_db, name):
    before = snapshot(demo_db)
    plan = plan_import(demo_db, (DATA / name).read_bytes(), name)
    assert [(p.row, p.column, p.value, p.message) for p in plan.errors] == PLAN_ERRORS[name]
    assert all(is_chinese(p.fix) for p in plan.errors)
    with pytest.raises(RegistryError) as caught:
        apply_import(demo_db, plan, System("导入员"))
    assert f"导入文件还有 {len(PLAN_ERRORS[name])} 处错误" in str(caught.value)
    assert snapshot(demo_db) == before


def test_gb18030_file_is_decoded(db):
    plan = plan_import(db, (DATA / "gb18030_bad_level.csv").read_bytes(), "gb18030_bad_level.csv")
    assert [r["name"] for r in plan.rows] == [
        "大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿", "恩施市乙丑示例矿业有限公司龙泉坪磷矿", "竹山县丙寅示例矿业有限公司松林沟铁矿"]


def test_twenty_megabyte_file_is_refused(demo_db, tmp_path: Path, make_csv, rows):
    path = tmp_path / "大文件.csv"
    chunk = make_csv(table(rows))
    target = 20 * 1024 * 1024
    with path.open("wb") as f:
        written = 0
        while written < target:
            piece = chunk[: target - written]
            f.write(piece)
            written += len(piece)
    content = path.read_bytes()
    assert len(content) == target
    before = snapshot(demo_db)
    with pytest.raises(ImportFileError) as caught:
        plan_import(demo_db, content, path.name)
    assert "20.0 MB" in str(caught.value) and "10 MB" in str(caught.value)
    assert snapshot(demo_db) == before


def test_bad_input_files_are_reproducible(tmp_path: Path):
    subprocess.run([sys.executable, str(DATA / "make_bad_inputs.py"), str(tmp_path)], check=True)
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {name: (DATA / name).read_bytes() for name in bad_input_files()}
    assert generated == committed


def test_a_removed_mine_in_the_file_is_updated_but_stays_removed_with_a_warning(demo_db):
    mine = next(demo_db.query("SELECT * FROM mines WHERE status = '已移出' LIMIT 1"))
    content = register_xlsx([dict(mine, owner="移出后更名的示例矿业有限公司")])
    plan = plan_import(demo_db, content, "含已移出矿山.xlsx")
    assert plan.ok
    warning = next(p for p in plan.warnings if p.column == "采矿许可证号")
    assert "已于" in warning.message and "不会恢复在册" in warning.message
    apply_import(demo_db, plan, System("测试"))
    after = registry.get_mine(demo_db, mine["id"])
    assert (after["owner"], after["status"]) == ("移出后更名的示例矿业有限公司", "已移出")


def test_missing_columns_is_a_structured_file_error(demo_db):
    with pytest.raises(importer.MissingColumnsError) as caught:
        plan_import(demo_db, (DATA / "missing_required_columns.csv").read_bytes(), "missing_required_columns.csv")
    error = caught.value
    assert isinstance(error, ImportFileError)
    assert error.missing == ["level", "mineral", "method"]
    assert error.headings == ["采矿许可证号", "矿山名称", "市"]
    assert error.recognised == {"licence_no": "采矿许可证号", "name": "矿山名称", "city": "市"}
    assert error.unused == [] and error.suggestions == {}


# --- headings as provinces write them (issue 13) ------------------------------------------------

@pytest.mark.parametrize(
    "heading, key",
    [
        ("所在市（州）", "city"),
        ("所在市(州)", "city"),
        ("所在县（市、区）", "county"),
        ("所在县(市、区)", "county"),
        ("市(地、州、盟)", "city"),
        ("所属县（市、旗、区）", "county"),
        ("所在地市", "city"),
        ("盟市", "city"),
        ("州市", "city"),
        ("旗县", "county"),
        ("县（市、区）代码", "county_code"),
        ("县级行政区划代码", "county_code"),
        ("行政区划\n代码", "county_code"),
        ("所在市（州）代码", None),  # not the city: the register has no city-code column
        ("序号", None),
        ("备注", None),
        ("所在地区", None),  # a place, but which level is not said: the user maps it
        ("坐标", None),  # both longitude and latitude: decides nothing
        ("坐标（经度）", "lon"),
        ("矿山名称", "name"),
        ("矿山（企业）名称", "name"),
        ("采矿权人名称", "owner"),
        ("采矿许可证号 *", "licence_no"),
        ("入库\n级别", "level"),
        ("层级", "level"),
        ("开采矿种名称", "mineral"),
        ("开 采 方 式", "method"),
        ("采矿方式", "method"),
        ("生产规模\n（万吨/年）", "scale"),
        ("设计生产能力（万吨/年）", "scale"),
        ("矿山规模", "scale_class"),
        ("经度（°）", "lon"),
        ("中心点纬度", "lat"),
    ],
)
def test_headings_as_provinces_write_them(heading, key):
    assert importer.REGISTER_HEADINGS.match(heading) == key


def test_every_label_and_alias_reads_as_its_own_field():
    for f in FIELDS:
        for name in (f.label, *f.aliases):
            assert importer.REGISTER_HEADINGS.match(name) == f.key, name


def test_official_city_and_county_headings_import(db, make_xlsx, valid_mine):
    # Issue 13: "所在市（州）" and "所在县（市、区）" (the inspector template writes them so too) were refused.
    headings = ["序号", "入库级别", "采矿许可证号", "矿山名称", "所在市（州）", "所在县（市、区）", "开采矿种", "开采方式",
                "生产规模（万吨/年）"]
    data = [1, "省级", LICENCES[0], "大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿", "黄石市", "大冶市",
            "建筑石料用灰岩", "露天开采", 30]
    plan = plan_import(db, make_xlsx([headings, data]), "官方列名.xlsx")
    assert plan.columns["city"] == "所在市（州）" and plan.columns["county"] == "所在县（市、区）"
    assert plan.ignored_columns == ["序号"]
    assert plan.problems == []
    assert (plan.rows[0]["city"], plan.rows[0]["county"]) == ("黄石市", "大冶市")


SKIPPED = [
    (10, "合计　共 5 座　280", "合计行"),
    (12, "注：1. 坐标为矿区中心点，2000国家大地坐标系。", "表尾注释或说明"),
    (13, "2. 生产规模按采矿许可证证载规模填写。", "表尾注释或说明"),
    (14, "填表人：张三　联系电话：027-87654321　审核人：　填表日期：2023年9月1日", "表尾签字栏"),
    (15, "制表单位：某市自然资源和规划局（示例）", "表尾签字栏"),
]


@pytest.mark.parametrize("name", ["provincial_register.xlsx", "provincial_register_gb18030.csv"])
def test_a_real_provincial_register_imports(db, name):
    content = (DATA / name).read_bytes()
    if name.endswith(".csv"):
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    plan = plan_import(db, content, name)
    assert (plan.header_row, plan.header_rows) == (3, "第 3–4 行")
    assert plan.columns == {
        "level": "入库级别", "licence_no": "采矿许可证号", "name": "矿山名称", "city": "所在市（州）",
        "county": "所在县（市、区）", "mineral": "开采矿种", "method": "开采方式", "scale": "生产规模（万吨/年）",
        "lon": "坐标（经度）", "lat": "坐标（纬度）",
    }
    assert plan.ignored_columns == ["序号"]
    assert plan.problems == []
    assert [r["_row"] for r in plan.new] == [5, 6, 7, 8, 9]
    assert [(s.row, s.text, s.reason) for s in plan.skipped] == SKIPPED
    assert list(plan.skipped_frame().columns) == ["行号", "内容", "跳过原因"]

    first = plan.new[0]
    assert (first["method"], first["scale_value"], first["scale_unit"]) == ("露天开采", 120.0, "万吨/年")
    assert (first["lon"], first["lat"]) == (114.308333, 30.35)
    cells = plan.normalised_cells()
    assert (5, "开采方式", "露采", "露天开采") in cells
    assert (5, "生产规模", "１２０", "120万吨/年") in cells
    assert (5, "经度", "114°18′30″", "114.308333") in cells
    assert (8, "开采方式", "地采", "地下开采") in cells
    assert not [c for c in cells if c[0] == 9]  # row 9 is written as it will be stored

    preview = plan.preview_frame()
    assert list(preview.columns[:4]) == ["行号", "操作", "采矿许可证号", "矿山名称"]
    row5 = preview[preview["行号"] == 5].iloc[0]
    assert (row5["操作"], row5["开采方式"], row5["经度"], row5["市"]) == (
        "新增", "露采 → 露天开采", "114°18′30″ → 114.308333", "武汉市")
    assert preview[preview["行号"] == 9].iloc[0]["生产规模"] == "60万吨/年"

    assert apply_import(db, plan, System("导入员")) == (5, 0)
    stored = registry.get_by_licence(db, "C4203232018011234567804")
    assert (stored["city"], stored["county"], stored["method"], stored["scale_value"], stored["lon"]) == (
        "十堰市", "竹山县", "地下开采", 20.0, 110.23)


def test_unknown_city_heading_names_what_was_found_and_suggests_the_column(db):
    with pytest.raises(importer.MissingColumnsError) as caught:
        plan_import(db, (DATA / "unknown_city_heading.xlsx").read_bytes(), "unknown_city_heading.xlsx")
    error = caught.value
    assert error.missing == ["city"]
    assert error.header_row == 3
    assert "所在地区" in error.headings and "坐标（纬度）" in error.headings
    assert error.recognised["county"] == "所在县（市、区）"
    assert error.unused == ["序号", "所在地区"]
    assert error.suggestions == {"city": "所在地区"}  # its cells are prefectures of the province
    message = str(error)
    assert message.startswith("表格缺少必填列：市。")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.suggestions, copy.unused) == (message, error.suggestions, error.unused)
    assert "第 3 行的表头有：“序号”、“入库级别”" in message
    assert "表格中的“所在地区”是否就是“市”？" in message


def test_the_user_maps_a_heading_and_the_file_imports(db):
    content = (DATA / "unknown_city_heading.xlsx").read_bytes()
    plan = plan_import(db, content, "unknown_city_heading.xlsx", column_overrides={"city": "所在地区"})
    assert plan.columns["city"] == "所在地区"
    assert plan.problems == [] and len(plan.new) == 5
    assert [r["city"] for r in plan.new] == ["武汉市", "黄石市", "恩施土家族苗族自治州", "十堰市", "宜昌市"]
    with pytest.raises(ImportFileError, match="表头中没有“地区”这一列"):
        plan_import(db, content, "unknown_city_heading.xlsx", column_overrides={"city": "地区"})


def test_a_heading_like_the_field_is_suggested_when_the_cells_say_nothing(db, make_xlsx):
    headings = ["采矿许可证号", "矿山名称", "入库级别", "地市名", "开采矿种", "开采方式"]
    data = [LICENCES[0], "某示例矿", "省级", "", "铁矿", "地下开采"]
    with pytest.raises(importer.MissingColumnsError) as caught:
        plan_import(db, make_xlsx([headings, data]), "相近列名.xlsx")
    assert caught.value.suggestions == {"city": "地市名"}
    assert "表格中的“地市名”是否就是“市”？" in str(caught.value)


def test_footer_rules_never_swallow_a_mine(db, make_xlsx, rows, valid_mine):
    headings = [f.label for f in FIELDS]
    forgotten = valid_mine(licence_no="", name="漏填证号的示例矿山")
    data = table(rows[:1], headings) + [
        ["小计"] + [None] * (len(FIELDS) - 1),  # a subtotal between two groups of mines
        *table(rows[1:2])[1:],
        ["注：以下为新增矿山"] + [None] * (len(FIELDS) - 1),
        *table([forgotten])[1:],  # after a note, but a mine: its cells are filled
        *table(rows[2:])[1:],
        ["填表人：李四", None, "审核人：王五"] + [None] * (len(FIELDS) - 3),
        ["2023年9月1日"] + [None] * (len(FIELDS) - 1),
    ]
    plan = plan_import(db, make_xlsx(data), "小计.xlsx")
    assert [(s.row, s.reason) for s in plan.skipped] == [
        (3, "合计行"), (5, "表尾注释或说明"), (8, "表尾签字栏"), (9, "表尾注释或说明")]
    assert [r["_row"] for r in plan.rows] == [2, 4, 7]
    assert [(p.row, p.message) for p in plan.errors] == [(6, "采矿许可证号为必填项")]


def test_a_footer_written_in_the_licence_column_is_skipped(db, make_xlsx, rows):
    data = table(rows) + [["联系电话：0714-1234567", "填表人：张三"] + [None] * (len(FIELDS) - 2)]
    plan = plan_import(db, make_xlsx(data), "证号列在前.xlsx")
    assert [(s.row, s.reason) for s in plan.skipped] == [(5, "表尾签字栏")]
    assert plan.problems == [] and len(plan.new) == 3


def test_two_row_heading_with_a_group_over_value_and_unit(db, make_xlsx):
    upper = ["采矿许可证号", "矿山名称", "入库级别", "市", "开采矿种", "开采方式", "生产规模", None]
    lower = [None, None, None, None, None, None, "数值", "单位"]
    data = [LICENCES[0], "某示例铁矿", "省级", "十堰市", "铁矿", "地下开采", 20, "万吨/年"]
    plan = plan_import(db, make_xlsx([upper, lower, data]), "规模分两列.xlsx")
    assert plan.header_rows == "第 1–2 行"
    assert (plan.columns["scale"], plan.columns["scale_unit"]) == ("生产规模（数值）", "生产规模（单位）")
    assert plan.problems == [] and (plan.rows[0]["scale_value"], plan.rows[0]["scale_unit"]) == (20.0, "万吨/年")


def test_register_files_are_reproducible(tmp_path: Path):
    subprocess.run([sys.executable, str(DATA / "make_registers.py"), str(tmp_path)], check=True)
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(generated) == REGISTER_FILES
    assert generated == {name: (DATA / name).read_bytes() for name in REGISTER_FILES}


def test_the_inspector_import_reads_official_headings_and_skips_its_footer(db, make_xlsx):
    from core import inspectors

    data = [
        ["序号", "姓名", "工作单位（全称）", "职称", "职级", "专业", "所在市（州）"],
        [1, "王五", "湖北省地质调查院（示例）", "正高级", "无", "地质", "武汉市"],
        ["填表人：张三", None, "审核人：李四", None, None, None, "填表日期：2023年9月1日"],
    ]
    plan = inspectors.plan_import(db, make_xlsx(data, title="核查人员名录"), "核查人员.xlsx")
    assert [(p.row, p.message) for p in plan.problems if p.severity == "错误"] == []
    assert [(r["name"], r["unit"], r["prefecture"]) for r in plan.rows] == [("王五", "湖北省地质调查院（示例）", "武汉市")]
    assert [(s.row, s.reason) for s in plan.skipped] == [(4, "表尾签字栏")]
