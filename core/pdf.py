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
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF, XPos, YPos
from fpdf.enums import Align
from fpdf.util import Padding
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


# --- Chinese line breaking (GB/T 15834 punctuation, kinsoku as in JIS X 4051) ---------------------------

# Never at the start of a line: closing punctuation, and marks that belong to what precedes them.
CLOSING = "，。、；：？！）」』》〉〕】〗”’…‥々ー～·・%‰℃,.;:?!)]}"
# Never at the end of a line: opening punctuation.
OPENING = "（「『《〈〔【〖“‘([{"
# Units kept with the number before them (longest first, so that 万吨 wins over 万).
UNITS = sorted("""万吨/年 万立方米/年 万立方米 万平方米 平方公里 平方米 立方米 万元 亿元 万吨 千吨 公顷 公里 千米 毫米 厘米
    万 亿 千 百 吨 亩 米 座 个 项 条 人 名 家 处 次 页 份 张 件 台 辆 天 周 元 年 月 日 时 分 秒 号 级 版 倍 类 批 组 户 宗 km m
    t ha mm cm kg % ‰ ℃ °""".split(), key=len, reverse=True)
_UNIT = "|".join(re.escape(u) for u in UNITS)
_NUMBER = r"[-+±]?\d+(?:[.,]\d+)*"
# What no line break may cut: a date (2027年4月30日), a number with its unit (30万吨/年, 5.2 公顷, 20%),
# '——' and '……', and a Latin word or licence number (C4200002011011120112345).
_UNBREAKABLE = (rf"\d{{1,4}}年\d{{1,2}}月(?:\d{{1,2}}日)?|\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}时\d{{1,2}}分"
                rf"|(?:第 ?)?{_NUMBER}(?: ?(?:{_UNIT})(?:/(?:{_UNIT}|[a-z]))?)?(?![A-Za-z0-9])"
                r"|[A-Za-z0-9](?:[A-Za-z0-9_\-/#&.·@]*[A-Za-z0-9])?|—+|…+")
BLANKS = " \t\u3000\u00a0"
# One cluster: a run of blanks, or opening marks + one character or unbreakable unit + closing marks.
_CLUSTER = re.compile(rf"[{BLANKS}]+|[{re.escape(OPENING)}]*(?:{_UNBREAKABLE}|[^{BLANKS}])[{re.escape(CLOSING)}]*")


