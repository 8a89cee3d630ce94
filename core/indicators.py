"""Evaluation-indicator sets (评价指标) for the optional checklist of the on-site inspection record.

Each set is a CSV file in ``data/indicator_sets/`` listed in ``data/indicator_sets/sets.csv``, so a
province adds its own set by adding a file and a row (lines starting with ``#`` are comments). A row is
either an item the inspectors mark — a precondition (前提条件: a veto, no points) or an indicator (指标,
a third-level item under a first-level group) — or part of the structure: a first-level (一级指标) or
second-level (二级指标) indicator with its maximum where that is confirmed.

The shipped ministry sets hold only what is confirmed of the official texts (``items_confirmed`` is 否):
the 2020 preconditions and structure, the 2024 first-level names. A province loads the official item
table from its own copy (``core/reference_tables.py``); :meth:`IndicatorSet.with_items` merges it in.

``score(indicator_set, marks)`` turns the inspectors' marks (item id → 符合/不符合/不适用) into points,
per-group shares and a pass/fail result; ``summary_text`` says the result in one Chinese line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from core import config

MARKS = ("符合", "不符合", "不适用")
MET, NOT_MET, NOT_APPLICABLE = MARKS
PRECONDITION = "前提条件"
INDICATOR = "指标"
FIRST_LEVEL = "一级指标"
SECOND_LEVEL = "二级指标"
KINDS = (PRECONDITION, FIRST_LEVEL, SECOND_LEVEL, INDICATOR)
YES, NO = "是", "否"

SETS_DIR = "indicator_sets"
SETS_INDEX = "sets.csv"
INDEX_COLUMNS = ("code", "name", "file", "source", "total_points", "pass_total", "pass_share")
# Optional: items_confirmed (是/否; a missing column or an empty cell reads as 是) and item_count (the number
# of third-level items of the official text, where confirmed: a loaded table of another size is questioned).
SET_COLUMNS = ("id", "kind", "group", "item", "points")
# Optional: subgroup (二级指标, required on a 二级指标 row) and source (出处).
# Points are written with at most a couple of decimals; sums are compared with this slack.
_EPS = 1e-6


class IndicatorSetError(ValueError):
    """A file of ``data/indicator_sets/`` is wrong; the message (Chinese) names file, line and fix.

    ``problems`` holds every problem found, one Chinese sentence each.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("评价指标文件有误：\n" + "\n".join(self.problems))


@dataclass(frozen=True)
class Item:
    """A row the inspectors mark: a precondition or a third-level indicator."""

    id: str
    kind: str
    group: str
    text: str
    points: float | None
    subgroup: str = ""
    source: str = ""


@dataclass(frozen=True)
class Group:
    """A first-level indicator of the structure: its confirmed maximum (None if not confirmed) and the
    names of its second-level indicators as far as they are confirmed."""

    name: str
    points: float | None
    subgroups: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class IndicatorSet:
    code: str
    name: str
    source: str
    total_points: float | None
    pass_total: float | None
    pass_share: float | None
    items: tuple[Item, ...]
    items_confirmed: bool = True  # False: the third-level items are not (all) from the official text
    structure: tuple[Group, ...] = ()  # first-level indicators declared by 一级指标 rows
    items_source: str = ""  # where loaded items come from (who loaded which document, when)
    item_count: int | None = None  # how many third-level items the official text has, where that is confirmed

    @property
    def preconditions(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == PRECONDITION)

    @property
    def indicators(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == INDICATOR)

    @property
    def groups(self) -> tuple[str, ...]:
        """First-level indicator names: those of the structure, else those of the items, in file order."""
        if self.structure:
            return tuple(g.name for g in self.structure)
        return tuple(dict.fromkeys(i.group for i in self.indicators))

    @property
    def group_points(self) -> dict[str, float]:
        """First-level indicator → its confirmed maximum, for the groups whose maximum is confirmed."""
        return {g.name: g.points for g in self.structure if g.points is not None}

    @property
    def has_points(self) -> bool:
        """Whether marks are scored: the set has a total and indicator items carrying the points."""
        return self.total_points is not None and bool(self.indicators)

    def with_items(self, items: tuple[Item, ...], source: str) -> "IndicatorSet":
        """This set with the official items a province loaded (``source`` says from where).

        Loaded preconditions replace the file's; without any, the file's preconditions stay. A set
        without a total gets the sum of the loaded points as its total (no pass line is invented).
        """
        loaded_preconditions = tuple(i for i in items if i.kind == PRECONDITION)
        indicators = tuple(i for i in items if i.kind == INDICATOR)
        total = self.total_points
        if total is None and indicators and all(i.points is not None for i in indicators):
            total = sum(i.points or 0 for i in indicators)
        return replace(self, items=(loaded_preconditions or self.preconditions) + indicators,
                       items_confirmed=True, items_source=source, total_points=total)


