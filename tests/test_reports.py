"""The summary table (附表), its exports, the report's statistics and text, and the public results."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

import openpyxl
import pytest

import json
import re
from collections import Counter

from core import campaigns, demo, inspections, reports, sampling
from core.labels import AREAS, LEVELS
from core.access import System
from tests.test_inspections import filled, sign_all


@pytest.fixture
def campaign(demo_db):
    """A campaign with three records: national 整改 (submitted), another 保留 (submitted), one draft."""
    campaign = demo.start_campaign(demo_db)
    mines = inspections.campaign_records(demo_db, campaign)
    for number, conclusion in enumerate(("整改", "保留", None)):
        record = inspections.open_record(demo_db, campaign, int(mines.iloc[number]["id"]), System("张某华"))
        extra = {"rectify_measures": "补种复绿", "rectify_deadline": "2024-05-03"} if conclusion == "整改" else {}
        current = filled(demo_db, record, conclusion=conclusion or "保留", main_problems=f"问题{number}", **extra)
        if conclusion:
            sign_all(demo_db, current)
            inspections.submit(demo_db, record.id, current.version, System("王某军"))
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
    stats = reports.statistics(demo_db, campaign)
    complete = dataclasses.replace(stats, drawn=dict(stats.checked), outstanding=[])  # every drawn mine checked
    text = reports.draft_sections(complete, unit="湖北省自然资源厅")
    assert set(text) == set(reports.SECTIONS)
    assert "共完成实地核查2座" in text["overview"]
    assert "2023年11月2日至2023年11月3日" in text["overview"]
    assert "开采矿种以建筑石料用灰岩（2座）为主" in text["overview"]
    assert "1座需要整改" in text["construction"] and "0座" not in text["construction"]
    assert "（一）矿区环境。2座矿山发现问题，主要是排土场东侧约 2 亩未复绿（2座）。" in text["construction"]
    assert "尚未完成" not in text["overview"]


def test_a_campaign_under_way_is_drafted_as_under_way(demo_db, campaign) -> None:
    stats = reports.statistics(demo_db, campaign)
    drawn = sum(stats.drawn.values())
    text = reports.draft_sections(stats, as_of=date(2023, 11, 5))
    assert "共完成实地核查" not in text["overview"]
    assert (f"截至2023年11月5日，已提交核查记录2座" in text["overview"]
            and f"抽取的{drawn}座矿山中尚有{drawn - 2}座未提交核查记录（" in text["overview"]
            and "实地核查尚未完成" in text["overview"])
    assert stats.outstanding[0]["name"] in text["overview"] and not stats.final
    assert "核查工作自2023年11月2日开始" in text["overview"]
    assert text["construction"].startswith("已提交核查记录的2座矿山中，")
    assert "等为主" not in text["overview"] and "以等" not in "".join(text.values())


def test_an_empty_campaign_is_drafted_without_claims(demo_db) -> None:
    empty = demo.start_campaign(demo_db)
    text = reports.draft_sections(reports.statistics(demo_db, empty), as_of=date(2023, 10, 20))
    everything = "".join(text.values())
    assert "截至2023年10月20日，本次核查尚无已提交的核查记录" in text["overview"]
    for claim in ("以等", "等为主", "共完成实地核查", "为；", "（未填）", "多数", "未发现问题"):
        assert claim not in everything, claim
    assert not re.search(r"(?<![0-9])0座", everything)
    assert "尚无已提交的核查记录" in text["construction"] and "尚无已提交的核查记录" in text["problems"]


def test_lists_end_with_deng_only_when_shortened() -> None:
    assert reports._listing([]) == ""
    assert reports._listing([("甲", 2)]) == "甲（2座）"
    assert reports._listing([(str(n), 1) for n in range(6)], limit=5).endswith("4（1座）等")


def test_a_saved_text_older_than_the_records_is_flagged(demo_db, campaign) -> None:
    stats = reports.statistics(demo_db, campaign)
    assert reports.staleness(demo_db, campaign, reports.saved_sections(demo_db, campaign.id)) is None
    reports.save_sections(demo_db, campaign.id, reports.draft_sections(stats), 0, System("组织者"))
    saved = reports.saved_sections(demo_db, campaign.id)
    assert set(saved["sections"]) == set(reports.SECTIONS) and saved["basis"]["submitted"] == 2
    assert reports.staleness(demo_db, campaign, saved) is None
    draft = inspections.get(demo_db, int(demo_db.execute(
        "SELECT id FROM records WHERE status = '草稿'").fetchone()[0]))
    sign_all(demo_db, draft)
    inspections.submit(demo_db, draft.id, draft.version, System("王某军"))
    stale = reports.staleness(demo_db, campaign, saved)
    assert stale.records == 1
    assert stale.changes == ["已提交核查记录 2 → 3 座", "处理结论“保留” 1 → 2 座"]
    rectified = inspections.get(demo_db, int(demo_db.execute(
        "SELECT id FROM records WHERE content LIKE '%\"整改\"%'").fetchone()[0]))
    inspections.amend(demo_db, rectified.id, {"conclusion": "移出", "removal_reason": "测试"}, "复核更正",
                      rectified.version, System("组织者"))
    stale = reports.staleness(demo_db, campaign, saved)
    assert stale.records == 2 and "处理结论“整改” 1 → 0 座" in stale.changes and "处理结论“移出” 0 → 1 座" in stale.changes
    reports.save_sections(demo_db, campaign.id, reports.draft_sections(reports.statistics(demo_db, campaign)), 1, System("组织者"))
    assert reports.staleness(demo_db, campaign, reports.saved_sections(demo_db, campaign.id)) is None


def test_edited_text_is_kept_with_the_campaign_and_not_overwritten(demo_db, campaign) -> None:
    stats = reports.statistics(demo_db, campaign)
    first = {**reports.draft_sections(stats), "overview": "组织者改写的工作概况"}
    assert reports.save_sections(demo_db, campaign.id, first, 0, System("组织者")) == 1
    assert reports.report_sections(demo_db, campaign, stats)["overview"] == "组织者改写的工作概况"
    with pytest.raises(reports.ReportError, match="请刷新后再编辑"):
        reports.save_sections(demo_db, campaign.id, {**first, "overview": "另一人"}, 0, System("另一人"))
    assert reports.save_sections(demo_db, campaign.id, {**first, "overview": "第二版"}, 1, System("组织者")) == 2
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


def test_the_draft_tells_the_draw_as_it_happened(demo_db) -> None:
    """The demo's rules: problem leads and rectifications whole, open-pit at 10 %, the rest at random."""
    campaign = demo.start_campaign(demo_db)
    stats = reports.statistics(demo_db, campaign)
    record = json.loads(campaigns.current_draw(demo_db, campaign)["record"])
    reasons = Counter(s["reason"] for s in record["selections"])
    text = reports.draft_sections(stats, unit="湖北省自然资源厅")["overview"]
    assert text.startswith("按照《自然资源部办公厅关于开展2023年度绿色矿山实地抽查核查工作的通知》（自然资办函〔2023〕1017号）要求，"
                           "湖北省自然资源厅组织开展了2023年度绿色矿山实地抽查核查。")
    listed = sum(level["listed"] for level in record["levels"].values())
    assert f"纳入抽查范围的在册绿色矿山{listed}座" in text and f"抽取核查矿山{len(record['selections'])}座" in text
    assert f"重点核查全部纳入{reasons[sampling.REASON_PRIORITY]}座" in text
    assert f"重点核查类别按比例抽取{reasons[sampling.REASON_PRIORITY_RATIO]}座" in text
    assert f"其余{reasons[sampling.REASON_RANDOM]}座从未列入重点核查的矿山中随机抽取" in text
    assert "（规定比例不低于30%）" in text and "没有随机抽取的部分" not in text
    for level, counts in record["levels"].items():
        assert f"{level}在册{counts['listed']}座、抽取{counts['drawn']}座" in text
    # Team sizes as drawn, never a range the teams do not have.
    sizes = sorted(len(t["people"]) for t in stats.teams)
    assert (f"每组{sizes[0]}人" if sizes[0] == sizes[-1] else f"每组{sizes[0]}至{sizes[-1]}人") in text
    # 表1's 在册 is the frozen snapshot: a removal after the draw does not change it.
    assert stats.listed == {lv: c["listed"] for lv, c in record["levels"].items()}


