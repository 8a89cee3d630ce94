"""Official tables a province loads from its own copy of the documents (正式参考表).

What could not be confirmed of the official texts is never shipped (``../shared/docs/official-texts.md``):
the items and points of an indicator set (2020 《绿色矿山评价指标》, 自然资规〔2024〕1号 附件3), the 14
removal situations of 自然资规〔2024〕1号 附件2, the numbers of the GB 《绿色矿山建设规范》 parts. A
province loads them here: an xlsx template, an import validated like every import (every problem with
its row and column, in Chinese; nothing stored unless the whole table is valid), stored as JSON in the
``settings`` table (keys below), with who loaded which file when.

Readers use :func:`indicator_sets`, :func:`removal_reasons` and :func:`standards`, which merge what was
loaded with the confirmed data files of ``data/``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, importer, indicators, normalize, reference, settings
from core.db import now
from core.exports import chinese_time, fit_row, workbook
from core.indicators import INDICATOR, PRECONDITION, IndicatorSet, Item
from core.reference import RemovalReason, Standard
from core.validation import ERROR, WARNING, Problem

INDICATOR_KEY = "reference.indicator_items."  # + set code
REMOVAL_KEY = "reference.removal_situations"
STANDARD_NUMBERS_KEY = "reference.standard_numbers"
# The row of data/removal_reasons.csv whose replaced_by names this table gives way to the loaded situations.
REMOVAL_TABLE = "附件2"
REMOVAL_DOCUMENT = "自然资规〔2024〕1号附件2《绿色矿山名录动态管理要求》"
REMOVAL_COUNT = 14  # "14种情形" [official: 《国家级绿色矿山名录移出管理工作要求》 一（一）]

PROBLEM_COLUMNS = ["行号", "级别", "列", "填写内容", "问题", "修改方法"]


@dataclass
class TablePlan:
    """What an uploaded official table would store, and every problem found in it. Writes nothing."""

    filename: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(p.severity == ERROR for p in self.problems)

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=PROBLEM_COLUMNS)


@dataclass(frozen=True)
class Loaded:
    """Who loaded a table from which file, when (for the settings page and the set's source line)."""

    filename: str
    loaded_by: str
    loaded_at: str
    count: int

    @property
    def text(self) -> str:
        return f"由{self.loaded_by}于{chinese_time(self.loaded_at)}从“{self.filename}”载入，共 {self.count} 条"


def _stamp(filename: str, actor: str, count: int) -> dict[str, Any]:
    return {"filename": filename, "loaded_by": str(actor), "loaded_at": now(), "count": count}


def _loaded(payload: dict[str, Any] | None) -> Loaded | None:
    if not payload:
        return None
    return Loaded(payload["filename"], payload["loaded_by"], payload["loaded_at"], payload["count"])


def _read(content: bytes, filename: str, headings: importer.Headings, anchors: frozenset[str],
          what: str) -> tuple[list[list[Any]], importer.Header]:
    rows = importer.read_table(content, filename, headings, anchors)
    header = importer.find_header(rows, headings, anchors)
    if header is None:
        names = "、".join(f"“{headings.names[key][0]}”" for key in sorted(anchors))
        raise importer.ImportFileError(f"没有找到表头（至少应有{names}两列）。请下载{what}模板，按模板的列名填写。")
    return rows, header


def _template(sheet_name: str, headings: list[str], widths: list[int], notes: list[str],
              rows: list[list[Any]] = (), lists: dict[int, list[str]] | None = None) -> bytes:

    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet(sheet_name)
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_row(0, 0, headings, head)
    fit_row(sheet, 0, headings, widths)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, wrap)
    for r, row in enumerate(rows, start=1):
        fit_row(sheet, r, row, widths)
        for c, value in enumerate(row):
            if value not in (None, ""):
                sheet.write(r, c, value)
    for col, options in (lists or {}).items():
        sheet.data_validation(1, col, 2000, col, {"validate": "list", "source": options})
    sheet.freeze_panes(1, 0)
    guide = book.add_worksheet("填写说明")
    guide.set_column(0, 0, 100, wrap)
    for r, note in enumerate(notes):
        fit_row(guide, r, [note], [100])
        guide.write_string(r, 0, note)
    book.close()
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- indicator items

