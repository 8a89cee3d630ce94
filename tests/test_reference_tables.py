"""core.reference_tables: official tables a province loads from its own copy (template, validated import,
stored in the settings table) and the readers that merge them with the confirmed data files."""

from __future__ import annotations

import io

import openpyxl
import pytest

from core import access, importer, indicators, reference, reference_tables, settings
from core.indicators import INDICATOR

ADMIN = access.User(1, "admin", "管理员", access.ADMIN)
VIEWER = access.User(2, "v", "查看", access.VIEWER)
HEAD = ["编号", "一级指标", "二级指标", "三级指标（评价内容）", "分值", "来源文件"]
SOURCE = "自然资源部2020年6月1日《绿色矿山评价指标》（本省存档）"
# A complete fictitious table of the 2020 shape: 220 + 220 + 200 + 120 + 120 + 120 = 1000.
GROUP_POINTS = [("矿区环境", "矿容矿貌", 220), ("资源开发方式", "资源开采", 220), ("资源综合利用", "综合利用", 200),
                ("节能减排", "", 120), ("科技创新与智能矿山", "", 120), ("企业管理与企业形象", "", 120)]


@pytest.fixture
def set_2020() -> indicators.IndicatorSet:
    return indicators.indicator_sets()["2020"]


@pytest.fixture
def set_2024() -> indicators.IndicatorSet:
    return indicators.indicator_sets()["2024"]


def table_2020(**changes) -> list[list]:
    """Header, then two items per group (half the group's points each); ``changes``: row index → cells."""
    rows = [HEAD]
    for group, subgroup, points in GROUP_POINTS:
        for half in (1, 2):
            rows.append([None, group, subgroup, f"{group}评价内容{half}", points / 2, SOURCE])
    for index, cells in changes.items():
        rows[int(index.lstrip("r"))] = cells
    return rows


def plan_of(make_xlsx, indicator_set, rows) -> reference_tables.TablePlan:
    return reference_tables.plan_indicator_items(indicator_set, make_xlsx(rows), "指标表.xlsx")


# ------------------------------------------------------------------------------------- indicator items

def test_the_template_lists_the_columns_the_first_level_names_and_the_official_preconditions(set_2020) -> None:
    book = openpyxl.load_workbook(io.BytesIO(reference_tables.indicator_template(set_2020)))
    sheet = book["指标表"]
    assert [c.value for c in sheet[1]] == HEAD
    assert [sheet.cell(r, 4).value for r in range(2, 7)] == [p.text for p in set_2020.preconditions]
    assert {sheet.cell(r, 2).value for r in range(2, 7)} == {"前提条件"}
    [choice] = sheet.data_validations.dataValidation
    assert choice.formula1 == '"前提条件,矿区环境,资源开发方式,资源综合利用,节能减排,科技创新与智能矿山,企业管理与企业形象"'
    guide = " ".join(str(c.value) for c in book["填写说明"]["A"])
    assert "满分 1000 分" in guide and "共 100 项三级指标" in guide and "矿区环境（矿容矿貌、矿区绿化，220分）" in guide


def test_the_filled_template_loads_and_makes_the_set_scored_and_confirmed(db, make_xlsx, set_2020) -> None:
    book = openpyxl.load_workbook(io.BytesIO(reference_tables.indicator_template(set_2020)))
    sheet = book["指标表"]
    for row in table_2020()[1:]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    plan = reference_tables.plan_indicator_items(set_2020, buffer.getvalue(), "2020指标表.xlsx")
    assert plan.ok, plan.problems_frame()
    # 12 items where the official text has 100: said, not refused.
    [warning] = plan.problems
    assert (warning.severity, warning.message) == ("提醒", "正式文本共 100 项三级指标，本表 12 项")
    assert reference_tables.save_indicator_items(db, set_2020, plan, ADMIN) == 17
    loaded = reference_tables.indicator_sets(db)["2020"]
    assert loaded.items_confirmed and loaded.has_points and indicators.confirmation_note(loaded) == ""
    assert [i.id for i in loaded.preconditions] == ["P1", "P2", "P3", "P4", "P5"]
    assert [i.id for i in loaded.indicators][:3] == ["T1", "T2", "T3"]
    assert loaded.indicators[0] == indicators.Item("T1", INDICATOR, "矿区环境", "矿区环境评价内容1", 110, "矿容矿貌", SOURCE)
    assert "2020指标表.xlsx" in loaded.items_source and "管理员（admin）" in loaded.items_source
    result = indicators.score(loaded, {i.id: "符合" for i in loaded.items})
    assert (result.earned, result.passed) == (1000, True)
    # The shipped set itself is unchanged; the 2024 set has nothing loaded.
    assert indicators.indicator_sets()["2020"].indicators == ()
    assert not reference_tables.indicator_sets(db)["2024"].items_confirmed
    reference_tables.clear_indicator_items(db, "2020", ADMIN)
    assert reference_tables.indicator_sets(db)["2020"].indicators == ()


