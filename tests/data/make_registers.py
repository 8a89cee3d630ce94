"""(Re)create the realistic register files of the import tests, deterministically (same bytes every run).

    python tests/data/make_registers.py            # writes into tests/data/
    python tests/data/make_registers.py OUT_DIR    # writes elsewhere (the tests compare the two)

A register as a province really sends it: a merged title row, a blank row, a two-row heading (序号,
入库级别, 采矿许可证号, 矿山名称 … merged down across both rows; 坐标 merged over 经度 and 纬度), the
headings written the official way (所在市（州）, 所在县（市、区）, 生产规模（万吨/年）), values typed as people
type them (露采, 井工, 度分秒 coordinates, full-width digits), then a total, notes and a signature footer.
The mines are fictitious (示例); places and coordinates are real places of 湖北省, the test province.

Files:
- provincial_register.xlsx            the register above
- provincial_register_gb18030.csv     the same sheet as Excel saves it as “CSV（逗号分隔）”: GB18030, merged
                                      cells written once and left empty elsewhere
- unknown_city_heading.xlsx           the same register with the city column headed “所在地区”

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
FIXED_TIME = datetime(2023, 9, 1, 9, 0, 0)
TITLE = "湖北省绿色矿山名录（2023年核查用，示例）"

# Heading row 1; None where a cell belongs to the merge on its left (坐标 spans 经度 and 纬度).
HEADINGS = ["序号", "入库级别", "采矿许可证号", "矿山名称", "所在市（州）", "所在县（市、区）", "开采矿种", "开采方式",
            "生产规模（万吨/年）", "坐标", None]
SUBHEADINGS = [None] * 9 + ["经度", "纬度"]

MINES = [
    [1, "国家级", "C4201152010011234567801", "武汉市江夏区甲子示例矿业有限公司乌龙山建筑石料用灰岩矿", "武汉市", "江夏区",
     "建筑石料用灰岩", "露采", "１２０", "114°18′30″", "30°21′00″"],
    [2, "省级", "C4202812012051234567802", "大冶市乙丑示例矿业有限公司铜绿山铜矿", "黄石市", "大冶市",
     "铜矿", "地下开采", 50, "114°58′48″", "30°06′00″"],
    [3, "省级", "C4228012015071234567803", "恩施市丙寅示例矿业有限公司龙泉坪磷矿", "恩施土家族苗族自治州", "恩施市",
     "磷矿", "井工", 30, 109.48, 30.29],
    [4, "市级", "C4203232018011234567804", "竹山县丁卯示例矿业有限公司松林沟铁矿", "十堰市", "竹山县",
     "铁矿", "地采", "２０", "110°13′48″", "32°13′12″"],
    [5, "县级", "C4205062019031234567805", "夷陵区戊辰示例矿业有限公司青石岭磷矿", "宜昌市", "夷陵区",
     "磷矿", "露天开采", 60, 111.3, 30.8],
]

# Below the table: a total, a blank row, notes over two rows, a signature line and the compiling unit.
TOTAL = ["合计", None, None, "共 5 座", None, None, None, None, 280, None, None]
NOTES = ["注：1. 坐标为矿区中心点，2000国家大地坐标系。", "2. 生产规模按采矿许可证证载规模填写。"]
SIGNATURES = {0: "填表人：张三", 3: "联系电话：027-87654321", 6: "审核人：", 9: "填表日期：2023年9月1日"}
UNIT = "制表单位：某市自然资源和规划局（示例）"

WIDTH = len(HEADINGS)


def register_rows(city_heading: str = "所在市（州）") -> list[list]:
    """The sheet as rows of cells, merged cells written once (as Excel's CSV export writes them)."""
    headings = [city_heading if h == "所在市（州）" else h for h in HEADINGS]
    signature = [SIGNATURES.get(col) for col in range(WIDTH)]
    return [
        [TITLE] + [None] * (WIDTH - 1),
        [None] * WIDTH,
        headings,
        SUBHEADINGS,
        *MINES,
        TOTAL,
        [None] * WIDTH,
        [NOTES[0]] + [None] * (WIDTH - 1),
        [NOTES[1]] + [None] * (WIDTH - 1),
        signature,
        [UNIT] + [None] * (WIDTH - 1),
    ]


def xlsx(city_heading: str = "所在市（州）") -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": FIXED_TIME, "author": "示例", "title": ""})
    sheet = workbook.add_worksheet("绿色矿山名录")
    wrap = workbook.add_format({"text_wrap": True, "align": "center", "valign": "vcenter", "bold": True})
    rows = register_rows(city_heading)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    sheet.merge_range(0, 0, 0, WIDTH - 1, TITLE)
    # Two-row heading: single headings merged down, 坐标 merged across 经度 and 纬度.
    for c, heading in enumerate(rows[2]):
        if heading and heading != "坐标":
            sheet.merge_range(2, c, 3, c, heading, wrap)
    sheet.merge_range(2, 9, 2, 10, "坐标", wrap)
    sheet.write_string(3, 9, "经度", wrap)
    sheet.write_string(3, 10, "纬度", wrap)
    last = len(rows) - 1
    for r in (last - 3, last - 2, last):  # the notes and the unit span the width of the table
        sheet.merge_range(r, 0, r, WIDTH - 1, rows[r][0])
    workbook.close()
    return buffer.getvalue()


def csv_bytes() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([["" if v is None else v for v in row] for row in register_rows()])
    return out.getvalue().encode("gb18030")


def build() -> dict[str, bytes]:
    return {
        "provincial_register.xlsx": xlsx(),
        "provincial_register_gb18030.csv": csv_bytes(),
        "unknown_city_heading.xlsx": xlsx("所在地区"),
    }


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in build().items():
        (out_dir / name).write_bytes(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
