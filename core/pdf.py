"""PDF documents in Chinese with fpdf2: finding CJK fonts, and a page frame shared by every report.

Documents are set as 公文 are: the body in a serif face (宋体/仿宋-like), headings, titles and table
headings in a 黑体-like sans face. Each is found in this order (:func:`find_fonts`):

- body: the environment variable ``GREENMINE_PDF_FONT`` or the ``pdf_font`` setting (a font file,
  ``path`` or ``path#index`` for a collection); Noto Serif CJK where Debian installs it
  (``fonts-noto-cjk``); 仿宋 or 宋体 on a Windows server; a serif face fontconfig lists for Chinese;
  else the heading face (pip brings no serif CJK font, so command one alone sets everything in sans);
- headings: ``GREENMINE_PDF_HEADING_FONT`` or the ``pdf_heading_font`` setting; Noto Sans CJK (bold,
  then regular) or WenQuanYi on Linux; 黑体, 微软雅黑 or 宋体 on Windows; the Noto Sans CJK that pip
  installs with the requirements; what fontconfig lists for Chinese.

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
ENV_HEADING_FONT = "GREENMINE_PDF_HEADING_FONT"

# (path, index in a collection); Noto's CJK collections keep Simplified Chinese at index 2.
SERIF_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJKsc-Regular.otf", 0),
)
CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf", 0),
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


@dataclass(frozen=True)
class Fonts:
    """The two faces of a document: ``body`` (serif) and ``heading`` (sans); the same when no serif
    face is installed."""
    body: Font
    heading: Font


Faces = Font | Fonts  # what a document is set in: one face for everything, or body and heading faces


def parse_font_setting(value: str) -> Font:
    path, _, index = value.strip().partition("#")
    return Font(path, int(index or 0))


# Fonts fontconfig may list for Chinese that cannot write every name: no ASCII digits (Droid Sans
# Fallback) or GB2312 only (AR PL UMing/UKai: 堃喆犇赟 missing).
UNSUITABLE = ("droidsansfallback", "uming", "ukai")


# Words in a family name that mark a serif CJK face (宋体, 仿宋, 明朝, Source Han Serif …).
SERIF_WORDS = ("serif", "song", "fangsong", "ming", "宋", "明")


def _windows_fonts(*names: str) -> list[tuple[str, int]]:
    folder = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
    return [(str(folder / name), 0) for name in names]


def windows_candidates() -> list[tuple[str, int]]:
    """黑体, 微软雅黑 and 宋体 in the Windows fonts folder (wherever Windows is installed)."""
    return _windows_fonts("simhei.ttf", "msyh.ttc", "simsun.ttc")


def windows_serif_candidates() -> list[tuple[str, int]]:
    """仿宋 (the face of 公文 body text) and 宋体 in the Windows fonts folder."""
    return _windows_fonts("simfang.ttf", "simsun.ttc")


def bundled_candidates() -> list[tuple[str, int]]:
    """Noto Sans CJK from the PyPI package ``noto-cjk-sans-otc`` (a requirement): there after pip alone."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return []
    return [(str(noto_cjk_sans_otc.FONT_PATH), 2)]


def fontconfig_candidates(serif: bool = False) -> list[tuple[str, int]]:
    """Other fonts for Chinese that fontconfig knows on this server (e.g. Source Han Sans); with
    ``serif``, only those whose family names a serif face."""
    if shutil.which("fc-list") is None:
        return []
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "-f", "%{file}|%{index}|%{family}\n"], capture_output=True,
                                text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in sorted(set(listed.splitlines())):
        path, _, rest = line.partition("|")
        index, _, family = rest.partition("|")
        if not path or any(word in path.lower() for word in UNSUITABLE):
            continue
        if serif and not any(word in family.lower() for word in SERIF_WORDS):
            continue
        found.append((path, int(index or 0)))
    return found


def _chosen(variable: str, setting: str | None) -> Font | None:
    """The font named by the environment variable or the setting, or FontMissing when it is not there."""
    chosen = os.environ.get(variable) or setting
    if not chosen:
        return None
    font = parse_font_setting(chosen)
    if not Path(font.path).is_file():
        raise FontMissing(f"指定的 PDF 字体文件不存在：{font.path}。请在“设置”中改为已安装的中文字体文件。")
    return font


def _first(*searches: Callable[[], list[tuple[str, int]] | tuple[tuple[str, int], ...]]) -> Font | None:
    for candidates in searches:
        for path, index in candidates():
            if Path(path).is_file():
                return Font(path, index)
    return None


