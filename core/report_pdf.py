"""The provincial report (附件2 绿色矿山核查报告) as PDF: cover, contents, the four sections of the outline
with their tables and charts, and the summary table (附表) on landscape pages.

The numbers come from :func:`core.reports.statistics`; the text of each section is the coordinator's
(saved with the campaign), or the draft the app writes from the records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fpdf.outline import OutlineSection
from sqlite_utils import Database

from core import audit, campaigns, charts, pdf, reports
from core.exports import chinese_date
from core.labels import AREAS, CONCLUSIONS, LEVELS
from core.inspections import PROGRESS


INTERIM = "阶段性报告"


def title(stats: reports.Statistics) -> str:
    return f"{stats.province}{stats.year}年度绿色矿山核查报告" + ("" if stats.final else f"（{INTERIM}）")


def report_pdf(db: Database, campaign: campaigns.Campaign, font: pdf.Faces, sections: dict[str, str] | None = None,
               include_drafts: bool = False) -> bytes:
    """The report as PDF. ``sections``: the text of the outline's parts (and ``unit``, ``date``); saved text or
    the draft when not given. Until every drawn mine has a submitted record or a recorded reason why not, the
    report is an interim one: so marked on the cover and in every page header, with the mines outstanding."""
    rows = reports.result_rows(db, campaign)
    stats = reports.statistics(db, campaign, include_drafts, rows)
    text = sections or reports.report_sections(db, campaign, stats)
    table = reports.summary_table(db, campaign, include_drafts, rows=rows)
    doc = pdf.Document(font, title(stats), cover=True)
    _cover(doc, stats, text)
    doc.add_page()
    doc.headline("目录", 16, 12, align="C", keep=0)
    doc.ln(4)
    doc.insert_toc_placeholder(_contents, pages=1)  # the contents are written at the end; a new page follows
    _section(doc, reports.HEADINGS["overview"], text["overview"])
    _overview_tables(doc, stats)
    _outstanding(doc, stats)
    _section(doc, reports.HEADINGS["construction"], text.get("management", ""), text["construction"])
    _construction_charts(doc, stats)
    _section(doc, reports.HEADINGS["problems"], text["problems"], text.get("management_problems", ""))
    _section(doc, reports.HEADINGS["suggestions"], text["suggestions"], keep_last=SIGN_OFF)
    _sign_off(doc, stats, text)
    _annex(doc, stats, table)
    _audit_head(doc, audit.head(db))
    return bytes(doc.output())


def _day(text: dict[str, str]) -> date:
    return date.fromisoformat(text["date"]) if text.get("date") else date.today()


def _cover(doc: pdf.Document, stats: reports.Statistics, text: dict[str, str]) -> None:
    doc.add_page()
    doc.set_y(80)
    doc.set_font(doc.hei, size=24)
    doc.multi_cell(0, 14, f"{stats.province}\n绿色矿山核查报告", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font("cjk", size=13)
    doc.multi_cell(0, 8, stats.campaign, align="C", new_x="LMARGIN", new_y="NEXT")
    if not stats.final:
        doc.ln(4)
        doc.set_font("cjk", size=15)
        doc.multi_cell(0, 9, f"{INTERIM}\n尚有{len(stats.outstanding)}座抽取矿山未提交核查记录", align="C",
                       new_x="LMARGIN", new_y="NEXT")
    doc.set_y(210)
    doc.set_font("cjk", size=13)
    doc.multi_cell(0, 9, f"{text.get('unit') or '（报告单位未填写）'}\n{chinese_date(_day(text))}", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)


SIGN_OFF = 30  # mm the 落款 takes, kept on the page of the last paragraph


def _sign_off(doc: pdf.Document, stats: reports.Statistics, text: dict[str, str]) -> None:
    """落款 as GB/T 9704 sets it, after a blank line below the text: the date four characters from the
    right margin with the reporting unit centred above it; a unit longer than the date two characters
    from the right margin with the date centred below it."""
    if doc.will_page_break(SIGN_OFF):
        doc.add_page()
    doc.ln(10)
    doc.set_font("cjk", size=11)
    unit, day = text.get("unit") or "（报告单位未填写）", chinese_date(_day(text))
    em = doc.measure("一")
    longest = max(doc.measure(unit), doc.measure(day))
    right = doc.w - doc.r_margin - (2 if doc.measure(unit) > doc.measure(day) else 4) * em
    left = max(doc.l_margin, right - longest)
    for line in (unit, day):  # a hair wider than the text: centring, not wrapping (a unit wider than the page wraps)
        doc.set_x(left - doc.c_margin - 0.5)
        doc.multi_cell(right - left + 2 * doc.c_margin + 1, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)


def _contents(doc: pdf.Document, outline: list[OutlineSection]) -> None:
    doc.set_font("cjk", size=11)
    for entry in outline:
        indent = 8 * entry.level
        doc.set_x(doc.l_margin + indent)
        name = entry.name
        number = str(entry.page_number)
        dots_width = doc.epw - indent - doc.get_string_width(name) - doc.get_string_width(number) - 4
        dots = "." * max(2, int(dots_width / doc.get_string_width(".")))
        doc.cell(0, 8, f"{name} {dots} {number}", new_x="LMARGIN", new_y="NEXT", link=doc.add_link(page=entry.page_number))
    doc.set_font("cjk", size=10.5)


def _section(doc: pdf.Document, heading: str, *bodies: str, keep_last: float = 0) -> None:
    if doc.will_page_break(40):
        doc.add_page()
    doc.start_section(heading)
    doc.ln(2)
    doc.headline(heading, 14, 9, keep=0)
    doc.body_text("\n".join(bodies), 11, 7, keep_last=keep_last)
    doc.ln(2)


def _subheading(doc: pdf.Document, text: str) -> None:
    """A table's caption, centred above it (figures are captioned below: core.charts)."""
    doc.ln(1)
    doc.headline(text, 10.5, 8, align="C", keep=22)


