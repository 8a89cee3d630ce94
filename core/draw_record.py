"""The draw record (抽签记录) as a PDF, and the list of drawn mines for publication (一公开) as xlsx.

The JSON record (``core.sampling.record``) is the complete, verifiable one; the PDF is its readable
form for the file and for the witnesses to sign, with every stratum summarised and every drawn mine.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any


from core import pdf, sampling
from core.campaigns import citation
from core.exports import chinese_date, chinese_time, fitted_row, landscape_pages, table_head, workbook


SHORT_REASONS = {sampling.REASON_PRIORITY: "重点·全部", sampling.REASON_PRIORITY_RATIO: "重点·比例",
                 sampling.REASON_RANDOM: "随机"}


def record_pdf(data: dict[str, Any], mines: dict[str, dict[str, Any]], font: pdf.Faces) -> bytes:
    """The draw record as PDF; ``mines`` maps licence numbers to register rows (name, city, county)."""
    meta = data["meta"]
    doc = pdf.Document(font, f"{meta.get('campaign', '')} · 抽签记录（第 {meta.get('draw', 1)} 次）")
    doc.add_page()
    doc.title_block(f"{meta.get('campaign', '')}\n抽签记录", f"第 {meta.get('draw', 1)} 次抽取 · {chinese_time(meta.get('drawn_at', ''))}")
    rules = data["rules"]
    policy = "；".join(f"{name}：{'全部纳入' if value == sampling.ALL else f'按 {float(value):.0%} 抽取'}"
                       for name, value in rules["policy"].items())
    doc.heading("一、抽取规则")
    if meta.get("basis"):
        doc.paragraph("依据：" + "、".join(citation(d) for d in meta["basis"]) + "。")
    open_pit = "、".join(sampling.Rules.from_dict(rules).open_pit_methods)
    doc.paragraph(f"抽查比例不低于 {rules['ratio']:.0%}（各入库级别分别计算、向上取整）；纳入级别：{'、'.join(rules['levels'])}；"
                  f"重点核查对象：{policy}；计为露天开采的开采方式：{open_pit}。"
                  f"部直接核查的国家级绿色矿山 {len(meta.get('ministry_direct', []))} 座不参加本省抽取。"
                  + (f"\n规则说明：{rules['note']}" if rules.get("note") else ""))
    if meta.get("redraw_reason"):
        doc.paragraph(f"重新抽取理由：{meta['redraw_reason']}")
    doc.heading("二、随机性来源（可复核）")
    doc.paragraph(
        f"名录冻结时间：{chinese_time(meta.get('frozen_at', ''))}；快照矿山 {len(data['snapshot'])} 座。\n"
        f"名录快照 SHA-256：{data['snapshot_sha256']}\n"
        f"抽取前公布的承诺值：{data['commitment']}\n"
        f"随机数（抽取后公开）：{data['nonce']}\n"
        f"见证人输入：{data['witness_input']}\n"
        f"种子：{data['seed']}\n"
        f"算法：{data['algorithm']}（一致性抽样：签号为“种子的SHA-256加采矿许可证号”再取SHA-256所得的十进制小数，"
        "各层按签号从小到大抽取）",
        size=9,
    )
    doc.heading("三、各级别、各层抽取情况")
    rows = []
    for stratum in data["strata"]:
        rows.append([stratum["level"], stratum["category"], stratum["mines"],
                     {"all": "全部纳入", "remainder": "随机补足"}.get(stratum["policy"], stratum["policy"].replace("ratio ", "按比例 ")),
                     len(stratum["drawn"])])
    doc.wrapped_grid(["入库级别", "分层", "矿山数", "抽取方式", "抽中"], rows, [30, 40, 25, 45, 34])
    outcomes = sampling.outcome(data)
    doc.wrapped_grid(["入库级别", "在册", "按比例至少", "重点核查全部纳入", "重点类别按比例", "随机抽取", "抽中", "占在册"],
                     [[o.level, o.listed, o.required, sum(o.whole.values()), sum(t for t, _ in o.by_ratio.values()),
                       o.random, o.drawn, f"{o.drawn / o.listed:.1%}" if o.listed else "—"] for o in outcomes],
                     [20, 18, 22, 30, 26, 22, 18, 18], size=8.5)
    doc.paragraph("各层完整签号表见同名 JSON 抽签记录。", size=9)
    doc.heading(f"四、抽中矿山名单（{len(data['selections'])} 座）")
    table = []
    for number, selection in enumerate(data["selections"], start=1):
        mine = mines.get(selection["licence_no"], {})
        table.append([number, selection["level"], selection["licence_no"], mine.get("name", ""),
                      f"{mine.get('city', '')}{mine.get('county', '')}", SHORT_REASONS.get(selection["reason"], ""),
                      selection["ticket"][:10]])
    doc.wrapped_grid(["序号", "入库级别", "采矿许可证号", "矿山名称", "所在地", "抽取方式", "签号"], table,
                     [9, 13, 36, 56, 26, 14, 15], size=7.5)
    doc.ln(6)
    doc.paragraph("抽取组织人（签字）：　　　　　　　见证人（签字）：　　　　　　　　　　日期：")
    return bytes(doc.output())


def publication_pdf(data: dict[str, Any], mines: dict[str, dict[str, Any]], team_rows: list[dict[str, Any]],
                    title: str, font: pdf.Faces) -> bytes:
    """What is made public (一公开): the drawn mines and, once drawn, the teams and their prefectures."""
    doc = pdf.Document(font, title)
    doc.add_page()
    doc.title_block(title, f"抽取日期：{chinese_time(data['meta'].get('drawn_at', ''))}　　种子：{data['seed'][:16]}…")
    basis = "、".join(citation(d) for d in data["meta"].get("basis", []))
    doc.paragraph((f"根据{basis}，按照" if basis else "按照") +
                  f"“双随机、一公开”要求，现将本次随机抽取的核查矿山{'和核查组' if team_rows else ''}公开如下。"
                  "抽取过程可凭抽签记录复核。")
    doc.heading(f"一、抽中矿山（{len(data['selections'])} 座）")
    rows = [[n, s["level"], s["licence_no"], mines.get(s["licence_no"], {}).get("name", ""),
             f"{mines.get(s['licence_no'], {}).get('city', '')}{mines.get(s['licence_no'], {}).get('county', '')}"]
            for n, s in enumerate(data["selections"], start=1)]
    doc.wrapped_grid(["序号", "入库级别", "采矿许可证号", "矿山名称", "所在地"], rows, [10, 14, 38, 70, 30], size=8)
    if team_rows:
        doc.heading(f"二、核查组（{len(team_rows)} 个）")
        doc.wrapped_grid(["核查组", "组长", "组员", "矿山数", "负责地市"],
                 [[t["核查组"], t["组长"], t["组员"], t["核查矿山数"], t["负责地市"]] for t in team_rows],
                 [12, 45, 60, 12, 35], size=8)
    return bytes(doc.output())


def drawn_xlsx(data: dict[str, Any], mines: dict[str, dict[str, Any]], title: str,
               team_rows: list[dict[str, Any]] | None = None) -> bytes:
    """The drawn mines (and the teams, once drawn) for publication (一公开)."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet("抽中矿山")
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    headings = ["序号", "入库级别", "采矿许可证号", "矿山名称", "市（州）", "县（市、区）", "开采矿种", "开采方式", "抽取方式"]
    widths = [6, 9, 26, 44, 14, 14, 14, 16, 20]
    sheet.merge_range(0, 0, 0, len(headings) - 1, title, bold)
    table_head(sheet, 1, headings, widths, head)
    for number, selection in enumerate(data["selections"], start=1):
        mine = mines.get(selection["licence_no"], {})
        values = [number, selection["level"], selection["licence_no"], mine.get("name", ""), mine.get("city", ""),
                  mine.get("county", ""), mine.get("mineral", ""), mine.get("method", ""), selection["reason"]]
        fitted_row(sheet, number + 1, values, widths, cell)
    landscape_pages(sheet, 1)
    note_row = len(data["selections"]) + 3
    sheet.write(note_row, 0, f"种子：{data['seed']}；见证输入：{data['witness_input']}；生成日期：{chinese_date(date.today())}")
    if team_rows:
        teams_sheet = book.add_worksheet("核查组")
        columns = ["核查组", "组长", "组员", "核查矿山数", "负责地市"]
        team_widths = (10, 40, 60, 12, 40)
        table_head(teams_sheet, 0, columns, team_widths, head)
        for number, team in enumerate(team_rows, start=1):
            fitted_row(teams_sheet, number, [team[c] for c in columns], team_widths, cell)
        teams_sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
