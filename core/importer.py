"""Import of the register from Excel (.xlsx/.xls) and CSV (UTF-8, UTF-8 with BOM, GB18030/GBK).

Two steps, so that nothing is written until the user has seen what will happen:

1. :func:`plan_import` reads the file, finds the header (a title row above it is fine), normalises and
   validates every row, and compares it with the register → an :class:`ImportPlan` with every problem
   (row, column, value, what is wrong, how to fix it) and every change (new mines, changed fields).
2. :func:`apply_import` writes the plan in one transaction — all rows or none — and refuses if the plan
   has errors or if a mine it updates was changed by someone else after the preview.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Callable

import pandas as pd
import python_calamine
from sqlite_utils import Database

from core import normalize, registry, settings
from core.db import now, transaction
from core.exports import chinese_time
from core.labels import COLUMN_LABELS, FIELDS, STATUS_REMOVED
from core.validation import ERROR, WARNING, Problem, validate_mine

MAX_IMPORT_MB = 10
HEADER_SEARCH_ROWS = 15
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

_ALIASES = {normalize.header(name): f.key for f in FIELDS for name in (f.label, *f.aliases)}
_REQUIRED = [f for f in FIELDS if f.required]


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why and what to do, in Chinese."""


@dataclass
class ImportPlan:
    filename: str
    sha256: str
    header_row: int
    columns: dict[str, str]  # field key → heading as written in the file
    ignored_columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, tuple[str, str]]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.as_dict() for p in self.problems],
                            columns=["行号", "级别", "列", "填写内容", "问题", "修改方法"])

    def changes_frame(self) -> pd.DataFrame:
        rows = [
            {"行号": row["_row"], "采矿许可证号": row["licence_no"], "矿山名称": row["name"],
             "字段": COLUMN_LABELS.get(key, key), "原值": old, "新值": new}
            for row, diff in self.changed for key, (old, new) in diff.items()
        ]
        return pd.DataFrame(rows, columns=["行号", "采矿许可证号", "矿山名称", "字段", "原值", "新值"])


def read_table(content: bytes, filename: str, aliases: dict[str, str] = _ALIASES,
               anchors: frozenset[str] = frozenset({"licence_no", "name"})) -> list[list[Any]]:
    """The cells of the sheet whose header matches (or the CSV) as rows of Python values."""
    size_mb = len(content) / 1024 / 1024
    if size_mb > MAX_IMPORT_MB:
        raise ImportFileError(
            f"文件大小为 {size_mb:.1f} MB，超过 {MAX_IMPORT_MB} MB 的上限（1 万座矿山的名录约 1 MB）。"
            "请删除无关的工作表、图片后重新保存，或分批导入。"
        )
    if not content.strip():
        raise ImportFileError("文件是空的。请上传填好的名录表（可先下载导入模板）。")
    suffix = PurePath(filename).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(content, filename, aliases, anchors)
    if suffix in (".csv", ".txt"):
        return _read_csv(content)
    raise ImportFileError(f"不支持的文件类型“{suffix or '无扩展名'}”。请上传 Excel（.xlsx、.xls）或 CSV 文件。")


def _read_excel(content: bytes, filename: str, aliases: dict[str, str],
                anchors: frozenset[str]) -> list[list[Any]]:
    is_zip = content[:4] == b"PK\x03\x04"
    is_ole = content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if not (is_zip or is_ole):
        raise ImportFileError(
            f"“{filename}”的扩展名是 Excel，但内容不是 Excel 工作簿（可能是其他文件改了扩展名）。"
            "请在 Excel 或 WPS 中打开原表，“另存为” .xlsx 后再上传。"
        )
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = [workbook.get_sheet_by_index(i).to_python(skip_empty_area=False)
                  for i in range(len(workbook.sheet_names))]
    except python_calamine.PasswordError as exc:
        raise ImportFileError("该 Excel 文件设置了密码，请取消密码保护后再上传。") from exc
    except Exception as exc:  # calamine raises several kinds for damaged files
        raise ImportFileError(
            f"无法读取“{filename}”：文件已损坏或不是有效的 Excel 工作簿。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
        ) from exc
    # The register is on the first sheet that has a recognisable header (a 填表说明 sheet may come first).
    for rows in sheets:
        if find_header(rows, aliases, anchors) is not None:
            return rows
    return sheets[0] if sheets else []


def _read_csv(content: bytes) -> list[list[Any]]:
    if b"\x00" in content[:4096]:
        raise ImportFileError("CSV 文件中含有二进制内容（可能是 UTF-16 编码或其他文件）。请在 Excel 中“另存为” CSV（逗号分隔）。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 CSV 文件的文字编码。请在 Excel 中“另存为” CSV UTF-8 或 CSV（逗号分隔）。")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def find_header(rows: list[list[Any]], aliases: dict[str, str] = _ALIASES,
                anchors: frozenset[str] = frozenset({"licence_no", "name"})) -> tuple[int, dict[str, int]] | None:
    """(row index, field key → column index) of the best header among the first rows, or None.

    ``aliases`` maps normalised headings to field keys; a header row must name every ``anchors`` key.
    """
    best = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = aliases.get(normalize.header(cell))
            if key and key not in found:
                found[key] = col
        if anchors <= found.keys() and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