ITEM_FIELDS = {
    "id": ("编号", ("编号", "条目编号", "序号")),
    "group": ("一级指标", ("一级指标",)),
    "subgroup": ("二级指标", ("二级指标",)),
    "item": ("三级指标（评价内容）", ("三级指标（评价内容）", "三级指标", "评价内容", "指标内容")),
    "points": ("分值", ("分值", "分数", "标准分", "分值（分）")),
    "source": ("来源文件", ("来源文件", "来源", "出处", "依据文件")),
}
ITEM_HEADINGS = importer.Headings({key: aliases for key, (_, aliases) in ITEM_FIELDS.items()})
_ITEM_LABELS = {key: label for key, (label, _) in ITEM_FIELDS.items()}
_ITEM_ANCHORS = frozenset({"group", "item"})


def indicator_template(indicator_set: IndicatorSet) -> bytes:
    """The xlsx template for the official item table of ``indicator_set``: the columns, its confirmed
    preconditions filled in (they may be kept or corrected), a drop-down of its first-level names."""
    headings = [label for label, _ in ITEM_FIELDS.values()]
    groups = [PRECONDITION, *indicator_set.groups]
    rows = [[p.id, PRECONDITION, "", p.text, "", p.source] for p in indicator_set.preconditions]
    structure = "；".join(f"{g.name}（{'、'.join(g.subgroups) or '二级指标未核实'}"
                         f"{f'，{g.points:g}分' if g.points is not None else ''}）" for g in indicator_set.structure)
    notes = [
        f"《{indicator_set.name}》正式指标表导入模板。请按本省所存的正式文本逐条填写，不要凭记忆填写。",
        "每行一项：一级指标、二级指标、三级指标（评价内容）、分值、来源文件（如“自然资规〔2024〕1号附件3”）。"
        "一级指标、二级指标、来源文件与上一行相同的可以留空（合并单元格也可以），导入时沿用上一行。",
        f"一级指标须为：{'、'.join(indicator_set.groups) or '（本指标集未列一级指标）'}；前提条件（一票否决项）的一级指标填“前提条件”，不填分值。",
        f"已核实的指标结构：{structure or '无'}。",
        "编号可以留空（按顺序自动编号）；填写的编号须唯一。已有核查记录使用本指标集时，重新载入请保持编号不变。",
        (f"本指标集满分 {indicator_set.total_points:g} 分，每项都须填写分值，各项之和须等于满分，已核实的一级指标满分须一致。"
         if indicator_set.total_points is not None else
         "本指标集的分值未核实：正式文本有分值的，每项都填；没有的全部留空（此时只统计符合、不符合项数）。"),
        (f"正式文本共 {indicator_set.item_count} 项三级指标，项数不同时导入会提示核对。" if indicator_set.item_count else ""),
        "模板中已填入本指标集已核实的前提条件原文，可以保留；如正式文本不同，以正式文本为准修改。",
    ]
    return _template("指标表", headings, [10, 18, 22, 60, 8, 30], [n for n in notes if n], rows,
                     {1: groups})


