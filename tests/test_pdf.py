"""PDF documents: finding a CJK font on Linux, Windows or from pip; the font read once per process."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import pdf


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sample.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def no_installed_fonts(monkeypatch, tmp_path):
    """A server with none of the usual fonts: no Debian fonts, an empty Windows fonts folder."""
    monkeypatch.delenv(pdf.ENV_FONT, raising=False)
    monkeypatch.setattr(pdf, "CANDIDATES", ())
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))


def test_a_chosen_font_that_is_not_there_says_so(monkeypatch) -> None:
    monkeypatch.setenv(pdf.ENV_FONT, "/nowhere/simhei.ttf")
    with pytest.raises(pdf.FontMissing, match="/nowhere/simhei.ttf"):
        pdf.find_font()


def test_a_collection_index_is_read_from_the_setting(monkeypatch) -> None:
    monkeypatch.delenv(pdf.ENV_FONT, raising=False)
    found = pdf.find_font("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2")
    assert found == pdf.Font("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)


def test_windows_fonts_are_found_where_windows_is(no_installed_fonts, tmp_path) -> None:
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    (fonts / "simhei.ttf").write_bytes(b"")
    assert pdf.find_font() == pdf.Font(str(fonts / "simhei.ttf"), 0)


def test_pip_alone_brings_a_font_that_writes_every_character(no_installed_fonts, tmp_path) -> None:
    font = pdf.find_font()
    assert "noto_cjk_sans_otc" in font.path and font.index == 2
    doc = pdf.Document(font, "页眉")
    doc.add_page()
    doc.paragraph("堃喆犇赟昇玥 绿色矿山核查 0123456789 ABC")
    assert "堃喆犇赟昇玥 绿色矿山核查 0123456789 ABC" in pdf_text(bytes(doc.output()), tmp_path)


def test_no_font_at_all_names_what_to_install(no_installed_fonts, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "bundled_candidates", lambda: [])
    monkeypatch.setattr(pdf, "fontconfig_candidates", lambda: [])
    with pytest.raises(pdf.FontMissing) as missing:
        pdf.find_font()
    assert "fonts-noto-cjk" in str(missing.value) and "noto-cjk-sans-otc" in str(missing.value)
    assert "simhei.ttf" in str(missing.value)


def test_fontconfig_fonts_that_miss_characters_are_passed_over(monkeypatch) -> None:
    listed = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf|0\n/usr/share/fonts/x/SourceHanSansSC.otf|0\n"
    monkeypatch.setattr(pdf.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(pdf.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, listed, ""))
    assert pdf.fontconfig_candidates() == [("/usr/share/fonts/x/SourceHanSansSC.otf", 0)]


# --- the font cache of core/pdf.py that makes 200 record PDFs fast enough for the package -----------

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def fpdf2s_own_font(doc, family, font) -> None:
    """fpdf2's ``add_font``, with the one setting the cache changes (the subset's bounding boxes are not
    recomputed)."""
    doc.add_font(family, "", font.path, collection_font_number=font.index)
    doc.fonts[family].ttfont.recalcBBoxes = False


def sample(font, text: str) -> bytes:
    doc = pdf.Document(font, f"页眉 {text[:4]}")
    doc.set_creation_date(datetime(2023, 11, 30, 10, 20, tzinfo=UTC))
    doc.add_page()
    doc.title_block(text, "湖北省")
    doc.paragraph(text * 20)
    doc.wrapped_grid(["一", "二"], [[text, text * 5]] * 30, [30, 70])
    return bytes(doc.output())


@pytest.mark.parametrize("face,texts", [
    (None, ("堃喆犇赟：国家级绿色矿山核查记录表 ■□ 2023年", "另一份：排土场东侧约 2 亩未复绿（整改）")),
    (DEJAVU, ("Green mine record 2023", "Another document: ABC xyz 0123")),
])
def test_documents_with_the_cached_font_are_byte_for_byte_fpdf2s(face, texts, monkeypatch) -> None:
    assert face is None or face.is_file(), f"{face} missing: apt-get install fonts-dejavu-core"
    font = pdf.find_font() if face is None else pdf.Font(str(face))
    cached = [sample(font, text) for text in texts]  # the second document reuses the first one's reading
    monkeypatch.setattr(pdf, "_add_font", fpdf2s_own_font)
    assert cached == [sample(font, text) for text in texts]


def test_documents_made_at_once_on_two_threads_are_the_same_as_one_after_the_other() -> None:
    """Streamlit runs each session on a thread of its own; the documents share the cached font."""
    font = pdf.find_font()
    texts = [f"第{n}份：堃喆犇赟{'甲乙丙丁戊己庚辛'[n]}矿" for n in range(8)]
    one_by_one = [sample(font, text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda text: sample(font, text), texts)) == one_by_one


# --- Chinese line breaking (core.pdf.break_lines) and the documents set with it --------------------------

def em(text: str) -> float:
    """A stand-in for a font: a Chinese character (or full-width mark) 1 wide, anything else half."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.5 for ch in text)


