"""Files the register page hands out: the import template and the register itself (xlsx, csv).

The register export uses the template's headings, so an exported file can be edited and imported back.
"""

from __future__ import annotations

import io
import math
import unicodedata
from datetime import date
from typing import Any, Iterable

import pandas as pd
import xlsxwriter

from core import reference, regions
from core.labels import FIELDS, LEVELS, METHODS, SCALE_CLASSES, SCALE_UNITS, YES, NO

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet takes for a formula at the start of a cell (OWASP "CSV injection"), tab and CR included.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def workbook(buffer: io.BytesIO, **options: Any) -> xlsxwriter.Workbook:
    """A workbook in which every text is written as text: a name such as ``=HYPERLINK(…)`` stays a string,
    never a live formula, a number or a link (xlsxwriter would otherwise convert it)."""
    return xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False, **options})


# One line of 11-point text in a row as printed (Chinese faces such as Noto CJK, which stands in for 宋体
# on Linux, need more than Excel's 15 points), and the padding of a cell.
LINE_POINTS = 16.5
CELL_PADDING = 1.5  # column units a wrapped cell loses to its margins


def text_units(text: str) -> float:
    """The width of ``text`` in column units (the width of "0"): a Chinese or full-width character takes
    about two, a Latin letter or digit a little over one."""
    return sum(2.1 if unicodedata.east_asian_width(ch) in "WF" else 1.15 for ch in text)


def row_height(values: Iterable[Any], widths: Iterable[float], font_size: float = 11) -> float | None:
    """The height in points a row of wrapped cells needs for all its lines to show when printed (None: one
    line does). Readers do not re-fit rows on their own — LibreOffice and WPS print the stored height, and
    text that does not fit runs over the next row — so every row with wrapped text carries its height."""
    lines = 1
    for value, width in zip(values, widths):
        if value is None or value == "":
            continue
        usable = max(width - CELL_PADDING, 1.0)
        lines = max(lines, sum(max(1, math.ceil(text_units(part) / usable)) for part in str(value).split("\n")))
    return None if lines == 1 else round(lines * LINE_POINTS * font_size / 11 + 3, 1)


def fit_row(sheet: Any, row: int, values: Iterable[Any], widths: Iterable[float], font_size: float = 11) -> None:
    """Give ``row`` of ``sheet`` the height its wrapped ``values`` need (see :func:`row_height`); call it
    before writing the row's cells when the workbook streams (``constant_memory``)."""
    height = row_height(values, widths, font_size)
    if height is not None:
        sheet.set_row(row, height)


def fitted_row(sheet: Any, row: int, values: Iterable[Any], widths: Iterable[float], fmt: Any = None) -> None:
    """``values`` written from column A of ``row``, the row as high as its wrapped text needs (:func:`fit_row`)."""
    values, widths = list(values), list(widths)
    fit_row(sheet, row, values, widths)
    sheet.write_row(row, 0, values, fmt)


def table_head(sheet: Any, row: int, headings: Iterable[str], widths: Iterable[float], fmt: Any = None) -> None:
    """A table's columns set to ``widths`` (in column units) and its heading row written at ``row``."""
    widths = list(widths)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    fitted_row(sheet, row, headings, widths, fmt)


def csv_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ (or tab, CR) gets a
    leading apostrophe, which the import removes again (:func:`core.normalize.text`)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


# Columns of the export beyond the importable ones (read back, they are ignored by the import).
EXTRA_EXPORT = (("standard", "适用行业标准"), ("status", "状态"), ("removed_date", "移出日期"),
                ("removed_reason", "移出原因"), ("updated_at", "最后修改时间"))
EXPORT_COLUMNS = [(f.key, f.label) for f in FIELDS] + list(EXTRA_EXPORT)

_WIDTHS = {"licence_no": 26, "name": 40, "owner": 32, "problem_desc": 30, "rectify_demand": 30, "removed_reason": 24}

NOTES = {
    "licence_no": "必填。按采矿许可证填写，新证为 C 加 22 位数字；同一表格内不得重复。已在名录库中的证号将更新该矿山。",
    "name": "必填。按采矿许可证证载矿山名称填写。",
    "owner": "按采矿许可证填写采矿权人。",
    "level": f"必填。{'、'.join(LEVELS)}之一。",
    "listing_year": "纳入绿色矿山名录的年份，如 2020。",
    "listing_batch": "入库批次或公告文号，如“2020年度第一批”。",
    "province": "可留空；填写时须为系统设置的省份。",
    "city": "必填。本省地市名称，如“武汉市”，简称“武汉”也可识别。",
    "county": "县（市、区）名称。",
    "county_code": "可选。6 位县级行政区划代码，填写后可不填市、县名称。",
    "mineral": "必填。按采矿许可证证载开采矿种（主矿种）填写，系统据此确定适用行业标准。",
    "method": f"必填。{'、'.join(METHODS)}之一；“露采”“井工”“地采”等写法也可识别。",
    "scale": "按采矿许可证证载生产规模填写数字，如 30；也可连同单位写作“30万吨/年”。",
    "scale_unit": f"{'、'.join(SCALE_UNITS)}之一。",
    "scale_class": "大型、中型或小型；留空时按生产规模分类标准自动判定。",
    "lon": "矿区中心点经度（CGCS2000），十进制度（如 112.508333）或度分秒（如 112°30′30″）。",
    "lat": "矿区中心点纬度（CGCS2000），写法同经度。",
    "flag_problem": "有问题线索反映的填“是”，否则留空或填“否”。",
    "problem_desc": "问题线索的简要内容。",
    "problem_source": "线索来源，如信访、卫片执法、督察反馈。",
    "flag_rectify": "“回头看”提出整改要求的填“是”。",
    "rectify_demand": "“回头看”提出的整改要求内容。",
    "tags": "本省增加的重点核查类别（如“生态保护红线周边”），多个用“、”分隔；抽取时可设为全部纳入或按比例抽取。",
}