def test_merged_cells_carry_the_group_subgroup_and_source_down(make_xlsx, set_2020) -> None:
    rows = table_2020()
    for row in rows[2:]:
        if row[1] == rows[rows.index(row) - 1][1]:
            row[1] = row[2] = row[5] = None
    plan = plan_of(make_xlsx, set_2020, rows)
    assert plan.ok
    assert [(r["group"], r["subgroup"], r["source"]) for r in plan.rows[:2]] == [("矿区环境", "矿容矿貌", SOURCE)] * 2


@pytest.mark.parametrize(
    "cells, column, message",
    [
        ([None, "矿区生态", "矿容矿貌", "甲", 110, SOURCE], "一级指标", "不是《绿色矿山评价指标（2020年版）》的一级指标"),
        ([None, "矿区环境", "矿区道路", "甲", 110, SOURCE], "二级指标", "不是“矿区环境”已核实的二级指标"),
        ([None, "矿区环境", "矿容矿貌", "甲", "一百一十", SOURCE], "分值", "分值不是数字"),
        ([None, "矿区环境", "矿容矿貌", "甲", None, SOURCE], "分值", "本指标集满分 1000 分，每项都须有分值"),
        ([None, "矿区环境", "矿容矿貌", None, 110, SOURCE], "三级指标（评价内容）", "三级指标（评价内容）为必填项"),
        ([None, "前提条件", None, "证照齐全", 10, SOURCE], "分值", "前提条件为一票否决项，不计分"),
    ],
)
def test_a_wrong_row_is_named_by_row_and_column_and_nothing_is_stored(db, make_xlsx, set_2020, cells, column,
                                                                      message) -> None:
    plan = plan_of(make_xlsx, set_2020, table_2020(r1=cells))
    assert not plan.ok
    assert (2, column, message) in [(p.row, p.column, p.message) for p in plan.problems if p.is_error]
    with pytest.raises(importer.ImportFileError):
        reference_tables.save_indicator_items(db, set_2020, plan, ADMIN)
    assert settings.get(db, reference_tables.INDICATOR_KEY + "2020") is None


def test_a_missing_source_and_a_repeated_number_are_errors(make_xlsx, set_2024) -> None:
    rows = [HEAD, ["A1", "矿区环境", None, "甲", None, None], ["A1", "资源开采", None, "乙", None, SOURCE]]
    plan = plan_of(make_xlsx, set_2024, rows)
    found = {(p.row, p.column, p.message) for p in plan.problems if p.is_error}
    assert found == {(2, "来源文件", "来源文件为必填项"), (3, "编号", "编号与第 2 行重复")}


def test_points_that_disagree_with_the_confirmed_maxima_are_refused(make_xlsx, set_2020) -> None:
    rows = table_2020(r1=[None, "矿区环境", "矿容矿貌", "矿区环境评价内容1", 100, SOURCE],
                      r11=[None, "企业管理与企业形象", "", "企业管理与企业形象评价内容1", 70, SOURCE])
    plan = plan_of(make_xlsx, set_2020, rows)
    messages = [p.message for p in plan.problems if p.is_error]
    assert messages == ["一级指标“矿区环境”各项分值之和为 210，与其满分 220 不一致，请核对分值"]
    rows = table_2020(r1=[None, "矿区环境", "矿容矿貌", "矿区环境评价内容1", 100, SOURCE])
    messages = [p.message for p in plan_of(make_xlsx, set_2020, rows).problems if p.is_error]
    assert messages[0].startswith("各项分值之和为 990，与 sets.csv 中的 total_points 1000 不一致")


def test_a_set_without_published_points_takes_all_points_or_none(make_xlsx, set_2024) -> None:
    rows = [HEAD, [None, "前提条件", None, "前提甲", None, SOURCE], [None, "矿区环境", None, "甲", 3, SOURCE],
            [None, "资源开采", None, "乙", None, SOURCE]]
    plan = plan_of(make_xlsx, set_2024, rows)
    assert [(p.row, p.message) for p in plan.problems if p.is_error] == [(4, "其他条目填写了分值，本项没有")]
    rows[3][4] = 2
    plan = plan_of(make_xlsx, set_2024, rows)
    assert plan.ok and [r["id"] for r in plan.rows] == ["Q1", "T1", "T2"]
    unscored = plan_of(make_xlsx, set_2024, [r[:4] + [None, r[5]] for r in rows])
    assert unscored.ok


def test_only_an_administrator_loads_a_table(db, make_xlsx, set_2020) -> None:
    plan = plan_of(make_xlsx, set_2020, table_2020())
    with pytest.raises(access.Denied):
        reference_tables.save_indicator_items(db, set_2020, plan, VIEWER)
    assert settings.get(db, reference_tables.INDICATOR_KEY + "2020") is None


def test_a_file_without_the_columns_is_refused_whole(make_xlsx, set_2020) -> None:
    with pytest.raises(importer.ImportFileError, match="没有找到表头"):
        plan_of(make_xlsx, set_2020, [["名称", "分数"], ["甲", 1]])
    with pytest.raises(importer.ImportFileError, match="没有任何条目"):
        plan_of(make_xlsx, set_2020, [HEAD])


