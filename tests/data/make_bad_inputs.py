"""(Re)create the bad-input files of the import tests, deterministically (same bytes every run).

    python tests/data/make_bad_inputs.py            # writes into tests/data/
    python tests/data/make_bad_inputs.py OUT_DIR    # writes elsewhere (the tests compare the two)

Each file is something a provincial official might really upload. The import must answer each with a
clear Chinese message and leave the database unchanged. The 20 MB file is not here: the tests
generate it at run time into a temporary directory (it is never committed).

Only the standard library and xlsxwriter are used, so the files do not depend on the app's code.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2023, 10, 17, 9, 0, 0)

HEADERS = ["采矿许可证号", "矿山名称", "采矿权人", "入库级别", "入库年份", "市", "县", "开采矿种", "开采方式",
           "生产规模", "规模单位", "经度", "纬度"]

GOOD = [
    ["C4202812010011234567890", "大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿", "大冶市甲子示例矿业有限公司",
     "省级", 2020, "黄石市", "大冶市", "建筑石料用灰岩", "露天开采", 30, "万立方米/年", 114.98, 30.10],
    ["C4228012012051234567891", "恩施市乙丑示例矿业有限公司龙泉坪磷矿", "恩施市乙丑示例矿业有限公司",
     "国家级", 2019, "恩施土家族苗族自治州", "恩施市", "磷矿", "地下开采", 50, "万吨/年", 109.48, 30.29],
    ["C4203232015071234567892", "竹山县丙寅示例矿业有限公司松林沟铁矿", "竹山县丙寅示例矿业有限公司",
     "市级", 2021, "十堰市", "竹山县", "铁矿", "地下开采", 20, "万吨/年", 110.23, 32.22],
]


def _with(row: list, **changes) -> list:
    """A copy of ``row`` with some columns (by heading) replaced."""
    out = list(row)
    for heading, value in changes.items():
        out[HEADERS.index(heading)] = value
    return out


def _licence(n: int) -> str:
    return f"C42028120100112345{n:05d}"


def xlsx(rows: list[list], title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": FIXED_TIME, "author": "示例", "title": ""})
    sheet = workbook.add_worksheet("绿色矿山名录")
    first = 0
    if title is not None:
        sheet.merge_range(0, 0, 0, len(HEADERS) - 1, title)
        first = 1
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    workbook.close()
    return buffer.getvalue()


def csv_text(rows: list[list], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}

    # Headings that are not the register's (an unrelated table).
    files["wrong_headers.xlsx"] = xlsx([
        ["序号", "企业", "地址", "联系人", "电话"],
        [1, "某示例公司", "湖北省武汉市", "张三", "027-12345678"],
        [2, "另一示例公司", "湖北省黄石市", "李四", "0714-1234567"],
    ])

    # Licence and name are there, but the other required columns are not.
    files["missing_required_columns.csv"] = csv_text([
        ["采矿许可证号", "矿山名称", "市"],
        [GOOD[0][0], GOOD[0][1], "黄石市"],
    ]).encode("utf-8")

    # As Excel on Chinese Windows saves “CSV（逗号分隔）”: GB18030/GBK, CRLF, no BOM. Row 5: unknown level.
    files["gb18030_bad_level.csv"] = csv_text(
        [HEADERS, *GOOD, _with(GOOD[0], 采矿许可证号=_licence(4), 矿山名称="阳新县丁卯示例矿业有限公司黄山冲萤石矿",
                               入库级别="特级", 开采矿种="萤石", 开采方式="地采")]
    ).encode("gb18030")

    # A merged title row above the header (header on row 2). Row 5: a city outside the province.
    files["merged_title_bad_city.xlsx"] = xlsx(
        [HEADERS, GOOD[0], GOOD[1], _with(GOOD[2], 采矿许可证号=_licence(5), 市="上海市", 县="浦东新区")],
        title="湖北省绿色矿山名录（2023年核查用）",
    )

    # The same licence twice (row 4 repeats row 2, typed with blanks and a lower-case c).
    files["duplicate_licences.xlsx"] = xlsx([
        HEADERS, GOOD[0], GOOD[1],
        _with(GOOD[0], 采矿许可证号=" c4202812010011234567890 ", 矿山名称="大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿（二期）"),
        GOOD[2],
    ])

    # Words where numbers belong: production scale (row 2), listing year (row 3), longitude (row 4).
    files["text_in_number_columns.xlsx"] = xlsx([
        HEADERS,
        _with(GOOD[0], 生产规模="三十万方", 规模单位=""),
        _with(GOOD[1], 入库年份="二〇一九年"),
        _with(GOOD[2], 经度="东经一百一十度"),
    ])

    # Coordinates in the sea: East China Sea (row 2), Gulf of Guinea at 0,0 (row 3), South China Sea (row 4).
    files["coordinates_in_sea.xlsx"] = xlsx([
        HEADERS,
        _with(GOOD[0], 经度=125.0, 纬度=28.0),
        _with(GOOD[1], 经度=0, 纬度=0),
        _with(GOOD[2], 经度=114.0, 纬度=12.0),
    ])

    # Empty files, and a template with its header but no mines.
    files["empty.csv"] = b""
    files["empty.xlsx"] = b""
    files["header_only.xlsx"] = xlsx([HEADERS])

    # Not Excel at all, only renamed: a PDF and a web page (some systems “export to Excel” as HTML).
    files["not_excel.xlsx"] = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    files["html_table.xls"] = (
        "<html><head><meta charset=\"utf-8\"></head><body><table>"
        + "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in [HEADERS, *GOOD])
        + "</table></body></html>"
    ).encode("utf-8")

    # A real workbook cut short (an interrupted download): the ZIP signature is right, the rest is missing.
    whole = xlsx([HEADERS, *GOOD])
    files["truncated.xlsx"] = whole[: len(whole) // 3]

    # Excel's “Unicode 文本” (UTF-16, tab-separated) saved with a .csv name.
    files["utf16.csv"] = csv_text([HEADERS, *GOOD], delimiter="\t").encode("utf-16")

    return files


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in build().items():
        (out_dir / name).write_bytes(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
