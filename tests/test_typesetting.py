"""Documents set as official Chinese documents: a serif body and a sans heading face, headings at four
levels kept with their text, tables whose headings fit and whose numbers are right-aligned, and pages that
are never left nearly empty by a block that could have moved. Read back with pdffonts, pdftotext -bbox and
pdftoppm."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from core import pdf, record_pdf, report_pdf, reports
from tests.test_pdf import LONG_NAMES, PROSE, read_back
from tests.test_record_pdf import submitted  # noqa: F401  (fixture)
from tests.test_reports import campaign  # noqa: F401  (fixture)

SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SANS_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


def fonts_of(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def debian_fonts(monkeypatch) -> pdf.Fonts:
    """Debian's fonts-noto-cjk, found as the app finds them."""
    for variable in (pdf.ENV_FONT, pdf.ENV_HEADING_FONT):
        monkeypatch.delenv(variable, raising=False)
    assert SERIF.is_file() and SANS_BOLD.is_file(), "apt-get install fonts-noto-cjk"
    return pdf.find_fonts()


def test_debian_s_noto_cjk_gives_a_serif_body_and_a_bold_sans_heading_face(debian_fonts) -> None:
    assert debian_fonts == pdf.Fonts(pdf.Font(str(SERIF), 2), pdf.Font(str(SANS_BOLD), 2))


def test_the_report_is_set_in_a_serif_body_and_a_sans_heading_face(demo_db, campaign, debian_fonts,  # noqa: F811
                                                                  tmp_path) -> None:
    listed = fonts_of(report_pdf.report_pdf(demo_db, campaign, debian_fonts), tmp_path)
    assert re.search(r"\+NotoSerifCJKSC\s", listed) and re.search(r"\+NotoSansCJKSCBold\s", listed), listed
    assert len(re.findall(r"CID Type 0C", listed)) == 2  # two faces, each embedded once as a subset


