"""Table 1 as text, Markdown, HTML, LaTeX (booktabs) and JSON.

All five read the same :class:`~resnet_explain.paper.table1.Table1`; none computes a number.

* **text** — a grid, one line per line of a cell, brackets written ``[3×3, 64; 3×3, 64] ×2``.
  Given a ``width`` it is too wide for, the models are laid out in panels of as many
  columns as fit, each panel with the layer names and output sizes again; a bracket that
  does not fit its column is stacked as in the paper (one layer a line, ``×n`` beside the
  middle one), other text is wrapped at its commas, then at spaces; nothing is left out.
* **Markdown** — a pipe table, the lines of a cell joined by ``<br>``.
* **HTML** — one ``<table>`` with inline styles (no script, no external file); a row that
  is the same for every model is written once across the columns, as in the paper.
* **LaTeX** — ``booktabs`` rules; a bracket is the paper's stacked bracket
  ``$\\left[\\begin{array}{c}3{\\times}3, 64\\\\ …\\end{array}\\right]{\\times}2$``; a line that is
  the same for every model spans the columns (``\\multicolumn``). Needs ``\\usepackage{booktabs}``.
* **JSON** — ``{"title", "models": [...], "rows": [...], "notes"}``; a bracket is
  ``{"layers": [...], "repeat": n}``, a plain line a string.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ..choices import TABLE1_FORMATS
from ..i18n import N_, _, translated
from ..render.markdown import escape as md_escape
from ..render.width import check_width, wrap, wrap_lines
from ..textwidth import ljust
from ..textwidth import width as text_width
from .table1 import Bracket, Line, Row, Table1

FORMATS = TABLE1_FORMATS


def render(table: Table1, format: str = "text", width: int | None = None) -> str:
    """``table`` as ``format``; ``width``: the text fits that many columns (``None``: no
    limit; the other formats ignore it)."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    check_width(width)
    if format == "text":
        return text(table, width)
    return {"markdown": markdown, "html": html, "latex": latex,
            "json": to_json}[format](table)


def _line(line: Line) -> str:
    return line.text if isinstance(line, Bracket) else line


def _header(table: Table1) -> list[list[str]]:
    return [[_("layer name"), _("output size"), *(c.model for c in table.columns)],
            ["", "", *(c.title for c in table.columns)]]


#: The figure rows' names (``Row.name`` keeps the English word, as the JSON shows it).
FIGURES = (N_("FLOPs"), N_("params"), N_("depth"))


def _name(row: Row) -> str:
    """A row's name as the views show it: a stage's own name, a figure's in words."""
    return translated(row.name) if row.kind == "figure" else row.name


# --- text -----------------------------------------------------------------------------------
def text(table: Table1, width: int | None = None) -> str:
    """The grid; ``width``: no line longer than it (panels of models, stacked brackets,
    wrapped text — see the module's docstring), ``None``: as wide as the table is."""
    header = _header(table)
    body = [[[_name(row)], [row.output_size], *([_line(line) for line in cell]
                                                 for cell in row.cells)]
            for row in table.rows]
    widths = [max(text_width(line)
                  for item in [*[[h[i]] for h in header], *(r[i] for r in body)]
                  for line in item) for i in range(len(header[0]))]
    grid = _grid(table, header, body, widths)
    if width is not None and text_width(grid[0]) > width:
        grid = _panels(table, width)
    return "\n".join([*wrap_lines([table.title], width), *grid,
                      *wrap_lines(table.notes, width)]) + "\n"


def _grid(table: Table1, header: list[list[str]], body: list[list[list[str]]],
          widths: list[int]) -> list[str]:
    """Rules, the two header lines and the rows of ``body`` (rows → columns → lines) in
    columns of ``widths``; a dashed rule between rows of a kind, a double one around."""
    def join(cells: list[str]) -> str:
        return "  ".join(ljust(cell, columns) for cell, columns in zip(cells, widths)).rstrip()

    rule = "=" * len("  ".join("x" * w for w in widths))
    out = [rule, join(header[0]), join(header[1]), rule]
    for index, row in enumerate(body):
        height = max(len(cell) for cell in row)
        for number in range(height):
            out.append(join([cell[number] if number < len(cell) else "" for cell in row]))
        kind = table.rows[index].kind
        following = table.rows[index + 1].kind if index + 1 < len(body) else None
        out.append(rule if following is None or following != kind else "-" * len(rule))
    return out


