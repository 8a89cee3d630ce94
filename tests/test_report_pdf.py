"""The provincial report (附件2) as PDF, read back with pdftotext."""

from __future__ import annotations

from core import pdf, registry, report_pdf, reports
from tests.test_record_pdf import pdf_text
from tests.test_reports import campaign  # noqa: F401  (fixture)


def test_the_report_has_the_outline_the_tables_and_every_mine(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    table = reports.summary_table(demo_db, campaign)
    mine = registry.get_by_licence(demo_db, table.iloc[0]["采矿许可证号"])
    registry.update_mine(demo_db, mine["id"], {**mine, "name": "堃喆犇赟示例矿业有限公司石门垭建筑石料用灰岩矿"},
                         mine["version"], "测试")
    reports.save_sections(demo_db, campaign.id, {**reports.draft_sections(reports.statistics(demo_db, campaign)),
                                                 "suggestions": "组织者改写的意见建议：喆赟"}, 0, "组织者")
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, campaign, pdf.find_font()), tmp_path).split())
    assert "湖北省绿色矿山核查报告" in text and "目录" in text
    for heading in (*reports.SECTIONS.values(), "附表", "湖北省绿色矿山抽查核查结果汇总表", "填表说明："):
        assert heading in text, heading
    for name in reports.summary_table(demo_db, campaign)["矿山名称"]:
        assert name in text, name
    assert "堃喆犇赟" in text
    assert "组织者改写的意见建议：喆赟" in text
    for chart in ("图1各市（州）核查进度", "图2各级别矿山处理结论", "图3各方面发现问题的矿山数"):
        assert chart in text, chart
    assert "表2核查组组成" in text


def test_an_empty_campaign_gives_a_report_that_claims_nothing(demo_db, tmp_path) -> None:
    from core import demo
    drawn = demo.start_campaign(demo_db)
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, drawn, pdf.find_font()), tmp_path).split())
    assert "本次核查尚无已提交的核查记录" in text and "附表" in text and "（尚无已提交的核查记录）" in text
    for claim in ("以等为主", "共完成实地核查0座", "0座符合要求", "涉及0个市（州）", "（未填）"):
        assert claim not in text, claim


def test_the_report_is_built_from_the_text_it_is_given(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    """The page passes the text of the chosen campaign; the PDF says that text, not a saved or drafted one."""
    stats = reports.statistics(demo_db, campaign)
    reports.save_sections(demo_db, campaign.id, {**reports.draft_sections(stats), "overview": "已保存的文字"}, 0, "组织者")
    given = {**reports.report_sections(demo_db, campaign, stats), "overview": "页面上的文字：喆赟"}
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, campaign, pdf.find_font(), given), tmp_path).split())
    assert "页面上的文字：喆赟" in text and "已保存的文字" not in text
