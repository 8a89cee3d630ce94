"""The inspector register (执法检查人员名录库): who may be drawn into inspection teams.

An inspector has a name and unit (together unique), a person type (人员类型: the notice's teams are made
of 管理人员, 业务支撑人员 and 专家), a professional title, an administrative rank, a specialty, a home
prefecture (for recusal) and declared conflicts (units or licence numbers of mines they must not check). Import from xlsx/csv works like the mine register's: validate everything, show
the problems with their rows, then write all rows or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, audit, importer, limits, normalize, regions, settings
from core.db import now, transaction
from core.validation import ERROR, WARNING, Problem

# 人员类型, from the notice: "选择熟悉绿色矿山标准政策的管理人员、业务支撑人员及专家等，组成核查组" ('' = not recorded).
KINDS = ("管理人员", "业务支撑人员", "专家")
TITLES = ("正高级", "副高级", "中级", "初级", "无")
RANKS = ("厅级", "处级", "科级", "无")
SPECIALTIES = ("地质", "采矿", "选矿", "生态修复", "环境", "测绘", "安全", "管理", "其他")
# The notice: "组长应具备高级技术职称或处级及以上行政职级".
LEADER_TITLES = ("正高级", "副高级")
LEADER_RANKS = ("厅级", "处级")

FIELDS = {
    "name": ("姓名", ("姓名", "人员姓名", "名字")),
    "unit": ("工作单位", ("工作单位", "单位", "所在单位")),
    "kind": ("人员类型", ("人员类型", "人员类别", "人员身份")),
    "title": ("职称", ("职称", "技术职称", "专业技术职称")),
    "rank": ("职级", ("职级", "行政职级", "职务级别")),
    "specialty": ("专业", ("专业", "专业领域", "专长")),
    "prefecture": ("所在市（州）", ("所在市（州）", "所在市", "市（州）", "市州", "所在地市", "地市")),
    "conflicts": ("回避单位或矿山", ("回避单位或矿山", "申报回避", "利害关系", "回避")),
    "active": ("是否可抽取", ("是否可抽取", "在库", "状态", "可用")),
}
HEADINGS = importer.Headings({key: aliases for key, (_, aliases) in FIELDS.items()})
_LABELS = {key: label for key, (label, _) in FIELDS.items()}
_TITLE_WORDS = {"正高": "正高级", "正高级": "正高级", "教授级高工": "正高级", "研究员": "正高级",
                "副高": "副高级", "副高级": "副高级", "高级工程师": "副高级", "高工": "副高级", "高级": "副高级",
                "中级": "中级", "工程师": "中级", "初级": "初级", "助理工程师": "初级", "无": "无", "": "无"}
_KIND_WORDS = {"管理人员": "管理人员", "管理": "管理人员", "业务支撑人员": "业务支撑人员", "业务支撑": "业务支撑人员",
               "专家": "专家", "": ""}
_RANK_WORDS = {"厅级": "厅级", "正厅": "厅级", "副厅": "厅级", "处级": "处级", "正处": "处级", "副处": "处级",
               "科级": "科级", "正科": "科级", "副科": "科级", "无": "无", "": "无"}


# Who may lead a team; the notice's rule is the default, a province may be stricter.
LEADER_RULES = {
    "title_or_rank": "高级职称或处级及以上（通知要求）",
    "title": "仅限高级职称",
    "rank": "仅限处级及以上",
    "title_and_rank": "高级职称且处级及以上",
}


def kinds() -> tuple[str, ...]:
    """The person types an inspector may have (人员类型), in the notice's order."""
    return KINDS


def is_leader_qualified(inspector: dict[str, Any], rule: str = "title_or_rank") -> bool:
    senior, ranked = inspector["title"] in LEADER_TITLES, inspector["rank"] in LEADER_RANKS
    return {"title_or_rank": senior or ranked, "title": senior, "rank": ranked,
            "title_and_rank": senior and ranked}[rule]


def conflicts_of(inspector: dict[str, Any]) -> set[str]:
    """Declared conflicts: unit names or licence numbers, separated by ；;、, or new lines."""
    text = str(inspector.get("conflicts") or "")
    for separator in ("；", ";", "、", "，", ",", "\n"):
        text = text.replace(separator, "|")
    return {part.strip().upper() if part.strip().upper().startswith("C") else part.strip()
            for part in text.split("|") if part.strip()}