def _clusters(paragraph: str) -> list[str]:
    """The paragraph cut where a line may break (between any two clusters)."""
    return _CLUSTER.findall(paragraph)


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (``measure`` gives a string's width in the
    current font), as Chinese is set:

    - a line never starts with closing punctuation (，。、；：？！）」』》… and , . ; : ? ! ) ]) nor ends
      with opening punctuation (（「『《〈“‘ ( [);
    - a date (2027年4月30日), a number with its unit (30万吨/年, 41座, 5.2 公顷, 20%) and a Latin word or
      licence number stay on one line, unless one alone is wider than the line (then it breaks where
      it must);
    - explicit newlines are kept; blanks where a line breaks are dropped (a paragraph's leading
      blanks, its indent, are kept); tabs are read as spaces.

    Returns at least one line (an empty string for empty text).
    """
    if "\n" not in text and "\t" not in text and "\r" not in text and measure(text) <= width:
        return [text.rstrip(BLANKS)]  # most table cells: one line
    lines: list[str] = []
    for paragraph in text.replace("\t", " ").replace("\r", "").split("\n"):
        current, used, wrapped = "", 0.0, False
        for cluster in _clusters(paragraph):
            blank = cluster[0] in BLANKS
            if blank and wrapped and not current:
                continue  # no line but the first starts with blanks
            size = measure(cluster)
            if used + size <= width:
                current += cluster
                used += size
                continue
            if current.strip(BLANKS):
                lines.append(current.rstrip(BLANKS))
                current, used, wrapped = "", 0.0, True
            if blank:
                continue  # the break falls on the blanks: they go
            if used + size <= width:
                current += cluster
                used += size
                continue
            # Wider than a whole line: broken inside, still never before a closing or after an opening mark.
            for ch in cluster:
                step = measure(ch)
                if used + step > width and current.strip(BLANKS):
                    cut = len(current)
                    while cut > 1 and (current[cut - 1] in OPENING or (current + ch)[cut] in CLOSING):
                        cut -= 1
                    lines.append(current[:cut])
                    current, wrapped = current[cut:], True
                    used = measure(current)
                current += ch
                used += step
        if current.strip(BLANKS) or not wrapped:
            lines.append(current.rstrip(BLANKS))
    return lines


def _narrow(ch: str) -> bool:
    return ch < "\u2e80"  # Latin, digits, ASCII punctuation and blanks: no extra space inside them


def justify_gaps(line: str) -> list[int]:
    """Where a justified line may take extra space: between two characters of which one is CJK, after
    the paragraph's indent (which stays as wide as it is)."""
    indent = len(line) - len(line.lstrip(BLANKS))
    return [i for i in range(indent + 1, len(line)) if not (_narrow(line[i - 1]) and _narrow(line[i]))]


class Document(FPDF):
    """An A4 document with a CJK font, a running header and page numbers (第 n 页 共 m 页, the style the
    xlsx footers use too); a document with a ``cover`` shows neither on its first page."""

    def __init__(self, font: Font, header_text: str, orientation: str = "P", footer_note: str = "",
                 cover: bool = False):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.header_text = header_text
        self.footer_note = footer_note
        self.cover = cover
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
        if self.cover and self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(110)
        if self.footer_note:
            self.cell(0, 6, self.footer_note, align="L")
            self.set_x(self.l_margin)
        self.cell(0, 6, f"第 {self.page_no()} 页 共 {{nb}} 页", align="R" if self.footer_note else "C")
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

    def paragraph(self, text: str, size: float = 10.5, height: float = 6, align: str = "J") -> None:
        """Text across the page, broken as Chinese is set (:func:`break_lines`); each line of a justified
        paragraph but its last fills the width (:meth:`justified_line`)."""
        self.set_font("cjk", size=size)
        self.text_block(text, height, align)
        self.set_font("cjk", size=10.5)

    def text_block(self, text: str, height: float, align: str = "J") -> None:
        """``text`` from the left margin to the right one, a line every ``height`` mm, a new page where
        the page is full; ``align`` "J" (justified, the last line of each paragraph flush left), "L",
        "C" or "R"."""
        width = self.epw - 2 * self.c_margin
        for paragraph in text.split("\n"):
            lines = self.wrap(paragraph, width)
            for number, line in enumerate(lines):
                if self.will_page_break(height):
                    self.add_page(orientation=self.cur_orientation)
                self.set_x(self.l_margin)
                if align == "J" and number < len(lines) - 1 and self.justified_line(line, width, height):
                    continue
                super().cell(self.epw, height, line, align="L" if align == "J" else align,
                             new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def justified_line(self, line: str, width: float, height: float) -> bool:
        """Draw ``line`` filling ``width`` at the current height, the extra space spread evenly between
        CJK characters (none inside a Latin word or a number). False, nothing drawn, when that would
        leave a gap wider than about one character: the caller then sets the line flush left."""
        gaps = justify_gaps(line)
        spare = width - self.measure(line)
        if not gaps or spare <= 0.01:
            return False
        spacing = spare / len(gaps)
        if spacing > self.font_size * 1.05:
            return False
        x, y = self.l_margin + self.c_margin, self.y + 0.5 * height + 0.3 * self.font_size
        for start, end in zip([0, *gaps], [*gaps, len(line)]):
            piece = line[start:end]
            if piece.strip(BLANKS):
                self.text(x, y, piece)
            x += self.measure(piece) + spacing
        self.set_xy(self.l_margin, self.y + height)
        return True

    def multi_cell(self, w: float, h: float | None = None, text: str = "", *args, **kwargs):  # type: ignore[override]
        """fpdf2's ``multi_cell`` (which its ``table()`` draws cells with too), the text first broken as
        Chinese is set (:func:`break_lines`). fpdf2's own "J" stretches only spaces, leaving wide gaps
        in Chinese text, so justified text is set flush left here; :meth:`paragraph` justifies."""
        if kwargs.get("markdown") or not text:
            return super().multi_cell(w, h, text, *args, **kwargs)
        padding = Padding.new(kwargs.get("padding", 0))
        width = (w or (self.w - self.r_margin - self.x)) - padding.left - padding.right
        width -= (0 if padding.left else self.c_margin) + (0 if padding.right else self.c_margin)
        if not args and Align.coerce(kwargs.get("align", Align.J)) == Align.J:
            kwargs["align"] = Align.L
        # A hair narrower than fpdf2's limit, so that it never breaks a line again on rounding.
        return super().multi_cell(w, h, "\n".join(self.wrap(text, width - 0.01)), *args, **kwargs)

    def wrapped_grid(self, headings: list[str], rows: list[list[object]], widths: list[float],
                     size: float = 9) -> None:
        """A bordered table whose cells wrap as Chinese is set (:func:`break_lines`), never shortened.

        A row is as tall as its tallest cell and moves whole to the next page when it does not fit (a
        row taller than a page alone is continued over pages); the heading row is repeated on every
        page and never left alone at a page foot. Drawn with text() and line(): a thousand rows take a
        second or two where fpdf2's ``table()`` takes far longer.
        """
        line_height, pad = size * 0.5, 1.0
        widths = [w * (self.epw / sum(widths)) for w in widths]
        lefts = [self.l_margin + sum(widths[:i]) for i in range(len(widths) + 1)]
        self.set_font("cjk", size=size)

        def tall(cells: list[list[str]]) -> float:
            return max(len(lines) for lines in cells) * line_height + 2 * pad

        def draw_row(cells: list[list[str]], fill: bool = False) -> None:
            height = tall(cells)
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

        heading_cells = [self.wrap(h, w - 2 * pad) for h, w in zip(headings, widths)]

        def new_page() -> None:
            self.add_page(orientation=self.cur_orientation)
            self.set_font("cjk", size=size)
            heading()

        def heading() -> None:
            self.line(lefts[0], self.get_y(), lefts[-1], self.get_y())
            draw_row(heading_cells, fill=True)

        cells_of = [[self.wrap("" if value is None else str(value), w - 2 * pad) for value, w in zip(row, widths)]
                    for row in rows[:1]]
        # The heading goes with the first row (or the first lines of a very tall one).
        first = min(tall(cells_of[0]), 8 * line_height + 2 * pad) if cells_of else 0
        if self.will_page_break(tall(heading_cells) + first):
            self.add_page(orientation=self.cur_orientation)
            self.set_font("cjk", size=size)
        heading()
        for index, row in enumerate(rows):
            cells = cells_of[0] if index == 0 and cells_of else [
                self.wrap("" if value is None else str(value), w - 2 * pad) for value, w in zip(row, widths)]
            if self.will_page_break(tall(cells)):
                room = self.page_break_trigger - self.get_y() - 2 * pad
                body = self.page_break_trigger - self.t_margin - 10 - tall(heading_cells) - 2 * pad
                if tall(cells) - 2 * pad <= body or room < 3 * line_height:
                    new_page()
                # A row taller than a page: as many lines as fit on each page.
                while self.will_page_break(tall(cells)):
                    fit = max(1, int((self.page_break_trigger - self.get_y() - 2 * pad) // line_height))
                    draw_row([lines[:fit] for lines in cells])
                    cells = [lines[fit:] for lines in cells]
                    new_page()
            draw_row(cells)
        self.set_font("cjk", size=10.5)
        self.ln(2)

    def measure(self, text: str) -> float:
        """The width of ``text`` in the current font and size: the sum of its characters' widths, each
        measured once per size (fpdf2 measures slowly)."""
        widths = self._char_widths.setdefault(self.font_size_pt, {})
        try:
            return sum(map(widths.__getitem__, text))
        except KeyError:
            for ch in set(text).difference(widths):
                widths[ch] = self.get_string_width(ch)
            return sum(map(widths.__getitem__, text))

    def wrap(self, text: str, width: float) -> list[str]:
        """Text broken into lines that fit the width, as Chinese is set (:func:`break_lines`)."""
        widths = self._char_widths.setdefault(self.font_size_pt, {})
        for ch in set(text).difference(widths):
            widths[ch] = self.get_string_width(ch)
        width_of = widths.__getitem__  # every character is measured now: a lookup each, no call
        return break_lines(text, width, lambda piece: sum(map(width_of, piece)))

    def fit(self, text: str, width: float) -> str:
        """Text shortened to the width with "…": for the one-line labels of a chart (core.charts) only,
        never for a cell or a line of a document someone signs or publishes: those wrap."""
        if len(text) * self.font_size <= width:  # no character is wider than the em: it fits
            return text
        measure = self.measure
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