Progress = Callable[[float], None]


def _unit_in_heading(heading: str) -> str:
    match = re.search(r"[（(]([^）)]+)[）)]", heading)
    return (normalize.unit(match.group(1)) or "") if match else ""


def plan_import(db: Database, content: bytes, filename: str, progress: Progress | None = None) -> ImportPlan:
    """Read, normalise and validate a register file and compare it with the register. Writes nothing.

    ``progress`` is called now and then with the share done (0–1).
    """
    rows = read_table(content, filename)
    header = find_header(rows)
    if header is None:
        raise ImportFileError(
            f"在表格前 {HEADER_SEARCH_ROWS} 行中没有找到表头（至少应有“采矿许可证号”和“矿山名称”两列）。"
            "请使用本系统的导入模板，或把列名改为模板中的写法。"
        )
    header_index, columns = header
    missing = [f.label for f in _REQUIRED if f.key not in columns and not (f.key == "city" and "county_code" in columns)]
    if missing:
        raise ImportFileError(f"表格缺少必填列：{'、'.join(missing)}。请补充这些列（列名可参照导入模板）。")
    header_cells = rows[header_index]
    used = set(columns.values())
    ignored = [normalize.text(c) for i, c in enumerate(header_cells) if i not in used and normalize.text(c)]

    plan = ImportPlan(
        filename=filename, sha256=hashlib.sha256(content).hexdigest(), header_row=header_index + 1,
        columns={key: normalize.text(header_cells[col]) for key, col in columns.items()}, ignored_columns=ignored,
    )
    # A unit written in the heading ("生产规模（万吨/年）") applies to every row when there is no unit column.
    heading_unit = _unit_in_heading(plan.columns.get("scale", "")) if "scale_unit" not in columns else ""
    province = settings.province(db)
    existing = {m["licence_no"]: m for m in db.query("SELECT * FROM mines")}
    first_seen: dict[str, int] = {}
    for index in range(header_index + 1, len(rows)):
        cells = rows[index]
        if not any(normalize.text(c) for c in cells):
            continue
        excel_row = index + 1
        if progress and index % 500 == 0:
            progress(index / len(rows))
        raw = {key: (cells[col] if col < len(cells) else None) for key, col in columns.items()}
        if heading_unit:
            raw["scale_unit"] = heading_unit
        values, problems = validate_mine(raw, province, row=excel_row)
        plan.problems.extend(problems)
        licence = values["licence_no"]
        if licence in first_seen:
            plan.problems.append(Problem(
                excel_row, "采矿许可证号", licence, f"与第 {first_seen[licence]} 行的采矿许可证号重复",
                "同一矿山只保留一行；不同矿山请核对证号",
            ))
            continue
        if licence:
            first_seen[licence] = excel_row
        if any(p.is_error for p in problems):
            continue
        current = existing.get(licence)
        if current and current["status"] == STATUS_REMOVED:
            plan.problems.append(Problem(
                excel_row, "采矿许可证号", licence, f"该矿山已于 {current['removed_date']} 移出名录，导入只更新资料，不会恢复在册",
                "如需恢复在册，请在名录页打开该矿山并填写恢复原因", WARNING,
            ))
        values["_row"] = excel_row
        values["_expected_version"] = current["version"] if current else None
        plan.rows.append(values)
        if current is None:
            plan.new.append(values)
        else:
            diff = registry.changes(current, values)
            if diff:
                plan.changed.append((values, diff))
            else:
                plan.unchanged += 1
    if not plan.rows and not plan.problems:
        raise ImportFileError("表头下面没有数据行。请在表头下逐行填写矿山后再上传。")
    plan.problems.sort(key=lambda p: (p.row or 0, p.severity != ERROR))
    return plan


def apply_import(db: Database, plan: ImportPlan, actor: str, progress: Progress | None = None) -> tuple[int, int]:
    """Write a previewed plan in one transaction; returns (created, updated)."""
    if not plan.ok:
        raise registry.RegistryError(f"导入文件还有 {len(plan.errors)} 处错误，修改后重新上传才能导入。")
    to_write = plan.new + [values for values, _ in plan.changed]
    note = f"导入文件：{plan.filename}"
    with transaction(db):
        created, updated = registry.upsert_mines(db, to_write, actor, note, progress)
        db["imports"].insert({
            "at": now(), "actor": actor, "filename": plan.filename, "sha256": plan.sha256,
            "rows": len(plan.rows), "created": created, "updated": updated,
        })
    return created, updated


def recent_imports(db: Database, limit: int = 20) -> pd.DataFrame:
    """The latest imports, newest first, with Chinese column names."""
    frame = pd.read_sql_query(
        "SELECT at AS 时间, actor AS 操作人, filename AS 文件, rows AS 行数, created AS 新增, updated AS 更新 "
        "FROM imports ORDER BY id DESC LIMIT ?", db.conn, params=[limit],
    )
    frame["时间"] = frame["时间"].map(chinese_time)
    return frame