def test_windows_sets_the_body_in_fangsong_and_headings_in_heiti(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(pdf, "SERIF_CANDIDATES", ())
    monkeypatch.setattr(pdf, "CANDIDATES", ())
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    folder = tmp_path / "Windows" / "Fonts"
    folder.mkdir(parents=True)
    for name in ("simhei.ttf", "simfang.ttf", "simsun.ttc"):
        (folder / name).write_bytes(b"")
    assert pdf.find_fonts() == pdf.Fonts(pdf.Font(str(folder / "simfang.ttf")), pdf.Font(str(folder / "simhei.ttf")))


def test_without_a_serif_face_the_body_is_set_in_the_heading_face(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(pdf, "SERIF_CANDIDATES", ())
    monkeypatch.setattr(pdf, "CANDIDATES", ())
    monkeypatch.setattr(pdf, "fontconfig_candidates", lambda serif=False: [])
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    found = pdf.find_fonts()  # pip's Noto Sans CJK alone: command one gives working PDFs
    assert found.body == found.heading and "noto_cjk_sans_otc" in found.body.path
    doc = pdf.Document(found, "页眉")
    doc.add_page()
    doc.headline("一、工作概况")
    doc.body_text(PROSE)
    assert "一、工作概况" in read_back(bytes(doc.output()), tmp_path)


def test_a_chosen_heading_face_that_is_not_there_says_so(monkeypatch) -> None:
    monkeypatch.setenv(pdf.ENV_HEADING_FONT, "/nowhere/simhei.ttf")
    with pytest.raises(pdf.FontMissing, match="/nowhere/simhei.ttf"):
        pdf.find_fonts()


@pytest.mark.parametrize(("line", "level"), [
    ("一、工作概况", 1), ("十二、其他", 1), ("（一）名录管理情况", 2), ("1. 加强日常监管", 3), ("2．督促整改", 3),
    ("（3）边坡治理", 4), ("1.加强监管，落实责任。", None), ("本次核查共抽取12座。", None), ("3.5 公顷", None),
    ("一、" + "很长" * 30, None), ("", None)])
def test_headings_are_told_from_numbered_sentences(line: str, level: int | None) -> None:
    assert pdf.heading_level(line) == level


def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(debian_fonts, tmp_path) -> None:
    doc = pdf.Document(debian_fonts, "页眉")
    doc.add_page()
    doc.set_y(doc.page_break_trigger - 16)  # room for a heading line, not for the heading and two lines
    doc.body_text("（二）存在的主要问题\n" + PROSE)
    pages = read_back(bytes(doc.output()), tmp_path).split("\f")
    assert "（二）存在的主要问题" not in pages[0] and "（二）存在的主要问题" in pages[1]
    assert "".join(pages[1].split()).index("（二）存在的主要问题") < "".join(pages[1].split()).index("本次核查")


def words_of(data: bytes, tmp_path: Path) -> list[tuple[float, float, str]]:
    """(xMin, xMax, word) of every word pdftotext finds, page 1."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [(float(a), float(b), word) for a, b, word in
            re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)]


def test_table_headings_fit_their_columns_and_numbers_are_right_aligned(debian_fonts, tmp_path) -> None:
    headings = ["序号", "入库级别", "矿山名称", "是否符合标准", "处理结论", "在册（抽取时）", "存在的主要问题"]
    doc = pdf.Document(debian_fonts, "页眉")
    doc.add_page()
    # Shares that would split every heading but the long text's: the columns are widened to their words.
    doc.wrapped_grid(headings, [[n, "国家级", name, "是", "整改", 1000 * n, PROSE] for n, name in
                                enumerate(LONG_NAMES[:3], start=8)], [1, 1, 6, 1, 1, 1, 30], size=8)
    words = words_of(bytes(doc.output()), tmp_path)
    found = [w for _, _, w in words]
    for heading in ("序号", "入库级别", "是否符合标准", "处理结论", "在册", "（抽取时）", "存在的主要问题"):
        assert heading in found, (heading, found[:40])
    right_edges = {w: b for _, b, w in words if w in ("8", "10", "8000", "10000")}
    assert abs(right_edges["8"] - right_edges["10"]) < 0.5 and abs(right_edges["8000"] - right_edges["10000"]) < 0.5
    lefts = {w: a for a, _, w in words if w in ("国家级", "是否符合标准")}
    assert lefts  # text stays flush left, headings centred: both drawn


def ink_extents(data: bytes, tmp_path: Path, name: str) -> list[float]:
    """For each page, how far down its body (between 15 mm from the top and 15 mm from the foot, where
    the running header and the page number stand) the lowest ink reaches, as a share of the body."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(path), str(tmp_path / name)], check=True)
    extents = []
    for image in sorted(tmp_path.glob(f"{name}-*.pgm")):
        raw = image.read_bytes()
        _, width, height, _, pixels = re.match(rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", raw, re.S).groups()
        width, height = int(width), int(height)
        top, foot = int(height * 15 / 297), height - int(height * 15 / 297)
        inked = [y for y in range(top, foot) if min(pixels[y * width:(y + 1) * width]) < 160]
        extents.append(((max(inked) - top) / (foot - top)) if inked else 0.0)
    return extents


def assert_no_page_but_the_last_nearly_empty(data: bytes, tmp_path: Path, name: str) -> None:
    extents = ink_extents(data, tmp_path, name)
    assert len(extents) > 1, name
    nearly_empty = [n for n, extent in enumerate(extents[:-1], start=1) if extent < 0.10]
    assert not nearly_empty, (name, nearly_empty, extents)


def test_no_page_of_the_report_but_the_last_is_left_nearly_empty(demo_db, campaign, debian_fonts,  # noqa: F811
                                                                 tmp_path) -> None:
    stats = reports.statistics(demo_db, campaign)
    for length in (3, 4, 5, 15):  # the 落款 falls at several places of a page (at 4 it once stood alone)
        sections = {**reports.draft_sections(stats), "suggestions": "\n".join([PROSE] * length)}
        data = report_pdf.report_pdf(demo_db, campaign, debian_fonts, sections)
        assert_no_page_but_the_last_nearly_empty(data, tmp_path, f"report{length}")


def test_no_page_of_the_record_but_the_last_is_left_nearly_empty(demo_db, submitted, debian_fonts,  # noqa: F811
                                                                 tmp_path) -> None:
    assert_no_page_but_the_last_nearly_empty(record_pdf.record_pdf(demo_db, submitted, debian_fonts), tmp_path,
                                             "record")
