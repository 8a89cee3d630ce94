"""AppTest of the reporting page: the table and its filters, the report's text, downloads, the package."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import openpyxl

from core import demo, inspections, reports
from core.access import System
from tests.pages.conftest import button, widget
from tests.test_followup import submit

PAGE = "pages/reports.py"
FITS = 900  # pixels the table has on a 1366-pixel screen (measured in tests/e2e/test_reports.py)


def under_way(database):
    campaign = demo.demo_campaign(database)
    return campaign, inspections.campaign_records(database, campaign)


def test_without_a_draw_the_page_says_what_to_do(open_page, database) -> None:
    at = open_page(PAGE)
    assert any("还没有完成抽取的核查任务" in i.value for i in at.info)


def show_tab(at, label: str):
    """Open a tab of the page (only the open tab is drawn)."""
    at.session_state["rep_tabs"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def text_area(at, heading: str):
    return widget(at.text_area, heading)


def test_the_table_counts_submitted_records_and_can_include_drafts(open_page, database) -> None:
    campaign, mines = under_way(database)
    submitted = int((mines["record_status"] == "已提交").sum())
    drafts = int((mines["record_status"] == "草稿").sum())
    at = open_page(PAGE)
    assert widget(at.metric, "已提交核查记录").value == f"{submitted} 座"
    table = at.dataframe[0].value
    assert len(table) == submitted and set(table.columns) >= {"矿山名称", "处理结论", "备注"}
    at.toggle(key="rep_drafts").set_value(True).run()
    assert len(at.dataframe[0].value) == submitted + drafts
    shown = at.dataframe[0].value
    rarest = shown[shown["提交状态"] == "已提交"]["处理结论"].value_counts().index[-1]
    at.multiselect(key="rep_conclusions").set_value([rarest]).run()
    assert set(at.dataframe[0].value["处理结论"]) == {rarest}
    assert not at.download_button  # files are built on request
    button(at, "生成汇总表（Excel、CSV）").click().run()
    assert not at.exception, at.exception
    assert [b.label for b in at.download_button] == ["下载汇总表（Excel）", "下载汇总表（CSV）"]
    assert "导出：结果汇总表 Excel、CSV" in [a for (a,) in database.execute("SELECT action FROM audit_log")]
    at.multiselect(key="rep_conclusions").set_value([]).run()
    assert not at.download_button  # the files built for another choice are not offered for this one


def test_the_table_shows_name_conclusion_and_remarks_wrapped(open_page, database) -> None:
    """At 1366 pixels the default columns fit (widths in pixels), long text wraps (rows taller than 4rem)."""
    under_way(database)
    at = open_page(PAGE)
    shown = at.dataframe[0]
    config = json.loads(shown.proto.columns)
    assert list(shown.proto.column_order) == ["序号", "入库级别", "矿山名称", "开采矿种", "存在的主要问题", "处理结论", "备注"]
    assert sum(config[c]["width"] for c in shown.proto.column_order) <= FITS
    assert not config["矿山名称"]["pinned"] and shown.proto.row_height > 64
    assert "采矿许可证号" not in shown.proto.column_order
    widget(at.multiselect, "显示的列").set_value(["采矿许可证号", "矿山名称"]).run()
    assert list(at.dataframe[0].proto.column_order) == ["采矿许可证号", "矿山名称"]
    widget(at.multiselect, "显示的列").set_value(list(reports.COLUMNS)).run()
    assert json.loads(at.dataframe[0].proto.columns)["矿山名称"]["pinned"]  # in view when the table scrolls sideways


def test_the_report_text_is_saved_with_the_campaign(open_page, database) -> None:
    campaign, _ = under_way(database)
    at = show_tab(open_page(PAGE), "核查报告（附件2）")
    at.text_area(key=f"rep_problems_c{campaign.id}_v0").set_value("组织者审改后的问题与不足").run()
    button(at, "保存报告文字").click().run()
    assert not at.exception, at.exception
    saved = reports.saved_sections(database, campaign.id)
    assert saved["version"] == 1 and saved["sections"]["problems"] == "组织者审改后的问题与不足"
    assert any("报告文字已保存" in s.value for s in at.success)
    assert at.text_area(key=f"rep_problems_c{campaign.id}_v1").value == "组织者审改后的问题与不足"


def test_the_text_is_the_chosen_campaigns(open_page, database) -> None:
    this_year, mines = under_way(database)
    submitted = int((mines["record_status"] == "已提交").sum())
    next_year = demo.start_campaign(database, date.today().year + 1)  # drawn, no record yet: opened first
    at = show_tab(open_page(PAGE), "核查报告（附件2）")
    overview = text_area(at, "一、工作概况").value
    assert f"{next_year.year}年度" in overview and "本次核查尚无已提交的核查记录" in overview
    text_area(at, "四、意见建议").set_value("明年任务的意见").run()
    widget(at.selectbox, "核查任务").set_value(this_year.id).run()
    assert not at.exception, at.exception
    overview = text_area(at, "一、工作概况").value
    assert f"{this_year.year}年度" in overview and f"已提交核查记录{submitted}座" in overview
    assert "尚无已提交" not in overview and text_area(at, "四、意见建议").value != "明年任务的意见"
    widget(at.selectbox, "核查任务").set_value(next_year.id).run()
    assert text_area(at, "四、意见建议").value == "明年任务的意见"  # each campaign keeps its own edits


def test_a_text_older_than_the_records_is_flagged_and_can_be_redrafted(open_page, database) -> None:
    campaign, mines = under_way(database)
    submitted = int((mines["record_status"] == "已提交").sum())
    stats = reports.statistics(database, campaign)
    reports.save_sections(database, campaign.id, {**reports.draft_sections(stats), "overview": "旧的工作概况"}, 0, System("组织者"))
    at = show_tab(open_page(PAGE), "核查报告（附件2）")
    assert not [w for w in at.warning if "草稿可能过时" in w.value]
    draft = int(mines[mines["record_status"] == "草稿"].iloc[0]["id"])
    today = date.today().isoformat()  # within the demo campaign's window: after its draw, before its deadline
    submit(database, campaign, draft, date_from=today, date_to=today)
    at.run()
    [flag] = [w.value for w in at.warning if "草稿可能过时" in w.value]
    assert "记录已更新，草稿可能过时" in flag and f"已提交核查记录 {submitted} → {submitted + 1} 座" in flag
    assert text_area(at, "一、工作概况").value == "旧的工作概况"
    button(at, "按最新核查记录重新起草").click().run()
    assert text_area(at, "一、工作概况").value == "旧的工作概况"  # nothing replaced before the confirmation
    button(at, "确认重新起草").click().run()
    assert not at.exception, at.exception
    overview = text_area(at, "一、工作概况").value
    assert f"已提交核查记录{submitted + 1}座" in overview
    assert not [w for w in at.warning if "草稿可能过时" in w.value]


def test_the_report_pdf_is_built_on_request(open_page, database) -> None:
    under_way(database)
    at = show_tab(open_page(PAGE), "核查报告（附件2）")
    assert "下载核查报告（PDF）" not in [b.label for b in at.download_button]
    button(at, "生成核查报告（PDF）").click().run()
    assert not at.exception, at.exception
    assert "下载核查报告（PDF）" in [b.label for b in at.download_button]
    text_area(at, "四、意见建议").set_value("改过的意见建议").run()
    assert "下载核查报告（PDF）" not in [b.label for b in at.download_button]  # the PDF says the old text
    assert any("请重新生成核查报告" in c.value for c in at.caption)


def test_the_package_is_built_with_a_progress_bar(open_page, database, data_dir) -> None:
    under_way(database)
    at = show_tab(open_page(PAGE), "报部材料")
    button(at, "生成报部材料").click().run()
    assert not at.exception, at.exception
    [built] = list((data_dir / "exports").glob("*.zip"))
    assert built.name.startswith("湖北省") and built.name.endswith("报部材料（阶段性）.zip")  # the demo is under way
    assert any("现在生成的是阶段性报部材料" in w.value for w in at.warning)
    assert any(b.label.startswith("下载报部材料") for b in at.download_button)
    with zipfile.ZipFile(built) as archive:
        assert "文件清单.json" in archive.namelist()
        xlsx = next(n for n in archive.namelist() if n.endswith(".xlsx"))
        assert openpyxl.load_workbook(io.BytesIO(archive.read(xlsx)))["汇总表"]["A1"].value.endswith("汇总表")


def test_a_file_that_cannot_be_built_is_said_in_chinese(open_page, database, data_dir) -> None:
    under_way(database)
    (data_dir / "exports").write_text("not a folder")  # the package cannot be written there
    at = show_tab(open_page(PAGE), "报部材料")
    button(at, "生成报部材料").click().run()
    assert not at.exception, at.exception
    assert any("生成报部材料时出错，压缩包没有生成" in e.value for e in at.error)
    assert not any(b.label.startswith("下载报部材料") for b in at.download_button)


def test_the_public_results_are_built_on_request(open_page, database) -> None:
    campaign, mines = under_way(database)
    at = show_tab(open_page(PAGE), "公开结果（一公开）")
    assert len(at.dataframe[0].value) == int((mines["record_status"] == "已提交").sum())
    button(at, "生成公开结果（Excel）").click().run()
    assert [b.label for b in at.download_button] == ["下载公开结果（Excel）"]
