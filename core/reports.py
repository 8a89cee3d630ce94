"""The campaign's results: the summary table (附表 XX省绿色矿山抽查核查结果汇总表) with its Excel and
CSV exports, the statistics of the provincial report (附件2), the report's narrative drafted from the
records (and edited by the coordinator, kept with the campaign), and the public results (一公开).

Only submitted records count, unless the caller includes drafts (they are marked as such).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, campaigns, followup, inspections, limits, registry, sampling, settings, teams
from core.db import now, transaction
from core.exports import chinese_date, csv_safe, fit_row, fitted_row, landscape_pages, table_head, workbook
from core.labels import (AREAS, CONCLUSIONS, DRAFT, FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY, FOUND, KEEP, LEVELS,
                         RECTIFY, REMOVE, SUBMITTED)

COLUMNS = ("序号", "入库级别", "采矿许可证号", "矿山名称", "开采矿种", "开采方式", "生产规模", "存在的主要问题", "处理结论", "备注")
WIDTHS = (6, 9, 25, 36, 14, 12, 16, 44, 9, 24)
NOTES = (
    "填表说明：",
    "1. 入库级别填写国家级、省级、市级、县级。",
    "2. 采矿许可证号、矿山名称、开采矿种、开采方式、生产规模按采矿许可证填写。",
    "3. 处理结论填写保留、整改、移出。",
    "4. 备注填写其他情况，如矿山名称、采矿权人等发生变化。",
)
# The parts of the text in the order of the outline (附件2); ``management`` and ``management_problems`` are
# what only the province knows (its own management of green mines), written by the coordinator.
SECTIONS = {
    "overview": "一、工作概况",
    "management": "二、绿色矿山建设情况：地方绿色矿山建设管理情况简要总结",
    "construction": "二、绿色矿山建设情况：核查矿山的建设情况",
    "problems": "三、发现的问题与不足：矿山企业",
    "management_problems": "三、发现的问题与不足：地方绿色矿山管理",
    "suggestions": "四、意见建议",
}
HEADINGS = {"overview": "一、工作概况", "construction": "二、绿色矿山建设情况", "problems": "三、发现的问题与不足",
            "suggestions": "四、意见建议"}
# A prompt left in the text marks what the coordinator still has to write; the app never writes it.
TO_WRITE = "【待填写："
PROMPTS = {
    "management": TO_WRITE + "对本省绿色矿山建设管理情况作简要总结，如名录管理、日常监管、政策支持、“回头看”后的整改督促等。"
                  "本段由组织者根据实际情况撰写，系统不代为填写。】",
    "management_problems": TO_WRITE + "总结地方开展绿色矿山管理方面的问题与不足，如日常监管、动态管理、部门协同等。"
                           "本段由组织者根据实际情况撰写，系统不代为填写。】",
}


class ReportError(Exception):
    """A request the report refuses (e.g. a save over someone else's edit); the message is in Chinese."""


def table_title(province_name: str) -> str:
    return f"{province_name}绿色矿山抽查核查结果汇总表"


def file_stem(province_name: str, campaign: campaigns.Campaign, what: str) -> str:
    """'湖北省2023年度绿色矿山抽查核查结果汇总表' and the like, for downloads."""
    return f"{province_name}{campaign.year}年度{what}"


# --- the summary table ---------------------------------------------------------------------------

def result_rows(db: Database, campaign: campaigns.Campaign) -> pd.DataFrame:
    """Every drawn mine with its register data and record: the source of the table and the report.

    Columns: licence_no, name, level, city, county, mineral, method, scale, scale_class, record_id,
    record_status ('' when no record yet), conclusion, main_problems, remarks, rectify_deadline,
    removal_reason, compliant, date_from, date_to, team_no and the six areas' findings
    (``area{i}_finding``, ``area{i}_problems``), plus ``opinions``.
    """
    cursor = db.execute(
        "SELECT m.licence_no, m.name, m.level, m.city, m.city_code, m.county, m.mineral, m.method, m.scale_value, "
        "m.scale_unit, m.scale_class, r.id AS record_id, COALESCE(r.status, '') AS record_status, r.content, t.team_no "
        "FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
        "LEFT JOIN records r ON r.campaign_id = c.campaign_id AND r.mine_id = c.mine_id "
        "LEFT JOIN team_mines t ON t.licence_no = c.licence_no AND t.team_draw_id = ? "
        "WHERE c.draw_id = ? ORDER BY CASE m.level WHEN '国家级' THEN 1 WHEN '省级' THEN 2 WHEN '市级' THEN 3 ELSE 4 END, "
        "m.city_code, m.name", [teams.latest_team_draw_id(db, campaign), campaign.current_draw_id or 0])
    rows = []
    for row in cursor.fetchall():
        values = dict(zip([d[0] for d in cursor.description], row))
        content = inspections.empty_content()
        content.update(json.loads(values.pop("content") or "{}"))
        values["scale"] = registry.as_text(values.pop("scale_value")) + values.pop("scale_unit")
        values.update({k: content[k] for k in ("conclusion", "main_problems", "remarks", "rectify_deadline",
                                                 "removal_reason", "compliant", "date_from", "date_to", "opinions")})
        for index in range(len(AREAS)):
            for part in ("finding", "problems"):
                values[inspections.area_key(index, part)] = content[inspections.area_key(index, part)]
        rows.append(values)
    return pd.DataFrame(rows)


def _counted(frame: pd.DataFrame, include_drafts: bool) -> pd.DataFrame:
    statuses = (SUBMITTED, DRAFT) if include_drafts else (SUBMITTED,)
    return frame[frame["record_status"].isin(statuses)] if not frame.empty else frame


def summary_table(db: Database, campaign: campaigns.Campaign, include_drafts: bool = False,
                  levels: list[str] | None = None, city_codes: list[str] | None = None,
                  conclusions: list[str] | None = None, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 附表 with exactly the form's columns (plus 提交状态 and 市（州） for the page to filter on).

    Submitted records only, unless ``include_drafts`` (then drafts are marked in 备注). ``rows``: the
    campaign's :func:`result_rows` when the caller has them already (a page builds several views of them).
    """
    frame = _counted(result_rows(db, campaign) if rows is None else rows, include_drafts)
    if frame.empty:
        return pd.DataFrame(columns=[*COLUMNS, "提交状态", "市（州）"])
    if levels:
        frame = frame[frame["level"].isin(levels)]
    if city_codes:
        frame = frame[frame["city_code"].isin(city_codes)]
    if conclusions:
        frame = frame[frame["conclusion"].isin(conclusions)]
    table = pd.DataFrame({
        "序号": range(1, len(frame) + 1),
        "入库级别": frame["level"].values,
        "采矿许可证号": frame["licence_no"].values,
        "矿山名称": frame["name"].values,
        "开采矿种": frame["mineral"].values,
        "开采方式": frame["method"].values,
        "生产规模": frame["scale"].values,
        "存在的主要问题": [problems or ("无" if status == SUBMITTED else "") for problems, status
                          in zip(frame["main_problems"], frame["record_status"])],
        "处理结论": frame["conclusion"].values,
        "备注": [_remark(row) for row in frame.to_dict("records")],
        "提交状态": frame["record_status"].values,
        "市（州）": frame["city"].values,
    })
    return table


def _remark(row: dict[str, Any]) -> str:
    parts = []
    if row["record_status"] == DRAFT:
        parts.append("核查记录尚未提交（草稿）")
    if row["conclusion"] == RECTIFY and row["rectify_deadline"]:
        parts.append(f"整改期限{chinese_date(date.fromisoformat(row['rectify_deadline']))}")
    if row["conclusion"] == REMOVE and row["removal_reason"]:
        parts.append(f"移出原因：{row['removal_reason']}")
    if row["remarks"].strip():
        parts.append(row["remarks"].strip())
    return "；".join(parts)


def totals(table: pd.DataFrame) -> pd.DataFrame:
    """Mines in the table by level and conclusion, with a total row and column."""
    frame = pd.crosstab(table["入库级别"], table["处理结论"]).reindex(
        index=[lv for lv in LEVELS if lv in set(table["入库级别"])], columns=list(CONCLUSIONS), fill_value=0)
    frame["合计"] = frame.sum(axis=1)
    frame.loc["合计"] = frame.sum(axis=0)
    return frame.reset_index().rename(columns={"入库级别": "入库级别"})


def summary_xlsx(table: pd.DataFrame, province_name: str) -> bytes:
    """The 附表 as the ministry's form: title, header, wrapped text, borders, frozen header, A4 landscape
    with the header repeated on every printed page, and the form's notes under the table."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet("汇总表")
    title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter",
                             "font_name": "宋体"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                            "bg_color": "#E2EFDA", "font_name": "宋体"})
    cell = book.add_format({"border": 1, "valign": "vcenter", "text_wrap": True, "font_name": "宋体"})
    centred = book.add_format({"border": 1, "valign": "vcenter", "align": "center", "text_wrap": True,
                               "font_name": "宋体"})
    note = book.add_format({"font_name": "宋体", "text_wrap": False})
    last = len(COLUMNS) - 1
    sheet.merge_range(0, 0, 0, last, table_title(province_name), title)
    sheet.set_row(0, 30)
    table_head(sheet, 1, COLUMNS, WIDTHS, head)
    for offset, row in enumerate(table[list(COLUMNS)].itertuples(index=False), start=2):
        fit_row(sheet, offset, row, WIDTHS)
        for col, value in enumerate(row):
            fmt = centred if COLUMNS[col] in ("序号", "入库级别", "处理结论") else cell
            if COLUMNS[col] == "序号":
                sheet.write_number(offset, col, int(value), fmt)
            else:
                sheet.write_string(offset, col, str(value), fmt)
    below = len(table) + 3
    for number, line in enumerate(NOTES):
        sheet.write_string(below + number, 0, line, note)
    landscape_pages(sheet, 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页 共 &N 页")
    book.close()
    return buffer.getvalue()


def summary_csv(table: pd.DataFrame) -> bytes:
    """The 附表's columns as CSV, UTF-8 with BOM so that Excel opens it in Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows([csv_safe(cell) for cell in row] for row in table[list(COLUMNS)].itertuples(index=False))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


PUBLIC_COLUMNS = ("序号", "矿山名称", "入库级别", "市（州）", "处理结论", "存在的主要问题")
PUBLIC_WIDTHS = (6, 44, 9, 14, 22, 60)


def public_results(db: Database, campaign: campaigns.Campaign, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """What may be published (一公开): mine, level, prefecture, conclusion and main problems of the
    submitted records — no licence holder's internal notes, no inspectors, no remarks."""
    table = summary_table(db, campaign, rows=rows)
    public = table[["矿山名称", "入库级别", "市（州）", "处理结论", "存在的主要问题"]].copy()
    # Only decided conclusions are published as such: a removal awaiting the province's or the ministry's
    # decision says so ("拟移出，待自然资源部确定"), never 移出.
    publishable = followup.public_conclusions(db, campaign)
    public["处理结论"] = [publishable.get(licence, conclusion)
                      for licence, conclusion in zip(table["采矿许可证号"], table["处理结论"])]
    public.insert(0, "序号", range(1, len(public) + 1))
    return public


def public_note(stats: Statistics, as_of: date | None = None) -> str:
    """The line under a public list of an unfinished campaign (empty once every drawn mine is done)."""
    if stats.final:
        return ""
    return (f"注：截至{chinese_date(as_of or date.today())}，本次抽取的{sum(stats.drawn.values())}座矿山中尚有"
            f"{len(stats.outstanding)}座未完成核查，本表仅列已提交核查记录的矿山。")


def public_xlsx(public: pd.DataFrame, title: str, note: str = "") -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet("核查结果")
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.merge_range(0, 0, 0, len(PUBLIC_COLUMNS) - 1, title, bold)
    table_head(sheet, 1, PUBLIC_COLUMNS, PUBLIC_WIDTHS, head)
    for offset, row in enumerate(public[list(PUBLIC_COLUMNS)].itertuples(index=False), start=2):
        fitted_row(sheet, offset, [int(row[0]), *map(str, row[1:])], PUBLIC_WIDTHS, cell)
    if note:
        sheet.merge_range(len(public) + 3, 0, len(public) + 3, len(PUBLIC_COLUMNS) - 1, note,
                          book.add_format({"text_wrap": True}))
        fit_row(sheet, len(public) + 3, [note], [sum(PUBLIC_WIDTHS)])
    landscape_pages(sheet, 1)
    book.close()
    return buffer.getvalue()


# --- statistics of the report -------------------------------------------------------------------

@dataclass
class Statistics:
    """What the report counts, from the register, the draw, the teams and the records."""

    province: str
    campaign: str
    year: int
    listed: dict[str, int]                   # level → mines listed
    drawn: dict[str, int]                    # level → mines drawn
    checked: dict[str, int]                  # level → records counted (submitted, or with drafts)
    cities: dict[str, int]                   # prefecture → records counted
    first_day: str
    last_day: str
    conclusions: dict[str, dict[str, int]]   # level → conclusion → mines
    minerals: list[tuple[str, int]]
    methods: list[tuple[str, int]]
    scales: list[tuple[str, int]]
    area_problems: dict[str, list[tuple[str, int]]]   # area → (problem, mines), most frequent first
    area_counts: dict[str, int]              # area → mines with a problem found there
    teams: list[dict[str, Any]] = field(default_factory=list)  # team_no, leader, members (names, units)
    national: list[dict[str, Any]] = field(default_factory=list)  # every drawn national mine: conclusion or why not
    progress: pd.DataFrame = field(default_factory=pd.DataFrame)  # by prefecture (see inspections)
    opinions: list[tuple[str, int]] = field(default_factory=list)
    basis: list[dict[str, str]] = field(default_factory=list)       # the campaign's basis documents
    draw: list[sampling.LevelOutcome] = field(default_factory=list)  # what the draw took per level, and why
    ratio: float = 0.0                                               # the campaign's sampling ratio
    frozen_at: str = ""                                              # the snapshot's and the draw's times
    drawn_at: str = ""
    ministry_direct: int = 0                                         # national mines the ministry checks itself
    outstanding: list[dict[str, Any]] = field(default_factory=list)  # drawn, no submitted record, no reason given
    exempted: list[dict[str, Any]] = field(default_factory=list)     # drawn, not inspected, with the reason
    deadlines: list[str] = field(default_factory=list)               # rectification deadlines of 整改 records
    team_rules: dict[str, Any] = field(default_factory=dict)         # the rules the teams were drawn under

    @property
    def final(self) -> bool:
        """Every drawn mine has a submitted record or a recorded reason why not."""
        return bool(self.drawn) and not self.outstanding

    @property
    def total_checked(self) -> int:
        return sum(self.checked.values())

    def conclusion_total(self, conclusion: str) -> int:
        return sum(by.get(conclusion, 0) for by in self.conclusions.values())


def _split_problems(text: str) -> list[str]:
    parts = [p.strip(" 。；;，,") for p in text.replace("\n", "；").replace(";", "；").split("；")]
    return [p for p in parts if p]


def statistics(db: Database, campaign: campaigns.Campaign, include_drafts: bool = False,
               rows: pd.DataFrame | None = None) -> Statistics:
    """The report's numbers; ``rows`` as in :func:`summary_table`."""
    rows = result_rows(db, campaign) if rows is None else rows
    counted = _counted(rows, include_drafts)
    listed = registry.counts_by_level(db)
    by_level = lambda frame: {lv: int((frame["level"] == lv).sum()) for lv in LEVELS if (frame["level"] == lv).any()}  # noqa: E731
    dates = sorted(d for d in [*counted.get("date_from", []), *counted.get("date_to", [])] if d)
    conclusions = {lv: {c: int(((counted["level"] == lv) & (counted["conclusion"] == c)).sum()) for c in CONCLUSIONS}
                   for lv in LEVELS if not counted.empty and (counted["level"] == lv).any()}
    area_problems, area_counts = {}, {}
    for index, area in enumerate(AREAS):
        if counted.empty:
            area_problems[area], area_counts[area] = [], 0
            continue
        found = counted[counted[inspections.area_key(index, "finding")] == FOUND]
        area_counts[area] = len(found)
        counter = Counter(p for text in found[inspections.area_key(index, "problems")] for p in _split_problems(text))
        area_problems[area] = counter.most_common()
    team_draw = teams.latest_team_draw(db, campaign)
    members = teams.members(db, team_draw["id"]) if team_draw else []  # leader first in each team
    leaders = []
    for no in sorted({m["team_no"] for m in members}):
        people = [m for m in members if m["team_no"] == no]
        leaders.append({"team_no": no, "leader": f"{people[0]['name']}（{people[0]['unit']}）",
                        "members": "、".join(f"{m['name']}（{m['unit']}）" for m in people[1:]),
                        "people": people, "mines": int((rows["team_no"] == no).sum()) if not rows.empty else 0})
    skipped = campaigns.exemptions(db, campaign)
    submitted = set(counted["licence_no"]) if not counted.empty else set()
    status = {"": "未开始", DRAFT: "草稿未提交"}
    outstanding, exempted, national = [], [], []
    for r in ([] if rows.empty else rows.to_dict("records")):  # national mines first (see result_rows)
        mine = {"name": r["name"], "licence_no": r["licence_no"], "level": r["level"], "city": r["city"]}
        if r["licence_no"] in submitted:
            done = {"conclusion": r["conclusion"], "compliant": r["compliant"], "problems": r["main_problems"] or "无"}
        elif r["licence_no"] in skipped:
            exempted.append({**mine, "reason": skipped[r["licence_no"]]["reason"]})
            done = {"conclusion": "未完成核查", "compliant": "—", "problems": f"未核查：{skipped[r['licence_no']]['reason']}"}
        else:
            outstanding.append({**mine, "status": status.get(r["record_status"], r["record_status"])})
            done = {"conclusion": "未完成核查", "compliant": "—", "problems": "核查记录尚未提交"}
        if r["level"] == LEVELS[0]:
            national.append({**mine, **done})
    draw = campaigns.current_draw(db, campaign)
    record = json.loads(draw["record"]) if draw and draw["record"] else None
    opinions = Counter(p for text in (counted["opinions"] if not counted.empty else []) for p in _split_problems(text))
    rectify = counted[counted["conclusion"] == RECTIFY] if not counted.empty else counted
    return Statistics(
        province=settings.province(db).name, campaign=campaign.title, year=campaign.year,
        # 在册: the frozen snapshot the draw was made from, so that the report agrees with the draw record
        listed=({lv: record["levels"][lv]["listed"] for lv in LEVELS if lv in record["levels"]} if record
                else {lv: listed.get(lv, 0) for lv in LEVELS}),
        drawn=by_level(rows) if not rows.empty else {},
        checked=by_level(counted) if not counted.empty else {},
        cities=dict(Counter(counted["city"])) if not counted.empty else {},
        first_day=dates[0] if dates else "", last_day=dates[-1] if dates else "",
        conclusions=conclusions,
        minerals=Counter(counted["mineral"]).most_common() if not counted.empty else [],
        methods=Counter(counted["method"]).most_common() if not counted.empty else [],
        scales=_scale_order(Counter(counted["scale_class"].replace("", "未分类"))) if not counted.empty else [],
        area_problems=area_problems, area_counts=area_counts, teams=leaders, national=national,
        progress=inspections.progress_by_prefecture(db, campaign), opinions=opinions.most_common(),
        basis=campaign.basis, draw=sampling.outcome(record) if record else [], ratio=campaign.rules.ratio,
        frozen_at=draw["frozen_at"] if draw else "", drawn_at=draw["confirmed_at"] if draw else "",
        ministry_direct=len(campaign.ministry_direct), outstanding=outstanding, exempted=exempted,
        deadlines=sorted(d for d in rectify.get("rectify_deadline", []) if d),
        team_rules=json.loads(team_draw["record"])["rules"] if team_draw else {},
    )


SCALES = ("大型", "中型", "小型")


def _scale_order(counts: Counter) -> list[tuple[str, int]]:
    """Scale classes as an official text lists them: 大型、中型、小型, then anything else."""
    known = [(name, counts[name]) for name in SCALES if counts.get(name)]
    return known + [(name, n) for name, n in counts.most_common() if name not in SCALES]


# --- the narrative: drafted from the records, edited by the coordinator ---------------------------

NUMBERS = "一二三四五六七八九十"


def _listing(pairs: list[tuple[str, int]], limit: int = 5, unit: str = "座") -> str:
    """'建筑石料用灰岩（47座）、水泥用灰岩（25座）等' — the most frequent first; 等 only when some were left
    out, so that a list never claims more than the records hold. Empty for no pairs: callers say nothing."""
    shown = "、".join(f"{name}（{count}{unit}）" for name, count in pairs[:limit])
    return shown + ("等" if len(pairs) > limit else "")


def _day(value: str) -> str:
    return chinese_date(date.fromisoformat(value))


def _by_level(counts: dict[str, int]) -> str:
    return "、".join(f"{level}{count}座" for level, count in counts.items() if count)


def _conclusion_phrases(stats: Statistics) -> list[str]:
    phrases = {KEEP: "座符合要求予以保留", RECTIFY: "座需要整改", REMOVE: "座建议移出名录"}
    return [f"{stats.conclusion_total(c)}{phrases[c]}" for c in CONCLUSIONS if stats.conclusion_total(c)]


def _percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


def _draw_sentences(stats: Statistics) -> list[str]:
    """What the draw took, exactly: from how many, the share per level and overall, how many as 重点核查
    taken whole (by category), at a category's own ratio, and at random; the ministry-direct mines."""
    listed = sum(o.listed for o in stats.draw)
    drawn = sum(o.drawn for o in stats.draw)
    whole, by_ratio = Counter(), {}
    for o in stats.draw:
        whole.update(o.whole)
        for name, (taken, of) in o.by_ratio.items():
            before = by_ratio.get(name, (0, 0))
            by_ratio[name] = (before[0] + taken, before[1] + of)
    random_ = sum(o.random for o in stats.draw)
    frozen = f"以{_day(stats.frozen_at[:10])}冻结的名录快照为基础，" if stats.frozen_at else ""
    when = f"于{_day(stats.drawn_at[:10])}" if stats.drawn_at else ""
    first = (f"按照“双随机、一公开”要求，{frozen}纳入抽查范围的在册绿色矿山{listed}座（{_by_level({o.level: o.listed for o in stats.draw})}），"
             f"{when}经见证人现场提供输入、按公开算法抽取核查矿山{drawn}座，占纳入范围的{_percent(drawn, listed)}"
             f"（规定比例不低于{stats.ratio * 100:g}%）。")
    rank = {FLAG_PROBLEM: 0, FLAG_RECTIFY: 1, FLAG_OPEN_PIT: 3}  # the notice's order; a province's own in between
    whole = dict(sorted(whole.items(), key=lambda pair: rank.get(pair[0], 2)))
    by_ratio = dict(sorted(by_ratio.items(), key=lambda pair: rank.get(pair[0], 2)))
    parts = []
    if whole:
        parts.append(f"重点核查全部纳入{sum(whole.values())}座（{'、'.join(f'{k}{v}座' for k, v in whole.items())}）")
    if by_ratio:
        parts.append(f"重点核查类别按比例抽取{sum(t for t, _ in by_ratio.values())}座（"
                     + "、".join(f"{k}{of}座中抽取{t}座" for k, (t, of) in by_ratio.items()) + "）")
    if random_:
        parts.append(f"其余{random_}座从未列入重点核查的矿山中随机抽取")
    second = ("其中，" + "；".join(parts) + "。") if parts else ""
    if drawn and not random_:
        second += "本次抽取的矿山均为重点核查对象，没有随机抽取的部分。"
    levels = "；".join(f"{o.level}在册{o.listed}座、抽取{o.drawn}座（{_percent(o.drawn, o.listed)}）"
                       for o in stats.draw if o.listed)
    third = f"分级别看，{levels}。" if levels else ""
    direct = (f"部直接核查的国家级绿色矿山{stats.ministry_direct}座不参加本省抽取。" if stats.ministry_direct else "")
    return [first + second + third + direct]


def _team_sentence(stats: Statistics) -> str:
    """The teams as drawn: how many people, teams and sizes, their types and the rules they were drawn under."""
    if not stats.teams:
        return "核查组尚未抽取。"
    sizes = sorted(len(t["people"]) for t in stats.teams)
    size = f"每组{sizes[0]}人" if sizes[0] == sizes[-1] else f"每组{sizes[0]}至{sizes[-1]}人"
    people = [p for t in stats.teams for p in t["people"]]
    kinds = Counter(p.get("kind") or "" for p in people)
    known = "、".join(f"{k}{n}人" for k, n in kinds.items() if k)
    kind_text = (f"，其中{known}" if known else "") + (f"（{kinds['']}人未登记人员类型）" if kinds.get("") else "")
    rules = []
    if stats.team_rules.get("recuse_home_prefecture"):
        rules.append("实行本地人员回避")
    return (f"从核查人员名录中随机抽取{len(people)}人组成{len(stats.teams)}个核查组，{size}{kind_text}"
            + (f"，{'，'.join(rules)}" if rules else "") + "（见表2）。")


def draft_sections(stats: Statistics, as_of: date | None = None, unit: str = "") -> dict[str, str]:
    """A first text for each section of 附件2, written from the numbers; the coordinator edits it.

    Says only what the data supports: the basis documents as the campaign records them (a prompt when none
    is recorded), the draw as it happened, the teams as drawn; with no submitted record it says so (and no
    statistics); with some records still missing it says the campaign is under way, how many are left (as of
    ``as_of``, today by default) and which; a list ends with 等 only when it was shortened. ``unit``: the
    reporting unit, named as the author."""
    as_of = as_of or date.today()
    drawn_total = sum(stats.drawn.values())
    checked = stats.total_checked
    missing = drawn_total - checked
    basis = ("、".join(campaigns.citation(d) for d in stats.basis) if stats.basis
             else TO_WRITE + "核查依据文件（请在“抽取核查矿山 → 任务设置”中选择）】")
    author = unit or TO_WRITE + "报告单位】"
    overview = [f"按照{basis}要求，{author}组织开展了{stats.year}年度绿色矿山实地抽查核查。"]
    overview += _draw_sentences(stats) if stats.draw else ["核查矿山尚未抽取。"]
    overview.append(_team_sentence(stats))
    if not checked:
        overview.append(f"截至{chinese_date(as_of)}，本次核查尚无已提交的核查记录，实地核查尚未完成；"
                        "核查组提交核查记录后，系统据此统计核查情况。")
        nothing = "本次核查尚无已提交的核查记录，待实地核查完成后据核查记录填写。"
        return {"overview": "\n".join(overview), "management": PROMPTS["management"], "construction": nothing,
                "problems": nothing, "management_problems": PROMPTS["management_problems"],
                "suggestions": "待实地核查完成后，根据核查结论提出意见建议。"}
    unfinished = len(stats.outstanding)
    period = (f"核查工作于{_day(stats.first_day)}至{_day(stats.last_day)}开展，" if stats.first_day and not unfinished
              else f"核查工作自{_day(stats.first_day)}开始，" if stats.first_day else "")
    skipped = (f"另有{len(stats.exempted)}座未能核查（" + "；".join(f"{m['name']}：{m['reason']}" for m in stats.exempted)
               + "）。") if stats.exempted else ""
    if unfinished:
        names = "、".join(m["name"] for m in stats.outstanding[:10]) + ("等" if unfinished > 10 else "")
        done = (f"截至{chinese_date(as_of)}，已提交核查记录{checked}座（{_by_level(stats.checked)}），{skipped}"
                f"抽取的{drawn_total}座矿山中尚有{unfinished}座未提交核查记录（{names}），实地核查尚未完成。")
    else:
        done = f"共完成实地核查{checked}座（{_by_level(stats.checked)}）。{skipped}"
    overview.append(f"{period}{done}已核查矿山分布在{len(stats.cities)}个市（州）（见表4）。核查组对照行业标准和评价指标，"
                    "查阅资料、现场查看、询问人员，逐矿填写核查记录表，同步记录核查影像。")
    kinds = [f"开采矿种以{_listing(stats.minerals)}为主" if stats.minerals else "",
             f"开采方式为{_listing(stats.methods)}" if stats.methods else "",
             f"生产规模为{_listing(stats.scales, limit=len(stats.scales))}" if stats.scales else ""]
    if any(kinds):
        overview.append(f"已核查矿山的{'；'.join(k for k in kinds if k)}。")
    which = f"本次核查的{checked}座矿山中" if not missing else f"已提交核查记录的{checked}座矿山中"
    construction = [f"{which}，{'，'.join(_conclusion_phrases(stats))}。"]
    if stats.conclusion_total(KEEP) * 2 > checked:
        construction[0] += "多数已核查矿山符合绿色矿山建设要求。"
    for number, area in enumerate(AREAS):
        found = stats.area_counts.get(area, 0)
        top = stats.area_problems.get(area, [])
        heading = f"（{NUMBERS[number]}）{area}。"
        if not found:
            construction.append(f"{heading}已核查矿山均未发现问题。")
        else:
            construction.append(f"{heading}{found}座矿山发现问题" + (f"，主要是{_listing(top, 3)}。" if top else "。"))
    if stats.national:
        construction.append(f"承担国家级绿色矿山核查任务{len(stats.national)}座，各矿山是否符合标准要求的结论见表3。")
    problems_all = Counter()
    for area in AREAS:
        problems_all.update(dict(stats.area_problems.get(area, [])))
    points = []
    if problems_all:
        points.append(f"部分矿山存在{_listing(problems_all.most_common(), 4, '座次')}的问题。")
    if stats.conclusion_total(RECTIFY):
        points.append(f"{stats.conclusion_total(RECTIFY)}座矿山需限期整改。")
    if stats.conclusion_total(REMOVE):
        points.append(f"{stats.conclusion_total(REMOVE)}座矿山不符合绿色矿山标准要求。")
    problems = ("".join(f"{NUMBERS[n]}是{p}" for n, p in enumerate(points)) if points
                else f"已核查的{checked}座矿山未发现问题。")
    advice = []
    if stats.conclusion_total(RECTIFY):
        due = (f"（整改期限为{_day(stats.deadlines[0])}" + (f"至{_day(stats.deadlines[-1])}" if stats.deadlines[-1] != stats.deadlines[0] else "")
               + "）") if stats.deadlines else ""
        advice.append(f"对需要整改的矿山，督促企业对照问题清单制定整改方案，在整改期限内完成整改并报送整改材料{due}，"
                      "逾期未完成的按程序移出名录。")
    if stats.conclusion_total(REMOVE):
        advice.append("对不符合绿色矿山标准要求的矿山，按程序移出名录；属于国家级绿色矿山的，报部确定。")
    advice.append("加强绿色矿山日常监管，将核查发现的共性问题纳入年度监管重点，推动绿色矿山建设常态化。")
    suggestions = "\n".join(f"（{NUMBERS[n]}）{a}" for n, a in enumerate(advice))
    if stats.opinions:
        suggestions += "\n核查组提出的意见建议主要有：" + "；".join(name for name, _ in stats.opinions[:3]) + "。"
    return {"overview": "\n".join(overview), "management": PROMPTS["management"],
            "construction": "\n".join(construction), "problems": problems,
            "management_problems": PROMPTS["management_problems"], "suggestions": suggestions}


BASIS = "_basis"  # the key of record_basis() in the stored JSON of the text


def saved_sections(db: Database, campaign_id: int) -> dict[str, Any] | None:
    """The coordinator's text of the report, or None before the first save: ``{"sections": {name: text},
    "version", "updated_at", "updated_by", "basis"}``; ``basis`` is what the records said when the text was
    saved (:func:`record_basis`), None for a text saved before the app kept it."""
    row = db.execute("SELECT sections, version, updated_at, updated_by FROM campaign_reports WHERE campaign_id = ?",
                     [campaign_id]).fetchone()
    if row is None:
        return None
    sections = json.loads(row[0])
    basis = sections.pop(BASIS, None)  # kept beside the text: no column of its own, no migration
    return {"sections": sections, "version": row[1], "updated_at": row[2], "updated_by": row[3], "basis": basis}


def record_basis(db: Database, campaign: campaigns.Campaign) -> dict[str, Any]:
    """What the campaign's records say now, as far as the report's text depends on it: submitted records,
    their conclusions, and the last submission or amendment (``last_version``, an id of record_versions)."""
    counted = _counted(result_rows(db, campaign), False)
    conclusions = Counter(counted["conclusion"]) if not counted.empty else Counter()
    last = db.execute("SELECT MAX(v.id) FROM record_versions v JOIN records r ON r.id = v.record_id "
                      "WHERE r.campaign_id = ?", [campaign.id]).fetchone()[0]
    return {"submitted": len(counted), "conclusions": {c: int(conclusions.get(c, 0)) for c in CONCLUSIONS},
            "last_version": last or 0}


@dataclass
class Staleness:
    """A saved text older than the records: how many records were submitted or amended since, and which
    numbers changed ('已提交核查记录 3 → 133 座'); ``changes`` is empty for a text saved without a basis."""

    records: int
    changes: list[str]


def staleness(db: Database, campaign: campaigns.Campaign, saved: dict[str, Any] | None) -> Staleness | None:
    """None unless ``saved`` (from :func:`saved_sections`) predates a submission or amendment of a record."""
    if saved is None:
        return None
    basis = saved.get("basis")
    if basis:
        since = ("v.id > ?", basis["last_version"])
    else:  # saved before the basis was kept: compare times (to the second)
        since = ("v.at > ?", saved["updated_at"])
    records = db.execute(f"SELECT COUNT(DISTINCT v.record_id) FROM record_versions v JOIN records r ON r.id = v.record_id "
                         f"WHERE r.campaign_id = ? AND {since[0]}", [campaign.id, since[1]]).fetchone()[0]
    if not records:
        return None
    changes = []
    if basis:
        now_basis = record_basis(db, campaign)
        pairs = [("已提交核查记录", basis["submitted"], now_basis["submitted"])]
        pairs += [(f"处理结论“{c}”", basis["conclusions"].get(c, 0), now_basis["conclusions"][c]) for c in CONCLUSIONS]
        changes = [f"{what} {before} → {after} 座" for what, before, after in pairs if before != after]
    return Staleness(records, changes)


def save_sections(db: Database, campaign_id: int, sections: dict[str, str], expected_version: int, actor: str) -> int:
    """Keep the edited text with the campaign, with what the records said then (:func:`record_basis`);
    refuses to overwrite a save made in between."""
    access.require(actor, access.REPORTS)
    unknown = set(sections) - set(SECTIONS) - {"unit", "date"}
    if unknown:
        raise ValueError(f"unknown report sections: {sorted(unknown)}")
    limits.check(ReportError, *((HEADINGS.get(key, key), text, limits.SECTION) for key, text in sections.items()))
    with transaction(db):
        current = saved_sections(db, campaign_id)
        version = current["version"] if current else 0
        if version != expected_version:
            raise ReportError(f"报告文本已被{current['updated_by']}修改（第 {version} 版），请刷新后再编辑，以免覆盖。")
        stored = json.dumps({**sections, BASIS: record_basis(db, campaigns.get(db, campaign_id))}, ensure_ascii=False)
        if current is None:
            db.execute("INSERT INTO campaign_reports (campaign_id, sections, version, updated_at, updated_by) "
                       "VALUES (?, ?, 1, ?, ?)", [campaign_id, stored, now(), actor])
        else:
            db.execute("UPDATE campaign_reports SET sections = ?, version = version + 1, updated_at = ?, updated_by = ? "
                       "WHERE campaign_id = ?", [stored, now(), actor, campaign_id])
        campaigns.record_history(db, campaign_id, actor, "编辑核查报告", f"第 {version + 1} 版")
    return version + 1


def default_unit(db: Database) -> str:
    """The reporting unit: the setting (设置 → 报告单位), else as the coordinator last wrote it for any
    campaign, else empty (never guessed: the draft then asks for it)."""
    if settings.get(db, "reporting_unit"):
        return settings.get(db, "reporting_unit")
    for row in db.execute("SELECT sections FROM campaign_reports ORDER BY updated_at DESC").fetchall():
        unit = json.loads(row[0]).get("unit", "").strip()
        if unit:
            return unit
    return ""


def report_sections(db: Database, campaign: campaigns.Campaign, stats: Statistics) -> dict[str, str]:
    """The saved text where there is one, the draft for what has not been written yet."""
    saved = saved_sections(db, campaign.id)
    unit = (saved["sections"].get("unit", "") if saved else "") or default_unit(db)
    draft = draft_sections(stats, unit=unit)
    draft.update({"unit": unit, "date": date.today().isoformat()})
    if saved:
        draft.update({k: v for k, v in saved["sections"].items() if v})
    return draft


def unfinished_parts(text: dict[str, str]) -> list[str]:
    """The parts of the text that still hold a prompt for the coordinator (【待填写：…】)."""
    return [SECTIONS.get(name, "报告单位") for name, value in text.items()
            if name in (*SECTIONS, "unit") and (TO_WRITE in value or (name == "unit" and not value.strip()))]
