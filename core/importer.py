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
import difflib
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Callable, Iterable, Iterator

import pandas as pd
import python_calamine
from sqlite_utils import Database

from core import normalize, reference, regions, registry, settings
from core.db import now, transaction
from core.exports import chinese_time
from core.labels import COLUMN_LABELS, FIELD_BY_KEY, FIELDS, STATUS_REMOVED
from core.validation import ERROR, WARNING, Problem, validate_mine

MAX_IMPORT_MB = 10
HEADER_SEARCH_ROWS = 15
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

_REQUIRED = [f for f in FIELDS if f.required]
_ANCHORS = frozenset({"licence_no", "name"})


class Headings:
    """Which field a column heading stands for.

    A heading is looked up as written (blanks, line breaks and '*' marks aside), then by its stem
    (:func:`core.normalize.heading_stem`: bracketed qualifiers, 所在/所属 and 名称 dropped), so
    '所在市（州）' and '市(地、州、盟)' both read as 市 while '所在市（州）代码' stays unrecognised.
    """

    def __init__(self, names: dict[str, Iterable[str]]):
        """``names``: field key → the label and aliases of that field."""
        self.exact: dict[str, str] = {}
        stems: dict[str, set[str]] = {}
        for key, spellings in names.items():
            for name in spellings:
                self.exact.setdefault(normalize.header(name), key)
                stems.setdefault(normalize.heading_stem(name), set()).add(key)
        # A stem shared by two fields ('坐标' of 坐标(经度) and 坐标(纬度)) decides nothing.
        self.stems = {stem: keys.pop() for stem, keys in stems.items() if len(keys) == 1 and stem}
        self.names = {key: tuple(spellings) for key, spellings in names.items()}

    def match(self, cell: object) -> str | None:
        written = normalize.header(cell)
        if not written:
            return None
        return self.exact.get(written) or self.stems.get(normalize.heading_stem(cell))


