"""PDF documents in Chinese with fpdf2: finding a CJK font, and a page frame shared by every report.

Font search order: the environment variable ``GREENMINE_PDF_FONT`` or the ``pdf_font`` setting (a
font file, ``path`` or ``path#index`` for a collection), then fonts commonly installed on Linux
(Noto Sans CJK, WenQuanYi) and on a Windows server (黑体 SimHei, 微软雅黑, 宋体 SimSun).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF, XPos, YPos

from core.exports import chinese_date

ENV_FONT = "GREENMINE_PDF_FONT"

# (path, index in a collection); Noto Sans CJK's collection keeps Simplified Chinese at index 2.
CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
)


class FontMissing(Exception):
    """No font that can write Chinese was found; the message says what to install."""


@dataclass(frozen=True)
class Font:
    path: str
    index: int = 0


def parse_font_setting(value: str) -> Font:
    path, _, index = value.strip().partition("#")
    return Font(path, int(index or 0))


def find_font(setting: str | None = None) -> Font:
    """The CJK font to use, or FontMissing with what to do."""
    chosen = os.environ.get(ENV_FONT) or setting
    if chosen:
        font = parse_font_setting(chosen)
        if not Path(font.path).is_file():
            raise FontMissing(f"指定的 PDF 字体文件不存在：{font.path}。请在“设置”中改为已安装的中文字体文件。")
        return font
    for path, index in CANDIDATES:
        if Path(path).is_file():
            return Font(path, index)
    raise FontMissing(
        "未找到可用于生成 PDF 的中文字体。Linux 服务器请安装 Noto CJK 字体（apt-get install fonts-noto-cjk），"
        "Windows 服务器一般自带黑体（C:\\Windows\\Fonts\\simhei.ttf）；也可在“设置”中指定字体文件。"
    )


class Document(FPDF):
    """An A4 document with a CJK font, a running header and page numbers (第 n 页 / 共 m 页)."""

    def __init__(self, font: Font, header_text: str, orientation: str = "P", footer_note: str = ""):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.header_text = header_text
        self.footer_note = footer_note
        self._char_widths: dict[float, dict[str, float]] = {}
        # One face only: a CJK font takes a second to load and another to subset, so headings are set
        # larger rather than in a second, bold font file.
        self.add_font("cjk", "", font.path, collection_font_number=font.index)
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
                self.text(left + 0.75, y + baseline, self._fit(str(value), width - 1.5))
            self.line(lefts[0], y + height, lefts[-1], y + height)
            self.set_y(y + height)
        column_lines(top)
        self.set_draw_color(0)
        self.set_font("cjk", size=10.5)

    def _fit(self, text: str, width: float) -> str:
        """Text shortened to the width, measured with a per-character cache (fpdf2 measures slowly)."""
        if len(text) * self.font_size <= width:  # no character is wider than the em: it fits
            return text
        widths = self._char_widths.setdefault(self.font_size_pt, {})

        def measure(ch: str) -> float:
            if ch not in widths:
                widths[ch] = self.get_string_width(ch)
            return widths[ch]

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