PROSE = ("本次核查共抽取国家级绿色矿山12座、省级41座、市级41座（含重点核查），“边开采、边治理”落实情况良好；"
         "存在的问题：排土场东侧约2亩未复绿。整改期限至2027年4月30日！是否符合标准？《绿色矿山评价指标》"
         "第3条：“矿区绿化覆盖率达到100%”。")


def breaks(text: str, width: float) -> list[str]:
    lines = pdf.break_lines(text, width, em)
    assert all(em(line) <= width for line in lines if len(line) > 1), lines
    return lines


@pytest.mark.parametrize("width", [n / 2 for n in range(6, 60)])
def test_closing_punctuation_never_starts_a_line_nor_opening_ends_one(width) -> None:
    lines = breaks(PROSE, width)
    assert "".join(lines) == PROSE
    assert not [line for line in lines[1:] if line[0] in "，。、；：？！）」』》〉”’…"], lines
    assert not [line for line in lines if line[-1] in "（「『《〈“‘"], lines


@pytest.mark.parametrize("text", ["Hello, world. (Draft) ok; yes: no? fine!", "甲乙丙,丁戊己.庚辛(壬癸)子丑;寅卯"])
@pytest.mark.parametrize("width", [3, 4, 5.5, 7])
def test_half_width_punctuation_keeps_to_its_word(text, width) -> None:
    lines = breaks(text, width)
    assert not [line for line in lines[1:] if line[0] in ",.;:?!)]"], lines
    assert not [line for line in lines if line[-1] in "(["], lines


@pytest.mark.parametrize("unit", ["2027年4月30日", "30万吨/年", "5.2公顷", "41座", "20%", "12 座",
                                  "C4200002011011120112345", "2023年11月", "11月3日"])
def test_a_number_with_its_unit_a_date_and_a_licence_number_stay_together(unit) -> None:
    text = f"有效期至矿山{unit}，其中部分矿区{unit}已经完成治理并通过验收{unit}。"
    for width in [em(unit) + 1 + n / 2 for n in range(0, 30)]:  # room for the unit and its "，"
        lines = breaks(text, width)
        assert "".join(lines) == text
        assert sum(line.count(unit) for line in lines) == 3, (width, lines)


def test_a_unit_wider_than_the_line_is_broken_anyway() -> None:
    licence = "C4200002011011120112345"
    lines = breaks(f"许可证号{licence}。", 4)
    assert "".join(lines) == f"许可证号{licence}。" and len(lines) > 3
    assert lines[-1][0] != "。"


def test_blanks_at_a_break_are_dropped_and_an_indent_and_newlines_are_kept() -> None:
    assert breaks("　　甲乙丙丁戊己庚辛", 5) == ["　　甲乙丙", "丁戊己庚辛"]
    assert breaks("甲乙 丙丁   戊己庚辛  ", 2.5) == ["甲乙", "丙丁", "戊己", "庚辛"]
    assert breaks("甲\t乙", 10) == ["甲 乙"]
    assert breaks("第一段\n\n第二段", 10) == ["第一段", "", "第二段"]
    assert breaks("", 10) == [""]
    assert breaks("国家级 12 座", 4) == ["国家级", "12 座"]


def test_today_s_wrap_in_a_document_breaks_as_chinese_is_set() -> None:
    doc = pdf.Document(pdf.find_font(), "页眉")
    doc.add_page()
    width = doc.measure("有效期至2027年4月")
    assert doc.wrap("有效期至2027年4月30日。", width) == ["有效期至", "2027年4月30日。"]
    assert doc.wrap("甲乙丙丁戊己（庚）。", doc.measure("甲乙丙丁戊己（")) == ["甲乙丙丁戊己", "（庚）。"]


CLOSING_MARKS = "，。、；：？！）」』》〉”’…"
LONG_NAMES = [f"湖北省宜昌市夷陵区堃喆犇赟{n}号示例矿业有限责任公司樟村坪镇桃坪河磷矿（东段及西段露天-地下联合开采区）"
              for n in range(1, 13)]


