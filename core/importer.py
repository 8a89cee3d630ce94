"""Import of the register from Excel (.xlsx/.xls) and CSV (UTF-8, UTF-8 with BOM, GB18030/GBK).

Two steps, so that nothing is written until the user has seen what will happen:

1. :func:`plan_import` reads the file, finds the header (a title row above it is fine), normalises and
   validates every row, and compares it with the register → an :class:`ImportPlan` with every problem
   (row, column, value, what is wrong, how to fix it) and every change (new mines, changed fields).
2. :func:`apply_import` writes the plan in one transaction — all rows or none — and refuses if the plan
   has errors or if a mine it updates was changed by someone else after the preview.

Every import (register, inspectors, reference tables) reads its file through :func:`read_table`, which
refuses a sheet larger than a register can be before anything is allocated for it (see "Reading a
workbook within bounds" below), and reports a cell longer than :data:`MAX_CELL_CHARS` on its row
(:func:`overlong_cells`).
"""

from __future__ import annotations

import csv
import datetime
import difflib
import hashlib
import io
import json
import posixpath
import re
import subprocess
import sys
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any, Callable, Iterable, Iterator
from xml.parsers import expat

import pandas as pd
import python_calamine
from sqlite_utils import Database

from core import limits, normalize, reference, regions, registry, settings
from core.db import now, transaction
from core.exports import chinese_time
from core.labels import COLUMN_LABELS, FIELD_BY_KEY, FIELDS, STATUS_REMOVED
from core.validation import ERROR, WARNING, Problem, validate_mine

MAX_IMPORT_MB = 10
HEADER_SEARCH_ROWS = 15
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# The largest table any import accepts. A province's register has a few thousand rows and some thirty
# columns; these bounds keep the memory a sheet takes when read under about 300 MB.
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 200
MAX_SHEET_CELLS = 5_000_000  # rows × columns from A1 to the last cell holding something
MAX_BOOK_CELLS = 10_000_000  # the same, all sheets of a workbook together
MAX_BOOK_TEXT = 50_000_000  # characters of shared text copied into the cells of all sheets
MAX_UNPACKED_MB = 200  # an .xlsx is a zip: its parts together, unpacked
MAX_PARTS = 1_000
MAX_CELL_CHARS = limits.CELL  # a mine's name or address takes a few hundred at most

_REQUIRED = [f for f in FIELDS if f.required]
_LABELS = {f.key: f.label for f in FIELDS}
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
        return cls(row, excerpt("　".join(t for t in map(normalize.text, cells) if t), 200), reason)


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
    """The cells of the sheet whose header matches (or the CSV) as rows of Python values.

    Raises :class:`ImportFileError` for a file that cannot be read, or whose table is larger than a
    register can be (:data:`MAX_SHEET_ROWS` rows, :data:`MAX_SHEET_COLUMNS` columns …), before it is read.
    """
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
        return _read_csv(content, filename)
    raise ImportFileError(f"不支持的文件类型“{suffix or '无扩展名'}”。请上传 Excel（.xlsx、.xls）或 CSV 文件。")


def _read_excel(content: bytes, filename: str, headings: Headings, anchors: frozenset[str]) -> list[list[Any]]:
    is_zip = content[:4] == b"PK\x03\x04"
    is_ole = content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if not (is_zip or is_ole):
        raise ImportFileError(
            f"“{filename}”的扩展名是 Excel，但内容不是 Excel 工作簿（可能是其他文件改了扩展名）。"
            "请在 Excel 或 WPS 中打开原表，“另存为” .xlsx 后再上传。"
        )
    first = None
    # The register is on the first sheet that has a recognisable header (a 填表说明 sheet may come first).
    for rows in (_xlsx_sheets(content, filename) if is_zip else _xls_sheets(content, filename)):
        if find_header(rows, headings, anchors) is not None:
            return rows
        first = rows if first is None else first
    return first or []


