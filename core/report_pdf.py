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

from core import campaigns, charts, pdf, reports
from core.exports import chinese_date
from core.labels import AREAS, CONCLUSIONS, LEVELS
from core.inspections import PROGRESS


def title(stats: reports.Statistics) -> str:
    return f"{stats.province}{stats.year}年度绿色矿山核查报告"


def report_pdf(db: Database, campaign: campaigns.Campaign, font: pdf.Font, sections: dict[str, str] | None = None,
               include_drafts: bool = False) -> bytes:
    """The report as PDF. ``sections``: the text of 一 to 四 (and ``unit``, ``date``); saved text or the draft
    when not given."""
    rows = reports.result_rows(db, campaign)
    stats = reports.statistics(db, campaign, include_drafts, rows)
    text = sections or reports.report_sections(db, campaign, stats)
    table = reports.summary_table(db, campaign, include_drafts, rows=rows)
    doc = pdf.Document(font, title(stats))
    _cover(doc, stats, text)
    doc.add_page()
    doc.set_font("cjk", size=16)
    doc.cell(0, 12, "目录", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.insert_toc_placeholder(_contents, pages=1)  # the contents are written at the end; a new page follows
    _section(doc, reports.SECTIONS["overview"], text["overview"])
    _overview_tables(doc, stats)
    _section(doc, reports.SECTIONS["construction"], text["construction"])
    _construction_charts(doc, stats)
    _section(doc, reports.SECTIONS["problems"], text["problems"])
    _section(doc, reports.SECTIONS["suggestions"], text["suggestions"])
    _annex(doc, stats, table)
    return bytes(doc.output())


def _cover(doc: pdf.Document, stats: reports.Statistics, text: dict[str, str]) -> None:
    doc.add_page()
    doc.set_y(80)
    doc.set_font("cjk", size=24)
    doc.multi_cell(0, 14, f"{stats.province}\n绿色矿山核查报告", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font("cjk", size=13)
    doc.multi_cell(0, 8, stats.campaign, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_y(210)
    day = date.fromisoformat(text["date"]) if text.get("date") else date.today()
    doc.multi_cell(0, 9, f"{text.get('unit') or stats.province}\n{chinese_date(day)}", align="C",
                   new_x="LMARGIN", new_y="NEXT")
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


def _section(doc: pdf.Document, heading: str, body: str) -> None:
    if doc.will_page_break(40):
        doc.add_page()
    doc.start_section(heading)
    doc.ln(2)
    doc.set_font("cjk", size=14)
    doc.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=11)
    for paragraph in filter(None, (p.strip() for p in body.splitlines())):
        doc.multi_cell(0, 7, "　　" + paragraph, new_x="LMARGIN", new_y="NEXT")
        doc.ln(1)
    doc.set_font("cjk", size=10.5)
    doc.ln(2)


def _subheading(doc: pdf.Document, text: str) -> None:
    if doc.will_page_break(30):
        doc.add_page()
    doc.set_font("cjk", size=11)
    doc.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)


def _overview_tables(doc: pdf.Document, stats: reports.Statistics) -> None:
    _subheading(doc, "表1 抽查核查矿山数量")
    rows = [[level, stats.listed.get(level, 0), stats.drawn.get(level, 0), stats.checked.get(level, 0)]
            for level in LEVELS if stats.listed.get(level) or stats.drawn.get(level)]
    rows.append(["合计", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)])
    wrapped_table(doc, ["入库级别", "在册", "抽取", "完成核查"], rows, [40, 40, 40, 40])
    if stats.teams:
        _subheading(doc, "表2 核查组组成")
        wrapped_table(doc, ["核查组", "组长", "组员", "矿山数"],
                      [[f"第{t['team_no']}组", t["leader"], t["members"], t["mines"]] for t in stats.teams],
                      [16, 50, 90, 18], size=9)
    if not stats.progress.empty:
        by_city = stats.progress.sort_values("合计", ascending=False)
        charts.bar_chart(doc, "图1 各市（州）核查进度", [str(c) for c in by_city["市（州）"]],
                         [charts.Series("已提交", [float(v) for v in by_city[list(CONCLUSIONS)].sum(axis=1)]),
                          charts.Series(PROGRESS[1], [float(v) for v in by_city[PROGRESS[1]]]),
                          charts.Series(PROGRESS[0], [float(v) for v in by_city[PROGRESS[0]]])],
                         height=14 + 9 * len(by_city))


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
        _subheading(doc, f"表3 国家级绿色矿山核查结论（{len(stats.national)}座）")
        wrapped_table(doc, ["序号", "矿山名称", "是否符合标准", "处理结论", "存在的主要问题"],
                      [[n, m["name"], m["compliant"], m["conclusion"], m["problems"]]
                       for n, m in enumerate(stats.national, start=1)], [10, 55, 18, 16, 75], size=8.5)


