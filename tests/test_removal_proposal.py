"""The 国家级绿色矿山移出建议名单 and its 报送函, read back from the PDF (pdftotext) and the workbook (openpyxl)."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest

from core import access, demo, followup, inspections, pdf, reference_tables, registry, removal_proposal, settings
from core.followup import FollowUpError
from core.labels import NO
from tests.test_followup import ACTOR, RECTIFY, drawn, submit
from tests.test_record_pdf import pdf_text

LONG_NAME = "监利县庚巳示例矿业有限公司小山岗村至大山岗村一带建筑石料用灰岩矿东区扩大延深开采项目（二期）"


@pytest.fixture
def campaign(demo_db):
    return demo.start_campaign(demo_db)


@pytest.fixture
def proposed(demo_db, campaign):
    """Drawn national mines: one concluded 移出 (long name), one 整改 whose re-check failed, one 整改 still
    open, one 移出 the ministry already decided; and a provincial 移出 (not on the national list)."""
    national = drawn(demo_db, campaign, "国家级")
    assert len(national) >= 2
    removed, failed = national[:2]
    demo_db.execute("UPDATE mines SET name = ? WHERE id = ?", [LONG_NAME, removed])
    submit(demo_db, campaign, removed, conclusion="移出", compliant=NO, removal_reason="存在重大安全事故",
           legal_licence=NO, legal_licence_note="采矿许可证已于2023年6月到期")
    submit(demo_db, campaign, failed, **RECTIFY)
    [case_id] = [r[0] for r in demo_db.execute("SELECT id FROM rectifications")]
    followup.add_step(demo_db, case_id, followup.SENT, date(2024, 3, 1), "矿山", "报送整改报告", ACTOR)
    followup.add_step(demo_db, case_id, followup.SITE, date(2024, 5, 10), "张三、李四", "东侧排土场仍未复绿", ACTOR,
                      passed=False)
    submit(demo_db, campaign, drawn(demo_db, campaign, "省级")[0], conclusion="移出", removal_reason="存在重大安全事故")
    return {"removed": removed, "failed": failed}


def licence(db, mine_id: int) -> str:
    return registry.get_mine(db, mine_id)["licence_no"]


def flat(text: str) -> str:
    """PDF text without line breaks and spaces: a wrapped cell reads as one string again."""
    return re.sub(r"\s+", "", text)


def test_every_proposed_national_mine_is_listed_with_its_situation_and_facts(demo_db, campaign, proposed) -> None:
    items = removal_proposal.proposals(demo_db, campaign)
    # Not the provincial 移出, nor a national mine without a removal.
    assert sorted(p.licence_no for p in items) == sorted(
        [licence(demo_db, proposed["removed"]), licence(demo_db, proposed["failed"])])
    by_licence = {p.licence_no: p for p in items}
    removed = by_licence[licence(demo_db, proposed["removed"])]
    assert removed.name == LONG_NAME and removed.source == followup.FROM_RECORD
    assert "合法合规性：证照合法有效：否（采矿许可证已于2023年6月到期）" in removed.problems
    assert "矿区环境：排土场东侧约 2 亩未复绿" in removed.problems
    team = inspections.team_of_mine(demo_db, campaign, removed.licence_no)
    leader = next(m["name"] for m in team if m["role"] == "组长")
    assert removed.inspected.startswith("2023年11月2日至2023年11月3日；") and f"组长 {leader}" in removed.inspected
    assert removed.rectification == ["核查结论为移出，未设整改期限"]
    failed = by_licence[licence(demo_db, proposed["failed"])]
    assert failed.source == followup.FROM_FAILED
    assert failed.rectification[0] == "整改期限2024年5月3日；整改事项3项，已完成0项"
    assert "2024年5月10日现场复核（未通过）：东侧排土场仍未复绿" in failed.rectification


def test_a_decided_removal_and_an_open_rectification_are_not_proposed(demo_db, campaign, proposed) -> None:
    by_mine = {r["licence_no"]: r for r in followup.removals(demo_db).to_dict("records")}
    decided = by_mine[licence(demo_db, proposed["removed"])]
    followup.record_decision(demo_db, decided["id"], False, "自然资源部公告2024年第8号", date(2024, 3, 1),
                             decided["version"], ACTOR)
    assert [p.licence_no for p in removal_proposal.proposals(demo_db, campaign)] == [licence(demo_db, proposed["failed"])]


def test_a_stated_reason_among_the_official_grounds_is_the_situation(demo_db, campaign, proposed) -> None:
    ground = removal_proposal.grounds(demo_db)[-1]  # 未能在6个月内完成整改, confirmed, with its source
    assert ground.source and "6个月" in ground.reason
    by_mine = {r["licence_no"]: r for r in followup.removals(demo_db).to_dict("records")}
    failed = by_mine[licence(demo_db, proposed["failed"])]
    followup.set_situation(demo_db, failed["id"], ground.reason, [g.reason for g in removal_proposal.grounds(demo_db)],
                           failed["version"], ACTOR)
    settings.put(demo_db, reference_tables.REMOVAL_KEY, {
        "filename": "附件2.xlsx", "loaded_by": ACTOR, "loaded_at": "2024-05-01T09:00:00", "count": 1,
        "situations": [{"no": "3", "reason": "存在重大安全事故", "source": "某省所存附件2"}]}, ACTOR)
    items = {p.licence_no: p for p in removal_proposal.proposals(demo_db, campaign)}
    assert items[licence(demo_db, proposed["removed"])].situation_text == "存在重大安全事故（依据：某省所存附件2）"
    assert items[licence(demo_db, proposed["failed"])].situation_text == f"{ground.reason}（依据：{ground.source}）"
    settings.put(demo_db, reference_tables.REMOVAL_KEY, None, ACTOR)
    removed = {p.licence_no: p for p in removal_proposal.proposals(demo_db, campaign)}[licence(demo_db, proposed["removed"])]
    assert removed.situation == "" and removed.situation_text == "尚未对应移出情形列表中的情形（所填原因：存在重大安全事故）"


def test_the_list_as_pdf_and_xlsx(demo_db, campaign, proposed, tmp_path) -> None:
    items = removal_proposal.proposals(demo_db, campaign)
    sent = removal_proposal.letter(demo_db, campaign, items, date(2023, 11, 30))
    outstanding = removal_proposal.outstanding_national(demo_db, campaign)
    text = pdf_text(removal_proposal.proposal_pdf(items, "湖北省", sent, pdf.find_font(), outstanding), tmp_path)
    assert "湖北省国家级绿色矿山移出建议名单" in text and "填报日期：2023年11月30日" in text
    assert "填报单位：湖北省自然资源主管部门（盖章）" in text
    assert "…" not in text
    whole = flat(text)
    for p in items:
        assert p.name in whole and p.licence_no in whole  # wrapped, never cut
        assert flat(p.situation_text) in whole and flat(p.inspected) in whole
        assert all(flat(problem) in whole for problem in p.problems)
        assert all(flat(line) in whole for line in p.rectification)
    assert LONG_NAME in whole
    assert outstanding == 0 and "尚未提交" not in whole
    assert "其中2座的移出原因尚未对应移出情形列表中的情形" in whole

    sheet = openpyxl.load_workbook(io.BytesIO(removal_proposal.proposal_xlsx(items, "湖北省", sent, outstanding))).active
    assert sheet["A1"].value == "湖北省国家级绿色矿山移出建议名单" and "2023年11月30日" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == list(removal_proposal.COLUMNS)
    listed = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=3 + len(items))]
    assert [row[1] for row in listed] == [p.name for p in items] and listed[0][1] == items[0].name
    assert LONG_NAME in [row[1] for row in listed]
    assert all(sheet.cell(4, column).alignment.wrap_text for column in range(1, len(removal_proposal.COLUMNS) + 1))
    for row, p in zip(listed, items):
        assert row[5] == p.situation_text and row[7] == p.inspected and row[9] == p.source
        assert all(problem in row[6] for problem in p.problems)
        assert row[8] == "\n".join(p.rectification)


def test_the_draft_letter_says_only_what_the_data_says(demo_db, campaign, proposed, tmp_path) -> None:
    items = removal_proposal.proposals(demo_db, campaign)
    draft = removal_proposal.letter(demo_db, campaign, items, date(2023, 11, 30))
    assert not draft.saved and draft.unit == "湖北省自然资源主管部门"
    basis = campaign.basis[0]
    assert f"《{basis['title']}》（{basis['number']}）" in draft.body
    assert "2座国家级绿色矿山" in draft.body and all(p.name in draft.body for p in items)
    assert removal_proposal.REMOVAL_RULES_TITLE not in draft.body  # issued 2025-01-06, after this letter
    later = removal_proposal.draft_body(demo_db, campaign, items, "湖北省自然资源厅", date(2025, 3, 1))
    assert f"按照《{removal_proposal.REMOVAL_RULES_TITLE}》" in later
    text = flat(pdf_text(removal_proposal.letter_pdf(draft, "湖北省", pdf.find_font()), tmp_path))
    assert "草稿" in text and "关于报送湖北省国家级绿色矿山移出建议名单的函" in text
    assert "自然资源部矿产资源保护监督司：" in text and "2023年11月30日" in text


def test_the_coordinator_edits_and_saves_the_letter(demo_db, campaign, proposed, tmp_path) -> None:
    items = removal_proposal.proposals(demo_db, campaign)
    draft = removal_proposal.letter(demo_db, campaign, items, date(2023, 11, 30))
    bad = removal_proposal.Letter(" ", "王某", "027-8765abc", date(2023, 12, 1), draft.body)
    with pytest.raises(FollowUpError) as refused:
        removal_proposal.save_letter(demo_db, campaign, bad, items, ACTOR)
    assert "报送单位" in str(refused.value) and "联系电话" in str(refused.value)
    assert not removal_proposal.letter(demo_db, campaign, items, date(2023, 11, 30)).saved
    with pytest.raises(access.Denied):
        removal_proposal.save_letter(demo_db, campaign, draft, items, access.User(1, "chakan", "chakan", access.VIEWER))
    edited = removal_proposal.Letter("湖北省自然资源厅", "王某", "027-87654321", date(2023, 12, 1), draft.body)
    removal_proposal.save_letter(demo_db, campaign, edited, items, ACTOR)
    kept = removal_proposal.letter(demo_db, campaign, items, date(2024, 1, 1))
    assert (kept.unit, kept.contact, kept.phone, kept.on, kept.saved) == (
        "湖北省自然资源厅", "王某", "027-87654321", date(2023, 12, 1), True)
    assert not kept.stale(items) and kept.stale(items[:1])
    letter_text = flat(pdf_text(removal_proposal.letter_pdf(kept, "湖北省", pdf.find_font()), tmp_path))
    assert "草稿" not in letter_text and "联系人：王某" in letter_text and "027-87654321" in letter_text
    assert "湖北省自然资源厅2023年12月1日" in letter_text
    list_text = pdf_text(removal_proposal.proposal_pdf(items, "湖北省", kept, pdf.find_font()), tmp_path)
    assert "填报单位：湖北省自然资源厅（盖章）" in list_text and "2023年12月1日" in list_text
    other = demo_db.execute("SELECT value FROM settings WHERE key = ?", ["removal_letter:999"]).fetchone()
    assert other is None  # kept per campaign


def test_an_unfinished_campaign_says_which_national_mines_the_list_cannot_speak_for(demo_db, campaign, tmp_path) -> None:
    national = drawn(demo_db, campaign, "国家级")
    submit(demo_db, campaign, national[0], conclusion="移出", removal_reason="存在重大安全事故")
    items = removal_proposal.proposals(demo_db, campaign)
    outstanding = removal_proposal.outstanding_national(demo_db, campaign)
    assert len(items) == 1 and outstanding == len(national) - 1 > 0
    sent = removal_proposal.letter(demo_db, campaign, items, date(2023, 11, 30))
    whole = flat(pdf_text(removal_proposal.proposal_pdf(items, "湖北省", sent, pdf.find_font(), outstanding), tmp_path))
    assert f"另有{outstanding}座抽取的国家级绿色矿山尚未提交核查记录，未列入" in whole


def test_the_list_and_the_letter_are_set_as_chinese(demo_db, campaign, proposed, tmp_path) -> None:
    from dataclasses import replace

    from tests.test_pdf import PROSE, assert_set_as_chinese
    name = "监利县堃喆犇赟示例矿业有限公司小山岗村至大山岗村一带建筑石料用灰岩矿东区（扩建30万吨/年，2027年4月30日到期）"
    demo_db.execute("UPDATE mines SET name = ? WHERE id = ?", [name, proposed["failed"]])
    items = removal_proposal.proposals(demo_db, campaign)
    sent = removal_proposal.letter(demo_db, campaign, items, date(2023, 11, 30))
    data = removal_proposal.proposal_pdf(items, "湖北省", sent, pdf.find_font(),
                                         removal_proposal.outstanding_national(demo_db, campaign))
    assert_set_as_chinese(data, tmp_path, [p.name for p in items] + [name, LONG_NAME])
    written = replace(sent, body=f"{sent.body}\n{PROSE * 2}\n{name}")
    assert_set_as_chinese(removal_proposal.letter_pdf(written, "湖北省", pdf.find_font()), tmp_path, [PROSE, name])