def _overview_tables(doc: pdf.Document, stats: reports.Statistics) -> None:
    _subheading(doc, "表1 抽查核查矿山数量")
    rows = [[level, stats.listed.get(level, 0), stats.drawn.get(level, 0), stats.checked.get(level, 0)]
            for level in LEVELS if stats.listed.get(level) or stats.drawn.get(level)]
    rows.append(["合计", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)])
    # 在册: the register as frozen for the draw (its snapshot), as in the draw record.
    doc.wrapped_grid(["入库级别", "在册（抽取时）", "抽取", "完成核查"], rows, [40, 40, 40, 40])
    if stats.teams:
        _subheading(doc, "表2 核查组组成")
        doc.wrapped_grid(["核查组", "姓名", "组内职务", "单位", "职称/职级", "人员类型", "矿山数"],
                         [[f"第{t['team_no']}组", p["name"], p["role"], p["unit"],
                           "、".join(x for x in (p.get("title"), p.get("rank")) if x and x != "无") or "—",
                           p.get("kind") or "未登记", t["mines"] if n == 0 else ""]
                          for t in stats.teams for n, p in enumerate(t["people"])],
                         [15, 18, 15, 50, 34, 24, 14], size=8.5)
    if stats.cities:
        _subheading(doc, "表4 已核查矿山所属地区")
        cities = sorted(stats.cities.items(), key=lambda pair: -pair[1])
        doc.wrapped_grid(["市（州）", "已核查矿山数"], [[c, n] for c, n in cities] + [["合计", sum(stats.cities.values())]],
                         [60, 40], size=9)
    if not stats.progress.empty:
        by_city = stats.progress.sort_values("合计", ascending=False)
        charts.bar_chart(doc, "图1 各市（州）核查进度", [str(c) for c in by_city["市（州）"]],
                         [charts.Series("已提交", [float(v) for v in by_city[list(CONCLUSIONS)].sum(axis=1)]),
                          charts.Series(PROGRESS[1], [float(v) for v in by_city[PROGRESS[1]]]),
                          charts.Series(PROGRESS[0], [float(v) for v in by_city[PROGRESS[0]]])],
                         height=14 + 9 * len(by_city))


def _outstanding(doc: pdf.Document, stats: reports.Statistics) -> None:
    """The drawn mines without a submitted record (national ones first), and those not inspected with why."""
    if stats.outstanding:
        _subheading(doc, f"尚未提交核查记录的矿山（{len(stats.outstanding)}座）")
        doc.wrapped_grid(["序号", "矿山名称", "入库级别", "市（州）", "记录状态"],
                         [[n, m["name"], m["level"], m["city"], m["status"]]
                          for n, m in enumerate(stats.outstanding, start=1)], [12, 80, 22, 30, 30], size=8.5)
    if stats.exempted:
        _subheading(doc, f"未能核查的矿山（{len(stats.exempted)}座）")
        doc.wrapped_grid(["序号", "矿山名称", "入库级别", "未核查原因"],
                         [[n, m["name"], m["level"], m["reason"]] for n, m in enumerate(stats.exempted, start=1)],
                         [12, 70, 22, 70], size=8.5)


def _construction_charts(doc: pdf.Document, stats: reports.Statistics) -> None:
    levels = [level for level in LEVELS if level in stats.conclusions]
    if levels:
        charts.bar_chart(doc, "图2 各级别矿山处理结论", levels,
                         [charts.Series(c, [float(stats.conclusions[lv][c]) for lv in levels]) for c in CONCLUSIONS])
    if stats.area_counts:
        charts.bar_chart(doc, "图3 各方面发现问题的矿山数", list(AREAS),
                         [charts.Series("发现问题的矿山", [float(stats.area_counts.get(a, 0)) for a in AREAS])],
                         label_width=46)
    if stats.national:
        _subheading(doc, f"表3 国家级绿色矿山核查结论（抽取{len(stats.national)}座）")
        doc.wrapped_grid(["序号", "矿山名称", "是否符合标准", "处理结论", "存在的主要问题"],
                         [[n, m["name"], m["compliant"], m["conclusion"], m["problems"]]
                          for n, m in enumerate(stats.national, start=1)], [10, 55, 18, 16, 75], size=8.5)


def _annex(doc: pdf.Document, stats: reports.Statistics, table: Any) -> None:
    doc.add_page(orientation="L")
    doc.start_section("附表")
    doc.headline("附表", 11, 7, keep=0)
    doc.headline(reports.table_title(stats.province), 15, 10, align="C", keep=0)
    rows = table[list(reports.COLUMNS)].values.tolist() if len(table) else []
    doc.wrapped_grid(list(reports.COLUMNS), rows, [6, 9, 31, 34, 12, 10, 15, 42, 9, 22], size=8)
    if not rows:  # an empty form would read as "nothing found"
        doc.cell(0, 7, "（尚无已提交的核查记录）", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.set_font("cjk", size=9)
    for line in reports.NOTES:
        doc.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)


def _audit_head(doc: pdf.Document, head: audit.Head) -> None:
    """One line at the very end: the audit trail's head when the report was made, so that a printed
    report can later show whether the log was cut short or rewritten (core.audit.check_head)."""
    doc.ln(2)
    doc.set_font("cjk", size=8)
    doc.multi_cell(0, 5, f"本报告生成时审计日志共 {head.seq} 条，链头哈希 {head.hash[:audit.PREFIX]}…",
                   new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)
