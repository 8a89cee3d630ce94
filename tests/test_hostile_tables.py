"""Hostile and oversized tables (issue 15): every import reads a spreadsheet within bounds and bounds each cell.

The files are made here, never committed: workbooks zipped by hand, .xls compound files packed with struct.
A file that once aborted the process (a dense allocation for a whole sheet, no Python exception) is imported
in a child Python whose address space is capped at 2 GB: on code without the bounds the child dies and the
test fails, instead of pytest.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core import importer, inspectors, reference_tables
from core.importer import MAX_CELL_CHARS, ImportFileError, apply_import, plan_import
from core.labels import FIELDS
from core.registry import RegistryError
from core.access import System

ROOT = Path(__file__).resolve().parents[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TOO_LARGE = "超过名录可能的大小（最多 100000 行、200 列"


# --- files made by hand ---------------------------------------------------------------------------

def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def headings_row(*headings: str) -> str:
    return '<row r="1">' + "".join(text_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(headings)) + "</row>"


def xlsx(sheet_data: str, *, shared: list[str] | None = None, sheet: str = "名录", dimension: str = "A1",
         more_sheets: dict[str, str] | None = None, extra: dict[str, str | bytes] | None = None) -> bytes:
    """A workbook zipped by hand: a sheet named ``sheet`` whose <sheetData> holds ``sheet_data`` (and
    <dimension> declares ``dimension``), then ``more_sheets`` (name → sheetData), the ``shared`` strings
    if given, and ``extra`` parts (path → content)."""
    sheets = {sheet: sheet_data, **(more_sheets or {})}
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'),
        "_rels/.rels": (f'<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
                        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
                            + "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                                      for n, name in enumerate(sheets, start=1)) + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{RELATIONSHIPS}">'
            + "".join(f'<Relationship Id="rId{n}" Type="{OFFICE}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId0" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
    }
    for n, data in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{n}.xml"] = (f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
                                                f"<sheetData>{data}</sheetData></worksheet>")
    if shared is not None:
        parts["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">'
                                         + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
    parts.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def biff_record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def xls(cells: dict[tuple[int, int], str | float], *, dimension: tuple[int, int] | None = None,
        sheet: str = "名录") -> bytes:
    """An Excel 97–2003 workbook (BIFF8 in a compound file) with one sheet: ``cells`` by (row, column),
    and a DIMENSIONS record declaring (rows, columns) if given."""
    bof = {kind: biff_record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))
           for kind in (0x0005, 0x0010)}
    name = sheet.encode("utf-16-le")

    def workbook_globals(sheet_at: int) -> bytes:
        return (bof[0x0005] + biff_record(0x0042, struct.pack("<H", 1200))  # code page: UTF-16
                + biff_record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(sheet), 1) + name)
                + biff_record(0x000A))

    body = bof[0x0010]
    if dimension:
        body += biff_record(0x0200, struct.pack("<IIHHH", 0, dimension[0], 0, min(dimension[1], 0xFFFF), 0))
    for (row, col), value in cells.items():
        if isinstance(value, str):
            body += biff_record(0x0204, struct.pack("<HHHHB", row, col, 0, len(value), 1) + value.encode("utf-16-le"))
        else:
            body += biff_record(0x0203, struct.pack("<HHHd", row, col, 0, value))
    stream = workbook_globals(len(workbook_globals(0))) + body + biff_record(0x000A)
    return compound_file(stream)


def compound_file(stream: bytes) -> bytes:
    """A compound file (version 3, 512-byte sectors) holding ``stream`` as 'Workbook', padded past the
    4096 bytes below which a stream would live in the mini stream."""
    stream = stream.ljust(max(4096, len(stream)), b"\0")
    sectors = -(-len(stream) // 512)
    assert sectors <= 126, "one FAT sector only"
    free, end = 0xFFFFFFFF, 0xFFFFFFFE
    fat = [0xFFFFFFFD, end] + list(range(3, 2 + sectors)) + [end]
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108))

    def entry(label: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (label + "\0").encode("utf-16-le") if label else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, free, free, child)
                + bytes(36) + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 2, len(stream)) + entry("", 0, free, 0, 0) * 2
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory + stream.ljust(sectors * 512, b"\0")


def register_rows(valid_mine, **changes) -> list[list]:
    """The template's headings and one valid mine, as rows."""
    mine = valid_mine(**changes)
    return [[f.label for f in FIELDS], [mine[f.key] for f in FIELDS]]


