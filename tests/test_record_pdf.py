"""The record as PDF (附件1 layout), read back with pdftotext."""

from __future__ import annotations

import subprocess

import pytest

from core import demo, inspections, pdf, record_pdf
from core.labels import AREAS
from core.access import System
from tests.photos import make_photo
from tests.test_inspections import filled, sign_all


def pdf_text(data: bytes, tmp_path, *options: str) -> str:
    """The text of a PDF; with "-raw", in the order it was drawn (a table's heading row whole, however
    pdftotext would group its columns)."""
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *options, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def submitted(demo_db):
    campaign = demo.start_campaign(demo_db)
    first = inspections.campaign_records(demo_db, campaign).iloc[0]
    record = inspections.open_record(demo_db, campaign, int(first["id"]), System("张某华"))
    current = filled(demo_db, record, conclusion="整改", rectify_measures="补种复绿，修复边坡",
                     rectify_deadline="2024-05-03", opinions="堃喆犇赟：加强边坡治理", compliant="否",
                     legal_penalty="否", legal_penalty_note="2022年超层越界处罚整改未完成")
    lat, lon = demo_db.execute("SELECT lat, lon FROM mines WHERE id = ?", [record.mine_id]).fetchone()
    for seed in range(3):
        inspections.add_evidence(demo_db, record.id, make_photo(seed=seed, taken_at="2023-11-02T10:30:00",
                                                                gps=(lat, lon)), f"IMG_{seed}.jpg", AREAS[seed],
                                 f"现场照片{seed}", System("李某明"))
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    record = inspections.get(demo_db, record.id)
    inspections.amend(demo_db, record.id, {"remarks": "采矿权人名称已变更"}, "企业提供变更证明", record.version, System("王某军"))
    return inspections.get(demo_db, record.id)


def test_the_pdf_reproduces_the_form(demo_db, submitted, tmp_path) -> None:
    text = pdf_text(record_pdf.record_pdf(demo_db, submitted, pdf.find_font()), tmp_path)
    flat = "".join(text.split())
    mine = demo_db.execute("SELECT name, licence_no, level FROM mines WHERE id = ?", [submitted.mine_id]).fetchone()
    assert record_pdf.title_for(mine[2]) in flat
    assert "时间：2023年11月2日—11月3日" in flat and "湖北省" in flat
    assert mine[0] in flat and mine[1] in flat
    for area in AREAS:
        assert area in flat
    assert "排土场东侧约2亩未复绿" in flat
    assert "是否符合绿色矿山标准：□是■否" in flat
    assert "处理结论：整改（整改措施：补种复绿，修复边坡；整改期限：2024年5月3日）" in flat
    assert "堃喆犇赟" in flat
    for member in inspections.team_of(demo_db, submitted):
        assert member["name"] in flat
    assert "更正记录" in flat and "企业提供变更证明" in flat
    assert "附：核查影像（6个）" in flat  # three of the form's areas, three key areas
    for row in inspections.evidence_of(demo_db, submitted):
        assert row["sha256"] in flat
    assert f"第{submitted.version}版·内容哈希{inspections.content_hash(demo_db, submitted)[:16]}" in flat


def test_a_draft_says_so(demo_db, tmp_path) -> None:
    campaign = demo.start_campaign(demo_db)
    first = inspections.campaign_records(demo_db, campaign).iloc[0]
    record = inspections.open_record(demo_db, campaign, int(first["id"]), System("张某华"))
    data = record_pdf.record_pdf(demo_db, record, pdf.find_font())
    assert data.startswith(b"%PDF")
    assert "（草稿，未提交）" in "".join(pdf_text(data, tmp_path).split())


def pages(data: bytes, tmp_path) -> list[str]:
    """The text of each page, without spaces and line breaks."""
    return ["".join(page.split()) for page in pdf_text(data, tmp_path).split("\f")]


def test_legality_is_on_the_form(demo_db, submitted, tmp_path) -> None:
    form = pages(record_pdf.record_pdf(demo_db, submitted, pdf.find_font()), tmp_path)[0]
    assert "合法合规性" in form
    assert "证照合法有效：■是□否" in form and "未越界开采：■是□否" in form
    assert "无未整改的行政处罚：□是■否（2022年超层越界处罚整改未完成）" in form