def read_back(data: bytes, tmp_path: Path, mode: str = "-layout") -> str:
    path = tmp_path / "layout.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", mode, str(path), "-"], check=True, capture_output=True, text=True).stdout


def assert_set_as_chinese(data: bytes, tmp_path: Path, names: list[str], abridged: tuple[str, ...] = ()) -> str:
    """What every document must show, read back with ``pdftotext -layout``: no piece of a line (a cell's
    line in a table, where pieces stand two blanks or more apart) starts with closing punctuation and
    there is no "…"; and in the order the text was drawn (``-raw``: a table cell after cell), every
    name whole once line breaks and blanks are removed. ``abridged``: texts outside any table a document
    shortens on purpose (a seed's first digits and "…"). Returns the layout text."""
    text = read_back(data, tmp_path)
    starts = [piece for line in text.splitlines() for piece in re.split(r"\s{2,}", line.strip())
              if piece and piece[0] in CLOSING_MARKS]
    assert not starts, starts
    shown = text
    for short in abridged:
        shown = shown.replace(short, "")
    assert "…" not in shown
    flat = "".join(read_back(data, tmp_path, "-raw").split())
    assert not [name for name in names if "".join(name.split()) not in flat]
    return text


def test_paragraphs_and_table_cells_are_never_cut_and_never_start_with_closing_punctuation(tmp_path) -> None:
    doc = pdf.Document(pdf.find_font(), "页眉")
    doc.add_page()
    doc.title_block(LONG_NAMES[0] + "核查记录")
    for width in range(150, 175, 3):  # the same text at several measures, so that marks fall at line ends
        doc.multi_cell(width, 6, PROSE, new_x="LMARGIN", new_y="NEXT")
        doc.paragraph("　　" + PROSE + LONG_NAMES[1])
    doc.wrapped_grid(["序号", "矿山名称", "是否符合标准", "存在的主要问题"],
                     [[n, name, "符合（整改后）", PROSE[:n * 7]] for n, name in enumerate(LONG_NAMES, start=1)],
                     [8, 50, 16, 60], size=8)
    text = assert_set_as_chinese(bytes(doc.output()), tmp_path, LONG_NAMES)
    flat = "".join(text.split())
    for unit in ("2027年4月30日", "41座", "12座", "100%"):
        assert flat.count(unit) >= 10, unit
    assert not [line for line in text.splitlines() if re.search(r"（\s*$", line)]


def test_justified_lines_fill_the_measure_with_no_gap_wider_than_a_character(tmp_path) -> None:
    doc = pdf.Document(pdf.find_font(), "页眉")
    doc.add_page()
    doc.set_font("cjk", size=10.5)
    line = "部直接核查的国家级绿色矿山 0 座，省级41座"
    width = doc.measure(line) + 6
    assert doc.justified_line(line, width, 6)
    assert not doc.justified_line("共 2 座", 60, 6)  # would leave gaps of several characters: set flush left
    assert pdf.justify_gaps("　　甲乙C42000") == [3, 4]  # the indent and a licence number take no extra space


def test_a_row_moves_whole_and_the_heading_never_stays_alone_at_a_page_foot(tmp_path) -> None:
    doc = pdf.Document(pdf.find_font(), "页眉")
    doc.add_page()
    doc.set_y(doc.page_break_trigger - 12)  # room for the heading row, not for the heading and a row
    doc.wrapped_grid(["序号", "矿山名称"], [[n, name] for n, name in enumerate(LONG_NAMES * 6, start=1)], [10, 40])
    pages = read_back(bytes(doc.output()), tmp_path).split("\f")
    assert "矿山名称" not in pages[0]
    assert all("矿山名称" in page for page in pages[1:] if page.strip())
    for page in pages[1:]:  # every row has its number and both halves of its name on the same page
        for number in re.findall(r"^\s*(\d+)\s", page, flags=re.M):
            assert "联合开采区）" in page.split(f" {number} ", 1)[-1] or number == "1"


def test_a_row_taller_than_a_page_continues_on_the_next(tmp_path) -> None:
    doc = pdf.Document(pdf.find_font(), "页眉")
    doc.add_page()
    long_text = "".join(f"第{n}处：排土场东侧约{n}亩未复绿。" for n in range(1, 400))
    doc.wrapped_grid(["序号", "说明"], [[1, long_text], [2, "完"]], [10, 40])
    text = "".join(read_back(bytes(doc.output()), tmp_path, "-raw").split())
    pages = doc.page_no()
    assert pages >= 3 and text.count("序号说明") == pages  # the heading on every page
    assert long_text in re.sub(r"第\d页共\d页(页眉序号说明)?", "", text)