def confirmation_note(indicator_set: IndicatorSet) -> str:
    """What a page or document must say next to a set whose items are not from the official text
    ('' for a set whose items are confirmed or were loaded from the province's copy)."""
    if indicator_set.items_confirmed:
        return ""
    known = f"，已核实的只有{'前提条件和' if indicator_set.preconditions else ''}指标结构" if indicator_set.structure else ""
    return (f"《{indicator_set.name}》的三级指标（评价内容）及其分值尚未载入正式文本{known}；"
            "核查清单只列已核实的条目，不计分。请系统管理员在“系统设置”中按模板载入本省所存的正式指标表。")


@dataclass(frozen=True)
class GroupScore:
    group: str
    earned: float
    maximum: float
    share: float | None  # earned / maximum; None when every item of the group is 不适用
    passed: bool | None  # share >= the set's pass_share; None when there is no share or no pass_share


@dataclass(frozen=True)
class Score:
    groups: tuple[GroupScore, ...]  # empty for a set without points
    earned: float | None  # None for a set without points
    maximum: float | None
    passed: bool | None
    vetoes: tuple[str, ...]  # texts of preconditions marked 不符合
    unmarked: int
    counts: dict[str, int]  # mark → number of items (preconditions included), every mark present


# ---------------------------------------------------------------------------------------------- loading