def _narrow_titles() -> tuple[tuple[str, str], tuple[str, str]]:
    """Narrowed, the two first columns' titles take both header lines where they have two
    words ("layer" over "name"); a title of one word (Chinese) keeps the first line."""
    def split(title: str) -> tuple[str, str]:
        first, _sep, second = title.partition(" ")
        return first, second
    return split(_("layer name")), split(_("output size"))


def _panels(table: Table1, width: int) -> list[str]:
    """The grid in ``width`` columns: the models in panels of as many as fit at their
    narrowest (:func:`_narrowest`), each panel's columns then widened evenly into the room
    left, up to their one-line width; each panel repeats the layer names and output sizes,
    and a blank line parts the panels."""
    narrow = _narrow_titles()
    fixed = [max(text_width(text) for text in (*titles, *texts))
             for titles, texts in zip(narrow, zip(*((_name(row), row.output_size)
                                                    for row in table.rows)))]
    room = width - sum(fixed) - 2 * len(fixed)
    columns = list(range(len(table.columns)))
    least = [_narrowest(table, i) for i in columns]
    most = [_widest(table, i) for i in columns]
    panels = _balanced(columns, least, room)
    out: list[str] = []
    for panel in panels:
        widths = {i: least[i] for i in panel}
        spare = room - sum(widths[i] + 2 for i in panel) + 2
        growing = [i for i in panel if widths[i] < most[i]]
        while spare > 0 and growing:  # one column at a time, in turn, up to its own width
            for i in list(growing):
                if spare <= 0:
                    break
                widths[i] += 1
                spare -= 1
                if widths[i] >= most[i]:
                    growing.remove(i)
        header = [[narrow[0][0], narrow[1][0], *(table.columns[i].model for i in panel)],
                  [narrow[0][1], narrow[1][1], *(table.columns[i].title for i in panel)]]
        body = [[[_name(row)], [row.output_size],
                 *(_fitted(row.cells[i], widths[i]) for i in panel)] for row in table.rows]
        if out:
            out.append("")
        out += _grid(table, header, body, [*fixed, *(widths[i] for i in panel)])
    return out


def _balanced(columns: list[int], least: list[int], room: int) -> list[list[int]]:
    """``columns`` in as few panels as fit ``room`` at their ``least`` widths (two columns
    apart), as evenly filled as that allows: five models in 80 columns are three and two,
    not four and one."""
    def fits(panel: list[int]) -> bool:
        return sum(least[i] + 2 for i in panel) - 2 <= room

    count = 1
    while True:
        size, extra = divmod(len(columns), count)
        panels, start = [], 0
        for number in range(count):
            end = start + size + (number < extra)
            panels.append(columns[start:end])
            start = end
        if all(len(panel) == 1 or fits(panel) for panel in panels):
            return [panel for panel in panels if panel]
        count += 1


def _widest(table: Table1, index: int) -> int:
    """A model column's width with every line of its cells on one line."""
    column = table.columns[index]
    return max([text_width(column.model), text_width(column.title),
                *(text_width(_line(line)) for row in table.rows
                  for line in row.cells[index])])


def _narrowest(table: Table1, index: int) -> int:
    """The least width a model column can be laid out in: its titles, its brackets stacked,
    its longest word."""
    column = table.columns[index]
    needs = [text_width(column.model), text_width(column.title)]
    for row in table.rows:
        for line in row.cells[index]:
            if isinstance(line, Bracket):
                needs.append(min(text_width(line.text), max(map(text_width, _stacked(line)))))
            else:
                needs += map(text_width, line.split())
    return max(needs)


def _stacked(bracket: Bracket) -> list[str]:
    """The paper's bracket, one layer a line, ``×n`` beside the middle line::

        [1×1, 64 ]
        [3×3, 64 ] ×3
        [1×1, 256]
    """
    inner = max(map(len, bracket.layers))
    middle = len(bracket.layers) // 2
    return [f"[{layer.ljust(inner)}]" + (f" ×{bracket.repeat}" if number == middle else "")
            for number, layer in enumerate(bracket.layers)]