def _read_csv(content: bytes, filename: str) -> list[list[Any]]:
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
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[list[Any]] = []
    count = width = 0
    try:
        for row in reader:
            while row and row[-1] == "":  # the empty cells Excel writes up to the widest row
                row.pop()
            count, width = count + 1, max(width, len(row))
            if count <= MAX_SHEET_ROWS and width <= MAX_SHEET_COLUMNS:
                rows.append(row)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                f"文件“{filename}”第 {reader.line_num} 行附近有一个单元格超过 {csv.field_size_limit()} 字"
                f"（名录的单元格最多 {MAX_CELL_CHARS} 字），未导入。常见原因是某个单元格的引号没有配对，"
                "把后面的内容都读进了同一格。请在 Excel 或 WPS 中打开检查后，“另存为” CSV 再上传。"
            ) from exc
        raise ImportFileError(
            f"无法读取 CSV 文件“{filename}”第 {reader.line_num} 行：格式有误。请在 Excel 中“另存为” CSV（逗号分隔）后再上传。"
        ) from exc
    if count > MAX_SHEET_ROWS or width > MAX_SHEET_COLUMNS or count * width > MAX_SHEET_CELLS:
        raise _too_large(filename, None, count, width)
    return rows


# --- Reading a workbook within bounds ---------------------------------------------------------------
#
# python-calamine lays a sheet out as one dense array from its first to its last cell that holds
# something (one cell at A1 and one at XFD1048576: 17 billion cells), copies a shared string into every
# cell that refers to it, and reserves what some counts written in the file ask for. When such an
# allocation fails the process aborts, with no Python exception to catch, taking every user's session
# with it. So an .xlsx is measured first, its XML streamed part by part (:class:`_PartScan`), and given
# to calamine only if every sheet fits; an .xls, whose binary format calamine walks by the sector numbers
# and sizes written in it, is read in a child process with a memory and time limit (:func:`_xls_sheets`).

_CELL_LIMITS = (f"最多 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列，每张表不超过 {MAX_SHEET_CELLS // 10_000} 万个单元格，"
                f"整个文件不超过 {MAX_BOOK_CELLS // 10_000} 万个单元格、{MAX_BOOK_TEXT // 10_000} 万字")
_U32 = 0xFFFFFFFF  # calamine's row and column numbers are 32-bit and wrap around
_CHUNK = 1 << 20


def _where(filename: str, sheet: str | None) -> str:
    return f"文件“{filename}”的工作表“{sheet}”" if sheet else f"文件“{filename}”"


def _too_large(filename: str, sheet: str | None, rows: int, columns: int) -> ImportFileError:
    return ImportFileError(
        f"{_where(filename, sheet)}范围为 {rows} 行 × {columns} 列，超过名录可能的大小（{_CELL_LIMITS}），未导入。"
        "请删除多余的空行空列（选中后“删除”，不是“清除内容”）后重新保存。"
    )


def _too_much(filename: str, sheet: str | None, what: str) -> ImportFileError:
    return ImportFileError(
        f"{_where(filename, sheet)}{what}，超过名录可能的大小（{_CELL_LIMITS}），未导入。"
        "请只保留名录本身，另存为新的 .xlsx 后再上传。"
    )


def _damaged(filename: str) -> ImportFileError:
    return ImportFileError(
        f"无法读取“{filename}”：文件已损坏或不是有效的 Excel 工作簿。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
    )


_PASSWORD = "该 Excel 文件设置了密码，请取消密码保护后再上传。"
_TOO_MUCH_TEXT = f"各单元格引用的文字共超过 {MAX_BOOK_TEXT // 10_000} 万字（可能有大量单元格引用同一段长文字）"


def _xlsx_sheets(content: bytes, filename: str) -> Iterator[list[list[Any]]]:
    """The sheets of an .xlsx, one at a time, each as rows of Python values, once all have been measured."""
    _check_xlsx(content, filename)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        for index in range(len(workbook.sheet_names)):
            yield workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
    except python_calamine.PasswordError as exc:
        raise ImportFileError(_PASSWORD) from exc
    except BaseException as exc:  # several kinds for damaged files, and a Rust panic is no Exception
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise _damaged(filename) from exc


class _Unreadable(Exception):
    """A part of an .xlsx that calamine may read differently from how it was measured: refused."""