REGISTER_HEADINGS = Headings({f.key: (f.label, *f.aliases) for f in FIELDS})


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why and what to do, in Chinese."""


class MissingColumnsError(ImportFileError):
    """The header was found but some required columns were not recognised.

    Carries what the page needs to let the user say which heading is which field: the headings of the
    file, the columns recognised (field key → heading), the missing field keys, and for each missing
    field the heading of the file that most probably holds it.
    """

    def __init__(self, header_row: int, headings: list[str], recognised: dict[str, str], missing: list[str],
                 suggestions: dict[str, str]):
        self.header_row = header_row
        self.headings = headings
        self.recognised = recognised
        self.missing = missing
        self.suggestions = suggestions
        labels = "、".join(FIELD_BY_KEY[key].label for key in missing)
        found = "、".join(f"“{h}”" for h in headings)
        known = "、".join(f"“{h}”" if h == FIELD_BY_KEY[key].label else f"“{h}”（{FIELD_BY_KEY[key].label}）"
                         for key, h in recognised.items()) or "无"
        asks = "".join(f"表格中的“{suggestions[key]}”是否就是“{FIELD_BY_KEY[key].label}”？"
                       for key in missing if key in suggestions)
        super().__init__(
            f"表格缺少必填列：{labels}。第 {header_row} 行的表头有：{found}；已识别的列：{known}。{asks}"
            "可以在导入页面为缺少的列指定文件中的对应列，或把列名改为导入模板中的写法后重新上传。"
        )

    def __reduce__(self):
        # Kept in a session between page runs: rebuilt from its parts, not from its message.
        return (type(self), (self.header_row, self.headings, self.recognised, self.missing, self.suggestions))

    @property
    def unused(self) -> list[str]:
        """Headings of the file that no field was recognised in (what a missing field may be mapped to)."""
        used = set(self.recognised.values())
        return [h for h in self.headings if h not in used]


@dataclass(frozen=True)
class Header:
    """Where the header of a sheet is: one row, or two when a heading row has sub-headings below it
    (坐标 over 经度 and 纬度; 矿山名称 merged down across both rows)."""

    first: int  # index of the (first) heading row
    last: int  # index of the last heading row; data start below it
    columns: dict[str, int]  # field key → column index
    headings: list[str]  # the heading of each column as shown to users ("" for a column without one)

    @property
    def rows_label(self) -> str:
        return f"第 {self.first + 1} 行" if self.first == self.last else f"第 {self.first + 1}–{self.last + 1} 行"


@dataclass(frozen=True)
class SkippedRow:
    """A row below the header that is not a mine: a signature line, a note, a total."""

    row: int
    text: str
    reason: str

    @classmethod
    def of(cls, row: int, cells: list[Any], reason: str) -> "SkippedRow":
        return cls(row, "　".join(t for t in map(normalize.text, cells) if t), reason)


def skipped_frame(skipped: list[SkippedRow]) -> pd.DataFrame:
    """The rows skipped as not being entries (行号, 内容, 跳过原因), for the preview."""
    return pd.DataFrame([{"行号": s.row, "内容": s.text, "跳过原因": s.reason} for s in skipped],
                        columns=["行号", "内容", "跳过原因"])


@dataclass
class ImportPlan:
    filename: str
    sha256: str
    header_row: int
    columns: dict[str, str]  # field key → heading as written in the file
    ignored_columns: list[str]
    header_rows: str = ""  # "第 3 行" or "第 3–4 行"
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, tuple[str, str]]]] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    originals: dict[int, dict[str, Any]] = field(default_factory=dict)  # sheet row → field key → cell as read

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

    def skipped_frame(self) -> pd.DataFrame:
        return skipped_frame(self.skipped)

    def normalised_cells(self) -> list[tuple[int, str, str, str]]:
        """(row, column label, as written, as imported) of every cell of the mines to write that the
        import reads differently from how it is written (露采 → 露天开采, 114°18′30″ → 114.308333, １２０ → 120)."""
        found = []
        for values in self.new + [values for values, _ in self.changed]:
            for key, (written, imported) in _normalised(self.originals.get(values["_row"], {}), values).items():
                found.append((values["_row"], FIELD_BY_KEY[key].label, written, imported))
        return sorted(found, key=lambda cell: cell[0])

    def normalised_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.normalised_cells(), columns=["行号", "列", "文件中的写法", "导入后的值"])

    def preview_frame(self) -> pd.DataFrame:
        """The mines to add or update, one row each, with the values that will be written; a cell that
        the import reads differently from the file shows both: '露采 → 露天开采'."""
        keys = [f.key for f in FIELDS if f.key in self.columns]
        labels = [FIELD_BY_KEY[key].label for key in keys]
        records = []
        for action, rows in (("新增", self.new), ("更新", [values for values, _ in self.changed])):
            for values in rows:
                original = self.originals.get(values["_row"], {})
                changed = _normalised(original, values)
                record: dict[str, Any] = {"行号": values["_row"], "操作": action}
                for key, label in zip(keys, labels):
                    written, imported = changed.get(key, (None, _shown(key, values)))
                    record[label] = f"{written} → {imported}" if written is not None else imported
                records.append(record)
        records.sort(key=lambda r: r["行号"])
        return pd.DataFrame(records, columns=["行号", "操作", *labels])


def _written(value: object) -> str:
    """A cell as the user typed it (full-width characters kept), for showing next to what was imported."""
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value).strip()
    return normalize.text(value)


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _shown(key: str, values: dict[str, Any]) -> str:
    """The value of a field as it will be stored, in words."""
    if key == "scale":
        return f"{_figure(values.get('scale_value'))}{values.get('scale_unit') or ''}" \
            if values.get("scale_value") is not None else ""
    if key in ("lon", "lat"):
        return _figure(values.get(key))
    if key in ("flag_problem", "flag_rectify"):
        return "是" if values.get(key) else "否"
    value = values.get(key)
    return "" if value is None else normalize.text(value)


def _normalised(original: dict[str, Any], values: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Field key → (as written, as imported) for the cells the import reads differently from the file."""
    found = {}
    for key, cell in original.items():
        if key not in FIELD_BY_KEY:
            continue
        written = _written(cell)
        if not written:
            continue
        imported = _shown(key, values)
        number = normalize.number(cell)
        if number is not None and written == normalize.text(cell) and (
                imported == _figure(number) or key == "scale"):  # a plain number (its unit from the heading)
            continue
        if written != imported:
            found[key] = (written, imported)
    return found


