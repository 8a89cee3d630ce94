"""PDF documents in Chinese with fpdf2: finding a CJK font, and a page frame shared by every report.

Font search order: the environment variable ``GREENMINE_PDF_FONT`` or the ``pdf_font`` setting (a
font file, ``path`` or ``path#index`` for a collection), then fonts commonly installed on Linux
(Noto Sans CJK, WenQuanYi) and on a Windows server (黑体 SimHei, 微软雅黑, 宋体 SimSun), then the Noto
Sans CJK that pip installs with the requirements, then what fontconfig lists for Chinese.

A process reads each font file once (:func:`_parsed`); every document then makes its own subset of it.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

ENV_FONT = "GREENMINE_PDF_FONT"

# (path, index in a collection); Noto Sans CJK's collection keeps Simplified Chinese at index 2.
CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


# Of a CID-keyed CFF font such as Noto Sans CJK, fpdf2 embeds the subset's CFF table alone (fpdf/output.py,
# _add_fonts), but fontTools reads and subsets every table of the font first. These are all it needs.
CFF_TABLES = ("CFF ", "head", "maxp")


class FontMissing(Exception):
    """No font that can write Chinese was found; the message says what to install."""


@dataclass(frozen=True)
class Font:
    path: str
    index: int = 0


def parse_font_setting(value: str) -> Font:
    path, _, index = value.strip().partition("#")
    return Font(path, int(index or 0))


# Fonts fontconfig may list for Chinese that cannot write every name: no ASCII digits (Droid Sans
# Fallback) or GB2312 only (AR PL UMing/UKai: 堃喆犇赟 missing).
UNSUITABLE = ("droidsansfallback", "uming", "ukai")


def windows_candidates() -> list[tuple[str, int]]:
    """黑体, 微软雅黑 and 宋体 in the Windows fonts folder (wherever Windows is installed)."""
    folder = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
    return [(str(folder / name), 0) for name in ("simhei.ttf", "msyh.ttc", "simsun.ttc")]


def bundled_candidates() -> list[tuple[str, int]]:
    """Noto Sans CJK from the PyPI package ``noto-cjk-sans-otc`` (a requirement): there after pip alone."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return []
    return [(str(noto_cjk_sans_otc.FONT_PATH), 2)]


def fontconfig_candidates() -> list[tuple[str, int]]:
    """Other fonts for Chinese that fontconfig knows on this server (e.g. Source Han Sans)."""
    if shutil.which("fc-list") is None:
        return []
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "-f", "%{file}|%{index}\n"], capture_output=True,
                                text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in sorted(set(listed.splitlines())):
        path, _, index = line.partition("|")
        if path and not any(word in path.lower() for word in UNSUITABLE):
            found.append((path, int(index or 0)))
    return found


def find_font(setting: str | None = None) -> Font:
    """The CJK font to use, or FontMissing with what to do.

    In order: ``GREENMINE_PDF_FONT`` or the setting; Noto CJK or WenQuanYi where Debian installs them;
    黑体/微软雅黑/宋体 on Windows; the Noto CJK that pip installed; any other suitable font fontconfig knows.
    """
    chosen = os.environ.get(ENV_FONT) or setting
    if chosen:
        font = parse_font_setting(chosen)
        if not Path(font.path).is_file():
            raise FontMissing(f"指定的 PDF 字体文件不存在：{font.path}。请在“设置”中改为已安装的中文字体文件。")
        return font
    for candidates in (lambda: CANDIDATES, windows_candidates, bundled_candidates, fontconfig_candidates):
        for path, index in candidates():
            if Path(path).is_file():
                return Font(path, index)
    raise FontMissing(
        "未找到可用于生成 PDF 的中文字体。请重新执行 bash scripts/run.sh 安装依赖（含 Noto CJK 字体包 noto-cjk-sans-otc）；"
        "或在 Linux 服务器安装 Noto CJK 字体（apt-get install fonts-noto-cjk），Windows 服务器一般自带黑体"
        "（C:\\Windows\\Fonts\\simhei.ttf）；也可在“设置”中指定字体文件。"
    )