def test_a_draw_of_priority_mines_only_says_so(demo_db) -> None:
    from dataclasses import replace as swap
    campaign = demo.start_campaign(demo_db)
    stats = reports.statistics(demo_db, campaign)
    whole = [swap(o, whole={"露天开采": o.drawn}, by_ratio={}, random=0) for o in stats.draw]
    text = reports.draft_sections(swap(stats, draw=whole))["overview"]
    assert "没有随机抽取的部分" in text and "随机抽取\n" not in text and "从未列入重点核查的矿山中随机抽取" not in text


def test_no_basis_and_no_unit_are_prompts_not_inventions(demo_db) -> None:
    campaign = demo.start_campaign(demo_db)
    demo_db.execute("UPDATE campaigns SET basis = '[]' WHERE id = ?", [campaign.id])
    stats = reports.statistics(demo_db, campaigns.get(demo_db, campaign.id))
    text = reports.draft_sections(stats)
    assert "《" not in text["overview"] and "【待填写：核查依据文件" in text["overview"]
    assert "【待填写：报告单位】" in text["overview"] and "主管部门" not in text["overview"]
    assert reports.TO_WRITE in text["management"] and reports.TO_WRITE in text["management_problems"]
    assert set(reports.unfinished_parts({**text, "unit": ""})) >= {reports.SECTIONS["management"], "报告单位"}


