"""core.inspectors: the inspector register — person type (人员类型), title and rank, import and template."""

from __future__ import annotations

import io

import openpyxl
import pytest

from core import importer, inspectors, settings
from core.access import System

ACTOR = System("测试")


def plan_csv(db, *rows: list[str]) -> inspectors.InspectorImport:
    text = "\n".join(",".join(row) for row in rows)
    return inspectors.plan_import(db, text.encode("utf-8"), "人员.csv")


def test_the_person_types_are_those_of_the_notice() -> None:
    assert inspectors.kinds() == inspectors.KINDS == ("管理人员", "业务支撑人员", "专家")


@pytest.mark.parametrize("written, stored", [("专家", "专家"), ("管理", "管理人员"), ("业务支撑人员", "业务支撑人员"),
                                             (" 业务 支撑 ", "业务支撑人员"), ("", ""), (None, "")])
def test_a_person_type_is_read_in_its_usual_spellings(db, written, stored) -> None:
    values, problems = inspectors.validate({"name": "甲", "unit": "乙", "kind": written}, settings.province(db))
    assert problems == [] and values["kind"] == stored


def test_an_unknown_person_type_is_an_error_on_its_row_and_column(db) -> None:
    plan = plan_csv(db, ["姓名", "工作单位", "人员类型", "职称", "职级"],
                    ["王某华", "宜昌市自然资源和规划局", "领导", "副高级", "处级"])
    assert not plan.ok
    [problem] = plan.problems
    assert (problem.row, problem.column, problem.value) == (2, "人员类型", "领导")
    assert "管理人员、业务支撑人员、专家" in problem.fix
    with pytest.raises(importer.ImportFileError):
        inspectors.apply_import(db, plan, ACTOR)
    assert inspectors.list_inspectors(db) == []


def test_the_import_writes_type_title_and_rank(db) -> None:
    plan = plan_csv(db, ["姓名", "工作单位", "人员类型", "职称", "职级"],
                    ["王某华", "宜昌市自然资源和规划局", "管理人员", "中级", "副处"],
                    ["李某明", "湖北省地质调查院", "专家", "教授级高工", ""])
    assert plan.ok and inspectors.apply_import(db, plan, ACTOR) == (2, 0)
    stored = {p["name"]: (p["kind"], p["title"], p["rank"]) for p in inspectors.list_inspectors(db)}
    assert stored == {"王某华": ("管理人员", "中级", "处级"), "李某明": ("专家", "正高级", "无")}


def test_a_file_without_the_type_column_keeps_the_stored_types(db) -> None:
    inspectors.apply_import(db, plan_csv(db, ["姓名", "工作单位", "人员类型"], ["王某华", "某局", "专家"]), ACTOR)
    plan = plan_csv(db, ["姓名", "工作单位", "职称"], ["王某华", "某局", "副高级"])
    assert inspectors.apply_import(db, plan, ACTOR) == (0, 1)
    [person] = inspectors.list_inspectors(db)
    assert (person["kind"], person["title"]) == ("专家", "副高级")
    # A file that has the column but leaves the cell empty says the type is not known.
    inspectors.apply_import(db, plan_csv(db, ["姓名", "工作单位", "人员类型"], ["王某华", "某局", ""]), ACTOR)
    assert inspectors.list_inspectors(db)[0]["kind"] == ""


def test_saving_from_the_form_stores_and_changes_the_type(db) -> None:
    values, _ = inspectors.validate({"name": "钱某文", "unit": "某局", "kind": "业务支撑人员"}, settings.province(db))
    inspector_id = inspectors.save(db, values, actor=ACTOR)
    [person] = inspectors.list_inspectors(db)
    assert person["kind"] == "业务支撑人员"
    inspectors.save(db, {**values, "kind": "专家"}, inspector_id, person["version"], actor=ACTOR)
    assert inspectors.list_inspectors(db)[0]["kind"] == "专家"


def test_the_register_shows_type_title_and_rank(db) -> None:
    inspectors.apply_import(db, plan_csv(db, ["姓名", "工作单位", "人员类型", "职称", "职级"],
                                         ["王某华", "某局", "专家", "副高级", "无"], ["李某明", "某院", "", "中级", "科级"]),
                            ACTOR)
    shown = inspectors.frame(db).set_index("姓名")
    assert list(shown.columns[:4]) == ["工作单位", "人员类型", "职称", "职级"]
    assert shown.loc["王某华", ["人员类型", "职称", "职级"]].tolist() == ["专家", "副高级", "无"]
    assert shown.loc["李某明", "人员类型"] == "未填"


def test_the_template_has_the_type_column_with_its_choices(db) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(inspectors.template())).active
    headings = [cell.value for cell in sheet[1]]
    assert headings[:5] == ["姓名", "工作单位", "人员类型", "职称", "职级"]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["C2"] == '"管理人员,业务支撑人员,专家"'
    assert lists["D2"] == '"正高级,副高级,中级,初级,无"' and lists["E2"] == '"厅级,处级,科级,无"'
    # The template reads back through the import (headings recognised, nothing to fix).
    sheet.append(["王某华", "某局", "专家", "副高级", "处级"])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    plan = inspectors.plan_import(db, buffer.getvalue(), "核查人员.xlsx")
    assert plan.ok and plan.rows[0]["kind"] == "专家" and plan.kind_given