def _column_letter(index: int) -> str:
    return xlsxwriter.utility.xl_col_to_name(index)


def register_xlsx(rows: Iterable[dict[str, Any]], title: str = "") -> bytes:
    """The register as an xlsx workbook (headings as in the import template)."""
    buffer = io.BytesIO()
    book = workbook(buffer, constant_memory=True)
    sheet = book.add_worksheet("绿色矿山名录")
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1, "text_wrap": True, "valign": "vcenter"})
    title_format = book.add_format({"bold": True, "font_size": 14})
    first = 0
    if title:
        sheet.write(0, 0, title, title_format)
        first = 1
    widths = [_WIDTHS.get(key, 12) for key, _ in EXPORT_COLUMNS]
    fit_row(sheet, first, [label for _, label in EXPORT_COLUMNS], widths)
    for col, (key, label) in enumerate(EXPORT_COLUMNS):
        sheet.write(first, col, label, head)
        sheet.set_column(col, col, widths[col])
    sheet.freeze_panes(first + 1, 2)
    for offset, row in enumerate(rows, start=first + 1):
        for col, (key, _) in enumerate(EXPORT_COLUMNS):
            value = _cell(row, key)
            if value is not None and value != "":
                sheet.write(offset, col, value)
    book.close()
    return buffer.getvalue()


def _cell(row: dict[str, Any], key: str) -> Any:
    if key in ("flag_problem", "flag_rectify"):
        return YES if row.get(key) else NO
    value = row.get("scale_value" if key == "scale" else key)
    # Empty numbers come out of pandas as NaN, which a spreadsheet cell cannot hold.
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, float) and value.is_integer() and key == "listing_year":
        return int(value)
    return value


def register_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """The register as CSV in UTF-8 with BOM, so that Excel in China opens it correctly."""
    frame = pd.DataFrame([[csv_safe(_cell(row, key)) for key, _ in EXPORT_COLUMNS] for row in rows],
                         columns=[label for _, label in EXPORT_COLUMNS])
    return frame.to_csv(index=False).encode("utf-8-sig")


def import_template(province: regions.Region) -> bytes:
    """The import template: headings, drop-down lists for the enumerations, and a 填表说明 sheet."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet("绿色矿山名录")
    notes = book.add_worksheet("填表说明")
    lists = book.add_worksheet("选项")
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True})
    optional = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})

    option_lists = {
        "level": list(LEVELS),
        "method": list(METHODS),
        "scale_unit": list(SCALE_UNITS),
        "scale_class": list(SCALE_CLASSES),
        "flag_problem": [YES, NO],
        "flag_rectify": [YES, NO],
        "city": [r.name for r in regions.prefectures(province.code)],
        "mineral": reference.mineral_names(),
    }
    for col, (key, values) in enumerate(option_lists.items()):
        lists.write(0, col, key)
        lists.write_column(1, col, values)
    lists.hide()

    last_row = 10000
    for col, f in enumerate(FIELDS):
        sheet.write(0, col, f.label + ("*" if f.required else ""), required if f.required else optional)
        sheet.set_column(col, col, _WIDTHS.get(f.key, 13))
        sheet.write_comment(0, col, NOTES.get(f.key, ""), {"x_scale": 2, "y_scale": 1.5})
        if f.key in option_lists:
            list_col = _column_letter(list(option_lists).index(f.key))
            count = len(option_lists[f.key])
            sheet.data_validation(1, col, last_row, col, {
                "validate": "list",
                "source": f"=选项!${list_col}$2:${list_col}${count + 1}",
                # Minerals and counties not on the list are allowed (the import warns about them).
                "error_type": "warning" if f.key == "mineral" else "stop",
                "error_title": "请从下拉列表中选择",
                "error_message": NOTES.get(f.key, ""),
            })
    sheet.freeze_panes(1, 2)

    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 90)
    notes.write(0, 0, f"{province.name}绿色矿山名录导入模板 · 填表说明", bold)
    notes.write(1, 0, "说明", bold)
    notes.write(1, 1, "带 * 的列为必填。表头上方可以有标题行；空行会被跳过。导入前系统会逐行检查并列出问题，"
                      "确认后一次性写入（全部成功或全部不写入）。", wrap)
    for offset, f in enumerate(FIELDS, start=3):
        notes.write(offset, 0, f.label + ("（必填）" if f.required else ""))
        notes.write(offset, 1, NOTES.get(f.key, ""), wrap)
    notes.write(len(FIELDS) + 4, 0, "模板生成日期", bold)
    notes.write(len(FIELDS) + 4, 1, chinese_date(date.today()))
    book.close()
    return buffer.getvalue()


def landscape_pages(sheet, heading_row: int) -> None:
    """Print a list sheet on A4 landscape, one page wide, its heading row frozen and repeated on every page."""
    sheet.freeze_panes(heading_row + 1, 0)
    sheet.repeat_rows(heading_row)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)


def chinese_date(day: date) -> str:
    """2023-11-30 → '2023年11月30日', the way dates are written in official documents."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_time(stamp: str) -> str:
    """A stored timestamp '2023-10-20T10:30:05' → '2023年10月20日 10:30' ('' stays '')."""
    if not stamp:
        return ""
    return f"{chinese_date(date.fromisoformat(stamp[:10]))} {stamp[11:16]}".strip()