def test_a_mine_not_inspected_has_its_reason_and_completes_the_campaign(demo_db, campaign) -> None:
    stats = reports.statistics(demo_db, campaign)
    assert not stats.final and stats.outstanding
    national = [m for m in stats.national]
    assert len(national) == (inspections.campaign_records(demo_db, campaign)["level"] == LEVELS[0]).sum()
    for mine in stats.outstanding:
        campaigns.record_exemption(demo_db, campaign, mine["licence_no"], "停产", System("组织者"))
    stats = reports.statistics(demo_db, campaign)
    assert stats.final and len(stats.exempted) == len(stats.outstanding) + len(stats.exempted)
    assert all(m["conclusion"] in ("整改", "保留", "未完成核查") for m in stats.national)
    assert all(m["reason"] == "停产" for m in stats.exempted)
    submitted = reports.summary_table(demo_db, campaign)["采矿许可证号"].iloc[0]
    with pytest.raises(campaigns.CampaignError, match="已提交核查记录"):
        campaigns.record_exemption(demo_db, campaign, submitted, "停产", System("组织者"))


def test_a_removal_awaiting_its_decision_is_never_published_as_removed(demo_db, campaign) -> None:
    mines = inspections.campaign_records(demo_db, campaign)
    national = mines[mines["level"] == LEVELS[0]]
    record = inspections.open_record(demo_db, campaign, int(mines.iloc[2]["id"]), System("张某华"))
    current = filled(demo_db, record, conclusion="移出", main_problems="越界开采", removal_reason="越界开采")
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    public = reports.public_results(demo_db, campaign)
    shown = dict(zip(public["矿山名称"], public["处理结论"]))
    name = mines.iloc[2]["name"]
    assert shown[name].startswith("拟移出，待") and "移出" != shown[name]
    assert "移出" not in set(public["处理结论"])
    stats = reports.statistics(demo_db, campaign)
    note = reports.public_note(stats, date(2023, 11, 20))
    assert note.startswith("注：截至2023年11月20日") and f"尚有{len(stats.outstanding)}座未完成核查" in note
    book = openpyxl.load_workbook(io.BytesIO(reports.public_xlsx(public, "公开结果", note)))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert note in cells and name in cells  # whole names: the sheet wraps, never cuts
    assert len(national) >= 1


def test_the_reporting_unit_comes_from_the_setting(demo_db) -> None:
    from core import settings
    campaign = demo.start_campaign(demo_db)
    stats = reports.statistics(demo_db, campaign)
    assert reports.report_sections(demo_db, campaign, stats)["unit"] == ""
    settings.put(demo_db, "reporting_unit", "湖北省自然资源厅", System("测试"))
    text = reports.report_sections(demo_db, campaign, stats)
    assert text["unit"] == "湖北省自然资源厅" and "湖北省自然资源厅组织开展了" in text["overview"]