def read_table(content: bytes, filename: str, headings: Headings = REGISTER_HEADINGS,
               anchors: frozenset[str] = _ANCHORS) -> list[list[Any]]:
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
        return _read_excel(content, filename, headings, anchors)
    if suffix in (".csv", ".txt"):
        return _read_csv(content)
    raise ImportFileError(f"不支持的文件类型“{suffix or '无扩展名'}”。请上传 Excel（.xlsx、.xls）或 CSV 文件。")


def _read_excel(content: bytes, filename: str, headings: Headings, anchors: frozenset[str]) -> list[list[Any]]:
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
        if find_header(rows, headings, anchors) is not None:
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


def _cell(row: list[Any], col: int) -> str:
    return normalize.text(row[col]) if col < len(row) else ""


def _match_row(row: list[Any], headings: Headings) -> dict[str, int]:
    found: dict[str, int] = {}
    for col, cell in enumerate(row):
        key = headings.match(cell)
        if key and key not in found:
            found[key] = col
    return found


def _two_row_headings(upper: list[Any], lower: list[Any]) -> list[tuple[str, str]]:
    """(group heading, sub-heading) per column of a two-row header. A group heading merged across
    several columns is only in its first cell, so it is carried right over the columns that have a
    sub-heading below (坐标 over 经度 and 纬度)."""
    width = max(len(upper), len(lower))
    pairs = []
    carried = ""
    for col in range(width):
        up, low = _cell(upper, col), _cell(lower, col)
        if up:
            carried = up if low else ""
        elif low and carried:
            up = carried
        else:
            carried = ""
        pairs.append((up, low))
    return pairs


def find_header(rows: list[list[Any]], headings: Headings = REGISTER_HEADINGS,
                anchors: frozenset[str] = _ANCHORS) -> Header | None:
    """The best header among the first rows, or None. A header row must name every ``anchors`` key;
    the row below it is part of the header when it holds sub-headings and nothing under the anchors."""
    best: Header | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        single = _match_row(row, headings)
        if not anchors <= single.keys():
            continue
        candidate = Header(index, index, single, [_cell(row, col) for col in range(len(row))])
        below = rows[index + 1] if index + 1 < len(rows) else []
        if not any(_cell(below, single[key]) for key in anchors) and any(_cell(below, c) for c in range(len(below))):
            combined = _combine(row, below, headings)
            if combined is not None:
                candidate = Header(index, index + 1, *combined)
        if best is None or len(candidate.columns) > len(best.columns):
            best = candidate
    return best


def _combine(upper: list[Any], lower: list[Any], headings: Headings) -> tuple[dict[str, int], list[str]] | None:
    """Columns and headings of a two-row header, or None if ``lower`` holds no sub-heading (data, say)."""
    found: dict[str, int] = {}
    shown: list[str] = []
    any_sub = False
    for col, (up, low) in enumerate(_two_row_headings(upper, lower)):
        key = None
        if low:
            key = headings.match(low) or headings.match(up + low)
            any_sub = any_sub or key is not None
        key = key or (headings.match(up) if up else None)
        if key and key not in found:
            found[key] = col
        shown.append(f"{up}（{low}）" if up and low else up or low)
    return (found, shown) if any_sub else None


Progress = Callable[[float], None]


def _unit_in_heading(heading: str) -> str:
    match = re.search(r"[（(]([^）)]+)[）)]", heading)
    return (normalize.unit(match.group(1)) or "") if match else ""