def validate(raw: dict[str, Any], province: regions.Region, row: int | None = None) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []

    def problem(key: str, message: str, fix: str, severity: str = ERROR) -> None:
        problems.append(Problem(row, FIELDS[key][0], normalize.text(raw.get(key)), message, fix, severity))

    values: dict[str, Any] = {key: normalize.text(raw.get(key)) for key in ("name", "unit", "specialty", "conflicts")}
    if not values["name"]:
        problem("name", "姓名为必填项", "填写人员姓名")
    if not values["unit"]:
        problem("unit", "工作单位为必填项", "填写人员的工作单位（用于判断回避）")
    kind = _KIND_WORDS.get(normalize.text(raw.get("kind")).replace(" ", ""))
    if kind is None:
        problem("kind", "人员类型无法识别", f"填写{'、'.join(KINDS)}之一，不清楚的可留空")
    values["kind"] = kind or ""
    title = _TITLE_WORDS.get(normalize.text(raw.get("title")).replace(" ", ""))
    if title is None:
        problem("title", "职称无法识别", f"填写{'、'.join(TITLES)}之一")
    values["title"] = title or "无"
    rank = _RANK_WORDS.get(normalize.text(raw.get("rank")).replace(" ", ""))
    if rank is None:
        problem("rank", "职级无法识别", f"填写{'、'.join(RANKS)}之一")
    values["rank"] = rank or "无"
    if values["specialty"] and values["specialty"] not in SPECIALTIES:
        problem("specialty", "专业不在常用列表中", f"可填写{'、'.join(SPECIALTIES)}", WARNING)
    prefecture_name = normalize.text(raw.get("prefecture"))
    values["prefecture"], values["prefecture_code"] = "", ""
    if prefecture_name:
        found = regions.find_prefecture(province.code, prefecture_name)
        if found is None:
            problem("prefecture", f"不是{province.name}的地市", "填写本省地市名称；省直单位人员可留空")
        else:
            values["prefecture"], values["prefecture_code"] = found.name, found.code
    active_text = normalize.text(raw.get("active"))
    active = True if not active_text or active_text in ("在库", "可抽取") else normalize.flag(active_text)
    if active is None:
        problem("active", "应填写“是”或“否”", "可参加抽取的填“是”")
    values["active"] = 0 if active is False else 1
    return values, problems


@dataclass
class InspectorImport:
    filename: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    skipped: list[importer.SkippedRow] = field(default_factory=list)  # signature lines, notes below the list
    kind_given: bool = True  # False: the file has no 人员类型 column, so updated people keep theirs

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=["行号", "级别", "列", "填写内容", "问题", "修改方法"])


def plan_import(db: Database, content: bytes, filename: str) -> InspectorImport:
    """Read and check an inspector list; writes nothing (raises importer.ImportFileError for a bad file)."""
    anchors = frozenset({"name", "unit"})
    rows = importer.read_table(content, filename, HEADINGS, anchors)
    header = importer.find_header(rows, HEADINGS, anchors)
    if header is None:
        raise importer.ImportFileError("没有找到表头（至少应有“姓名”和“工作单位”两列）。请使用核查人员导入模板的列名。")
    index, columns = header.last, header.columns
    plan = InspectorImport(filename, kind_given="kind" in columns)
    province = settings.province(db)
    existing = {(r["name"], r["unit"]) for r in db.query("SELECT name, unit FROM inspectors")}
    seen: dict[tuple[str, str], int] = {}
    for line, cells, reason in importer.table_rows(rows, index + 1, columns["name"]):
        if reason:
            plan.skipped.append(importer.SkippedRow.of(line, cells, reason))
            continue
        raw = {key: (cells[col] if col < len(cells) else None) for key, col in columns.items()}
        overlong = importer.overlong_cells(line, raw, _LABELS)
        if overlong:
            plan.problems.extend(overlong)
            continue
        values, problems = validate(raw, province, line)
        plan.problems.extend(problems)
        key = (values["name"], values["unit"])
        if key in seen:
            plan.problems.append(Problem(line, "姓名", values["name"], f"与第 {seen[key]} 行重复（同一单位同名）",
                                         "同一人只保留一行"))
            continue
        seen[key] = line
        plan.rows.append(values)
        if key in existing:
            plan.updated += 1
        else:
            plan.new += 1
    return plan


def apply_import(db: Database, plan: InspectorImport, actor: str) -> tuple[int, int]:
    access.require(actor, access.INSPECTORS)
    if not plan.ok:
        raise importer.ImportFileError("文件还有错误，修改后重新上传才能导入。")
    stamp = now()
    with transaction(db):
        for values in plan.rows:
            db.execute(
                "INSERT INTO inspectors (name, unit, kind, title, rank, specialty, prefecture, prefecture_code, "
                "conflicts, active, created_at, updated_at) VALUES (:name, :unit, :kind, :title, :rank, :specialty, "
                ":prefecture, :prefecture_code, :conflicts, :active, :at, :at) ON CONFLICT(name, unit) DO UPDATE SET "
                "kind = CASE WHEN :kind_given THEN excluded.kind ELSE kind END, "
                "title = excluded.title, rank = excluded.rank, specialty = excluded.specialty, "
                "prefecture = excluded.prefecture, prefecture_code = excluded.prefecture_code, "
                "conflicts = excluded.conflicts, active = excluded.active, version = version + 1, updated_at = :at",
                {**values, "at": stamp, "kind_given": int(plan.kind_given)},
            )
        audit.log(db, actor, "核查人员：导入", f"{len(plan.rows)} 人", new={"new": plan.new, "updated": plan.updated})
    return plan.new, plan.updated