def imported_in_a_child(tmp_path: Path, files: dict[str, tuple[str, bytes]]) -> dict[str, str]:
    """What an import says of each file ({name: (import, content)}; import: 名录, 核查人员 or 移出情形), run
    in a child Python whose address space is capped at 2 GB: 'ok' or the message refusing the file."""
    for name, (_, content) in files.items():
        (tmp_path / name).write_bytes(content)
    program = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from core import db, importer, inspectors, reference_tables
database = db.connect(":memory:")
imports = {"名录": lambda content, name: importer.plan_import(database, content, name),
           "核查人员": lambda content, name: inspectors.plan_import(database, content, name),
           "移出情形": reference_tables.plan_removal_situations}
said = {}
for path, kind in zip(sys.argv[1::2], sys.argv[2::2]):
    name = path.rpartition("/")[2]
    try:
        imports[kind](open(path, "rb").read(), name)
        said[name] = "ok"
    except importer.ImportFileError as exc:
        said[name] = str(exc)
print(json.dumps(said, ensure_ascii=False))
"""
    arguments = [arg for name, (kind, _) in files.items() for arg in (str(tmp_path / name), kind)]
    done = subprocess.run([sys.executable, "-c", program, *arguments], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the import took the process down ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout)


# --- sheets larger than a register ----------------------------------------------------------------

BOMB = xlsx(headings_row("采矿许可证号", "矿山名称") + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def test_a_sheet_from_a1_to_xfd1048576_is_refused_by_every_import_before_it_is_read(tmp_path) -> None:
    assert len(BOMB) < 2048  # the 1.6 KB file of the issue
    said = imported_in_a_child(tmp_path, {"名录.xlsx": ("名录", BOMB), "人员.xlsx": ("核查人员", BOMB),
                                          "移出情形.xlsx": ("移出情形", BOMB)})
    for name, message in said.items():
        assert f"文件“{name}”的工作表“名录”范围为 1048576 行 × 16384 列" in message
        assert TOO_LARGE in message and "删除多余的空行空列" in message


def test_the_cells_are_measured_not_what_the_file_declares(tmp_path) -> None:
    removal = headings_row("移出情形", "来源文件")
    long_string = "长" * 1_000_000
    shared_cells = "".join(f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>0</v></c>' for c in range(20))
                           + "</row>" for r in range(2, 152))
    said = imported_in_a_child(tmp_path, {
        # A <dimension> that lies small: calamine lays the sheet out by its cells.
        "小范围.xlsx": ("移出情形", xlsx(removal + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                                    dimension="A1:B2")),
        # A cell without a reference goes where calamine puts it: in the row that <row r> named.
        "无引用.xlsx": ("移出情形", xlsx(removal + '<row r="1048576"><c><v>1</v></c></row>')),
        # 3,000 cells referring to one shared string of a million characters: 3 billion characters.
        "共享文字.xlsx": ("移出情形", xlsx(removal + shared_cells, shared=[long_string])),
        # The count of shared strings the file declares, which calamine reserves room for.
        "声明.xlsx": ("移出情形", xlsx(removal, extra={"xl/sharedStrings.xml": (
            f'<sst xmlns="{MAIN}" count="4000000000" uniqueCount="4000000000"><si><t>甲</t></si></sst>')})),
    })
    assert "的工作表“名录”范围为 1048576 行 × 16384 列" in said["小范围.xlsx"]
    assert "的工作表“名录”范围为 1048576 行 × 2 列" in said["无引用.xlsx"]
    assert "的工作表“名录”各单元格引用的文字共超过 5000 万字" in said["共享文字.xlsx"]
    assert "声明有 4000000000 段文字" in said["声明.xlsx"]
    assert all(TOO_LARGE in message for message in said.values())


def test_empty_formatted_cells_far_away_do_not_count() -> None:
    content = xlsx(headings_row("移出情形", "来源文件")
                   + f'<row r="2">{text_cell("A2", "发生重大安全事故")}{text_cell("B2", "附件2")}</row>'
                   + '<row r="1048576"><c r="XFD1048576" s="1"/></row>', dimension="A1:XFD1048576")
    plan = reference_tables.plan_removal_situations(content, "移出情形.xlsx")
    assert [row["reason"] for row in plan.rows] == ["发生重大安全事故"]


def test_a_sheet_just_over_the_bounds_is_refused_with_its_name() -> None:
    wide = headings_row("采矿许可证号", "矿山名称") + '<row r="2"><c r="GS2"><v>1</v></c></row>'  # column 201
    with pytest.raises(ImportFileError, match="工作表“名录”范围为 2 行 × 201 列"):
        importer.read_table(xlsx(wide), "名录.xlsx")
    tall = headings_row("采矿许可证号", "矿山名称") + '<row r="100001"><c r="A100001"><v>1</v></c></row>'
    with pytest.raises(ImportFileError, match="范围为 100001 行 × 2 列"):
        importer.read_table(xlsx(tall), "名录.xlsx")
    largest = headings_row("采矿许可证号", "矿山名称") + '<row r="100000"><c r="GR100000"><v>1</v></c></row>'
    with pytest.raises(ImportFileError, match="范围为 100000 行 × 200 列"):  # 2000 万个单元格
        importer.read_table(xlsx(largest), "名录.xlsx")


def test_sheets_each_within_the_bounds_are_refused_together_beyond_the_workbook_bound() -> None:
    corner = '<row r="25000"><c r="GR25000"><v>1</v></c></row>'  # 25000 × 200: 500 万个单元格 each
    content = xlsx(headings_row("采矿许可证号", "矿山名称") + corner,
                   more_sheets={"说明一": '<row r="1"><c r="A1"><v>1</v></c></row>' + corner, "说明二": corner})
    with pytest.raises(ImportFileError, match="文件“名录.xlsx”各工作表合计超过 1000 万个单元格"):
        importer.read_table(content, "名录.xlsx")
    assert importer.read_table(xlsx(headings_row("采矿许可证号", "矿山名称") + corner), "名录.xlsx")[0][:2] == [
        "采矿许可证号", "矿山名称"]


def test_a_zip_unpacking_beyond_the_bound_is_refused_even_when_it_declares_less() -> None:
    buffer = io.BytesIO(xlsx(headings_row("采矿许可证号", "矿山名称")))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/image1.png", "w") as part:
        for _ in range(importer.MAX_UNPACKED_MB + 1):
            part.write(bytes(1 << 20))
    honest = buffer.getvalue()
    assert len(honest) < 1_000_000
    with pytest.raises(ImportFileError, match=f"解压后超过 {importer.MAX_UNPACKED_MB} MB"):
        importer.read_table(honest, "名录.xlsx")
    # The same part declaring 1 KB, in its local header and in the central directory.
    info = zipfile.ZipFile(io.BytesIO(honest)).getinfo("xl/media/image1.png")
    lying = bytearray(honest)
    struct.pack_into("<I", lying, info.header_offset + 22, 1024)
    name = info.filename.encode()
    directory = honest.index(b"PK\x01\x02")  # the central directory's entry of that part
    while honest[directory + 46: directory + 46 + len(name)] != name:
        directory = honest.index(b"PK\x01\x02", directory + 4)
    struct.pack_into("<I", lying, directory + 24, 1024)
    assert zipfile.ZipFile(io.BytesIO(bytes(lying))).getinfo("xl/media/image1.png").file_size == 1024
    with pytest.raises(ImportFileError, match=f"解压后超过 {importer.MAX_UNPACKED_MB} MB"):
        importer.read_table(bytes(lying), "名录.xlsx")


def test_other_formats_in_a_zip_and_xml_calamine_might_read_otherwise_are_refused() -> None:
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(ImportFileError, match="不是 .xlsx 格式的工作簿"):
        importer.read_table(ods.getvalue(), "名录.xlsx")
    dtd = xlsx("", extra={"xl/worksheets/sheet1.xml": (
        '<!DOCTYPE worksheet [<!ENTITY a "甲甲甲甲">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>'
        '</sheetData></worksheet>')})
    # Not well-formed (an attribute twice): expat stops at it, calamine's lenient reader would go on.
    twice = xlsx(headings_row("采矿许可证号", "矿山名称") + '<row r="2" r="3"><c r="XFD1048576"><v>1</v></c></row>')
    for content in (dtd, twice):
        with pytest.raises(ImportFileError, match="文件已损坏或不是有效的 Excel 工作簿"):
            importer.read_table(content, "名录.xlsx")
    # A part that is no XML and holds nothing calamine reads as cells (a picture) is fine.
    picture = xlsx(headings_row("移出情形", "来源文件") + f'<row r="2">{text_cell("A2", "甲")}{text_cell("B2", "乙")}</row>',
                   extra={"xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + os.urandom(4096)})
    assert reference_tables.plan_removal_situations(picture, "移出情形.xlsx").rows


# --- .xls: read in a child process with a memory and time limit ---------------------------------------

def test_an_xls_that_would_abort_the_reader_is_refused(tmp_path) -> None:
    said = imported_in_a_child(tmp_path, {
        "声明范围.xls": ("名录", xls({(0, 0): "采矿许可证号"}, dimension=(1_000_000, 65535))),
        "相距很远.xls": ("核查人员", xls({(0, 0): "姓名", (65535, 65535): 1.0})),
    })
    for name, message in said.items():
        assert f"无法读取“{name}”：读取这个 .xls 文件超出了允许的内存或时间" in message
        assert "另存为” .xlsx" in message


def test_an_xls_register_still_imports_and_a_wide_one_is_refused_with_its_sheet(db, valid_mine) -> None:
    rows = register_rows(valid_mine)
    cells = {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row) if value not in (None, "")}
    plan = plan_import(db, xls(cells), "名录.xls")
    assert plan.ok and [mine["name"] for mine in plan.new] == [valid_mine()["name"]]
    with pytest.raises(ImportFileError, match="文件“宽.xls”的工作表“名录”范围为 2 行 × 201 列"):
        plan_import(db, xls({**cells, (1, 200): 1.0}), "宽.xls")


# --- CSV --------------------------------------------------------------------------------------------

def test_a_csv_field_beyond_the_reader_limit_is_refused_in_chinese(db) -> None:
    content = ("采矿许可证号,矿山名称\nC4202812010011234567890,\"" + "x" * 9_000_000 + "\"\n").encode("utf-8")
    for read in (lambda: plan_import(db, content, "名录.csv"), lambda: inspectors.plan_import(db, content, "人员.csv")):
        with pytest.raises(ImportFileError, match="第 2 行附近有一个单元格超过 131072 字") as caught:
            read()
        assert "引号没有配对" in str(caught.value)


def test_a_csv_larger_than_a_register_is_refused(db) -> None:
    tall = ("采矿许可证号,矿山名称\n" + "C1,甲\n" * 100_000).encode("utf-8")
    with pytest.raises(ImportFileError, match="文件“名录.csv”范围为 100001 行 × 2 列"):
        plan_import(db, tall, "名录.csv")
    wide = ("采矿许可证号,矿山名称" + ",备注" * 199 + "\n").encode("utf-8")
    with pytest.raises(ImportFileError, match="范围为 1 行 × 201 列"):
        plan_import(db, wide, "名录.csv")


def test_the_empty_cells_a_spreadsheet_writes_to_the_widest_row_do_not_count(db, valid_mine, make_csv) -> None:
    rows = [row + [""] * 500 for row in register_rows(valid_mine)]
    plan = plan_import(db, make_csv(rows), "名录.csv")
    assert plan.ok and len(plan.new) == 1


# --- cells longer than any register's ---------------------------------------------------------------

def test_an_overlong_register_cell_is_an_error_on_its_row_and_nothing_is_written(db, valid_mine, make_xlsx) -> None:
    name = "甲" * (MAX_CELL_CHARS + 1)
    rows = register_rows(valid_mine, name=name)
    rows.append(register_rows(valid_mine, licence_no="C4202812010011234567899", name="甲" * MAX_CELL_CHARS)[1])
    plan = plan_import(db, make_xlsx(rows), "名录.xlsx")
    [problem] = plan.errors
    assert (problem.row, problem.column) == (2, "矿山名称")
    assert problem.message == f"“矿山名称”过长（共 {MAX_CELL_CHARS + 1} 字，最多 {MAX_CELL_CHARS} 字）"
    assert problem.value == "甲" * 50 + "…"
    assert [mine["_row"] for mine in plan.rows] == [3]  # the row at the bound is read as usual
    with pytest.raises(RegistryError):
        apply_import(db, plan, System("组织者"))
    assert db.execute("SELECT COUNT(*) FROM mines").fetchone()[0] == 0


def test_an_overlong_cell_of_a_csv_register_names_its_column(db, valid_mine, make_csv) -> None:
    plan = plan_import(db, make_csv(register_rows(valid_mine, rectify_demand="整改" * 5_000)), "名录.csv")
    assert [(p.row, p.column, p.message) for p in plan.errors] == [
        (2, "整改要求内容", f"“整改要求内容”过长（共 10000 字，最多 {MAX_CELL_CHARS} 字）")]


def test_overlong_cells_of_the_inspector_and_reference_imports(db) -> None:
    unit = "宜昌市自然资源和规划局" * 200
    plan = inspectors.plan_import(db, f"姓名,工作单位\n王某华,{unit}\n".encode("utf-8"), "人员.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "工作单位", f"“工作单位”过长（共 {len(unit)} 字，最多 {MAX_CELL_CHARS} 字）")]
    assert plan.rows == [] and not plan.ok
    reason = "矿山" * 1_500
    removal = reference_tables.plan_removal_situations(f"移出情形,来源文件\n{reason},附件2\n".encode("utf-8"), "移出情形.csv")
    assert [(p.row, p.column) for p in removal.problems] == [(2, "移出情形")] and not removal.ok