# The end of a register table: signature lines, notes and totals (a footer has no licence number).
_SIGNATURE = re.compile(
    r"^(填表人|填报人|制表人|统计人|经办人|联系人|联系电话|电话|手机|审核人|审核|审批人|复核人|核对人|负责人|单位负责人|"
    r"分管领导|主管领导|签字|签名|盖章|单位盖章|填表日期|填报日期|制表日期|报送日期|日期|填表单位|填报单位|制表单位|"
    r"报送单位)\s*(?:[(（]\s*(?:盖章|签字|签名)\s*[)）])?\s*(?:[:：]|$)"
)
_NOTE = re.compile(r"^(注|备注|说明|填表说明|附注|注释)\s*(?:\d+|[一二三四五六七八九十]+)?\s*(?:[:：、.．]|$)")
_TOTAL = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计)")
_FOOTER_KINDS = ((_SIGNATURE, "表尾签字栏"), (_NOTE, "表尾注释或说明"), (_TOTAL, "合计行"))


def footer_reason(cells: list[Any], licence_col: int, after_footer: bool) -> str | None:
    """Why this row is not a mine, or None if it may be one. A row with something like a licence
    number (six digits in a row) in its licence column is always read as a mine; so is any row the
    rules below do not recognise. ``after_footer``: the row above was a footer row. (The inspector
    import passes its name column as ``licence_col``.)"""
    texts = [normalize.text(c) for c in cells]
    filled = [t for t in texts if t]
    licence = texts[licence_col] if licence_col < len(texts) else ""
    is_footer = [reason for pattern, reason in _FOOTER_KINDS if pattern.match(filled[0])]
    has_licence = bool(re.search(r"\d{6,}", licence.replace(" ", ""))) and not any(
        pattern.match(licence) for pattern, _ in _FOOTER_KINDS)
    if has_licence:
        return None
    if is_footer:
        return is_footer[0]
    # Lines that continue a note ("2. 坐标为 CGCS2000") or a signature line ("2023年9月1日").
    if after_footer and len(filled) <= 3:
        return "表尾注释或说明"
    return None


def table_rows(rows: list[list[Any]], first: int, key_col: int) -> Iterator[tuple[int, list[Any], str | None]]:
    """The rows of a table from index ``first`` (below its heading), blank rows left out: (row number as
    Excel shows it, cells, why the row is a footer — :func:`footer_reason` — or None for a data row).
    ``key_col``: the column that identifies a data row (the licence number, a name)."""
    after_footer = False
    for index in range(first, len(rows)):
        cells = rows[index]
        if not any(normalize.text(c) for c in cells):
            continue
        reason = footer_reason(cells, key_col, after_footer)
        after_footer = reason is not None
        yield index + 1, cells, reason


def _suggest(missing: list[str], header: Header, unused: list[int], rows: list[list[Any]],
             province: regions.Region) -> dict[str, str]:
    """For each missing field, the unused heading of the file that most probably holds it: a column
    whose cells read as that field (city names of the province, levels, methods …), else the heading
    that reads most like the field's name."""
    checks: dict[str, Callable[[str], bool]] = {
        "city": lambda v: regions.find_prefecture(province.code, v) is not None,
        "level": lambda v: bool(normalize.level(v)),
        "method": lambda v: bool(normalize.method(v)),
        "mineral": lambda v: reference.find_mineral(v) is not None,
        "licence_no": lambda v: bool(normalize.LICENCE_PATTERN.match(normalize.licence_no(v))),
    }
    sample = [r for r in rows[header.last + 1: header.last + 41] if any(normalize.text(c) for c in r)]
    suggestions: dict[str, str] = {}
    taken: set[int] = set()
    for key in missing:
        best, best_score = None, 0.0
        for col in unused:
            if col in taken:
                continue
            values = [_cell(r, col) for r in sample if _cell(r, col)]
            check = checks.get(key)
            if check and values and sum(map(check, values)) / len(values) >= 0.6:
                score = 2.0 + sum(map(check, values)) / len(values)
            else:
                stem = normalize.heading_stem(header.headings[col])
                names = (FIELD_BY_KEY[key].label, *FIELD_BY_KEY[key].aliases)
                score = max(difflib.SequenceMatcher(None, stem, normalize.heading_stem(n)).ratio() for n in names)
                if score < 0.5:
                    continue
            if score > best_score:
                best, best_score = col, score
        if best is not None:
            suggestions[key] = header.headings[best]
            taken.add(best)
    return suggestions


