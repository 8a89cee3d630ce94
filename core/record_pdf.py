"""One mine's inspection record as PDF, in the layout of 附件1 国家级绿色矿山核查记录表, in two versions.

- the **electronic** version (:func:`record_pdf`): the form's table (mine name, 合法合规性, the six areas
  under 绿色矿山建设情况, 意见建议, 核查结论 with its 是/否 boxes and the leader's confirmation, the members'
  confirmations, each 代签 said as such);
- the **print-and-sign** version (``printable=True``): the same form with empty signature cells, to be
  printed, signed by hand, scanned and sent, as 记录表 are.

Both continue on a separate page with what the form does not hold: the electronic confirmations (who,
when, 本人 or 代签 with its reason), 存在的主要问题 as it goes into the summary table, 备注 and the
record's status; then the indicator checklist, amendments and the photo appendix. Every page's footer
carries the record's version and content hash.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fpdf.fonts import FontFace
from sqlite_utils import Database

from core import indicators, inspections, pdf, reference_tables, registry, settings
from core.exports import chinese_date, chinese_time
from core.inspections import Record, area_key
from core.labels import AREAS, FOUND, LEVELS, NO, NONE_FOUND, RECTIFY, REMOVE, SUBMITTED, YES
from core.teams import LEADER

LABEL_FILL = FontFace(fill_color=(240, 244, 238))


def title_for(level: str) -> str:
    return "国家级绿色矿山核查记录表" if level == LEVELS[0] else f"绿色矿山核查记录表（{level}绿色矿山）"


def _dates(content: dict[str, Any]) -> str:
    first, last = content["date_from"], content["date_to"]
    if not first:
        return "____年__月__日"
    text = chinese_date(date.fromisoformat(first))
    if last and last != first:
        end = date.fromisoformat(last)
        same_year = end.year == date.fromisoformat(first).year
        text += "—" + (f"{end.month}月{end.day}日" if same_year else chinese_date(end))
    return text


def _box(checked: bool) -> str:
    return "■" if checked else "□"


def _area_text(content: dict[str, Any], index: int) -> str:
    finding = content[area_key(index, "finding")]
    problems = content[area_key(index, "problems")].strip()
    checked = content[area_key(index, "checked")].strip()
    if finding == NONE_FOUND:
        text = "未发现问题。"
    elif finding == FOUND:
        text = f"存在的问题与不足：{problems}"
    else:
        text = "（未填写）"
    return text + (f"\n核查方式：{checked}" if checked else "")


def _confirmation(signature: dict[str, Any]) -> str:
    """A confirmation as the form shows it: '张三（2023年11月2日 16:05电子确认）', or its 代签 line."""
    return inspections.proxy_note(signature) or f"{signature['name']}（{chinese_time(signature['signed_at'])}电子确认）"


def _conclusion_text(content: dict[str, Any], leader: dict[str, Any] | None, printable: bool) -> str:
    compliant = content["compliant"]
    lines = [f"是否符合绿色矿山标准：{_box(compliant == YES)} 是  {_box(compliant == NO)} 否"]
    conclusion = content["conclusion"] or "（未选择）"
    if content["conclusion"] == RECTIFY:
        deadline = chinese_date(date.fromisoformat(content["rectify_deadline"])) if content["rectify_deadline"] else "（未填）"
        conclusion += f"（整改措施：{content['rectify_measures'].strip() or '（未填）'}；整改期限：{deadline}）"
    elif content["conclusion"] == REMOVE:
        conclusion += f"（移出原因：{content['removal_reason'].strip() or '（未填）'}）"
    lines.append(f"处理结论：{conclusion}")
    if printable:
        lines += ["", "组长签字：", ""]  # room for the leader's hand
    else:
        lines.append("组长签字：" + (_confirmation(leader) if leader else ""))
    return "\n".join(lines)


def _legality_text(content: dict[str, Any]) -> str:
    lines = []
    for field, text in inspections.LEGALITY:
        answer = content.get(field, "")
        note = content.get(f"{field}_note", "").strip()
        lines.append(f"{text}：{_box(answer == YES)} 是  {_box(answer == NO)} 否" + (f"（{note}）" if note else ""))
    return "\n".join(lines)


def record_pdf(db: Database, record: Record, font: pdf.Faces, printable: bool = False) -> bytes:
    """The PDF of one record, as its team confirmed it (or marked 草稿 while still a draft); ``printable``:
    the print-and-sign version, with empty signature cells."""
    mine = registry.get_mine(db, record.mine_id) or {}
    province = settings.province(db).name
    content = record.content
    digest = inspections.content_hash(db, record)
    given = inspections.signatures(db, record)
    signed = [s for s in given if s["valid"]]
    leader = next((s for s in signed if s["role"] == LEADER), None)
    members = [s for s in signed if s["role"] != LEADER]
    title = title_for(mine.get("level", ""))
    doc = pdf.Document(font, f"{mine.get('name', '')} · {title}" + ("（打印签字版）" if printable else ""),
                       footer_note=f"第 {record.version} 版 · 内容哈希 {digest[:16]}")
    doc.add_page()
    doc.title_block(title + ("" if record.status == SUBMITTED else "\n（草稿，未提交）"))
    doc.set_font("cjk", size=10.5)
    doc.cell(doc.epw / 2, 7, f"时间：{_dates(content)}")
    doc.cell(doc.epw / 2, 7, f"{province}", align="R", new_x="LMARGIN", new_y="NEXT")
    doc.ln(1)

    scale = registry.as_text(mine.get("scale_value")) + (mine.get("scale_unit") or "")
    with doc.table(col_widths=(16, 42, 116), text_align="LEFT", first_row_as_headings=False,
                   line_height=6, padding=1.5, v_align="MIDDLE") as table:
        row = table.row()
        row.cell("矿山名称", colspan=2, style=LABEL_FILL)
        row.cell(f"{mine.get('name', '')}\n采矿许可证号：{mine.get('licence_no', '')}　采矿权人：{mine.get('owner', '')}\n"
                 f"入库级别：{mine.get('level', '')}　开采矿种：{mine.get('mineral', '')}　开采方式：{mine.get('method', '')}"
                 f"　生产规模：{scale or '—'}")
        row = table.row()
        row.cell("合法合规性", colspan=2, style=LABEL_FILL)
        row.cell(_legality_text(content))
        row = table.row()
        row.cell("核查内容", colspan=2, style=LABEL_FILL, align="CENTER")
        row.cell("核实情况（对照行业标准、评价指标等要求开展实地核查，如实填写存在的问题与不足）", style=LABEL_FILL)
        for index, area in enumerate(AREAS):
            row = table.row()
            if index == 0:
                row.cell("绿色\n矿山\n建设\n情况", rowspan=len(AREAS), style=LABEL_FILL, align="CENTER")
            row.cell(area, style=LABEL_FILL)
            row.cell(_area_text(content, index))
        row = table.row()
        row.cell("意见建议", colspan=2, style=LABEL_FILL)
        row.cell(content["opinions"].strip() or "（无）")
        row = table.row()
        row.cell("核查结论", colspan=2, style=LABEL_FILL)
        row.cell(_conclusion_text(content, leader, printable))
        row = table.row()
        row.cell("核查组成员签字", colspan=2, style=LABEL_FILL)
        row.cell("成员：\n\n\n" if printable else "成员：" + "　".join(_confirmation(s) for s in members))

    _confirmations(doc, record, given)
    _checklist(db, doc, content)
    _amendments(db, doc, record)
    _photos(doc, inspections.evidence_of(db, record))
    return bytes(doc.output())


def _confirmations(doc: pdf.Document, record: Record, given: list[dict[str, Any]]) -> None:
    """The page after the form: the electronic confirmations and what the app keeps beside the form."""
    doc.add_page()
    doc.heading("附：电子确认情况")
    if given:
        rows = [[s["name"], s["role"], chinese_time(s["signed_at"]),
                 f"代签（由{s['proxy_by']}代签，原因：{s['proxy_reason']}）" if s["proxy_by"] else "本人确认",
                 "有效" if s["valid"] else "确认后记录有修改，已失效"] for s in given]
        doc.wrapped_grid(["姓名", "角色", "确认时间", "确认方式", "状态"], rows, [20, 14, 32, 88, 20], size=9)
    else:
        doc.paragraph("尚无核查组成员确认。", size=9.5)
    doc.ln(2)
    doc.heading("记录信息")
    content = record.content
    doc.paragraph(f"存在的主要问题（填入汇总表）：{content['main_problems'].strip() or '（无）'}\n"
                  f"备注：{content['remarks'].strip() or '（无）'}\n"
                  f"记录状态：{record.status}"
                  + (f"（{record.submitted_by}于{chinese_time(record.submitted_at)}提交）" if record.submitted_at else ""),
                  size=9.5)


def _checklist(db: Database, doc: pdf.Document, content: dict[str, Any]) -> None:
    """The indicator checklist: the set as the province loaded it (or as far as it is confirmed); points only
    where the set has official ones, and a note where its items are not the official text."""
    chosen = reference_tables.indicator_sets(db).get(content["indicator_set"])
    if chosen is None or not content["checklist"]:
        return
    marks = {item: entry.get("mark", "") for item, entry in content["checklist"].items()}
    result = indicators.score(chosen, marks)
    doc.heading(f"评价指标核查情况（{chosen.name}）")
    note = indicators.confirmation_note(chosen) or chosen.items_source
    if note:
        doc.paragraph(note, size=8.5)
    doc.paragraph(indicators.summary_text(chosen, result), size=9.5)
    group = lambda item: item.group if item.kind == indicators.INDICATOR else item.kind  # noqa: E731
    if chosen.has_points:
        rows = [[group(item), item.text, "" if item.points is None else f"{item.points:g}", marks.get(item.id, "未判定"),
                 content["checklist"].get(item.id, {}).get("note", "")] for item in chosen.items]
        doc.wrapped_grid(["一级指标", "评价内容", "分值", "结论", "说明"], rows, [28, 70, 12, 16, 48], size=8)
    else:
        rows = [[group(item), item.text, marks.get(item.id, "未判定"), content["checklist"].get(item.id, {}).get("note", "")]
                for item in chosen.items]
        doc.wrapped_grid(["一级指标", "评价内容", "结论", "说明"], rows, [28, 82, 16, 48], size=8)


def _amendments(db: Database, doc: pdf.Document, record: Record) -> None:
    history = inspections.versions(db, record.id)
    amended = history[history["操作"] == inspections.AMEND]
    if amended.empty:
        return
    doc.heading("更正记录")
    for _, row in amended.iterrows():
        doc.paragraph(f"第 {row['版本']} 版，{row['时间']}，{row['操作人']}更正。理由：{row['理由']}。\n修改内容：{row['修改内容']}",
                      size=9)


def _photos(doc: pdf.Document, photos: list[dict[str, Any]]) -> None:
    if not photos:
        return
    doc.add_page()
    doc.heading(f"附：核查影像（{len(photos)} 个）")
    with doc.table(col_widths=(62, 112), text_align="LEFT", first_row_as_headings=False, line_height=5,
                   padding=1.5, v_align="TOP") as table:
        for number, photo in enumerate(photos, start=1):
            row = table.row()
            thumb = inspections.thumbnail(photo)
            if photo["kind"] == "照片" and thumb.is_file():
                row.cell(img=str(thumb), img_fill_width=True)
            else:
                row.cell(f"（{photo['kind']}，见原始文件）")
            position = (f"北纬 {photo['lat']:.5f}°，东经 {photo['lon']:.5f}°" if photo["lat"] is not None else "无")
            distance = f"{photo['distance_km']:.2f} 公里" if photo["distance_km"] is not None else "—"
            taken = chinese_time(photo["taken_at"]) if photo["taken_at"] else "无"
            lines = [
                f"{number}. {photo['area']}" + (f"：{photo['caption']}" if photo["caption"] else ""),
                f"拍摄时间：{taken}",
                f"GPS：{position}；距矿山：{distance}",
                f"设备：{photo['device'] or '—'}；文件：{photo['filename']}",
                f"上传：{photo['uploaded_by']}，{chinese_time(photo['uploaded_at'])}",
                f"SHA-256：{photo['sha256']}",
            ]
            if photo["warnings"]:
                lines.append("提示：" + "；".join(photo["warnings"]))
            row.cell("\n".join(lines))


def filename(mine_name: str, level: str, printable: bool = False) -> str:
    return f"{mine_name}{title_for(level)}{'（打印签字版）' if printable else ''}.pdf"