def plan_indicator_items(indicator_set: IndicatorSet, content: bytes, filename: str) -> TablePlan:
    """Read and check the official item table of ``indicator_set``; writes nothing.

    Raises ``importer.ImportFileError`` for a file that cannot be read or has no header.
    """
    rows, header = _read(content, filename, ITEM_HEADINGS, _ITEM_ANCHORS, "指标表")
    columns = header.columns
    plan = TablePlan(filename)
    structure = {g.name: g for g in indicator_set.structure}
    groups = set(indicator_set.groups)
    previous = {"group": "", "subgroup": "", "source": ""}
    seen_ids: dict[str, int] = {}

    def problem(row: int, key: str, value: Any, message: str, fix: str, severity: str = ERROR) -> None:
        plan.problems.append(Problem(row, ITEM_FIELDS[key][0], normalize.text(value), message, fix, severity))

    for line, cells, footer in importer.table_rows(rows, header.last + 1, columns["item"]):
        if footer:
            continue
        raw = {key: (cells[col] if col < len(cells) else None) for key, col in columns.items()}
        overlong = importer.overlong_cells(line, raw, _ITEM_LABELS)
        if overlong:
            plan.problems.extend(overlong)
            continue
        text = {key: normalize.text(raw.get(key)) for key in ITEM_FIELDS}
        group = text["group"] or previous["group"]
        # A blank 二级指标 under the same 一级指标 continues the one above (a merged cell).
        subgroup = text["subgroup"] or (previous["subgroup"] if not text["group"] or group == previous["group"] else "")
        source = text["source"] or previous["source"]
        previous = {"group": group, "subgroup": subgroup, "source": source}
        kind = PRECONDITION if group == PRECONDITION else INDICATOR
        if not text["item"]:
            problem(line, "item", "", "三级指标（评价内容）为必填项", "填写该项评价内容的原文；空行请删除")
        if not group:
            problem(line, "group", "", "一级指标为必填项", f"填写{'、'.join(indicator_set.groups)}之一，或“前提条件”")
        elif kind == INDICATOR and groups and group not in groups:
            problem(line, "group", group, f"不是《{indicator_set.name}》的一级指标",
                    f"填写{'、'.join(indicator_set.groups)}之一（前提条件填“前提条件”）")
        if kind == PRECONDITION and text["subgroup"]:
            problem(line, "subgroup", text["subgroup"], "前提条件没有二级指标", "清空二级指标")
        known = structure.get(group)
        if kind == INDICATOR and known and known.subgroups and subgroup not in known.subgroups:
            problem(line, "subgroup", subgroup, f"不是“{group}”已核实的二级指标",
                    f"填写{'、'.join(known.subgroups)}之一")
        points = normalize.number(raw.get("points")) if text["points"] else None
        if text["points"] and points is None:
            problem(line, "points", text["points"], "分值不是数字", "填写数字（如 10），或留空")
        elif points is not None and points < 0:
            problem(line, "points", text["points"], "分值不能为负数", "填写正式文本中的分值")
        elif kind == PRECONDITION and points is not None:
            problem(line, "points", text["points"], "前提条件为一票否决项，不计分", "清空分值")
        elif kind == INDICATOR and points is None and indicator_set.total_points is not None:
            problem(line, "points", "", f"本指标集满分 {indicator_set.total_points:g} 分，每项都须有分值",
                    "按正式文本填写本项分值")
        if not source:
            problem(line, "source", "", "来源文件为必填项", "填写本项所依据的正式文件，如“自然资规〔2024〕1号附件3”")
        item_id = text["id"]
        if item_id:
            if item_id in seen_ids:
                problem(line, "id", item_id, f"编号与第 {seen_ids[item_id]} 行重复", "每项编号须唯一，可留空自动编号")
            seen_ids.setdefault(item_id, line)
        plan.rows.append({"_row": line, "id": item_id, "kind": kind, "group": "" if kind == PRECONDITION else group,
                          "subgroup": "" if kind == PRECONDITION else subgroup, "text": text["item"],
                          "points": points, "source": source})
    if not plan.rows and plan.problems:  # every row was too long to check
        return plan
    if not plan.rows:
        raise importer.ImportFileError("表头下面没有任何条目。请按模板逐项填写后重新上传。")
    _number_items(plan)
    _check_item_totals(indicator_set, plan)
    return plan


def _number_items(plan: TablePlan) -> None:
    """Give rows without 编号 one (前提条件 Q1, Q2 …; items T1, T2 …) that no written 编号 uses."""
    taken = {row["id"] for row in plan.rows if row["id"]}
    counters = {PRECONDITION: 0, INDICATOR: 0}
    for row in plan.rows:
        if row["id"]:
            continue
        prefix = "Q" if row["kind"] == PRECONDITION else "T"
        while True:
            counters[row["kind"]] += 1
            candidate = f"{prefix}{counters[row['kind']]}"
            if candidate not in taken:
                break
        row["id"] = candidate
        taken.add(candidate)


def _check_item_totals(indicator_set: IndicatorSet, plan: TablePlan) -> None:
    items = [row for row in plan.rows if row["kind"] == INDICATOR]
    if not items:
        plan.problems.append(Problem(None, "三级指标（评价内容）", "", "表中只有前提条件，没有三级指标",
                                     "按正式文本填写三级指标（评价内容）"))
        return
    with_points = [row for row in items if row["points"] is not None]
    if with_points and len(with_points) < len(items) and indicator_set.total_points is None:
        for row in items:
            if row["points"] is None:
                plan.problems.append(Problem(row["_row"], "分值", "", "其他条目填写了分值，本项没有",
                                             "正式文本有分值的每项都填，没有的全部留空"))
    if not any(p.is_error for p in plan.problems):
        parsed = tuple(_item(row) for row in plan.rows)
        for message in indicators.points_problems(indicator_set.total_points, indicator_set.structure, parsed):
            plan.problems.append(Problem(None, "分值", "", message, "按正式文本核对各项分值"))
    if indicator_set.item_count and len(items) != indicator_set.item_count:
        plan.problems.append(Problem(
            None, "三级指标（评价内容）", str(len(items)),
            f"正式文本共 {indicator_set.item_count} 项三级指标，本表 {len(items)} 项", "核对是否有遗漏或重复",
            WARNING))


def _item(row: dict[str, Any]) -> Item:
    return Item(row["id"], row["kind"], row["group"], row["text"], row["points"], row["subgroup"], row["source"])


