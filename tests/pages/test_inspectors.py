"""AppTest of the inspector register page."""

from __future__ import annotations

from core import inspectors
from tests.pages.conftest import button, widget

PAGE = "pages/inspectors.py"


def test_lists_the_inspectors_with_counts(open_page, database) -> None:
    at = open_page(PAGE)
    people = inspectors.list_inspectors(database)
    assert widget(at.metric, "核查人员").value == f"{len(people)} 名"
    assert widget(at.metric, "可任组长").value == str(sum(inspectors.is_leader_qualified(p) for p in people))


def test_add_an_inspector(open_page, database) -> None:
    at = open_page(PAGE)
    widget(at.text_input, "姓名").set_value("钱某文").run()
    widget(at.text_input, "工作单位").set_value("宜昌市自然资源和规划局").run()
    widget(at.selectbox, "职称").set_value("副高级").run()
    widget(at.selectbox, "所在市（州）").set_value("宜昌市").run()
    button(at, "保存人员信息").click().run()
    assert not at.exception, at.exception
    added = next(p for p in inspectors.list_inspectors(database) if p["name"] == "钱某文")
    assert (added["prefecture_code"], inspectors.is_leader_qualified(added)) == ("420500", True)


def test_a_bad_import_writes_nothing(open_page, database) -> None:
    before = len(inspectors.list_inspectors(database))
    at = open_page(PAGE)
    content = "姓名,工作单位,职称\n周某平,湖北省自然资源厅,院士\n".encode("utf-8")
    at.file_uploader(key="inspector_upload").set_value(("人员.csv", content, "text/csv")).run()
    assert any("本次不能导入" in e.value for e in at.error)
    assert len(inspectors.list_inspectors(database)) == before


def test_an_import_lists_the_footer_rows_it_skips(open_page, database) -> None:
    at = open_page(PAGE)
    content = ("姓名,工作单位（全称）,职称,职级,专业,所在市（州）\n"
               "王某五,湖北省地质调查院（示例）,正高级,无,地质,武汉市\n"
               "填表人：张三,,审核人：李四,,,填表日期：2023年9月1日\n").encode("gb18030")
    at.file_uploader(key="inspector_upload").set_value(("核查人员.csv", content, "text/csv")).run()
    assert not at.exception, at.exception
    assert any("1 行不是人员" in i.value for i in at.info)
    skipped = at.dataframe[-1].value
    assert list(skipped["跳过原因"]) == ["表尾签字栏"] and "填表人" in skipped["内容"].iloc[0]
    assert any(b.label.startswith("确认导入（新增 1 名") for b in at.button)


def test_the_person_type_is_chosen_saved_and_listed(open_page, database) -> None:
    at = open_page(PAGE)
    assert widget(at.selectbox, "人员类型").options == ["（未填）", "管理人员", "业务支撑人员", "专家"]
    widget(at.text_input, "姓名").set_value("钱某文").run()
    widget(at.text_input, "工作单位").set_value("宜昌市自然资源和规划局").run()
    widget(at.selectbox, "人员类型").set_value("专家").run()
    widget(at.selectbox, "职级").set_value("处级").run()
    button(at, "保存人员信息").click().run()
    assert not at.exception, at.exception
    added = next(p for p in inspectors.list_inspectors(database) if p["name"] == "钱某文")
    assert (added["kind"], added["rank"]) == ("专家", "处级")
    register = at.dataframe[0].value.set_index("姓名")
    assert register.loc["钱某文", ["人员类型", "职称", "职级"]].tolist() == ["专家", "中级", "处级"]


def test_an_import_with_a_wrong_person_type_names_its_row(open_page, database) -> None:
    at = open_page(PAGE)
    content = "姓名,工作单位,人员类型\n周某平,湖北省自然资源厅,组长\n".encode("utf-8")
    at.file_uploader(key="inspector_upload").set_value(("人员.csv", content, "text/csv")).run()
    assert any("本次不能导入" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert problems[["行号", "列", "问题"]].values.tolist() == [[2, "人员类型", "人员类型无法识别"]]
