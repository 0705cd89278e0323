"""Table 1 as text, Markdown, HTML, LaTeX (booktabs) and JSON.

All five read the same :class:`~resnet_explain.paper.table1.Table1`; none computes a number.

* **text** — a grid, one line per line of a cell, brackets written ``[3×3, 64; 3×3, 64] ×2``.
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
from ..textwidth import ljust, width
from .table1 import Bracket, Line, Row, Table1

FORMATS = TABLE1_FORMATS


def render(table: Table1, format: str = "text") -> str:
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return {"text": text, "markdown": markdown, "html": html, "latex": latex,
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
def text(table: Table1) -> str:
    header = _header(table)
    body: list[list[list[str]]] = []  # rows → columns → lines
    for row in table.rows:
        body.append([[_name(row)], [row.output_size],
                     *([_line(line) for line in cell] for cell in row.cells)])
    count = len(header[0])
    widths = [max(width(line) for item in [*[[h[i]] for h in header], *(r[i] for r in body)]
                  for line in item) for i in range(count)]

    def join(cells: list[str]) -> str:
        return "  ".join(ljust(cell, columns) for cell, columns in zip(cells, widths)).rstrip()

    rule = "=" * len("  ".join("x" * w for w in widths))
    out = [table.title, rule, join(header[0]), join(header[1]), rule]
    for index, row in enumerate(body):
        height = max(len(cell) for cell in row)
        for number in range(height):
            out.append(join([cell[number] if number < len(cell) else "" for cell in row]))
        kind = table.rows[index].kind
        following = table.rows[index + 1].kind if index + 1 < len(body) else None
        out.append(rule if following is None or following != kind else "-" * len(rule))
    out += table.notes
    return "\n".join(out) + "\n"


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
