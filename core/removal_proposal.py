"""国家级绿色矿山移出建议名单: the province's proposal to remove national-list mines, and its 报送函.

For national-list mines the province proposes and the ministry decides (《国家级绿色矿山名录移出管理工作要求》,
自然资源部办公厅 2025-01-06: "由省级自然资源主管部门向部提出移出建议"; see :mod:`core.followup` for the cases).
Per mine of a campaign the proposal states:

- the situation (移出情形) it rests on: one of the official grounds with its source (the 14 situations the
  province loaded, the confirmed grounds of ``data/removal_reasons.csv``), or plainly that the stated
  reason matches none of them yet;
- the facts: the problems the record found, the days of the inspection and the team, and the
  rectification history (deadline, items rectified, the materials and re-checks, the “回头看” demand).

The cover letter (报送函) is a draft the coordinator edits (unit, contact, phone, text, date); the edited
fields are kept with the campaign in the settings table under ``removal_letter:<campaign id>``. The
reporting unit defaults to the setting ``reporting_unit`` when there is one, else to
"<省>自然资源主管部门" (the notice's own term for the addressees).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from core import access, audit, campaigns, followup, inspections, limits, pdf, reference, reference_tables, settings
from core.db import transaction
from core.exports import chinese_date, fitted_row, landscape_pages, table_head, workbook
from core.followup import FollowUpError
from core.labels import AREAS, FOUND, LEVELS, NO, REMOVE, SUBMITTED

NATIONAL = LEVELS[0]
MINISTRY_OFFICE = "自然资源部矿产资源保护监督司"  # notice 六: records and report go to 部矿保司
# Confirmed in ../shared/docs/official-texts.md §2 (title, issuer, date; no 文号 was found, so none is cited).
REMOVAL_RULES_TITLE = "国家级绿色矿山名录移出管理工作要求"
REMOVAL_RULES_ISSUED = date(2025, 1, 6)
LETTER_KEY = "removal_letter:{}"
PHONE = re.compile(r"^[0-9０-９\-－—()（）+＋ 、,，转]*$")

COLUMNS = ("序号", "矿山名称", "采矿许可证号", "所在地区", "入库年份", "移出情形", "核查发现的问题", "核查时间及核查组",
           "整改情况", "提出原因")
XLSX_WIDTHS = (6, 30, 26, 16, 8, 30, 48, 30, 44, 14)
SUMMARY_COLUMNS = ("序号", "矿山名称", "采矿许可证号", "所在地区", "入库年份", "移出情形", "提出原因")
SUMMARY_WIDTHS = [10, 60, 48, 30, 16, 80, 26]


# --- the grounds ------------------------------------------------------------------------------------

def grounds(db: Database) -> list[reference.RemovalReason]:
    """The official removal situations to choose from, each with its source: those the province loaded from
    自然资规〔2024〕1号附件2, then the confirmed grounds of ``data/removal_reasons.csv``
    (:func:`core.reference_tables.removal_reasons`)."""
    return reference_tables.removal_reasons(db)


# --- the proposals ----------------------------------------------------------------------------------

@dataclass
class Proposal:
    """One national mine proposed for removal, with everything the name list says of it."""

    removal_id: int | None  # None: a submitted 移出 record whose case is not opened yet
    record_id: int
    name: str
    licence_no: str
    place: str
    listing_year: str
    stated_reason: str       # the reason on the case (or the record)
    situation: str           # the matching official ground, '' when none matches
    situation_source: str
    source: str              # 提出原因: 核查结论为移出 / 整改复核未通过 / 整改逾期未完成
    status: str              # 待报部 / 已报部待决定
    problems: list[str] = field(default_factory=list)
    inspected: str = ""      # "2023年11月2日至2023年11月3日，第1核查组（组长 …；成员 …）"
    rectification: list[str] = field(default_factory=list)

    @property
    def situation_text(self) -> str:
        if self.situation:
            return self.situation + (f"（依据：{self.situation_source}）" if self.situation_source else "")
        return f"尚未对应移出情形列表中的情形（所填原因：{self.stated_reason or '未填写'}）"


def proposals(db: Database, campaign: campaigns.Campaign) -> list[Proposal]:
    """Every drawn national mine of ``campaign`` whose submitted record leads to a removal not yet decided:
    the record concludes 移出, or its rectification failed or ran out, and the ministry has not decided.
    In the order of the summary table (prefecture, name)."""
    known = {g.reason: g.source for g in grounds(db)}
    cursor = db.execute(
        "SELECT r.id, r.content, m.id, m.name, m.licence_no, m.city || m.county, COALESCE(m.listing_year, ''), "
        "m.flag_rectify, m.rectify_demand, "
        "(SELECT d.id FROM removals d WHERE d.record_id = r.id ORDER BY d.id DESC LIMIT 1) "
        "FROM records r JOIN mines m ON m.id = r.mine_id "
        "JOIN campaign_mines c ON c.mine_id = r.mine_id AND c.draw_id = ? "
        "WHERE r.campaign_id = ? AND r.status = ? AND m.level = ? ORDER BY m.city_code, m.name",
        [campaign.current_draw_id or 0, campaign.id, SUBMITTED, NATIONAL])
    found = []
    for record_id, content, mine_id, name, licence, place, year, flagged, demand, removal_id in cursor.fetchall():
        content = json.loads(content or "{}")
        removal = followup.get_removal(db, removal_id) if removal_id else None
        if removal is None and content.get("conclusion") != REMOVE:
            continue
        if removal is not None and removal["status"] not in (followup.TO_MINISTRY, followup.REPORTED):
            continue  # decided, or not a national case
        stated = (removal["reason"] if removal else "") or content.get("removal_reason", "")
        found.append(Proposal(
            removal_id=removal_id, record_id=record_id, name=name, licence_no=licence, place=place,
            listing_year=str(year), stated_reason=stated, situation=stated if stated in known else "",
            situation_source=known.get(stated, ""), source=removal["source"] if removal else followup.FROM_RECORD,
            status=removal["status"] if removal else followup.TO_MINISTRY, problems=_problems(content),
            inspected=_inspected(db, campaign, licence, content),
            rectification=_rectification(db, record_id, removal, flagged, demand)))
    return found


def outstanding_national(db: Database, campaign: campaigns.Campaign) -> int:
    """Drawn national mines of the campaign without a submitted record (the list cannot speak for them)."""
    return db.execute(
        "SELECT COUNT(*) FROM campaign_mines c JOIN mines m ON m.id = c.mine_id WHERE c.draw_id = ? AND m.level = ? "
        "AND NOT EXISTS (SELECT 1 FROM records r WHERE r.campaign_id = ? AND r.mine_id = c.mine_id AND r.status = ?)",
        [campaign.current_draw_id or 0, NATIONAL, campaign.id, SUBMITTED]).fetchone()[0]


def _problems(content: dict[str, Any]) -> list[str]:
    """The record's findings: failed legality checks, then each area's problems; the main problems if none."""
    found = [f"{inspections.FIELDS.get(key, key)}：否" + (f"（{content.get(key + '_note', '').strip()}）"
                                                         if content.get(key + "_note", "").strip() else "")
             for key in sorted(content) if key.startswith("legal_") and not key.endswith("_note") and content[key] == NO]
    found += [f"{area}：{content.get(f'area{index}_problems', '').strip()}" for index, area in enumerate(AREAS)
              if content.get(f"area{index}_finding") == FOUND and content.get(f"area{index}_problems", "").strip()]
    if not found and content.get("main_problems", "").strip():
        found.append(content["main_problems"].strip())
    if content.get("compliant"):
        found.append(f"核查结论：是否符合绿色矿山标准——{content['compliant']}")
    return found


def _day(text: str) -> str:
    return chinese_date(date.fromisoformat(text)) if text else ""


def _inspected(db: Database, campaign: campaigns.Campaign, licence_no: str, content: dict[str, Any]) -> str:
    first, last = content.get("date_from", ""), content.get("date_to", "")
    days = _day(first) + (f"至{_day(last)}" if last and last != first else "") if first else "核查日期未填写"
    team = inspections.team_of_mine(db, campaign, licence_no)
    if not team:
        return f"{days}；核查组未记录"
    leaders = [m["name"] for m in team if m["role"] == "组长"]
    others = [m["name"] for m in team if m["role"] != "组长"]
    return (f"{days}；第{team[0]['team_no']}核查组（" + "；".join(
        part for part in (f"组长 {'、'.join(leaders)}" if leaders else "", f"成员 {'、'.join(others)}" if others else "")
        if part) + "）")


def _rectification(db: Database, record_id: int, removal: dict[str, Any] | None, flagged: int, demand: str) -> list[str]:
    lines = []
    if flagged:
        lines.append(f"“回头看”整改要求：{demand.strip() or '有（未录入内容）'}")
    row = db.execute("SELECT id, deadline FROM rectifications WHERE record_id = ?", [record_id]).fetchone()
    if row is None:
        lines.append("核查结论为移出，未设整改期限" if not removal or removal["source"] == followup.FROM_RECORD
                     else "无整改跟踪记录")
        return lines
    case_id, deadline = row
    items = followup.items(db, case_id)
    lines.append(f"整改期限{_day(deadline) or '未填写'}；整改事项{len(items)}项，已完成{sum(1 for i in items if i['done_at'])}项")
    for step in followup.steps(db, case_id):
        result = f"（{step['result']}）" if step["result"] else ""
        lines.append(f"{_day(step['on_date'])}{step['kind']}{result}：{step['text']}")
    if removal is not None and removal["source"] == followup.FROM_OVERDUE:
        lines.append(f"{followup.FROM_OVERDUE}：{removal['reason']}" if removal["reason"] else followup.FROM_OVERDUE)
    return lines


def rows(items: list[Proposal]) -> list[list[str]]:
    """The name list's rows, in :data:`COLUMNS`."""
    return [[str(number), p.name, p.licence_no, p.place, p.listing_year, p.situation_text,
             "\n".join(f"{n}. {text}" for n, text in enumerate(p.problems, start=1)) or "未记录", p.inspected,
             "\n".join(p.rectification), p.source] for number, p in enumerate(items, start=1)]


