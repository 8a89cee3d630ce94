"""PDF documents: finding a CJK font on Linux, Windows or from pip; the font read once per process."""

from __future__ import annotations

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
    doc.grid(["一", "二"], [[text, text * 5]] * 30, [30, 70])
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