# --------------------------------------------------------------------------------- removal situations

REMOVAL_DOC = "自然资规〔2024〕1号附件2（本省存档）"


def situations(count: int = 14) -> list[list]:
    return [["序号", "移出情形", "来源文件"]] + [[n, f"情形原文{n}", REMOVAL_DOC if n == 1 else None]
                                                 for n in range(1, count + 1)]


def test_the_shipped_grounds_are_the_two_confirmed_situations_with_their_source(db) -> None:
    grounds = reference.removal_grounds()
    assert [g.reason for g in grounds] == [
        "有1号文附件2《绿色矿山名录动态管理要求》中规定需要移出名录的14种情形之一的",
        "被查实不符合1号文附件3《国家级绿色矿山建设评价指标》要求，且未能在6个月内完成整改的",
    ]
    assert all("《国家级绿色矿山名录移出管理工作要求》" in g.source for g in grounds)
    assert reference_tables.removal_reasons(db) == list(grounds)


def test_the_removal_template_reads_back_and_loads_the_14_situations(db) -> None:
    book = openpyxl.load_workbook(io.BytesIO(reference_tables.removal_template()))
    sheet = book["移出情形"]
    assert [c.value for c in sheet[1]] == ["序号", "移出情形", "来源文件"]
    assert sheet.max_row == 15 and sheet.cell(2, 3).value == reference_tables.REMOVAL_DOCUMENT
    for r in range(2, 16):
        sheet.cell(r, 2).value = f"情形原文{r - 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    plan = reference_tables.plan_removal_situations(buffer.getvalue(), "附件2.xlsx")
    assert plan.ok and plan.problems == []
    assert reference_tables.save_removal_situations(db, plan, ADMIN) == 14
    reasons = reference_tables.removal_reasons(db)
    assert [r.reason for r in reasons[:14]] == [f"情形原文{n}" for n in range(1, 15)]
    assert {r.source for r in reasons[:14]} == {reference_tables.REMOVAL_DOCUMENT}
    # The ground "one of the 14 situations" gives way to the situations; the 6-month ground stays.
    assert [r.reason for r in reasons[14:]] == [reference.removal_grounds()[1].reason]
    assert reference_tables.removal_reason_texts(db)[0] == "情形原文1"
    assert "附件2.xlsx" in reference_tables.loaded_removal_situations(db).text
    reference_tables.clear_removal_situations(db, ADMIN)
    assert reference_tables.removal_reasons(db) == list(reference.removal_grounds())


def test_a_table_of_another_size_is_questioned_and_a_bad_one_refused(db, make_xlsx) -> None:
    plan = reference_tables.plan_removal_situations(make_xlsx(situations(13)), "x.xlsx")
    assert plan.ok and [p.message for p in plan.problems] == [
        "自然资规〔2024〕1号附件2《绿色矿山名录动态管理要求》列有 14 种情形，本表 13 种"]
    rows = situations()
    rows[3][1] = "情形原文1"
    rows[1][2] = None
    plan = reference_tables.plan_removal_situations(make_xlsx(rows), "x.xlsx")
    errors = {(p.row, p.column, p.message) for p in plan.problems if p.is_error}
    assert (4, "移出情形", "与第 2 行相同") in errors
    # Without a source on the first row, no row has one to carry down.
    assert {(n, "来源文件", "来源文件为必填项") for n in range(2, 16)} <= errors
    with pytest.raises(importer.ImportFileError):
        reference_tables.save_removal_situations(db, plan, ADMIN)
    assert reference_tables.loaded_removal_situations(db) is None


# ------------------------------------------------------------------------------------- standards

def test_the_gb_parts_are_listed_without_numbers_until_the_province_enters_them(db) -> None:
    rows = reference.standard_rows()
    gb = [s for s in rows if not s.code]
    assert [s.industry for s in gb] == ["煤炭", "陆上油气田", "黑色金属", "有色金属", "化工", "非金属", "黄金", "砂石",
                                        "水泥用灰岩", "地热矿泉水"]
    assert {s.in_force for s in gb} == {"2026-10-01"}
    assert len(reference.standards()) == 9 and "" not in reference.standards()
    assert gb[7].title == "《绿色矿山建设规范》（砂石，标准号待填）"
    assert reference_tables.save_standard_numbers(db, {"砂石": "GB/T 12345.8—2026", "煤炭": ""}, ADMIN) == []
    merged = {s.industry: s.code for s in reference_tables.standards(db) if s.series.startswith("国家标准")}
    assert merged["砂石"] == "GB/T 12345.8—2026" and merged["煤炭"] == ""
    [problem] = reference_tables.save_standard_numbers(db, {"砂石": "12345"}, ADMIN)
    assert (problem.column, problem.message) == ("砂石", "标准号格式不对")
    assert settings.get(db, reference_tables.STANDARD_NUMBERS_KEY) == {"砂石": "GB/T 12345.8—2026"}