def _annex(doc: pdf.Document, stats: reports.Statistics, table: Any) -> None:
    doc.add_page(orientation="L")
    doc.start_section("附表")
    doc.set_font("cjk", size=11)
    doc.cell(0, 7, "附表", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=15)
    doc.cell(0, 10, reports.table_title(stats.province), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)
    rows = table[list(reports.COLUMNS)].values.tolist() if len(table) else []
    wrapped_table(doc, list(reports.COLUMNS), rows, [6, 9, 31, 34, 12, 10, 15, 42, 9, 22], size=8)
    doc.ln(2)
    doc.set_font("cjk", size=9)
    for line in reports.NOTES:
        doc.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)


def wrapped_table(doc: pdf.Document, headings: list[str], rows: list[list[object]], widths: list[float],
                  size: float = 9) -> None:
    """A bordered table whose cells wrap (CJK text breaks anywhere), the heading repeated on every page.

    Drawn with text() and line() and a per-character width cache: a thousand rows take a second or two
    where fpdf2's ``table()`` takes far longer.
    """
    line_height = size * 0.5
    pad = 1.0
    scale = doc.epw / sum(widths)
    widths = [w * scale for w in widths]
    lefts = [doc.l_margin + sum(widths[:i]) for i in range(len(widths) + 1)]
    doc.set_font("cjk", size=size)

    def draw_row(cells: list[list[str]], fill: bool = False) -> None:
        height = max(len(lines) for lines in cells) * line_height + 2 * pad
        y = doc.get_y()
        if fill:
            doc.set_fill_color(226, 239, 218)
            doc.rect(lefts[0], y, lefts[-1] - lefts[0], height, style="F")
        for lines, left in zip(cells, lefts):
            for number, line in enumerate(lines):
                doc.text(left + pad, y + pad + line_height * (number + 0.78), line)
        doc.line(lefts[0], y + height, lefts[-1], y + height)
        for left in lefts:
            doc.line(left, y, left, y + height)
        doc.set_y(y + height)

    def heading() -> None:
        top = doc.get_y()
        doc.line(lefts[0], top, lefts[-1], top)
        draw_row([_wrap(doc, h, w - 2 * pad) for h, w in zip(headings, widths)], fill=True)

    heading()
    for row in rows:
        cells = [_wrap(doc, "" if value is None else str(value), w - 2 * pad) for value, w in zip(row, widths)]
        height = max(len(lines) for lines in cells) * line_height + 2 * pad
        if doc.will_page_break(height):
            doc.add_page(orientation=doc.cur_orientation)
            doc.set_font("cjk", size=size)
            heading()
        draw_row(cells)
    doc.set_font("cjk", size=10.5)
    doc.ln(2)


def _wrap(doc: pdf.Document, text: str, width: float) -> list[str]:
    widths = doc._char_widths.setdefault(doc.font_size_pt, {})
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current, used = "", 0.0
        for ch in paragraph:
            if ch not in widths:
                widths[ch] = doc.get_string_width(ch)
            if used + widths[ch] > width and current:
                lines.append(current)
                current, used = "", 0.0
            current += ch
            used += widths[ch]
        lines.append(current)
    return lines
