"""AppTest of the reporting page: the table and its filters, the report's text, downloads, the package."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from core import demo, inspections, reports
from tests.pages.conftest import button, widget

PAGE = "pages/reports.py"


def under_way(database):
    campaign = demo.demo_campaign(database)
    return campaign, inspections.campaign_records(database, campaign)


def test_without_a_draw_the_page_says_what_to_do(open_page, database) -> None:
    at = open_page(PAGE)
    assert any("还没有完成抽取的核查任务" in i.value for i in at.info)


def test_the_table_counts_submitted_records_and_can_include_drafts(open_page, database) -> None:
    campaign, mines = under_way(database)
    submitted = int((mines["record_status"] == "已提交").sum())
    drafts = int((mines["record_status"] == "草稿").sum())
    at = open_page(PAGE)
    assert widget(at.metric, "已提交核查记录").value == f"{submitted} 座"
    table = at.dataframe[0].value
    assert len(table) == submitted and list(table.columns[:10]) == list(reports.COLUMNS)
    at.toggle(key="rep_drafts").set_value(True).run()
    assert len(at.dataframe[0].value) == submitted + drafts
    shown = at.dataframe[0].value
    rarest = shown[shown["提交状态"] == "已提交"]["处理结论"].value_counts().index[-1]
    at.multiselect(key="rep_conclusions").set_value([rarest]).run()
    assert set(at.dataframe[0].value["处理结论"]) == {rarest}
    assert [b.label for b in at.download_button][:2] == ["下载汇总表（Excel）", "下载汇总表（CSV）"]


def test_the_report_text_is_saved_with_the_campaign(open_page, database) -> None:
    campaign, _ = under_way(database)
    at = open_page(PAGE)
    at.text_area(key="rep_problems_v0").set_value("组织者审改后的问题与不足").run()
    button(at, "保存报告文字").click().run()
    assert not at.exception, at.exception
    saved = reports.saved_sections(database, campaign.id)
    assert saved["version"] == 1 and saved["sections"]["problems"] == "组织者审改后的问题与不足"
    assert any("报告文字已保存" in s.value for s in at.success)
    assert at.text_area(key="rep_problems_v1").value == "组织者审改后的问题与不足"


def test_the_report_pdf_is_built_on_request(open_page, database) -> None:
    under_way(database)
    at = open_page(PAGE)
    button(at, "生成核查报告（PDF）").click().run()
    assert not at.exception, at.exception
    assert "下载核查报告（PDF）" in [b.label for b in at.download_button]


def test_the_package_is_built_with_a_progress_bar(open_page, database, data_dir) -> None:
    under_way(database)
    at = open_page(PAGE)
    button(at, "生成报部材料").click().run()
    assert not at.exception, at.exception
    [built] = list((data_dir / "exports").glob("*.zip"))
    assert built.name.startswith("湖北省") and built.name.endswith("报部材料.zip")
    assert any(b.label.startswith("下载报部材料") for b in at.download_button)
    with zipfile.ZipFile(built) as archive:
        assert "文件清单.json" in archive.namelist()
        xlsx = next(n for n in archive.namelist() if n.endswith(".xlsx"))
        assert openpyxl.load_workbook(io.BytesIO(archive.read(xlsx)))["汇总表"]["A1"].value.endswith("汇总表")