def find_serif_font(setting: str | None = None) -> Font | None:
    """The body's serif face: ``GREENMINE_PDF_FONT`` or the setting; Noto Serif CJK where Debian
    installs it; 仿宋/宋体 on Windows; a serif face fontconfig knows. None when there is none."""
    return _chosen(ENV_FONT, setting) or _first(lambda: SERIF_CANDIDATES, windows_serif_candidates,
                                                lambda: fontconfig_candidates(serif=True))


def find_fonts(setting: str | None = None, heading_setting: str | None = None) -> Fonts:
    """The faces of a document (:class:`Fonts`), or FontMissing with what to do. Without a serif face
    the body is set in the heading face."""
    heading = find_font(heading_setting, ENV_HEADING_FONT)
    return Fonts(find_serif_font(setting) or heading, heading)


def find_font(setting: str | None = None, variable: str = ENV_FONT) -> Font:
    """A CJK font that writes every character (the heading face), or FontMissing with what to do.

    In order: the environment ``variable`` or the setting; Noto Sans CJK or WenQuanYi where Debian
    installs them; 黑体/微软雅黑/宋体 on Windows; the Noto CJK that pip installed; any other suitable
    font fontconfig knows.
    """
    font = _chosen(variable, setting) or _first(lambda: CANDIDATES, windows_candidates, bundled_candidates,
                                                fontconfig_candidates)
    if font is not None:
        return font
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


class _CffTable(ttLib.TTFont):
    """A CID-keyed CFF font of which a PDF embeds the CFF table alone: fpdf2 saves the subset font whole
    and then compiles its CFF table again for the PDF (fpdf/output.py, _add_fonts), throwing the saved
    font away. Compiling a CJK face's charstrings is a third of a document's time, so the save writes
    nothing."""

    def save(self, file, reorderTables=True) -> None:  # type: ignore[override]
        return None


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
    cff_only = fresh.is_cff and fresh.is_cid_keyed
    fresh.ttfont = (_CffTable if cff_only else ttLib.TTFont)(template.ttffile, recalcTimestamp=False,
                                                              fontNumber=font.index, lazy=True)
    # The subset's bounding boxes are not recomputed on output (a tenth of a second per document): the
    # embedded font keeps the whole font's box, which contains the subset's, as fontTools' own subsetter
    # does by default; the PDF's font descriptor has always carried the whole font's box.
    fresh.ttfont.recalcBBoxes = False
    # The other tables of a CID-keyed CFF font would be read and subset only to be left out of the PDF
    # (a third of the output's time for Noto CJK: its cmap, metrics and layout tables cover 65,000
    # glyphs). Any other font goes into the PDF whole and keeps them.
    if cff_only:
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


# The four levels of headings in a Chinese document: 一、 （一） 1. （1）.
_LEVELS = (re.compile(r"[一二三四五六七八九十]+、"), re.compile(r"（[一二三四五六七八九十]+）"),
           re.compile(r"\d+[.．](?!\d)"), re.compile(r"（\d+）"))
HEADING_CHARS = 40


def heading_level(line: str) -> int | None:
    """1–4 for a line that is a heading (一、 （一） 1. （1）, short and not a sentence), else None. A
    numbered sentence ("1. 加强监管，……。") is a paragraph: headings end without a full stop."""
    text = line.strip(BLANKS)
    if not text or len(text) > HEADING_CHARS or text[-1] in "。；：，！？":
        return None
    for level, mark in enumerate(_LEVELS, start=1):
        if mark.match(text):
            return level
    return None


# Cell text that a table keeps on one line where it can: a number (with its unit), a date, a licence number.
_TOKENS = re.compile(rf"{_UNBREAKABLE[:_UNBREAKABLE.rindex('|—+')]}")
_NUMERIC = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")