# --- the cover letter -------------------------------------------------------------------------------

@dataclass
class Letter:
    unit: str
    contact: str
    phone: str
    on: date
    body: str
    saved: bool = False   # False: the draft as the app wrote it, not yet checked by the coordinator
    count: int = 0        # mines on the list when it was saved

    def stale(self, items: list[Proposal]) -> bool:
        """Saved for a list of another length: the text may no longer describe it."""
        return self.saved and self.count != len(items)


def default_unit(db: Database) -> str:
    return settings.get(db, "reporting_unit") or f"{settings.province(db).name}自然资源主管部门"


def title(province: str) -> str:
    return f"{province}国家级绿色矿山移出建议名单"


def letter_title(province: str) -> str:
    return f"关于报送{title(province)}的函"


def draft_body(db: Database, campaign: campaigns.Campaign, items: list[Proposal], unit: str, on: date) -> str:
    """The letter's text, from the data only: the campaign's basis documents as recorded, the number (and,
    for a few, the names) of the mines, the 2025 removal rules once they apply."""
    province = settings.province(db).name
    basis = "、".join(f"《{d['title']}》" + (f"（{d['number']}）" if d.get("number") else "")
                      for d in campaign.basis if d.get("title"))
    names = "、".join(p.name for p in items)
    mines = f"{len(items)}座国家级绿色矿山（{names}）" if len(items) <= 5 else f"{len(items)}座国家级绿色矿山"
    rules = f"按照《{REMOVAL_RULES_TITLE}》，" if on >= REMOVAL_RULES_ISSUED else ""
    return ((f"根据{basis}要求，" if basis else "") + f"{unit}组织开展了{campaign.year}年度绿色矿山实地抽查核查。"
            f"经核查，{mines}存在需移出名录的情形。{rules}现将《{title(province)}》报送你司，请予审定。")