def save(db: Database, values: dict[str, Any], inspector_id: int | None = None, expected_version: int | None = None,
         *, actor: str) -> int:
    """Add an inspector or change one (validated values); refuses a stale edit."""
    access.require(actor, access.INSPECTORS)
    limits.check(ValueError, *((FIELDS[key][0] if key in FIELDS else key, value, limits.CELL) for key, value in values.items()))
    stamp = now()
    duplicate = db.execute("SELECT id FROM inspectors WHERE name = ? AND unit = ?", [values["name"], values["unit"]]).fetchone()
    if duplicate and duplicate[0] != inspector_id:
        raise ValueError(f"{values['unit']}已有名为“{values['name']}”的人员。")
    with transaction(db):
        if inspector_id is None:
            audit.log(db, actor, "核查人员：新增", f"{values['name']}（{values['unit']}）", new=values)
            return db.execute(
                "INSERT INTO inspectors (name, unit, kind, title, rank, specialty, prefecture, prefecture_code, "
                "conflicts, active, created_at, updated_at) VALUES (:name, :unit, :kind, :title, :rank, :specialty, "
                ":prefecture, :prefecture_code, :conflicts, :active, :at, :at)",
                {"kind": "", **values, "at": stamp}).lastrowid
        before = db.execute("SELECT * FROM inspectors WHERE id = ?", [inspector_id])
        old = dict(zip([d[0] for d in before.description], before.fetchone() or ()))
        audit.log(db, actor, "核查人员：修改", f"{values['name']}（{values['unit']}）",
                  old={k: old.get(k) for k in values if old.get(k) != values[k]},
                  new={k: v for k, v in values.items() if old.get(k) != v})
        changed = db.execute(
            "UPDATE inspectors SET name = :name, unit = :unit, kind = :kind, title = :title, rank = :rank, "
            "specialty = :specialty, prefecture = :prefecture, prefecture_code = :prefecture_code, "
            "conflicts = :conflicts, active = :active, version = version + 1, updated_at = :at "
            "WHERE id = :id AND version = :version",
            {"kind": old.get("kind", ""), **values, "at": stamp, "id": inspector_id,
             "version": expected_version}).rowcount
        if not changed:
            raise ValueError("该人员信息已被他人修改，您的修改未保存。请刷新后重试。")
        return inspector_id


def list_inspectors(db: Database, active_only: bool = False) -> list[dict[str, Any]]:
    where = " WHERE active = 1" if active_only else ""
    return list(db.query(f"SELECT * FROM inspectors{where} ORDER BY prefecture_code, unit, name"))


def frame(db: Database) -> pd.DataFrame:
    rows = list_inspectors(db)
    columns = ["姓名", "工作单位", "人员类型", "职称", "职级", "专业", "所在市（州）", "回避单位或矿山", "可任组长", "可抽取"]
    return pd.DataFrame([{
        "姓名": r["name"], "工作单位": r["unit"], "人员类型": r["kind"] or "未填", "职称": r["title"], "职级": r["rank"],
        "专业": r["specialty"], "所在市（州）": r["prefecture"], "回避单位或矿山": r["conflicts"],
        "可任组长": is_leader_qualified(r), "可抽取": bool(r["active"]),
    } for r in rows], columns=columns)


def template() -> bytes:
    """An import template for the inspector list, with the headings and drop-down lists."""
    import io

    from core import exports

    buffer = io.BytesIO()
    book = exports.workbook(buffer)
    sheet = book.add_worksheet("核查人员")
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    headings = [label for label, _ in FIELDS.values()]
    column = {key: index for index, key in enumerate(FIELDS)}
    sheet.write_row(0, 0, headings, head)
    sheet.set_column(0, len(headings) - 1, 16)
    for key, options in (("kind", KINDS), ("title", TITLES), ("rank", RANKS), ("specialty", SPECIALTIES),
                         ("active", ("是", "否"))):
        sheet.data_validation(1, column[key], 2000, column[key], {"validate": "list", "source": list(options)})
    sheet.write_comment(0, column["kind"], f"{'、'.join(KINDS)}之一（选填）")
    sheet.write_comment(0, column["conflicts"], "须回避的单位名称或矿山采矿许可证号，多个用“；”分隔")
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
