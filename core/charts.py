"""Bar charts drawn straight into a PDF with fpdf2's lines and rectangles: no plotting library, no
browser, nothing fetched, and the labels in the document's own CJK font.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import pdf

# Colours of the conclusions and progress, as on the map (core.maps.PALETTES).
COLOURS = {"保留": (46, 125, 50), "整改": (249, 168, 37), "移出": (198, 40, 40), "核查中": (30, 136, 229),
           "待核查": (141, 110, 99), "发现问题的矿山": (239, 108, 0), "已提交": (46, 125, 50)}
FALLBACK = ((21, 101, 192), (106, 27, 154), (0, 131, 143), (120, 144, 156))


@dataclass
class Series:
    label: str
    values: list[float]


def colour(label: str, index: int) -> tuple[int, int, int]:
    return COLOURS.get(label, FALLBACK[index % len(FALLBACK)])


def bar_chart(doc: pdf.Document, title: str, categories: list[str], series: list[Series], unit: str = "座",
              height: float = 62, label_width: float = 34) -> None:
    """Horizontal stacked bars, one per category, with a legend and the total at the end of each bar, and
    the figure's caption (``title``, "图1 …") centred under it, as figures are captioned.

    Drawn at the current position across the page's width, moved whole to the next page when it does not
    fit; moves the position below the caption.
    """
    rows = max(1, len(categories))
    bar, gap = min(7.0, (height - 14) / rows * 0.7), min(3.0, (height - 14) / rows * 0.3)
    needed = 16 + rows * (bar + gap)
    if doc.will_page_break(needed):
        doc.add_page()
    left, top = doc.l_margin, doc.get_y()
    doc.ln(1)
    legend_y = doc.get_y()
    x = left
    doc.set_font("cjk", size=8)
    for index, item in enumerate(series):
        doc.set_fill_color(*colour(item.label, index))
        doc.rect(x, legend_y + 1.2, 3, 3, style="F")
        doc.text(x + 4, legend_y + 3.9, item.label)
        x += 6 + doc.get_string_width(item.label) + 4
    totals = [sum(item.values[i] for item in series) for i in range(len(categories))]
    largest = max(totals, default=0) or 1
    plot_left = left + label_width
    plot_width = doc.epw - label_width - 16
    y = legend_y + 7
    for index, name in enumerate(categories):
        doc.set_text_color(60)
        doc.text(left, y + bar * 0.75, doc.fit(name, label_width - 2))
        x = plot_left
        for number, item in enumerate(series):
            width = plot_width * item.values[index] / largest
            if width > 0:
                doc.set_fill_color(*colour(item.label, number))
                doc.rect(x, y, width, bar, style="F")
                x += width
        doc.text(x + 1.5, y + bar * 0.75, f"{totals[index]:g}{unit}")
        y += bar + gap
    doc.set_draw_color(150)
    doc.line(plot_left, legend_y + 6, plot_left, y)
    doc.set_draw_color(0)
    doc.set_text_color(0)
    doc.set_y(max(y, top + 10) + 1)
    doc.set_font(doc.hei, size=10)
    doc.cell(0, 6, title, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10.5)
    doc.ln(3)
