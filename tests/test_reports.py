"""The summary table (附表), its exports, the report's statistics and text, and the public results."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from core import demo, inspections, reports
from core.labels import AREAS, LEVELS
from tests.test_inspections import filled, sign_all


@pytest.fixture
def campaign(demo_db):
    """A campaign with three records: national 整改 (submitted), another 保留 (submitted), one draft."""
    campaign = demo.start_campaign(demo_db)
    mines = inspections.campaign_records(demo_db, campaign)
    for number, conclusion in enumerate(("整改", "保留", None)):
        record = inspections.open_record(demo_db, campaign, int(mines.iloc[number]["id"]), "张某华")
        extra = {"rectify_measures": "补种复绿", "rectify_deadline": "2024-05-03"} if conclusion == "整改" else {}
        current = filled(demo_db, record, conclusion=conclusion or "保留", main_problems=f"问题{number}", **extra)
        if conclusion:
            sign_all(demo_db, current)
            inspections.submit(demo_db, record.id, current.version, "王某军")
    return campaign


def test_the_table_has_the_forms_columns_and_only_submitted_records(demo_db, campaign) -> None:
    table = reports.summary_table(demo_db, campaign)
    assert list(table.columns[:10]) == list(reports.COLUMNS)
    assert len(table) == 2 and list(table["序号"]) == [1, 2]
    assert sorted(table["处理结论"]) == ["保留", "整改"]
    rectify = table[table["处理结论"] == "整改"].iloc[0]
    assert rectify["备注"] == "整改期限2024年5月3日" and rectify["存在的主要问题"] == "问题0"
    with_drafts = reports.summary_table(demo_db, campaign, include_drafts=True)
    assert len(with_drafts) == 3
    assert "核查记录尚未提交（草稿）" in with_drafts[with_drafts["提交状态"] == "草稿"].iloc[0]["备注"]


def test_filters_and_totals(demo_db, campaign) -> None:
    table = reports.summary_table(demo_db, campaign)
    totals = reports.totals(table)
    assert totals.iloc[-1]["入库级别"] == "合计" and totals.iloc[-1]["合计"] == 2
    assert totals.iloc[-1]["整改"] == 1 and totals.iloc[-1]["保留"] == 1
    only = reports.summary_table(demo_db, campaign, conclusions=["整改"])
    assert list(only["处理结论"]) == ["整改"]
    level = table.iloc[0]["入库级别"]
    assert set(reports.summary_table(demo_db, campaign, levels=[level])["入库级别"]) == {level}


def test_the_xlsx_reads_back_as_the_form(demo_db, campaign) -> None:
    table = reports.summary_table(demo_db, campaign)
    book = openpyxl.load_workbook(io.BytesIO(reports.summary_xlsx(table, "湖北省")))
    sheet = book["汇总表"]
    assert sheet["A1"].value == "湖北省绿色矿山抽查核查结果汇总表"
    assert [c.value for c in sheet[2]] == list(reports.COLUMNS)
    assert sheet.max_row == 2 + len(table) + 1 + len(reports.NOTES)
    assert sheet.cell(3, 4).value == table.iloc[0]["矿山名称"]
    assert sheet.cell(2 + len(table) + 2, 1).value == "填表说明："
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9


def test_the_csv_opens_in_excel(demo_db, campaign) -> None:
    data = reports.summary_csv(reports.summary_table(demo_db, campaign))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(reports.COLUMNS) and len(rows) == 3


def test_statistics_count_what_was_checked(demo_db, campaign) -> None:
    stats = reports.statistics(demo_db, campaign)
    assert stats.total_checked == 2
    assert stats.conclusion_total("整改") == 1 and stats.conclusion_total("保留") == 1
    assert stats.area_counts[AREAS[0]] == 2  # complete_content finds a problem in 矿区环境
    assert stats.area_problems[AREAS[0]] == [("排土场东侧约 2 亩未复绿", 2)]
    assert stats.first_day == "2023-11-02" and stats.last_day == "2023-11-03"
    assert len(stats.teams) >= 3 and all(t["leader"] for t in stats.teams)
    assert sum(stats.drawn.values()) == len(inspections.campaign_records(demo_db, campaign))
    national = [m for m in stats.national]
    assert all(m["conclusion"] for m in national)


def test_the_draft_text_comes_from_the_numbers(demo_db, campaign) -> None:
    text = reports.draft_sections(reports.statistics(demo_db, campaign))
    assert set(text) == set(reports.SECTIONS)
    assert "共完成实地核查2座" in text["overview"]
    assert "2023年11月2日至2023年11月3日" in text["overview"]
    assert "1座需要整改" in text["construction"]
    assert "（一）矿区环境。2座矿山发现问题，主要是排土场东侧约 2 亩未复绿（2座）等。" in text["construction"]


def test_edited_text_is_kept_with_the_campaign_and_not_overwritten(demo_db, campaign) -> None:
    stats = reports.statistics(demo_db, campaign)
    first = {**reports.draft_sections(stats), "overview": "组织者改写的工作概况"}
    assert reports.save_sections(demo_db, campaign.id, first, 0, "组织者") == 1
    assert reports.report_sections(demo_db, campaign, stats)["overview"] == "组织者改写的工作概况"
    with pytest.raises(reports.ReportError, match="请刷新后再编辑"):
        reports.save_sections(demo_db, campaign.id, {**first, "overview": "另一人"}, 0, "另一人")
    assert reports.save_sections(demo_db, campaign.id, {**first, "overview": "第二版"}, 1, "组织者") == 2
    assert "编辑核查报告" in set(campaigns_history(demo_db, campaign.id))


def campaigns_history(db, campaign_id):
    from core import campaigns
    return campaigns.history(db, campaign_id)["操作"]


def test_public_results_hold_no_internal_notes(demo_db, campaign) -> None:
    public = reports.public_results(demo_db, campaign)
    assert list(public.columns) == list(reports.PUBLIC_COLUMNS)
    assert len(public) == 2
    book = openpyxl.load_workbook(io.BytesIO(reports.public_xlsx(public, "公开结果")))
    text = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value)
    assert "整改期限" not in text and "张某华" not in text and "王某军" not in text


def test_levels_are_in_order(demo_db, campaign) -> None:
    table = reports.summary_table(demo_db, campaign, include_drafts=True)
    order = [LEVELS.index(level) for level in table["入库级别"]]
    assert order == sorted(order)