class _Overflow(Exception):
    """A part of an .xlsx holds more than any register: ``what`` says what, in Chinese."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def _check_xlsx(content: bytes, filename: str) -> None:
    """Refuse, with a message naming the sheet, an .xlsx that calamine could not read within bounds:
    a sheet beyond :data:`MAX_SHEET_ROWS` × :data:`MAX_SHEET_COLUMNS` (or :data:`MAX_SHEET_CELLS` cells),
    sheets together beyond :data:`MAX_BOOK_CELLS` cells or :data:`MAX_BOOK_TEXT` characters of shared
    text copied into them, parts unpacking to more than :data:`MAX_UNPACKED_MB`, or a zip that calamine
    would read as another format (.ods, .xlsb)."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except Exception as exc:  # zipfile raises several kinds for a damaged archive
        raise _damaged(filename) from exc
    names = [_part_name(part) for part in parts]
    if "mimetype" in names or any(name.endswith("workbook.bin") for name in names):
        raise ImportFileError(f"“{filename}”不是 .xlsx 格式的工作簿（可能是 .ods 或 .xlsb 文件改了扩展名）。"
                              "请在 Excel 或 WPS 中“另存为” .xlsx 后再上传。")
    unpacked_too_much = _too_much(filename, None, f"解压后超过 {MAX_UNPACKED_MB} MB")
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_MB * 2**20:
        raise unpacked_too_much
    # The shared strings first (a cell's text is the string it refers to), then what names the sheets.
    parts.sort(key=lambda part: (not _part_name(part).endswith("sharedstrings.xml"),
                                 not _part_name(part).endswith((".rels", "workbook.xml"))))
    strings = array("I")  # length of each shared string, by index
    scans: dict[str, _PartScan] = {}
    left = MAX_UNPACKED_MB * 2**20
    cells = text = 0
    for part in parts:
        scan = scans[_part_name(part)] = _PartScan(_part_name(part), strings)
        try:
            for chunk in _inflate(content, part):
                left -= len(chunk)
                if left < 0:
                    raise unpacked_too_much
                scan.feed(chunk)
            scan.close()
        except _Overflow as exc:
            raise _too_much(filename, _sheet_name(scans, scan.name), exc.what) from exc
        except (_Unreadable, zlib.error) as exc:
            raise _damaged(filename) from exc
        if scan.rows > MAX_SHEET_ROWS or scan.columns > MAX_SHEET_COLUMNS or scan.rows * scan.columns > MAX_SHEET_CELLS:
            raise _too_large(filename, _sheet_name(scans, scan.name), scan.rows, scan.columns)
        cells, text = cells + scan.rows * scan.columns, text + scan.text
        if cells > MAX_BOOK_CELLS:
            raise _too_much(filename, None, f"各工作表合计超过 {MAX_BOOK_CELLS // 10_000} 万个单元格")
        if text > MAX_BOOK_TEXT:
            raise _too_much(filename, None, _TOO_MUCH_TEXT)


def _part_name(part: zipfile.ZipInfo) -> str:
    # As calamine looks parts up: case and the slash's direction do not matter.
    return part.filename.replace("\\", "/").lower()


def _inflate(content: bytes, part: zipfile.ZipInfo) -> Iterator[bytes]:
    """The bytes of one part of a zip, a megabyte at a time, inflated here from its compressed data: the
    size the zip declares for a part is not what calamine's reader goes by."""
    header = content[part.header_offset: part.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04" or part.flag_bits & 0x1:  # 0x1: encrypted
        raise _Unreadable(part.filename)
    start = part.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    data = memoryview(content)[start: start + part.compress_size]
    if part.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(data), _CHUNK):
            yield bytes(data[at: at + _CHUNK])
        return
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise _Unreadable(part.filename)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for at in range(0, len(data), 1 << 16):
        pending = data[at: at + (1 << 16)]
        while pending and not inflater.eof:
            out = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if out:
                yield out
    while not inflater.eof:  # what the last input still holds
        out = inflater.decompress(b"", _CHUNK)
        if not out:
            break
        yield out


_REFERENCE = re.compile(r"([A-Za-z]{0,8})([0-9]{1,10})")


@lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    """1 for A, 26 for Z, 27 for AA …, wrapping at 32 bits as in calamine (0: no letters)."""
    number = 0
    for letter in letters.upper():
        number = (number * 26 + ord(letter) - ord("A") + 1) & _U32
    return number


def _cell_position(reference: str) -> tuple[int, int | None]:
    """(row, column) of a reference like 'XFD1048576', 0-based, as calamine computes it (column None for
    a reference without letters). Raises _Unreadable for what calamine refuses, and for any reference
    longer than a real one (calamine's numbers would wrap around)."""
    match = _REFERENCE.fullmatch(reference)
    row = int(match[2]) & _U32 if match else 0
    if row == 0:
        raise _Unreadable(reference)
    column = _column_number(match[1])
    return row - 1, (column - 1 if column else None)


