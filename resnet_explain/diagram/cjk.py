"""Chinese (CJK) text in diagrams: boxes wide enough for it, and a font that has its glyphs.

graphviz-pure lays text out with metrics built into it (Arial's), which hold no CJK
character: it measures each of the three UTF-8 bytes of one as a space (0.278 em), 0.834 em
in all where a CJK glyph takes a full em, so a long Chinese label would overflow its box and
a bold piece after Chinese text would overlap it. Before graphviz-pure lays out a source that
holds CJK text, :func:`widen_labels` puts each such label in a borderless table with an empty
cell on either side, each as wide as the label's widest line is short of its true width
(the text runs on to the right by that much), so the box fits the text; after,
:func:`place_text` moves each piece of a line to where the real glyph widths put it. A
renderer that measures with real fonts (pygraphviz, a system Graphviz) gets the source as it
is.

The SVG then names CJK fonts after the house font's family
(:data:`~.style.SVG_FONT_FAMILY_CJK`), so a browser draws Latin text with Arial's widths and
Chinese with a CJK face.

This module imports nothing from graphviz or torch; an English source is never touched.
"""

from __future__ import annotations

import re
import unicodedata

#: The width graphviz-pure gives a CJK character, in em: three UTF-8 bytes, each measured as
#: Arial's space (0.278 em).
MEASURED_EM = 3 * 0.278
#: The width a CJK glyph takes (Noto Sans CJK, Source Han Sans, YaHei, PingFang), in em.
CJK_EM = 1.0
_WIDE = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_LABEL = re.compile(r'label=(<|")')
_SIZE = re.compile(r'POINT-SIZE="([\d.]+)"')
_FONTSIZE = re.compile(r'\bfontsize="?([\d.]+)')
_BREAK = re.compile(r"<BR[^>]*/>")
_TAG = re.compile(r"<[^>]+>")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK character (Chinese, Japanese or Korean, full-width
    punctuation included)."""
    return _WIDE.search(text) is not None


def _wide_count(text: str) -> int:
    return sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")


def shortfall(html: str, size: float) -> float:
    """How many points the widest-short line of the HTML label ``html`` is narrower in
    graphviz-pure's measure than drawn with a CJK font (``size``: the label's font size)."""
    worst = 0.0
    for line in _BREAK.split(html):
        found = _SIZE.findall(line)
        points = max(map(float, found)) if found else size
        text = _TAG.sub("", line)
        worst = max(worst, _wide_count(text) * points * (CJK_EM - MEASURED_EM))
    return worst


def _html_end(source: str, start: int) -> int:
    """The index just past the ``>`` that closes the HTML label opening at ``start``."""
    depth = 0
    for index in range(start, len(source)):
        char = source[index]
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(source)


def _quoted_end(source: str, start: int) -> int:
    index = start + 1
    while index < len(source) and source[index] != '"':
        index += 2 if source[index] == "\\" else 1
    return index + 1


def _plain_to_html(text: str) -> str:
    text = text.replace('\\"', '"').replace("\\l", "\n").replace("\\r", "\n").replace("\\n",
                                                                                      "\n")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<BR/>".join(text.split("\n"))


def _statement_size(source: str, start: int, default: float) -> float:
    """The ``fontsize`` of the statement the label at ``start`` belongs to."""
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    found = _FONTSIZE.findall(source[line_start:line_end if line_end >= 0 else None])
    if found:
        return float(found[-1])
    # a bare "label=" line is a graph's or a frame's title (set at 12 or 15 points)
    return 15.0 if source[line_start:start].strip() == "" else default


def widen_labels(source: str, *, default_size: float = 11.0) -> str:
    """``source`` with every label that holds CJK text padded to its true width (see the
    module's docstring); a source without CJK text is returned as it is."""
    if not has_cjk(source):
        return source
    out: list[str] = []
    done = 0
    for found in _LABEL.finditer(source):
        if found.start() < done:
            continue  # inside a label already handled
        opening = found.end() - 1
        if found[1] == "<":
            end = _html_end(source, opening)
            inner = source[opening + 1:end - 1]
        else:
            end = _quoted_end(source, opening)
            inner = _plain_to_html(source[opening + 1:end - 1])
        if not has_cjk(inner):
            continue
        size = _statement_size(source, found.start(), default_size)
        # the line starts where graphviz-pure centred its own measure: it runs on to the
        # right by the whole shortfall, so each side gets that much (the box stays symmetric)
        side = max(1, round(shortfall(inner, size)) + 2)
        pad = f'<TD WIDTH="{side}"></TD>'
        table = ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
                 f"{pad}<TD>{inner}</TD>{pad}</TR></TABLE>")
        out.append(source[done:found.start()] + f"label=<{table}>")
        done = end
    out.append(source[done:])
    return "".join(out)


_TEXT = re.compile(r'<text ([^>]*)>(.*?)</text>', re.S)
_X = re.compile(r'\bx="(-?[\d.]+)"')
_Y = re.compile(r'\by="(-?[\d.]+)"')
_FONT_SIZE = re.compile(r'\bfont-size="([\d.]+)"')


def _deficit(attrs: str, text: str) -> float:
    size = _FONT_SIZE.search(attrs)
    return _wide_count(text) * (float(size[1]) if size else 14.0) * (CJK_EM - MEASURED_EM)


def place_text(svg: str) -> str:
    """graphviz-pure's SVG with the pieces of each line where CJK glyphs put them.

    graphviz-pure starts each piece of a line at the x its own (a little too narrow) measure
    gives, so a piece after a CJK one (the bold "步距 2" after "卷积 3×3，128，") would
    overlap it. Each piece of a line (consecutive ``<text>`` at one ``y``) moves right by the
    shortfall of the pieces before it. The first piece stays: a left-aligned title keeps its
    edge, and a centred line sits right of centre by half its shortfall, a sixth of an em per
    CJK character, inside the margin :func:`widen_labels` gave its box."""
    pieces = list(_TEXT.finditer(svg))
    lines: list[list[re.Match[str]]] = []
    for piece in pieces:
        attrs = piece[1]
        if 'text-anchor="start"' not in attrs:
            lines.append([])
            continue
        y = _Y.search(attrs)
        last = lines[-1] if lines else []
        if last and y and (found := _Y.search(last[-1][1])) and found[1] == y[1]:
            last.append(piece)
        else:
            lines.append([piece])
    moves: dict[int, float] = {}
    for line in lines:
        deficits = [_deficit(piece[1], piece[2]) for piece in line]
        before = 0.0
        for piece, deficit in zip(line, deficits):
            if before:
                moves[piece.start()] = before
            before += deficit
    if not moves:
        return svg
    out, done = [], 0
    for piece in pieces:
        shift = moves.get(piece.start())
        if shift is None:
            continue
        x = _X.search(piece[1])
        attrs = piece[1] if x is None else \
            f'{piece[1][:x.start()]}x="{float(x[1]) + shift:.2f}"{piece[1][x.end():]}'
        out.append(svg[done:piece.start()] + f"<text {attrs}>{piece[2]}</text>")
        done = piece.end()
    out.append(svg[done:])
    return "".join(out)


def label_texts(source: str) -> list[str]:
    """The text of every label of a DOT source (HTML labels with their tags), in order."""
    texts = []
    for found in _LABEL.finditer(source):
        opening = found.end() - 1
        if found[1] == "<":
            texts.append(source[opening + 1:_html_end(source, opening) - 1])
        else:
            texts.append(_plain_to_html(source[opening + 1:_quoted_end(source, opening) - 1]))
    return texts