@lru_cache(maxsize=4)
def _parsed(path: str, index: int) -> TTFFont | None:
    """fpdf2's reading of a font file (cmap, widths, glyph ids, descriptor), once per process and face.

    None when fpdf2 does more to the font than read it (colour glyphs, WOFF, a TrueType font without
    a .notdef glyph, which fpdf2 draws one for): such a font is read by each document instead. The
    template is never written out itself, so nothing in it changes after this; its file is closed.
    """
    probe = ttLib.TTFont(path, fontNumber=index, lazy=True)
    patched = "glyf" in probe and ".notdef" not in probe.getGlyphOrder()
    probe.close()
    reader = FPDF()
    reader.add_font("cjk", "", path, collection_font_number=index)
    template = reader.fonts["cjk"]
    template.ttfont.close()
    if patched or template.color_font is not None or template.is_compressed:
        return None
    return template


def _add_font(doc: FPDF, family: str, font: Font) -> None:
    """``doc.add_font(family, "", font)``, taking what fpdf2 reads from the file from :func:`_parsed`.

    Reading the 20 MB Noto CJK collection and measuring its 65,000 glyphs took a third of every
    document's time. What the document changes is made fresh for it, as fpdf2's own ``add_font``
    would: the subset (glyphs used and their codes), the missing-glyph list, the widths dict (a
    defaultdict that grows on lookups), the font descriptor (the output fills in its object number
    and font file), and the fontTools font, which the output subsets in place and then closes.
    The cmap and glyph-id tables are only read and are shared.
    """
    template = _parsed(font.path, font.index)
    if template is None:
        doc.add_font(family, "", font.path, collection_font_number=font.index)
        return
    fresh = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if hasattr(template, name):
            setattr(fresh, name, getattr(template, name))
    fresh.i = len(doc.fonts) + 1
    fresh.fontkey = family
    fresh.cw = defaultdict(template.cw.default_factory, template.cw)
    fresh.desc = copy.copy(template.desc)
    fresh.missing_glyphs = []
    fresh.biggest_size_pt = 0
    fresh._hbfont = None
    fresh.ttfont = ttLib.TTFont(template.ttffile, recalcTimestamp=False, fontNumber=font.index, lazy=True)
    # The subset's bounding boxes are not recomputed on output (a tenth of a second per document): the
    # embedded font keeps the whole font's box, which contains the subset's, as fontTools' own subsetter
    # does by default; the PDF's font descriptor has always carried the whole font's box.
    fresh.ttfont.recalcBBoxes = False
    # The other tables of a CID-keyed CFF font would be read and subset only to be left out of the PDF
    # (a third of the output's time for Noto CJK: its cmap, metrics and layout tables cover 65,000
    # glyphs). Any other font goes into the PDF whole and keeps them.
    if fresh.is_cff and fresh.is_cid_keyed:
        for tag in list(fresh.ttfont.keys()):
            if tag != "GlyphOrder" and tag not in CFF_TABLES:
                del fresh.ttfont[tag]
    fresh.subset = SubsetMap(fresh)
    doc.fonts[family] = fresh
    if fresh.is_cff and fresh.is_cid_keyed:
        doc._set_min_pdf_version("1.6")