def _numeric(value: object) -> bool:
    """A cell to right-align: a number (not a licence number or a year's label)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and len(value) < 16 and _NUMERIC.fullmatch(value.strip()) is not None


def _heading_words(heading: str) -> list[str]:
    """A column heading cut where it may wrap: at explicit line breaks and before "（"."""
    return [w for w in re.split(r"\n|(?=（)", heading) if w]


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

    def __init__(self, font: Faces, header_text: str, orientation: str = "P", footer_note: str = "",
                 cover: bool = False):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.header_text = header_text
        self.footer_note = footer_note
        self.cover = cover
        self._char_widths: dict[tuple[str, float], dict[str, float]] = {}
        fonts = font if isinstance(font, Fonts) else Fonts(font, font)
        _add_font(self, "cjk", fonts.body)
        # The family of headings, titles and table headings: "hei", or the body's when there is one face.
        self.hei = "cjk"
        if fonts.heading != fonts.body:
            _add_font(self, "hei", fonts.heading)
            self.hei = "hei"
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
        self.set_font(self.hei, "", 16)
        self.multi_cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font("cjk", size=10.5)
            self.multi_cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)
        self.set_font("cjk", size=10.5)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.headline(text, 12, 7)

    def headline(self, text: str, size: float = 12, height: float = 7, align: str = "L", keep: float = 20) -> None:
        """A heading in the heading face, on the next page when less than ``keep`` mm would follow it
        there (a heading never stands alone at the foot of a page)."""
        self.set_font(self.hei, size=size)
        lines = self.wrap(text, self.epw - 2 * self.c_margin)
        if self.will_page_break(len(lines) * height + keep):
            self.add_page(orientation=self.cur_orientation)
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("cjk", size=10.5)

    def body_text(self, text: str, size: float = 11, height: float = 7, keep_last: float = 0) -> None:
        """Text as a document's body is set: each line of ``text`` a paragraph with a two-character first
        line indent, justified; a heading line (:func:`heading_level`) set in the heading face (levels 1
        and 2) or the body face (3 and 4), kept with at least two lines of what follows. The last
        paragraph is kept with ``keep_last`` mm after it (the 落款 that follows)."""
        paragraphs = [p.strip(BLANKS) for p in text.splitlines() if p.strip(BLANKS)]
        width = self.epw - 2 * self.c_margin
        for number, paragraph in enumerate(paragraphs):
            indented = "\u3000\u3000" + paragraph
            level = heading_level(paragraph)
            self.set_font(self.hei if level in (1, 2) else "cjk", size=size)
            lines = len(self.wrap(indented, width))
            if level:
                keep = lines * height + 2 * height
            elif number == len(paragraphs) - 1 and keep_last:
                keep = lines * height + keep_last
            else:
                keep = 0
            if keep and keep < self.page_break_trigger - self.t_margin - 20 and self.will_page_break(keep):
                self.add_page(orientation=self.cur_orientation)
            self.text_block(indented, height, "L" if level else "J")
            self.ln(1)
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

        ``widths`` are the columns' shares of the width, widened where a heading would not fit on one
        line (or split between its words, before "（") or a number, date or licence number
        would break, taking from the columns with room to spare (:meth:`fit_widths`). Headings are
        centred, numbers right-aligned, text flush left. A row is as tall as its tallest cell and moves
        whole to the next page when it does not fit (a row taller than a page alone is continued over
        pages); the heading row is repeated on every page and never left alone at a page foot. Drawn
        with text() and line(): a thousand rows take a second or two where fpdf2's ``table()`` takes
        far longer.
        """
        line_height, pad = size * 0.5, 1.0
        texts = [["" if value is None else str(value) for value in row] for row in rows]
        right = [[_numeric(value) for value in row] for row in rows]
        widths = self.fit_widths(headings, texts, widths, size, 2 * pad)
        lefts = [self.l_margin + sum(widths[:i]) for i in range(len(widths) + 1)]
        self.set_font("cjk", size=size)

        def tall(cells: list[list[str]]) -> float:
            return max(len(lines) for lines in cells) * line_height + 2 * pad

        def draw_row(cells: list[list[str]], aligned: list[bool] | None = None) -> None:
            """``aligned``: which cells are right-aligned; None for the heading row (filled, centred)."""
            height = tall(cells)
            y = self.get_y()
            if aligned is None:
                self.set_fill_color(226, 239, 218)
                self.rect(lefts[0], y, lefts[-1] - lefts[0], height, style="F")
                self.set_font(self.hei, size=size)
            for column, (lines, left) in enumerate(zip(cells, lefts)):
                room = widths[column] - 2 * pad
                for number, line in enumerate(lines):
                    x = left + pad
                    if aligned is None:
                        x += (room - self.measure(line)) / 2
                    elif aligned[column]:
                        x += room - self.measure(line)
                    self.text(x, y + pad + line_height * (number + 0.78), line)
            self.set_font("cjk", size=size)
            self.line(lefts[0], y + height, lefts[-1], y + height)
            for left in lefts:
                self.line(left, y, left, y + height)
            self.set_y(y + height)

        self.set_font(self.hei, size=size)
        heading_cells = [self.wrap_words(_heading_words(h), w - 2 * pad) for h, w in zip(headings, widths)]
        self.set_font("cjk", size=size)

        def new_page() -> None:
            self.add_page(orientation=self.cur_orientation)
            self.set_font("cjk", size=size)
            heading()

        def heading() -> None:
            self.line(lefts[0], self.get_y(), lefts[-1], self.get_y())
            draw_row(heading_cells)

        def wrapped(row: list[str]) -> list[list[str]]:
            return [self.wrap(value, w - 2 * pad) for value, w in zip(row, widths)]

        cells_of = [wrapped(row) for row in texts[:1]]
        # The heading goes with the first row (or the first lines of a very tall one).
        first = min(tall(cells_of[0]), 8 * line_height + 2 * pad) if cells_of else 0
        if self.will_page_break(tall(heading_cells) + first):
            self.add_page(orientation=self.cur_orientation)
            self.set_font("cjk", size=size)
        heading()
        for index, row in enumerate(texts):
            cells = cells_of[0] if index == 0 and cells_of else wrapped(row)
            if self.will_page_break(tall(cells)):
                room = self.page_break_trigger - self.get_y() - 2 * pad
                body = self.page_break_trigger - self.t_margin - 10 - tall(heading_cells) - 2 * pad
                if tall(cells) - 2 * pad <= body or room < 3 * line_height:
                    new_page()
                # A row taller than a page: as many lines as fit on each page.
                while self.will_page_break(tall(cells)):
                    fit = max(1, int((self.page_break_trigger - self.get_y() - 2 * pad) // line_height))
                    draw_row([lines[:fit] for lines in cells], right[index])
                    cells = [lines[fit:] for lines in cells]
                    new_page()
            draw_row(cells, right[index])
        self.set_font("cjk", size=10.5)
        self.ln(2)

    def fit_widths(self, headings: list[str], rows: list[list[str]], shares: list[float], size: float,
                   padding: float) -> list[float]:
        """Column widths (mm) across the page from ``shares``, each widened to its least width where the
        page allows: its heading on one line, or in words (a break before "（"), and its
        widest number, date or licence number whole. What a column gains is taken from the columns whose
        share exceeds their own least width, in proportion to that excess."""
        widths = [w * (self.epw / sum(shares)) for w in shares]
        self.set_font(self.hei, size=size)
        least = [max((self.measure(word) for word in _heading_words(h)), default=0) + padding for h in headings]
        self.set_font("cjk", size=size)
        for row in rows:
            for column, value in enumerate(row[:len(least)]):
                if value and len(value) * size * 0.3528 + padding > least[column]:  # could be wider than least
                    for token in _TOKENS.findall(value):
                        least[column] = max(least[column], self.measure(token) + padding)
        least = [min(w, self.epw * 0.4) for w in least]
        if sum(least) > self.epw:
            return widths  # not all fit: the shares stand, and headings break where they must
        for _ in range(len(widths)):
            short = sum(max(0.0, m - w) for m, w in zip(least, widths))
            if short <= 0.01:
                break
            spare = [max(0.0, w - m) for m, w in zip(least, widths)]
            total = sum(spare)
            widths = [max(w, m) - (short * x / total if total else 0) for w, m, x in zip(widths, least, spare)]
        return widths

    def measure(self, text: str) -> float:
        """The width of ``text`` in the current font and size: the sum of its characters' widths, each
        measured once per face and size (fpdf2 measures slowly)."""
        widths = self._char_widths.setdefault((self.font_family, self.font_size_pt), {})
        try:
            return sum(map(widths.__getitem__, text))
        except KeyError:
            for ch in set(text).difference(widths):
                widths[ch] = self.get_string_width(ch)
            return sum(map(widths.__getitem__, text))

    def wrap(self, text: str, width: float) -> list[str]:
        """Text broken into lines that fit the width, as Chinese is set (:func:`break_lines`)."""
        widths = self._char_widths.setdefault((self.font_family, self.font_size_pt), {})
        for ch in set(text).difference(widths):
            widths[ch] = self.get_string_width(ch)
        width_of = widths.__getitem__  # every character is measured now: a lookup each, no call
        return break_lines(text, width, lambda piece: sum(map(width_of, piece)))

    def wrap_words(self, words: list[str], width: float) -> list[str]:
        """Words joined into lines that fit the width, a line broken only between words (a word wider
        than the width alone is broken as Chinese is set)."""
        lines: list[str] = []
        for word in words:
            if lines and self.measure(lines[-1] + word) <= width:
                lines[-1] += word
            elif self.measure(word) <= width:
                lines.append(word)
            else:
                lines.extend(self.wrap(word, width))
        return lines or [""]

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