def _apply_overrides(header: Header, overrides: dict[str, str]) -> dict[str, int]:
    """Columns after the user's choices (field key → heading as shown); a chosen heading is read as
    that field only, whatever it was recognised as before."""
    columns = dict(header.columns)
    for key, heading in overrides.items():
        if key not in FIELD_BY_KEY:
            raise ImportFileError(f"未知的字段“{key}”。")
        matches = [col for col, shown in enumerate(header.headings) if shown == heading]
        if not matches:
            raise ImportFileError(f"表头中没有“{heading}”这一列，无法把它作为“{FIELD_BY_KEY[key].label}”。请重新选择。")
        free = [col for col in matches if col not in columns.values()]
        col = (free or matches)[0]
        columns = {k: c for k, c in columns.items() if c != col}
        columns[key] = col
    return columns


def plan_import(db: Database, content: bytes, filename: str, progress: Progress | None = None,
                column_overrides: dict[str, str] | None = None) -> ImportPlan:
    """Read, normalise and validate a register file and compare it with the register. Writes nothing.

    ``column_overrides`` maps field keys to headings of the file (as shown in
    :class:`MissingColumnsError`), for columns the user has said which field they hold.
    ``progress`` is called now and then with the share done (0–1).
    Raises :class:`MissingColumnsError` when required columns are not found, :class:`ImportFileError`
    for any other problem of the file as a whole.
    """
    rows = read_table(content, filename)
    header = find_header(rows)
    if header is None:
        raise ImportFileError(
            f"在表格前 {HEADER_SEARCH_ROWS} 行中没有找到表头（至少应有“采矿许可证号”和“矿山名称”两列）。"
            "请使用本系统的导入模板，或把列名改为模板中的写法。"
        )
    columns = _apply_overrides(header, column_overrides or {})
    province = settings.province(db)
    missing = [f.key for f in _REQUIRED if f.key not in columns and not (f.key == "city" and "county_code" in columns)]
    if missing:
        used = set(columns.values())
        unused = [col for col, shown in enumerate(header.headings) if shown and col not in used]
        raise MissingColumnsError(
            header.first + 1, [h for h in header.headings if h],
            {key: header.headings[col] for key, col in sorted(columns.items(), key=lambda item: item[1])},
            missing, _suggest(missing, header, unused, rows, province),
        )
    used = set(columns.values())
    ignored = [h for i, h in enumerate(header.headings) if i not in used and h]

    plan = ImportPlan(
        filename=filename, sha256=hashlib.sha256(content).hexdigest(), header_row=header.first + 1,
        columns={key: header.headings[col] for key, col in columns.items()}, ignored_columns=ignored,
        header_rows=header.rows_label,
    )
    # A unit written in the heading ("生产规模（万吨/年）") applies to every row when there is no unit column.
    heading_unit = _unit_in_heading(plan.columns.get("scale", "")) if "scale_unit" not in columns else ""
    existing = {m["licence_no"]: m for m in db.query("SELECT * FROM mines")}
    first_seen: dict[str, int] = {}
    for excel_row, cells, reason in table_rows(rows, header.last + 1, columns["licence_no"]):
        if progress and excel_row % 500 == 0:
            progress(excel_row / len(rows))
        if reason:
            plan.skipped.append(SkippedRow.of(excel_row, cells, reason))
            continue
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
        plan.originals[excel_row] = {key: raw[key] for key in columns}
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