def _read_numbered_csv(path: Path) -> tuple[int, list[str], list[tuple[int, dict[str, str]]]]:
    """(header line number, header, [(line number, row)]) of a CSV file, skipping ``#`` comment lines.

    Line numbers are those of the file as opened in an editor, so messages can point at them.
    """
    with path.open(encoding="utf-8-sig", newline="") as f:
        numbered = [(n, line) for n, line in enumerate(f, start=1) if not line.startswith("#")]
    if not numbered:
        return 1, [], []
    line_numbers = [n for n, _ in numbered]
    reader = csv.reader(line for _, line in numbered)
    header = [h.strip() for h in next(reader, [])]
    header_line = line_numbers[0]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        rows.append((line_numbers[reader.line_num - 1], row))
    return header_line, header, rows


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _fmt(value: float) -> str:
    """812.0 → '812', 12.5 → '12.5'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _missing_columns(header: list[str], wanted: tuple[str, ...]) -> list[str]:
    return [c for c in wanted if c not in header]


@lru_cache(maxsize=None)
def indicator_sets(data_dir: Path = config.DATA_FILES) -> dict[str, IndicatorSet]:
    """Every indicator set of ``data_dir/indicator_sets/``: code → set, in the order of ``sets.csv``.

    Raises ``IndicatorSetError`` listing every problem (file, line, what is wrong) if any file is wrong.
    """
    folder = data_dir / SETS_DIR
    index_name = f"{SETS_DIR}/{SETS_INDEX}"
    problems: list[str] = []
    if not (folder / SETS_INDEX).exists():
        raise IndicatorSetError([f"{index_name}：文件不存在，请在 {SETS_DIR}/ 目录下建立索引文件 {SETS_INDEX}"])
    header_line, header, rows = _read_numbered_csv(folder / SETS_INDEX)
    missing = _missing_columns(header, INDEX_COLUMNS)
    if missing:
        raise IndicatorSetError(
            [f"{index_name} 第 {header_line} 行：表头缺少列 {'、'.join(missing)}，表头应为 {','.join(INDEX_COLUMNS)}"])

    sets: dict[str, IndicatorSet] = {}
    codes: set[str] = set()
    for line, row in rows:
        where = f"{index_name} 第 {line} 行"
        row_problems: list[str] = []
        code = row["code"]
        if not code:
            row_problems.append(f"{where}：code 为空，请填写指标集代号")
        elif code in codes:
            row_problems.append(f"{where}：代号“{code}”重复，请改用其他代号")
        codes.add(code)
        numbers: dict[str, float | None] = {}
        for column in ("total_points", "pass_total", "pass_share"):
            text = row[column]
            numbers[column] = _number(text) if text else None
            if text and numbers[column] is None:
                row_problems.append(f"{where}：{column}“{text}”不是数字，请填写数字或留空")
        total, pass_total, pass_share = numbers["total_points"], numbers["pass_total"], numbers["pass_share"]
        if total is None and (pass_total is not None or pass_share is not None):
            row_problems.append(f"{where}：未填 total_points 却填了通过线，请填写总分或清空 pass_total、pass_share")
        if total is not None and total <= 0:
            row_problems.append(f"{where}：total_points 应大于 0")
        if pass_share is not None and not 0 < pass_share <= 1:
            row_problems.append(f"{where}：pass_share 应在 0 到 1 之间（如 0.75 表示 75%）")
        if total is not None and pass_total is not None and not 0 <= pass_total <= total:
            row_problems.append(f"{where}：pass_total 应在 0 到 total_points 之间")
        confirmed_text = row.get("items_confirmed", "")
        if confirmed_text not in ("", YES, NO):
            row_problems.append(f"{where}：items_confirmed“{confirmed_text}”无效，请填写“是”或“否”")
        confirmed = confirmed_text != NO
        count_text = row.get("item_count", "")
        item_count = _number(count_text) if count_text else None
        if count_text and (item_count is None or item_count != int(item_count) or item_count <= 0):
            row_problems.append(f"{where}：item_count“{count_text}”应为正整数（正式文本的三级指标项数）或留空")
        path = folder / row["file"] if row["file"] else None
        if path is None or not path.is_file():
            row_problems.append(f"{where}：指标文件“{row['file']}”不存在，请把文件放在 {SETS_DIR}/ 目录下并填写文件名")
        if row_problems:
            problems += row_problems
            continue
        items, structure, file_problems = _read_items(path, f"{SETS_DIR}/{row['file']}", total, confirmed)
        problems += file_problems
        if not file_problems:
            sets[code] = IndicatorSet(code, row["name"] or code, row["source"], total, pass_total, pass_share, items,
                                      confirmed, structure, item_count=int(item_count) if item_count else None)
    if problems:
        raise IndicatorSetError(problems)
    return sets


def _read_items(path: Path, name: str, total: float | None,
               confirmed: bool = True) -> tuple[tuple[Item, ...], tuple[Group, ...], list[str]]:
    """The items and structure of one set file and the problems found in it (file, line, what is wrong).

    ``confirmed`` False (items_confirmed 否 in sets.csv): third-level items may be listed but carry no points.
    """
    header_line, header, rows = _read_numbered_csv(path)
    missing = _missing_columns(header, SET_COLUMNS)
    if missing:
        return (), (), [f"{name} 第 {header_line} 行：表头缺少列 {'、'.join(missing)}，表头应为 {','.join(SET_COLUMNS)}"]
    problems: list[str] = []
    items: list[Item] = []
    groups: dict[str, Group] = {}
    subgroups: list[tuple[str, int, str, str]] = []  # (where, line, group, name) of 二级指标 rows
    seen: set[str] = set()
    for line, row in rows:
        where = f"{name} 第 {line} 行"
        item_id, kind, group, text, points_text = (row[c] for c in SET_COLUMNS)
        subgroup, source = row.get("subgroup", ""), row.get("source", "")
        if not item_id:
            problems.append(f"{where}：id 为空，请填写条目编号")
        elif item_id in seen:
            problems.append(f"{where}：编号“{item_id}”重复，同一文件内编号须唯一")
        seen.add(item_id)
        if kind not in KINDS:
            problems.append(f"{where}：kind“{kind}”无效，应为{'、'.join(f'“{k}”' for k in KINDS)}之一")
        if kind in (PRECONDITION, INDICATOR) and not text:
            problems.append(f"{where}：item 为空，请填写条目内容")
        if kind in (FIRST_LEVEL, SECOND_LEVEL, INDICATOR) and not group:
            problems.append(f"{where}：{kind}未填 group，请填写所属一级指标")
        if kind == SECOND_LEVEL and not subgroup:
            problems.append(f"{where}：二级指标未填 subgroup，请填写二级指标名称")
        points = _number(points_text) if points_text else None
        if points_text and points is None:
            problems.append(f"{where}：分值“{points_text}”不是数字，请填写数字（如 40）或留空")
        elif points is not None and points < 0:
            problems.append(f"{where}：分值不能为负数")
        elif kind == PRECONDITION and points_text:
            problems.append(f"{where}：前提条件为一票否决项，不计分，请清空 points")
        elif kind == SECOND_LEVEL and points_text:
            problems.append(f"{where}：二级指标行不填分值（分值填在一级指标行和三级指标行），请清空 points")
        elif kind in (FIRST_LEVEL, INDICATOR) and total is None and points_text:
            problems.append(f"{where}：{SETS_INDEX} 中本指标集未填 total_points，{kind}不应有分值；"
                            f"请清空 points，或在 {SETS_INDEX} 中填写总分")
        elif kind == INDICATOR and not confirmed and points_text:
            problems.append(f"{where}：{SETS_INDEX} 中本指标集的 items_confirmed 为“否”（条目未与正式文本核对），"
                            f"未核实的条目不得填写分值；请清空 points，核对后把 items_confirmed 改为“是”")
        elif kind == INDICATOR and total is not None and not points_text:
            problems.append(f"{where}：本指标集有总分，每个指标都应有分值，请填写 points")
        if kind == FIRST_LEVEL and group:
            if group in groups:
                problems.append(f"{where}：一级指标“{group}”重复，每个一级指标只写一行")
            groups[group] = Group(group, points, (), source)
        elif kind == SECOND_LEVEL and group and subgroup:
            subgroups.append((where, line, group, subgroup))
        elif kind in (PRECONDITION, INDICATOR):
            items.append(Item(item_id, kind, group if kind == INDICATOR else "", text, points,
                              subgroup if kind == INDICATOR else "", source))
    for where, _, group, subgroup in subgroups:
        if group not in groups:
            problems.append(f"{where}：一级指标“{group}”没有对应的“{FIRST_LEVEL}”行，请先增加该一级指标行")
        elif subgroup in groups[group].subgroups:
            problems.append(f"{where}：二级指标“{subgroup}”重复")
        else:
            groups[group] = replace(groups[group], subgroups=groups[group].subgroups + (subgroup,))
    structure = tuple(groups.values())
    if groups:
        for item in items:
            if item.kind != INDICATOR:
                continue
            declared = groups.get(item.group)
            if declared is None:
                problems.append(f"{name}：条目 {item.id} 的一级指标“{item.group}”不在本文件的一级指标"
                                f"（{'、'.join(groups)}）之中，请核对名称")
            elif item.subgroup and declared.subgroups and item.subgroup not in declared.subgroups:
                problems.append(f"{name}：条目 {item.id} 的二级指标“{item.subgroup}”不在“{item.group}”的二级指标"
                                f"（{'、'.join(declared.subgroups)}）之中，请核对名称")
    if not items and not structure:
        problems.append(f"{name}：没有任何条目，请至少填写一行")
    if not problems:
        problems += [f"{name}：{p}" for p in points_problems(total, structure, tuple(items))]
    return tuple(items), structure, problems


def points_problems(total: float | None, structure: tuple[Group, ...], items: tuple[Item, ...]) -> list[str]:
    """What is wrong with the points of ``items`` against the set's total and its confirmed group maxima.

    Checked when the items carry points: their sum equals ``total``, each group's sum equals its confirmed
    maximum; and the confirmed maxima never exceed the total. One Chinese sentence per problem.
    """
    problems: list[str] = []
    declared = {g.name: g.points for g in structure if g.points is not None}
    if total is not None and sum(declared.values()) > total + _EPS:
        problems.append(f"各一级指标分值之和 {_fmt(sum(declared.values()))} 超过总分 {_fmt(total)}，请核对分值")
    scored = [i for i in items if i.kind == INDICATOR and i.points is not None]
    if not scored:
        return problems
    if total is not None:
        earned = sum(i.points or 0 for i in scored)
        if abs(earned - total) > _EPS:
            problems.append(f"各项分值之和为 {_fmt(earned)}，与 {SETS_INDEX} 中的 total_points {_fmt(total)} 不一致，"
                            f"请核对分值或总分")
    for group, maximum in declared.items():
        in_group = sum(i.points or 0 for i in scored if i.group == group)
        if abs(in_group - maximum) > _EPS:
            problems.append(f"一级指标“{group}”各项分值之和为 {_fmt(in_group)}，与其满分 {_fmt(maximum)} 不一致，请核对分值")
    return problems


# ---------------------------------------------------------------------------------------------- scoring


def score(indicator_set: IndicatorSet, marks: dict[str, str]) -> Score:
    """Score the marks (item id → one of ``MARKS``) given to the items of ``indicator_set``.

    符合 earns the item's points, 不符合 earns 0, 不适用 leaves the item out of the maximum; an item with
    no mark (absent or '') earns 0 and stays in the maximum. Marks for ids not in the set are ignored.
    ``passed`` is False on any veto (a precondition marked 不符合); otherwise None when the set has no
    points, nothing is marked or a precondition is still unmarked (a veto is still possible); otherwise
    whether the total share reaches pass_total/total_points and every group reaches pass_share.
    """
    for item_id, mark in marks.items():
        if mark and mark not in MARKS:
            raise ValueError(f"unknown mark {mark!r} for item {item_id!r}; expected one of {MARKS}")
    mark_of = {item.id: marks.get(item.id) or "" for item in indicator_set.items}
    counts = {m: sum(1 for v in mark_of.values() if v == m) for m in MARKS}
    unmarked = sum(1 for v in mark_of.values() if not v)
    vetoes = tuple(i.text for i in indicator_set.preconditions if mark_of[i.id] == NOT_MET)

    groups: list[GroupScore] = []
    earned = maximum = None
    if indicator_set.has_points:
        for group in indicator_set.groups:
            counted = [i for i in indicator_set.indicators if i.group == group and mark_of[i.id] != NOT_APPLICABLE]
            g_earned = sum(i.points or 0 for i in counted if mark_of[i.id] == MET)
            g_max = sum(i.points or 0 for i in counted)
            share = g_earned / g_max if g_max > 0 else None
            g_passed = None
            if share is not None and indicator_set.pass_share is not None:
                g_passed = share + _EPS >= indicator_set.pass_share
            groups.append(GroupScore(group, g_earned, g_max, share, g_passed))
        earned = sum(g.earned for g in groups)
        maximum = sum(g.maximum for g in groups)

    passed: bool | None
    if vetoes:
        passed = False
    elif (not indicator_set.has_points or unmarked == len(mark_of) or maximum == 0
          or (indicator_set.pass_total is None and indicator_set.pass_share is None)
          or any(not mark_of[i.id] for i in indicator_set.preconditions)):
        passed = None
    else:
        total_ok = True
        if indicator_set.pass_total is not None:
            total_ok = earned / maximum + _EPS >= indicator_set.pass_total / indicator_set.total_points
        passed = total_ok and all(g.passed is not False for g in groups)
    return Score(tuple(groups), earned, maximum, passed, vetoes, unmarked, counts)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _short_percent(share: float) -> str:
    """A threshold as written in the rules: 0.75 → '75%', 0.825 → '82.5%'."""
    return f"{_fmt(share * 100)}%"


def summary_text(indicator_set: IndicatorSet, result: Score) -> str:
    """One Chinese line for the inspection record, e.g.
    '得分 812/1000（81.2%），各一级指标均达到75%，符合通过条件',
    '前提条件不符合（一票否决）：…', or for a set without points '符合 12 项，不符合 3 项，不适用 1 项，未判定 2 项'.
    """
    if result.vetoes:
        return f"前提条件不符合（一票否决）：{'；'.join(result.vetoes)}"
    counts_text = (f"符合 {result.counts[MET]} 项，不符合 {result.counts[NOT_MET]} 项，"
                   f"不适用 {result.counts[NOT_APPLICABLE]} 项，未判定 {result.unmarked} 项")
    if not indicator_set.has_points:
        return counts_text
    if result.unmarked == len(indicator_set.items):
        return f"尚未判定（共 {len(indicator_set.items)} 项）"
    if not result.maximum:
        return f"全部指标不适用，无法计分（{counts_text}）"
    share = result.earned / result.maximum
    parts = [f"得分 {_fmt(result.earned)}/{_fmt(result.maximum)}（{_percent(share)}）"]
    if indicator_set.pass_total is not None:
        line = indicator_set.pass_total / indicator_set.total_points
        if share + _EPS < line:
            parts.append(f"低于通过线{_short_percent(line)}")
    if indicator_set.pass_share is not None:
        below = [g for g in result.groups if g.passed is False]
        if below:
            names = "、".join(f"{g.group}（{_percent(g.share)}）" for g in below)
            parts.append(f"{names}未达到{_short_percent(indicator_set.pass_share)}")
        else:
            parts.append(f"各一级指标均达到{_short_percent(indicator_set.pass_share)}")
    if result.passed is True:
        parts.append("符合通过条件")
    elif result.passed is False:
        parts.append("不符合通过条件")
    elif indicator_set.pass_total is not None or indicator_set.pass_share is not None:
        parts.append("暂不能判定是否通过")
    text = "，".join(parts)
    if result.unmarked:
        text += f"；尚有 {result.unmarked} 项未判定"
    return text