def save_indicator_items(db: Database, indicator_set: IndicatorSet, plan: TablePlan, actor: str) -> int:
    """Store the checked table as the official items of ``indicator_set`` (replacing any loaded before);
    returns the number of rows stored. Refuses a plan with errors."""
    access.require(actor, access.SETTINGS)
    if not plan.ok:
        raise importer.ImportFileError("指标表还有错误，修改后重新上传才能载入。")
    items = [{k: v for k, v in row.items() if k != "_row"} for row in plan.rows]
    settings.put(db, INDICATOR_KEY + indicator_set.code,
                 {**_stamp(plan.filename, actor, len(items)), "items": items}, actor)
    return len(items)


def clear_indicator_items(db: Database, code: str, actor: str) -> None:
    """Forget the loaded items of a set: it falls back to what ``data/indicator_sets/`` confirms."""
    settings.put(db, INDICATOR_KEY + code, None, actor)


def loaded_indicator_items(db: Database, code: str) -> Loaded | None:
    return _loaded(settings.get(db, INDICATOR_KEY + code))


def indicator_sets(db: Database) -> dict[str, IndicatorSet]:
    """Every indicator set of ``data/indicator_sets/``, with the official items a province loaded merged in
    (such a set is ``items_confirmed`` and its ``items_source`` says who loaded which file when)."""
    merged: dict[str, IndicatorSet] = {}
    for code, shipped in indicators.indicator_sets().items():
        payload = settings.get(db, INDICATOR_KEY + code)
        if payload:
            sources = "、".join(dict.fromkeys(row["source"] for row in payload["items"] if row["source"]))
            items = tuple(Item(r["id"], r["kind"], r["group"], r["text"], r["points"], r["subgroup"], r["source"])
                          for r in payload["items"])
            shipped = shipped.with_items(items, f"依据{sources}，{_loaded(payload).text}")
        merged[code] = shipped
    return merged


# --------------------------------------------------------------------------------- removal situations

REMOVAL_FIELDS = {
    "no": ("序号", ("序号", "编号")),
    "reason": ("移出情形", ("移出情形", "情形", "移出名录情形", "内容")),
    "source": ("来源文件", ("来源文件", "来源", "出处", "依据文件")),
}
REMOVAL_HEADINGS = importer.Headings({key: aliases for key, (_, aliases) in REMOVAL_FIELDS.items()})
_REMOVAL_LABELS = {key: label for key, (label, _) in REMOVAL_FIELDS.items()}


def removal_template() -> bytes:
    """The xlsx template for the 14 removal situations of 自然资规〔2024〕1号附件2."""
    notes = [
        f"{REMOVAL_DOCUMENT}所列移出名录情形导入模板（共 {REMOVAL_COUNT} 种）。请按本省所存的正式文本逐条照录原文，不要凭记忆填写。",
        "每行一种情形：序号、移出情形（原文）、来源文件。来源文件与上一行相同的可以留空，导入时沿用上一行。",
        "载入后，核查记录“移出原因”和移出建议名单中可选这些情形；"
        "《国家级绿色矿山名录移出管理工作要求》所列的“未能在6个月内完成整改”一项仍然保留。",
    ]
    rows = [[n, "", REMOVAL_DOCUMENT if n == 1 else ""] for n in range(1, REMOVAL_COUNT + 1)]
    return _template("移出情形", [label for label, _ in REMOVAL_FIELDS.values()], [8, 80, 40], notes, rows)