def letter(db: Database, campaign: campaigns.Campaign, items: list[Proposal], today: date) -> Letter:
    """The letter as saved for the campaign, or a draft dated ``today``."""
    stored = settings.get(db, LETTER_KEY.format(campaign.id))
    if stored:
        return Letter(stored["unit"], stored["contact"], stored["phone"], date.fromisoformat(stored["on"]),
                      stored["body"], True, int(stored.get("count", 0)))
    unit = default_unit(db)
    return Letter(unit, "", "", today, draft_body(db, campaign, items, unit, today))


def save_letter(db: Database, campaign: campaigns.Campaign, edited: Letter, items: list[Proposal], actor: str) -> None:
    """Keep the coordinator's letter with the campaign. Refuses (FollowUpError, every problem at once) a
    letter without unit or text, or with a phone number that is not one."""
    access.require(actor, access.FOLLOW_UP)
    limits.check(FollowUpError, ("报送单位", edited.unit, limits.LINE), ("联系人", edited.contact, limits.NAME),
                 ("联系电话", edited.phone, limits.NAME), ("函的正文", edited.body, limits.SECTION))
    problems = []
    if not edited.unit.strip():
        problems.append("请填写报送单位（本省自然资源主管部门的全称）。")
    if not edited.body.strip():
        problems.append("请填写函的正文。")
    if not PHONE.match(edited.phone.strip()):
        problems.append(f"联系电话“{edited.phone.strip()}”含有数字、短横线、括号以外的字符，请改正。")
    if problems:
        raise FollowUpError("".join(problems))
    key = LETTER_KEY.format(campaign.id)
    value = {"unit": edited.unit.strip(), "contact": edited.contact.strip(), "phone": edited.phone.strip(),
             "on": edited.on.isoformat(), "body": edited.body.strip(), "count": len(items)}
    with transaction(db):
        old = settings.get(db, key)
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [key, json.dumps(value, ensure_ascii=False)])
        audit.log(db, actor, "整改与移出：保存移出建议报送函", f"核查任务 {campaign.id}", old=old, new=value)


# --- documents --------------------------------------------------------------------------------------