class _PartScan:
    """One XML part of an .xlsx, streamed through expat, measured as calamine will read it.

    - a sheet (a part with ``sheetData``): ``rows`` × ``columns`` from A1 to the last cell with content,
      ``cells`` with content, ``text``: characters of the shared strings its cells refer to. As in
      calamine, a cell is where its ``r`` says, else right of the cell before it; a row's ``r`` moves
      later cells without a reference to that row, its end to the next row.
    - the shared strings: the length of each string is kept in ``strings`` (by index), and the count
      the file declares (which calamine reserves room for) is checked.
    - the workbook and its relationships: ``sheets`` (name, relationship id) and ``relationships``
      (id → target), only to name a sheet in a message.

    XML that expat refuses is refused (:class:`_Unreadable`) if it may hold cells or shared strings:
    calamine's reader is lenient and might see cells in it. A DTD is refused: none belongs in an .xlsx.
    """

    # What calamine looks for, in ASCII-compatible encodings and in UTF-16 (either byte order: 's\0h…a').
    _MARKERS = tuple(marker for text in ("sheetData", "<sst", ":sst")
                     for marker in (text.encode(), text.encode("utf-16-le")[:-1]))

    def __init__(self, name: str, strings: array):
        self.name = name
        self.strings = strings
        self.keeps_strings = name.endswith("sharedstrings.xml")
        self.rows = self.columns = self.cells = self.text = 0
        self.row = self.column = 0  # where the next cell without a reference goes
        self.in_data = self.in_sst = self.in_cell = False
        self.row_of_cell = 0  # the open cell is at (row_of_cell, column)
        self.counted = self.shared = False
        self._locals: dict[str, str] = {}  # element name → local name (without its prefix)
        self.value: list[str] | None = None  # the text of a shared-string cell's <v>
        self.string: int | None = None  # characters of the open <si>
        self.string_index = 0
        self.sheets: list[tuple[str, str]] = []
        self.relationships: dict[str, str] = {}
        self.broken = self.marked = False
        self.tail = b""
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.StartDoctypeDeclHandler = self._doctype

    def feed(self, chunk: bytes) -> None:
        if not self.broken:
            try:
                self.parser.Parse(chunk, False)
            except expat.ExpatError:
                self.broken = True
        # What expat read before it stopped was measured; the rest is looked at as bytes.
        if self.broken and not self.marked:
            window = self.tail + chunk
            self.marked = b"s" in window and any(marker in window for marker in self._MARKERS)  # each has an s
        self.tail = chunk[-24:]
        if self.broken and self.marked:
            raise _Unreadable(self.name)

    def close(self) -> None:
        if not self.broken:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError:
                self.broken = True
        if self.broken and self.marked:
            raise _Unreadable(self.name)

    def _doctype(self, *_: Any) -> None:
        raise _Unreadable(self.name)

    def _local(self, name: str) -> str:
        local = self._locals.get(name)
        if local is None:
            local = name.rpartition(":")[2]
            if len(self._locals) < MAX_PARTS:
                self._locals[name] = local
        return local

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = self._locals.get(name) or self._local(name)
        if self.in_cell:  # anything inside a cell gives it content (calamine reads it as a value)
            if not self.counted:
                self._count()
            if local == "v" and self.shared:
                self.value = []
        elif self.in_data:
            if local == "c":
                self._open(attrs)
            elif local == "row" and "r" in attrs:
                self.row = _cell_position(attrs["r"])[0]
        elif local == "sheetData":
            self.in_data = self.marked = True
        elif local == "sst":
            self.marked = True
            declared = re.fullmatch(r"\s*\+?0*([0-9]+)\s*", attrs.get("uniqueCount", ""))
            if declared and (len(declared[1]) > 10 or int(declared[1]) > MAX_SHEET_CELLS):
                raise _Overflow(f"声明有 {excerpt(declared[1], 20)} 段文字")
            self.in_sst = True
        elif local == "si" and self.in_sst and self.string is None:
            self.string = 0
        elif local == "sheet" and "name" in attrs and len(self.sheets) < MAX_PARTS:
            self.sheets.append((attrs["name"], next((v for k, v in attrs.items() if self._local(k) == "id"), "")))
        elif local == "Relationship" and len(self.relationships) < MAX_PARTS:
            self.relationships[attrs.get("Id", "")] = attrs.get("Target", "")

    def _open(self, attrs: dict[str, str]) -> None:
        reference = attrs.get("r")
        if reference is not None:
            self.row_of_cell, self.column = _cell_position(reference)
            if self.column is None:
                raise _Unreadable(reference)
        else:
            self.row_of_cell = self.row
        self.in_cell, self.counted, self.shared = True, False, attrs.get("t") == "s"

    def _count(self) -> None:
        self.counted = True
        self.cells += 1
        if self.row_of_cell >= self.rows:
            self.rows = self.row_of_cell + 1
        if self.column >= self.columns:
            self.columns = self.column + 1
        if self.cells > MAX_SHEET_CELLS:
            raise _Overflow(f"有超过 {MAX_SHEET_CELLS // 10_000} 万个单元格")

    def _end(self, name: str) -> None:
        local = self._locals.get(name) or self._local(name)
        if self.in_cell:
            if local == "c":
                self.in_cell, self.column = False, (self.column + 1) & _U32
            elif local == "v" and self.value is not None:
                index = "".join(self.value).strip()
                self.value = None
                if index.isascii() and index.isdigit() and len(index) <= 10 and int(index) < len(self.strings):
                    self.text += self.strings[int(index)]
                    if self.text > MAX_BOOK_TEXT:
                        raise _Overflow(_TOO_MUCH_TEXT)
        elif self.in_data:
            if local == "row":
                self.row, self.column = (self.row + 1) & _U32, 0
            elif local == "sheetData":
                self.in_data = False
        elif local == "si" and self.string is not None:
            if self.keeps_strings:
                self._keep_string(self.string)
            self.string = None
        elif local == "sst":
            self.in_sst = False

    def _keep_string(self, length: int) -> None:
        # Two parts named like the shared strings: each index costs its longer string.
        index, self.string_index = self.string_index, self.string_index + 1
        length = min(length, _U32)
        if index < len(self.strings):
            self.strings[index] = max(self.strings[index], length)
        elif index < MAX_SHEET_CELLS:
            self.strings.append(length)
        else:
            raise _Overflow(f"有超过 {MAX_SHEET_CELLS // 10_000} 万段文字")

    def _text(self, data: str) -> None:
        if self.value is not None:
            self.value.append(data)
        elif self.string is not None:
            self.string += len(data)


