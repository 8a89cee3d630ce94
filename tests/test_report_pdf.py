"""The provincial report (附件2) as PDF, read back with pdftotext."""

from __future__ import annotations

import re

from core import audit, pdf, registry, report_pdf, reports
from core.access import System
from tests.test_record_pdf import pdf_text
from tests.test_reports import campaign  # noqa: F401  (fixture)


def test_the_report_has_the_outline_the_tables_and_every_mine(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    table = reports.summary_table(demo_db, campaign)
    mine = registry.get_by_licence(demo_db, table.iloc[0]["采矿许可证号"])
    registry.update_mine(demo_db, mine["id"], {**mine, "name": "堃喆犇赟示例矿业有限公司石门垭建筑石料用灰岩矿"},
                         mine["version"], System("测试"))
    reports.save_sections(demo_db, campaign.id, {**reports.draft_sections(reports.statistics(demo_db, campaign)),
                                                 "suggestions": "组织者改写的意见建议：喆赟"}, 0, System("组织者"))
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, campaign, pdf.find_font()), tmp_path).split())
    assert "湖北省绿色矿山核查报告" in text and "目录" in text
    for heading in (*reports.HEADINGS.values(), "附表", "湖北省绿色矿山抽查核查结果汇总表", "填表说明："):
        assert heading in text, heading
    # Two records of many: an interim report, so marked, with the mines outstanding; the coordinator's parts
    # still to write are prompts, not text the app made up.
    stats = reports.statistics(demo_db, campaign)
    assert "阶段性报告" in text and f"尚未提交核查记录的矿山（{len(stats.outstanding)}座）" in text
    for mine in stats.outstanding:
        assert "".join(mine["name"].split()) in text, mine["name"]
    assert "【待填写：对本省绿色矿山建设管理情况作简要总结" in text
    assert f"表3国家级绿色矿山核查结论（抽取{len(stats.national)}座）" in text
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
    reports.save_sections(demo_db, campaign.id, {**reports.draft_sections(stats), "overview": "已保存的文字"}, 0, System("组织者"))
    given = {**reports.report_sections(demo_db, campaign, stats), "overview": "页面上的文字：喆赟"}
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, campaign, pdf.find_font(), given), tmp_path).split())
    assert "页面上的文字：喆赟" in text and "已保存的文字" not in text


def test_a_complete_campaign_gives_a_final_report(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    from core import campaigns
    for mine in reports.statistics(demo_db, campaign).outstanding:
        campaigns.record_exemption(demo_db, campaign, mine["licence_no"], "矿山已关闭", System("组织者"))
    stats = reports.statistics(demo_db, campaign)
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, campaign, pdf.find_font(),
                                                  {**reports.report_sections(demo_db, campaign, stats),
                                                   "unit": "湖北省自然资源厅", "date": "2023-11-30"}), tmp_path).split())
    assert "阶段性报告" not in text and "尚未提交核查记录的矿山" not in text
    assert f"未能核查的矿山（{len(stats.exempted)}座）" in text and "矿山已关闭" in text
    assert text.count("湖北省自然资源厅2023年11月30日") == 2  # the cover and the sign-off


def test_the_last_line_names_the_audit_head_when_the_report_was_made(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    head = audit.head(demo_db)
    text = "".join(pdf_text(report_pdf.report_pdf(demo_db, campaign, pdf.find_font()), tmp_path, "-raw").split())
    line = f"本报告生成时审计日志共{head.seq}条，链头哈希{head.hash[:16]}…"
    assert head.seq > 0 and re.fullmatch(rf".*{re.escape(line)}第(\d+)页共\1页", text, re.S), text[-200:]  # last page


def test_long_names_and_findings_are_set_as_chinese_in_every_table(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    from tests.test_pdf import PROSE, assert_set_as_chinese
    names = []
    for number, licence in enumerate(reports.summary_table(demo_db, campaign)["采矿许可证号"]):
        mine = registry.get_by_licence(demo_db, licence)
        name = f"{mine['name']}堃喆犇赟{number}号东段及西段露天-地下联合开采区（扩建30万吨/年）"
        registry.update_mine(demo_db, mine["id"], {**mine, "name": name}, mine["version"], System("测试"))
        names.append(name)
    stats = reports.statistics(demo_db, campaign)
    names += [mine["name"] for mine in stats.outstanding]
    sections = {**reports.draft_sections(stats), "suggestions": "　　" + PROSE * 3}
    head = audit.head(demo_db)
    data = report_pdf.report_pdf(demo_db, campaign, pdf.find_font(), sections)
    assert_set_as_chinese(data, tmp_path, [*names, PROSE], abridged=(f"{head.hash[:audit.PREFIX]}…",))


def test_the_cover_has_no_page_number_and_the_pages_after_it_are_numbered(demo_db, campaign, tmp_path) -> None:  # noqa: F811
    import subprocess
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf.report_pdf(demo_db, campaign, pdf.find_font()))

    def page(number: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"], check=True,
                              capture_output=True, text=True).stdout

    assert "湖北省" in page(1) and "页" not in page(1)
    assert re.search(r"第\s*2\s*页\s*共\s*\d+\s*页", page(2))