def _fitted(cell: list[Line], width: int) -> list[str]:
    """The lines of a cell in ``width`` columns: a bracket on one line or stacked; text
    broken after its commas where it can (``7×7, 64,`` / ``stride 2``), else at spaces."""
    out: list[str] = []
    for line in cell:
        if isinstance(line, Bracket):
            out += [line.text] if text_width(line.text) <= width else _stacked(line)
        elif text_width(line) <= width:
            out.append(line)
        else:
            phrases = [part + "," for part in line.split(", ")]
            phrases[-1] = phrases[-1][:-1]
            current = ""
            for phrase in phrases:
                joined = f"{current} {phrase}" if current else phrase
                if text_width(joined) <= width:
                    current = joined
                    continue
                if current:
                    out.append(current)
                if text_width(phrase) <= width:
                    current = phrase
                else:
                    *whole, current = wrap(phrase, width, hanging="")
                    out += whole
            if current:
                out.append(current)
    return out


# --- Markdown -------------------------------------------------------------------------------
def markdown(table: Table1) -> str:
    header = _header(table)
    titles = ["<br>".join(md_escape(part) for part in (a, b) if part)
              for a, b in zip(header[0], header[1])]
    lines = [f"**{table.title}**", "", "| " + " | ".join(titles) + " |",
             "|" + "|".join(["---"] * len(titles)) + "|"]
    for row in table.rows:
        cells = [_name(row), row.output_size,
                 *("<br>".join(md_escape(_line(line)) for line in cell) for cell in row.cells)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"


# --- HTML -----------------------------------------------------------------------------------
# One panel with its own colours (a dark notebook theme gives tables light text: on the
# paper-white cells it vanished), sizes in em (the host's font size and zoom carry through),
# and lines that break only between words: a layer ``1×1, 1024`` may wrap after its comma,
# ``×3`` may go under its bracket, but no number or size is split, so the table fits a
# 600-px output area at 150 % without a scroll bar.
_INK, _PANEL = "#1b1f24", "#ffffff"
_WRAPPER = (f"max-width:100%;overflow-x:auto;background:{_PANEL};color:{_INK};"
            "padding:0.3em 0.5em;border-radius:6px;text-align:left")
_TABLE = (f"border-collapse:collapse;font-size:0.93em;font-family:system-ui,sans-serif;"
          f"margin:0.4em 0;color:{_INK};background:{_PANEL};table-layout:auto")
_CELL = ("padding:0.25em 0.4em;border-bottom:1px solid #ddd;text-align:center;"
         f"vertical-align:middle;white-space:normal;color:{_INK};background:{_PANEL}")
_HEAD = _CELL + ";border-bottom:2px solid #444"
_FIGURE = _CELL.replace(f"background:{_PANEL}", "background:#f4f6fa")
_KEEP = "white-space:nowrap"


def _words(text: str) -> str:
    """``text`` escaped, each word kept whole (a line may break only at its spaces)."""
    return " ".join(f'<span style="{_KEEP}">{escape(word)}</span>' if len(word) > 1
                    else escape(word) for word in text.split(" "))


def _html_line(line: Line) -> str:
    if isinstance(line, Bracket):
        inner = "<br>".join(_words(layer) for layer in line.layers)
        return ('<span style="display:inline-block;vertical-align:middle;'
                'border-left:1.5px solid #333;border-right:1.5px solid #333;'
                f'padding:0 0.35em;white-space:normal">{inner}</span> '
                f'<span style="display:inline-block;vertical-align:middle;{_KEEP}">'
                f'×{line.repeat}</span>')
    return _words(line)


def html(table: Table1) -> str:
    header = _header(table)
    out = [f'<div class="resnet-explain-table1" style="{_WRAPPER}">',
           f'<table style="{_TABLE}">',
           f'<caption style="caption-side:top;font-weight:bold;padding:0.3em;color:{_INK};'
           f'text-align:left">{escape(table.title)}</caption>', "<thead><tr>"]
    for top, below in zip(header[0], header[1]):
        sub = (f'<br><span style="font-weight:normal">{_words(below)}</span>' if below
               else "")
        out.append(f'<th style="{_HEAD}">{_words(top)}{sub}</th>')
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        style = _FIGURE if row.kind == "figure" else _CELL
        cells = [f'<th style="{style};text-align:left">{_words(_name(row))}</th>',
                 f'<td style="{style}">{_words(row.output_size)}</td>']
        if row.shared:
            cells.append(f'<td colspan="{len(row.cells)}" style="{style}">'
                         + "<br>".join(_html_line(line) for line in row.cells[0]) + "</td>")
        else:
            cells += [f'<td style="{style}">' + "<br>".join(_html_line(line) for line in cell)
                      + "</td>" for cell in row.cells]
        out.append(f'<tr style="background:{_PANEL}">' + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if table.notes:
        out.append('<ul style="font-size:0.9em;margin:0.3em 0;padding-left:1.2em;'
                   f'color:{_INK};text-align:left">'
                   + "".join(f"<li>{escape(note)}</li>" for note in table.notes) + "</ul>")
    out.append("</div>")
    return "\n".join(out) + "\n"


# --- LaTeX ----------------------------------------------------------------------------------
_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}


def _tex_text(value: str) -> str:
    out = "".join(_TEX_ESCAPES.get(char, char) for char in value)
    out = out.replace("×10⁹", r"${\times}10^9$").replace("×", r"${\times}$")
    return out.replace("—", "---").replace("·", r"${\cdot}$")


def _tex_line(line: Line) -> str:
    if isinstance(line, Bracket):
        rows = r"\\ ".join(_tex_math(layer) for layer in line.layers)
        return (r"$\left[\begin{array}{@{}c@{}}" + rows + r"\end{array}\right]"
                + rf"{{\times}}{line.repeat}$")
    return _tex_text(line)


def _tex_math(value: str) -> str:
    """A layer inside the bracket's math array: ``3{\\times}3, 64``."""
    body = "".join(_TEX_ESCAPES.get(char, char) for char in value)
    return r"\text{" + body.replace("×", r"$\times$") + "}"


def latex(table: Table1) -> str:
    count = len(table.columns)
    header = _header(table)
    out = [r"% Table 1 of He et al. 2015, rebuilt by resnet-explain; needs \usepackage{booktabs}"
           r" and \usepackage{amsmath}",
           r"\begin{table}[t]", r"\centering", r"\small",
           r"\begin{tabular}{ll" + "c" * count + "}", r"\toprule",
           " & ".join(_tex_text(h) for h in header[0]) + r" \\",
           " & ".join(_tex_text(h) for h in header[1]) + r" \\", r"\midrule"]
    previous = None
    for row in table.rows:
        if previous == "stage" and row.kind == "figure":
            out.append(r"\midrule")
        previous = row.kind
        height = max(len(cell) for cell in row.cells)
        for number in range(height):
            lines = [cell[number] if number < len(cell) else "" for cell in row.cells]
            first = [_tex_text(_name(row)), _tex_text(row.output_size)] if number == 0 \
                else ["", ""]
            if count > 1 and all(line == lines[0] for line in lines):
                body = [rf"\multicolumn{{{count}}}{{c}}{{{_tex_line(lines[0])}}}"]
            else:
                body = [_tex_line(line) if line else "" for line in lines]
            out.append(" & ".join(first + body) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}",
            r"\caption{" + _tex_text(table.title) + ". " + " ".join(
                _tex_text(note) for note in table.notes) + "}",
            r"\end{table}"]
    return "\n".join(out) + "\n"


# --- JSON -----------------------------------------------------------------------------------
def _json_line(line: Line) -> Any:
    if isinstance(line, Bracket):
        return {"layers": list(line.layers), "repeat": line.repeat}
    return line


def to_dict(table: Table1) -> dict[str, Any]:
    return {
        "title": table.title,
        "models": [{"model": c.model, "title": c.title, "layout": c.layout,
                    "input_size": c.input_size} for c in table.columns],
        "rows": [_row_dict(row) for row in table.rows],
        "notes": list(table.notes),
    }


def _row_dict(row: Row) -> dict[str, Any]:
    return {"name": row.name, "kind": row.kind, "output_size": row.output_size,
            "cells": [[_json_line(line) for line in cell] for cell in row.cells]}


def to_json(table: Table1) -> str:
    return json.dumps(to_dict(table), ensure_ascii=False, indent=2) + "\n"