def _subtitle(sent: Letter) -> str:
    return f"填报单位：{sent.unit}（盖章）　　填报日期：{chinese_date(sent.on)}"


def _notes(items: list[Proposal], outstanding: int) -> list[str]:
    notes = [f"共{len(items)}座。"]
    if outstanding:
        notes.append(f"本名单依据已提交的核查记录生成；另有{outstanding}座抽取的国家级绿色矿山尚未提交核查记录，未列入。")
    unmatched = sum(1 for p in items if not p.situation)
    if unmatched:
        notes.append(f"其中{unmatched}座的移出原因尚未对应移出情形列表中的情形，待核定。")
    return notes


def proposal_xlsx(items: list[Proposal], province: str, sent: Letter, outstanding: int = 0) -> bytes:
    """The name list as a workbook: one row per mine, every cell wrapped (no name is cut)."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet("移出建议名单")
    bold = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                            "bg_color": "#E8EEF4"})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, title(province), bold)
    sheet.merge_range(1, 0, 1, len(COLUMNS) - 1, _subtitle(sent))
    table_head(sheet, 2, COLUMNS, XLSX_WIDTHS, head)
    for index, row in enumerate(rows(items), start=3):
        fitted_row(sheet, index, row, XLSX_WIDTHS, cell)
    for offset, note in enumerate(_notes(items, outstanding), start=len(items) + 4):
        sheet.write(offset, 0, note)
    landscape_pages(sheet, 2)
    book.close()
    return buffer.getvalue()


def proposal_pdf(items: list[Proposal], province: str, sent: Letter, font: pdf.Faces, outstanding: int = 0) -> bytes:
    """The name list as a PDF: a table of the mines and their situations (cells wrap), then the facts of
    each mine in full."""
    document = pdf.Document(font, title(province), orientation="L")
    document.add_page()
    document.title_block(title(province), _subtitle(sent))
    document.wrapped_grid(list(SUMMARY_COLUMNS),
                          [[r[0], r[1], r[2], r[3], r[4], r[5], r[9]] for r in rows(items)], SUMMARY_WIDTHS)
    for note in _notes(items, outstanding):
        document.paragraph(note)
    document.heading("各矿山移出情形和事实")
    for number, p in enumerate(items, start=1):
        document.heading(f"{number}. {p.name}（采矿许可证号 {p.licence_no}）")
        document.paragraph(f"移出情形：{p.situation_text}")
        document.paragraph(f"提出原因：{p.source}")
        document.paragraph(f"核查时间及核查组：{p.inspected}")
        document.paragraph("核查发现的问题：" + ("" if p.problems else "未记录"))
        for n, text in enumerate(p.problems, start=1):
            document.paragraph(f"　　{n}. {text}")
        document.paragraph("整改情况：")
        for text in p.rectification:
            document.paragraph(f"　　{text}")
    return bytes(document.output())


def letter_pdf(sent: Letter, province: str, font: pdf.Faces) -> bytes:
    """The 报送函 on one A4 page; a letter not yet saved by the coordinator says 草稿 at its head."""
    header = "报送函" + ("" if sent.saved else "（草稿，待核改）")
    document = pdf.Document(font, header, footer_note="" if sent.saved else "草稿：请在“整改与移出”页核改单位、联系人和电话")
    document.add_page()
    if not sent.saved:
        document.paragraph("草稿（请核改后报送）", size=9)
    document.title_block(letter_title(province))
    document.paragraph(f"{MINISTRY_OFFICE}：")
    for text in sent.body.splitlines():
        if text.strip():
            document.paragraph("　　" + text.strip())
    document.ln(4)
    document.paragraph(f"　　附件：{title(province)}")
    document.ln(4)
    document.paragraph(f"　　联系人：{sent.contact or '＿＿＿＿＿＿'}　　联系电话：{sent.phone or '＿＿＿＿＿＿＿＿'}")
    document.ln(12)
    document.set_font("cjk", size=10.5)
    document.multi_cell(0, 6, f"{sent.unit}\n{chinese_date(sent.on)}", align="R")
    return bytes(document.output())



def files(db: Database, campaign: campaigns.Campaign, font: pdf.Faces, today: date) -> dict[str, bytes]:
    """The proposal's files by name — 报送函.pdf, <title>.pdf, <title>.xlsx — for the ministry package and
    a folder of documents; {} when no national mine of the campaign awaits a decision on its removal."""
    items = proposals(db, campaign)
    if not items:
        return {}
    province = settings.province(db).name
    sent = letter(db, campaign, items, today)
    outstanding = outstanding_national(db, campaign)
    return {"报送函.pdf": letter_pdf(sent, province, font),
            f"{title(province)}.pdf": proposal_pdf(items, province, sent, font, outstanding),
            f"{title(province)}.xlsx": proposal_xlsx(items, province, sent, outstanding)}