def test_internal_lines_are_off_the_form_and_confirmations_on_their_own_page(demo_db, submitted, tmp_path) -> None:
    form, after, *_ = pages(record_pdf.record_pdf(demo_db, submitted, pdf.find_font()), tmp_path)
    assert "填入汇总表" not in form and "记录状态" not in form
    assert "附：电子确认情况" in after and "存在的主要问题（填入汇总表）：排土场局部未复绿" in after
    assert "记录状态：已提交" in after
    team = inspections.team_of(demo_db, submitted)
    for member in team:
        assert member["name"] in form and member["name"] in after
    assert after.count("本人确认") == len(team)


def test_the_print_version_leaves_the_signature_cells_empty(demo_db, submitted, tmp_path) -> None:
    data = record_pdf.record_pdf(demo_db, submitted, pdf.find_font(), printable=True)
    form, after, *_ = pages(data, tmp_path)
    assert "组长签字：" in form and "成员：" in form
    assert "电子确认" not in form
    for member in inspections.team_of(demo_db, submitted):
        assert member["name"] not in form and member["name"] in after
    assert "组长签字：成员：" in form  # nothing written where the hands sign
    assert record_pdf.filename("某矿", "国家级", printable=True) == "某矿国家级绿色矿山核查记录表（打印签字版）.pdf"


def test_a_proxy_confirmation_is_said_as_such(demo_db, tmp_path) -> None:
    from core import accounts
    from tests.test_inspections import key_photos
    campaign = demo.start_campaign(demo_db)
    first = inspections.campaign_records(demo_db, campaign).iloc[0]
    record = filled(demo_db, inspections.open_record(demo_db, campaign, int(first["id"]), System("张某华")))
    key_photos(demo_db, record)
    giver, absent = [m for m in inspections.team_of(demo_db, record) if m["role"] != "组长"][:2]
    user = accounts.get(demo_db, accounts.create_user(demo_db, "hecha1", giver["name"], "核查员", "mima12345", System("测试"),
                                                      inspector_id=giver["inspector_id"], must_change=False))
    inspections.sign(demo_db, record.id, absent["inspector_id"], user, proxy_reason="现场共用一台平板")
    form, after, *_ = pages(record_pdf.record_pdf(demo_db, record, pdf.find_font()), tmp_path)
    assert f"代签：{absent['name']}（由{giver['name']}代签，原因：现场共用一台平板）" in form
    assert f"代签（由{giver['name']}代签，原因：现场共用一台平板）" in after


def test_an_unconfirmed_indicator_set_prints_no_points_and_says_so(demo_db, tmp_path) -> None:
    from core import indicators
    campaign = demo.start_campaign(demo_db)
    first = inspections.campaign_records(demo_db, campaign).iloc[0]
    record = inspections.open_record(demo_db, campaign, int(first["id"]), System("张某华"))
    chosen = indicators.indicator_sets()["2020"]
    assert not chosen.items_confirmed
    item = chosen.items[0]
    current = filled(demo_db, record, indicator_set="2020", checklist={item.id: {"mark": "符合", "note": "证照齐全"}})
    text = "".join(pdf_text(record_pdf.record_pdf(demo_db, current, pdf.find_font()), tmp_path, "-raw").split())
    assert "评价指标核查情况" in text and "尚未载入正式文本" in text and "证照齐全" in text
    assert "一级指标评价内容结论说明" in text and "评价内容分值" not in text  # no points column


def test_a_long_name_and_long_findings_wrap_as_chinese_is_set(demo_db, submitted, tmp_path) -> None:
    from core import registry
    from tests.test_pdf import PROSE, assert_set_as_chinese
    mine = registry.get_by_licence(demo_db, submitted.licence_no)
    name = "宜昌市夷陵区堃喆犇赟示例矿业有限责任公司樟村坪镇桃坪河磷矿东段及西段（露天-地下联合开采区）"
    registry.update_mine(demo_db, mine["id"], {**mine, "name": name}, mine["version"], System("测试"))
    findings = {"remarks": PROSE * 2, "opinions": "　" + PROSE, "main_problems": PROSE}
    inspections.amend(demo_db, submitted.id, findings, "补充核查发现的问题", submitted.version, System("王某军"))
    record = inspections.get(demo_db, submitted.id)
    for printable in (False, True):
        data = record_pdf.record_pdf(demo_db, record, pdf.find_font(), printable=printable)
        assert_set_as_chinese(data, tmp_path, [name, PROSE])