def _sheet_name(scans: dict[str, _PartScan], part: str) -> str | None:
    """The name the workbook gives the sheet stored in ``part``, None if it gives none."""
    for workbook in scans.values():
        folder, _, file = workbook.name.rpartition("/")
        links = scans.get(posixpath.join(folder, "_rels", f"{file}.rels"))
        for sheet, link in workbook.sheets if links else ():
            target = links.relationships.get(link, "").replace("\\", "/").lower()
            if target and posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(folder, target)) == part:
                return sheet
    return None


# The program of the child process that reads an .xls: argv holds its memory (MB) and CPU-time (s)
# limits, then the limits of a table; the workbook comes on stdin, its sheets go to stdout as JSON
# (dates and times tagged with their type), or what stopped it.
_XLS_READER = """
import datetime, io, json, resource, sys
memory, seconds, max_rows, max_columns, max_cells, max_book_cells, max_text = map(int, sys.argv[1:8])
resource.setrlimit(resource.RLIMIT_AS, (memory * 2 ** 20, memory * 2 ** 20))
resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
import python_calamine

def tagged(value):
    if isinstance(value, datetime.timedelta):
        return {"timedelta": value.total_seconds()}
    return {type(value).__name__: value.isoformat()}

def answer(**what):
    sys.stdout.buffer.write(json.dumps(what, ensure_ascii=False, default=tagged).encode())
    sys.exit(0)

try:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
except python_calamine.PasswordError:
    answer(error="password")
except Exception:
    answer(error="damaged")
sheets, cells, text = [], 0, 0
for index, name in enumerate(book.sheet_names):
    try:
        sheet = book.get_sheet_by_index(index)
    except Exception:
        answer(error="damaged")
    rows, columns = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
    if rows > max_rows or columns > max_columns or rows * columns > max_cells:
        answer(too_large=[name, rows, columns])
    cells += rows * columns
    if cells > max_book_cells:
        answer(too_many_cells=True)
    values = sheet.to_python(skip_empty_area=False)
    text += sum(len(value) for row in values for value in row if isinstance(value, str))
    if text > max_text:
        answer(too_much_text=True)
    sheets.append(values)
answer(sheets=sheets)
"""
XLS_MEMORY_MB = 1_024
XLS_SECONDS = 30
_TAGS = {"date": datetime.date, "datetime": datetime.datetime, "time": datetime.time}


