"""The xlsx files are printed by offices in WPS or LibreOffice as often as in Excel: printed with LibreOffice
(headless, as the suite's CI installs it), wrapped cells stay inside their rows and every name is whole."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from core import audit, reports

LONG_NAMES = [f"示例{n}号有限责任公司{'堃喆犇赟' * 3}石灰岩矿（{'扩大' * n}开采区）" for n in range(1, 9)]
PROBLEMS = "矿区道路两侧绿化带部分缺失，排土场边坡局部冲刷，复绿措施未按方案落实；" * 4


def printed(content: bytes, tmp_path: Path) -> Path:
    """The xlsx printed to PDF by LibreOffice, as an office prints it."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (Debian libreoffice-calc-nogui) is needed to print the xlsx files"
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "表.xlsx"
    source.write_bytes(content)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    return tmp_path / "表.pdf"


def words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, x min, y min, x max, y max, text) of every word pdftotext finds."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    found, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        match = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', line)
        if match:
            found.append((page, *map(float, match.groups()[:4]), match.group(5)))
    return found


def overlapping(found) -> list[tuple[str, str]]:
    """Pairs of words printed over each other (more than a sliver of both boxes shared)."""
    pairs = []
    for i, (page, x0, y0, x1, y1, text) in enumerate(found):
        for other_page, a0, b0, a1, b1, other in found[i + 1:]:
            if other_page != page:
                continue
            width, height = min(x1, a1) - max(x0, a0), min(y1, b1) - max(y0, b0)
            if width > 1.0 and height > 0.3 * min(y1 - y0, b1 - b0):
                pairs.append((text, other))
    return pairs


def column_text(found, starting: str) -> str:
    """The lines of the left-aligned column whose first cell starts with ``starting``, read down the pages
    (a wrapped name continues on the next line of its cell, at the same left edge)."""
    left = next(x0 for _, x0, _, _, _, text in found if text.startswith(starting))
    lines = sorted((page, y0, text) for page, x0, y0, _, _, text in found if abs(x0 - left) < 1.0)
    return "".join(text for _, _, text in lines)


def test_the_summary_table_prints_without_text_over_the_next_row(tmp_path) -> None:
    table = pd.DataFrame([{
        "序号": n + 1, "入库级别": "国家级", "采矿许可证号": f"C42000020110111201{n:05d}", "矿山名称": name,
        "开采矿种": "水泥用灰岩", "开采方式": "露天开采", "生产规模": "300万吨/年", "存在的主要问题": PROBLEMS,
        "处理结论": "整改", "备注": "整改期限2024年5月3日",
    } for n, name in enumerate(LONG_NAMES)])
    pdf = printed(reports.summary_xlsx(table, "湖北省"), tmp_path)
    found = words(pdf)
    assert overlapping(found) == []
    names = column_text(found, "示例1号")
    assert all(name in names for name in LONG_NAMES)


def test_the_public_list_and_the_audit_export_print_within_their_rows(tmp_path) -> None:
    public = pd.DataFrame({"序号": range(1, len(LONG_NAMES) + 1), "矿山名称": LONG_NAMES, "入库级别": "省级",
                           "市（州）": "恩施土家族苗族自治州", "处理结论": "拟移出，待自然资源部确定", "存在的主要问题": PROBLEMS})
    pdf = printed(reports.public_xlsx(public, "湖北省绿色矿山抽查核查结果", "注：" + PROBLEMS), tmp_path / "public")
    found = words(pdf)
    assert overlapping(found) == []
    assert all(name in column_text(found, "示例1号") for name in LONG_NAMES)
    entries = pd.DataFrame({"序号": [1, 2], "时间": ["2023-11-02 09:00:00"] * 2, "操作人": ["张三（zhangsan）"] * 2,
                            "操作": ["名录：编辑"] * 2, "对象": LONG_NAMES[:2], "修改前": [PROBLEMS] * 2,
                            "修改后": [PROBLEMS * 2] * 2})
    pdf = printed(audit.export_xlsx(entries, "审计日志"), tmp_path / "audit")
    assert overlapping(words(pdf)) == []
