"""Text shown as it is where Streamlit reads Markdown.

Streamlit renders Markdown in almost everything a page puts on screen: ``st.markdown`` and ``st.write`` of a
string, captions, titles and headings, alerts, toasts, progress and spinner texts, expander, tab and popover
labels, every widget's label and help, the options of radio buttons, pills and segmented controls, metric
labels and values, ``st.table`` cells. Not in ``st.text``, ``st.code``, dataframe cells, the options of
selectboxes and multiselects, placeholders or the values of inputs.

So a name typed by a user or read from a file — ``[会话已过期，请点此重新登录](http://10.1.2.3/login)``, an
image that makes every browser fetch an address, ``:red[…]``, ``$…$``, a line that starts with ``#`` — would
become a link, an image, coloured text, a formula or a heading. The rule of the pages: text from the
database, from a file or from ``core`` (names, captions, file names, remarks, messages that quote them) goes
through :func:`plain` before it reaches one of those places; the page's own Chinese words stay Markdown.
Helpers of :mod:`ui` that take a message (``flash``, ``confirmed``, ``write_then_rerun``) escape it themselves.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character: CommonMark lets each be escaped with a backslash and then shows it as
# it is, and every Markdown construct (links, images, emphasis, code, headings, lists, tables, HTML,
# entities) and every Streamlit directive (:red[…], :material/…:, emoji shortcodes, $…$) needs one of them
# unescaped.
SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# Invisible U+2060 WORD JOINER: a few rules of the renderer look at the text after the escapes are gone
# (bare web and e-mail addresses become links, " -> " an arrow); a joiner inside breaks each of them.
JOINER = "\u2060"
UNLINKED = (
    (re.compile(r":(?=//)"), ":" + JOINER),           # http://…, https://…, any scheme
    (re.compile(r"(?i)(?<=www)(?=\.)"), JOINER),      # www.…
    (re.compile(r"@"), "@" + JOINER),                 # name@example.com
    (re.compile(r"(?<=[<>~-])(?=[>=-])"), JOINER),    # -> <- <-> -- >= <= ~=
)
LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")


def plain(text: object, lines: bool = False) -> str:
    """``text`` (anything; ``None`` is empty) as Markdown that Streamlit shows exactly as typed.

    Line breaks become spaces, so a name never starts a heading or a list, nor ends the heading it is in;
    with ``lines`` each line is kept, as a line break of the paragraph (for remarks and measures). Leading
    spaces of a line are dropped (four would make a code block). Chinese text and full-width punctuation pass
    unchanged; the joiners added are invisible."""
    value = "" if text is None else str(text)
    for pattern, replacement in UNLINKED:
        value = pattern.sub(replacement, value)
    if lines:
        kept = [SPECIAL.sub(r"\\\1", line.strip()) for line in re.split(r"\r\n|\r|\n", value)]
        return "  \n".join(line for line in kept if line)
    return SPECIAL.sub(r"\\\1", LINE_BREAKS.sub(" ", value).strip())


def code(text: object) -> str:
    """``text`` as an inline code span (a path, a command), whatever backticks it holds."""
    value = LINE_BREAKS.sub(" ", "" if text is None else str(text))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    return f"{fence} {value} {fence}"