def _untagged(obj: dict[str, Any]) -> Any:
    kind = next(iter(obj)) if len(obj) == 1 else None
    if kind == "timedelta":
        return datetime.timedelta(seconds=obj[kind])
    return _TAGS[kind].fromisoformat(obj[kind]) if kind in _TAGS else obj


def _xls_sheets(content: bytes, filename: str) -> list[list[list[Any]]]:
    """The sheets of an .xls (or of any compound file calamine reads as one), read by :data:`_XLS_READER`
    in a child process that may take :data:`XLS_MEMORY_MB` and :data:`XLS_SECONDS` of processor time."""
    command = [sys.executable, "-c", _XLS_READER, str(XLS_MEMORY_MB), str(XLS_SECONDS),
               str(MAX_SHEET_ROWS), str(MAX_SHEET_COLUMNS), str(MAX_SHEET_CELLS), str(MAX_BOOK_CELLS), str(MAX_BOOK_TEXT)]
    beyond = ImportFileError(
        f"无法读取“{filename}”：读取这个 .xls 文件超出了允许的内存或时间（文件可能已损坏，或含有大量空行空列）。"
        "请在 Excel 或 WPS 中“另存为” .xlsx 后再上传，系统会指出具体是哪张工作表、哪里过大。"
    )
    try:
        done = subprocess.run(command, input=content, capture_output=True, timeout=2 * XLS_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise beyond from exc
    try:
        answer = json.loads(done.stdout, object_hook=_untagged) if done.returncode == 0 else {}
    except ValueError:
        answer = {}
    if answer.get("error") == "password":
        raise ImportFileError(_PASSWORD)
    if "error" in answer:
        raise _damaged(filename)
    if "too_large" in answer:
        raise _too_large(filename, *answer["too_large"])
    if "too_many_cells" in answer:
        raise _too_much(filename, None, f"各工作表合计超过 {MAX_BOOK_CELLS // 10_000} 万个单元格")
    if "too_much_text" in answer:
        raise _too_much(filename, None, f"各工作表的文字合计超过 {MAX_BOOK_TEXT // 10_000} 万字")
    if "sheets" not in answer:
        raise beyond
    return answer["sheets"]


def excerpt(text: str, limit: int = 50) -> str:
    """``text``, or its beginning and '…' when longer than ``limit`` characters (to show, never to store)."""
    return text if len(text) <= limit else text[:limit] + "…"


def overlong_cells(row: int, raw: dict[str, Any], labels: dict[str, str]) -> list[Problem]:
    """An error for each cell of ``raw`` (field key → cell as read) longer than :data:`MAX_CELL_CHARS`,
    in column ``labels[key]``. Every import reports such a row instead of checking it further: its
    cells are neither stored nor cut short."""
    return [
        Problem(row, labels[key], excerpt(value), f"“{labels[key]}”过长（共 {len(value)} 字，最多 {MAX_CELL_CHARS} 字）",
                f"删减到 {MAX_CELL_CHARS} 字以内；较长的说明请另附材料")
        for key, value in raw.items() if isinstance(value, str) and len(value) > MAX_CELL_CHARS
    ]


def _cell(row: list[Any], col: int) -> str:
    return normalize.text(row[col]) if col < len(row) else ""


def _heading(row: list[Any], col: int) -> str:
    # A heading is shown to users (and named in messages): a cell of a thousand words is no heading.
    return excerpt(_cell(row, col), 200)


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
        up, low = _heading(upper, col), _heading(lower, col)
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
        candidate = Header(index, index, single, [_heading(row, col) for col in range(len(row))])
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
            values = [v for v in (_cell(r, col) for r in sample) if v and len(v) <= MAX_CELL_CHARS]
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
        overlong = overlong_cells(excel_row, raw, _LABELS)
        if overlong:
            plan.problems.extend(overlong)
            continue
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