def plan_removal_situations(content: bytes, filename: str) -> TablePlan:
    """Read and check a table of removal situations; writes nothing."""
    rows, header = _read(content, filename, REMOVAL_HEADINGS, frozenset({"reason", "source"}), "移出情形")
    columns = header.columns
    plan = TablePlan(filename)
    source = ""
    seen: dict[str, int] = {}
    for line, cells, footer in importer.table_rows(rows, header.last + 1, columns["reason"]):
        raw = {key: (cells[col] if col < len(cells) else None) for key, col in columns.items()}
        texts = {key: normalize.text(value) for key, value in raw.items()}
        if footer or (not texts.get("reason") and not texts.get("source")):
            continue  # a footer, or one of the template's numbered rows left empty
        overlong = importer.overlong_cells(line, raw, _REMOVAL_LABELS)
        if overlong:
            plan.problems.extend(overlong)
            continue
        source = texts.get("source") or source
        reason = re.sub(r"\s+", "", texts.get("reason", ""))

        def problem(key: str, value: str, message: str, fix: str) -> None:
            plan.problems.append(Problem(line, REMOVAL_FIELDS[key][0], value, message, fix))

        if not reason:
            problem("reason", "", "移出情形为必填项", "照录正式文本中该情形的原文；空行请删除")
        elif reason in seen:
            problem("reason", reason, f"与第 {seen[reason]} 行相同", "每种情形只写一行")
        seen.setdefault(reason, line)
        if not source:
            problem("source", "", "来源文件为必填项", f"填写“{REMOVAL_DOCUMENT}”或本省所据的正式文件")
        plan.rows.append({"_row": line, "no": texts.get("no", "") or str(len(plan.rows) + 1), "reason": reason,
                          "source": source})
    if not plan.rows and plan.problems:  # every row was too long to check
        return plan
    if not plan.rows:
        raise importer.ImportFileError("表中没有任何移出情形。请按正式文本逐条填写后重新上传。")
    if len(plan.rows) != REMOVAL_COUNT:
        plan.problems.append(Problem(None, "移出情形", str(len(plan.rows)),
                                     f"{REMOVAL_DOCUMENT}列有 {REMOVAL_COUNT} 种情形，本表 {len(plan.rows)} 种",
                                     "核对是否有遗漏、重复或拆分", WARNING))
    return plan


def save_removal_situations(db: Database, plan: TablePlan, actor: str) -> int:
    """Store the checked situations (replacing any loaded before); returns how many."""
    access.require(actor, access.SETTINGS)
    if not plan.ok:
        raise importer.ImportFileError("移出情形表还有错误，修改后重新上传才能载入。")
    situations = [{k: v for k, v in row.items() if k != "_row"} for row in plan.rows]
    settings.put(db, REMOVAL_KEY, {**_stamp(plan.filename, actor, len(situations)), "situations": situations}, actor)
    return len(situations)


def clear_removal_situations(db: Database, actor: str) -> None:
    settings.put(db, REMOVAL_KEY, None, actor)


def loaded_removal_situations(db: Database) -> Loaded | None:
    return _loaded(settings.get(db, REMOVAL_KEY))


def removal_reasons(db: Database) -> list[RemovalReason]:
    """The grounds to choose from when a mine is to be removed: the situations the province loaded from
    自然资规〔2024〕1号附件2 (if any), then the confirmed grounds of ``data/removal_reasons.csv`` — without
    the row that the loaded situations stand in for."""
    payload = settings.get(db, REMOVAL_KEY)
    loaded = [RemovalReason(s["no"], s["reason"], s["source"]) for s in (payload or {}).get("situations", [])]
    grounds = [g for g in reference.removal_grounds() if not (loaded and g.replaced_by == REMOVAL_TABLE)]
    return loaded + grounds


def removal_reason_texts(db: Database) -> list[str]:
    """The wording of :func:`removal_reasons`, for a choice list."""
    return [r.reason for r in removal_reasons(db)]


# ------------------------------------------------------------------------------- GB standard numbers

_STANDARD_NUMBER = re.compile(r"^GB(/T)?\s?\d{4,6}(\.\d+)?[—–-]\d{4}$")


def standards(db: Database) -> list[Standard]:
    """Every row of ``data/standards.csv``, with the numbers a province entered for rows without one."""
    numbers = settings.get(db, STANDARD_NUMBERS_KEY) or {}
    return [Standard(numbers.get(s.industry, ""), s.name, s.industry, s.series, s.in_force, s.source)
            if not s.code else s for s in reference.standard_rows()]


def save_standard_numbers(db: Database, numbers: dict[str, str], actor: str) -> list[Problem]:
    """Store the numbers of the standards ``data/standards.csv`` leaves without one (industry → number,
    '' to clear). Returns the problems (nothing is stored unless there are none)."""
    access.require(actor, access.SETTINGS)
    open_rows = {s.industry for s in reference.standard_rows() if not s.code}
    problems: list[Problem] = []
    cleaned: dict[str, str] = {}
    for industry, number in numbers.items():
        written = normalize.text(number).replace("－", "—")
        if industry not in open_rows:
            problems.append(Problem(None, "行业", industry, "不是待填标准号的部分", "只填写标准号为空的各部分"))
        elif written and not _STANDARD_NUMBER.match(written):
            problems.append(Problem(None, industry, written, "标准号格式不对",
                                    "按正式文本填写，如“GB/T 12345—2026”或“GB 12345.1—2026”"))
        elif written:
            cleaned[industry] = written
    if not problems:
        settings.put(db, STANDARD_NUMBERS_KEY, cleaned, actor)
    return problems