class Document(FPDF):
    """An A4 document with a CJK font, a running header and page numbers (第 n 页 / 共 m 页)."""

    def __init__(self, font: Font, header_text: str, orientation: str = "P", footer_note: str = ""):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.header_text = header_text
        self.footer_note = footer_note
        self._char_widths: dict[float, dict[str, float]] = {}
        # One face only: subsetting a CJK font is most of a document's time, once per face, so headings
        # are set larger rather than in a second, bold font file.
        _add_font(self, "cjk", font)
        self.set_font("cjk", size=10.5)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages("{nb}")
        self.set_margins(18, 18, 18)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("cjk", size=8)
        self.set_text_color(110)
        self.cell(0, 6, self.header_text, align="R")
        self.ln(8)
        self.set_text_color(0)
        self.set_font("cjk", size=10.5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(110)
        if self.footer_note:
            self.cell(0, 6, self.footer_note, align="L")
            self.set_x(self.l_margin)
        self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="R" if self.footer_note else "C")
        self.set_text_color(0)

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font("cjk", "", 16)
        self.multi_cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font("cjk", size=10.5)
            self.multi_cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)
        self.set_font("cjk", size=10.5)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("cjk", "", 12)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("cjk", size=10.5)

    def paragraph(self, text: str, size: float = 10.5) -> None:
        self.set_font("cjk", size=size)
        self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("cjk", size=10.5)

    def grid(self, headings: list[str], rows: list[list[object]], widths: list[float], size: float = 9) -> None:
        """A bordered table, one line per row (long text is shortened with "…"), heading on every page.

        Plain cells rather than fpdf2's ``table()``: a list of 2,000 drawn mines takes a fraction of a
        second instead of several seconds.
        """
        height = size * 0.62
        widths = [w * (self.epw / sum(widths)) for w in widths]

        def heading_row() -> None:
            self.set_font("cjk", "", size)
            self.set_fill_color(226, 239, 218)
            for text, width in zip(headings, widths):
                self.cell(width, height, text, border=1, fill=True)
            self.ln(height)
            self.set_font("cjk", size=size)

        lefts = [self.l_margin + sum(widths[:i]) for i in range(len(widths) + 1)]
        baseline = height * 0.72

        def column_lines(top: float) -> None:
            # One line per column for the whole block on the page, not one per cell.
            for left in lefts:
                self.line(left, top, left, self.get_y())

        heading_row()
        top = self.get_y()
        self.set_draw_color(170)
        for row in rows:
            if self.will_page_break(height):
                column_lines(top)
                self.add_page()
                self.set_draw_color(0)
                heading_row()
                self.set_draw_color(170)
                top = self.get_y()
            y = self.get_y()
            # text() and line() skip fpdf2's styled-text machinery that cell() goes through.
            for value, left, width in zip(row, lefts, widths):
                self.text(left + 0.75, y + baseline, self.fit(str(value), width - 1.5))
            self.line(lefts[0], y + height, lefts[-1], y + height)
            self.set_y(y + height)
        column_lines(top)
        self.set_draw_color(0)
        self.set_font("cjk", size=10.5)

    def wrapped_grid(self, headings: list[str], rows: list[list[object]], widths: list[float],
                     size: float = 9) -> None:
        """A bordered table whose cells wrap (CJK text breaks anywhere), the heading repeated on every page.

        Like :meth:`grid`, drawn with text() and line(): a thousand rows take a second or two where
        fpdf2's ``table()`` takes far longer.
        """
        line_height, pad = size * 0.5, 1.0
        widths = [w * (self.epw / sum(widths)) for w in widths]
        lefts = [self.l_margin + sum(widths[:i]) for i in range(len(widths) + 1)]
        self.set_font("cjk", size=size)

        def draw_row(cells: list[list[str]], fill: bool = False) -> None:
            height = max(len(lines) for lines in cells) * line_height + 2 * pad
            y = self.get_y()
            if fill:
                self.set_fill_color(226, 239, 218)
                self.rect(lefts[0], y, lefts[-1] - lefts[0], height, style="F")
            for lines, left in zip(cells, lefts):
                for number, line in enumerate(lines):
                    self.text(left + pad, y + pad + line_height * (number + 0.78), line)
            self.line(lefts[0], y + height, lefts[-1], y + height)
            for left in lefts:
                self.line(left, y, left, y + height)
            self.set_y(y + height)

        def heading() -> None:
            self.line(lefts[0], self.get_y(), lefts[-1], self.get_y())
            draw_row([self.wrap(h, w - 2 * pad) for h, w in zip(headings, widths)], fill=True)

        heading()
        for row in rows:
            cells = [self.wrap("" if value is None else str(value), w - 2 * pad) for value, w in zip(row, widths)]
            if self.will_page_break(max(len(lines) for lines in cells) * line_height + 2 * pad):
                self.add_page(orientation=self.cur_orientation)
                self.set_font("cjk", size=size)
                heading()
            draw_row(cells)
        self.set_font("cjk", size=10.5)
        self.ln(2)

    def char_width(self, ch: str) -> float:
        """One character's width in the current font size, from a cache (fpdf2 measures slowly)."""
        widths = self._char_widths.setdefault(self.font_size_pt, {})
        if ch not in widths:
            widths[ch] = self.get_string_width(ch)
        return widths[ch]

    def wrap(self, text: str, width: float) -> list[str]:
        """Text broken into lines that fit the width (at any character: Chinese has no spaces)."""
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            current, used = "", 0.0
            for ch in paragraph:
                if used + self.char_width(ch) > width and current:
                    lines.append(current)
                    current, used = "", 0.0
                current += ch
                used += self.char_width(ch)
            lines.append(current)
        return lines

    def fit(self, text: str, width: float) -> str:
        """Text shortened to the width with "…"."""
        if len(text) * self.font_size <= width:  # no character is wider than the em: it fits
            return text
        measure = self.char_width
        total = 0.0
        ellipsis = measure("…")
        for position, ch in enumerate(text):
            total += measure(ch)
            if total > width:
                kept, room = text[:position], width - ellipsis
                while kept and sum(measure(c) for c in kept) > room:
                    kept = kept[:-1]
                return kept + "…"
        return text

