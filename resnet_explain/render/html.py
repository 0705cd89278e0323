"""The HTML view: one self-contained ``<table>`` for Jupyter (``Architecture._repr_html_``).

The same rows as the text table, in a ``<div class="resnet-explain">`` that carries its own
minimal CSS (a ``<style>`` block scoped to that class: no script, no external file). Numbers
are right-aligned in a monospace font; stage and block header rows span the row and are
shaded; projection blocks and shortcut layers get a dashed left border (the paper's dashed
line); a formula mismatch is red. The essential marks (shading, dashed border, red) are also
set inline on those few rows, so they survive a viewer that strips ``<style>``. The tree is
shown by indentation. Every text is HTML-escaped.

Row classes: ``stage``, ``block``, ``layer`` (or ``stem``/``head`` rows of the block view),
plus the row's marks: its role, the block kind (``identity``/``projection``/``padded``),
``weighted``, ``mismatch``.
"""

from __future__ import annotations

from html import escape

from .rows import Row, Table

_CSS = """\
.resnet-explain table { border-collapse: collapse; font-size: 12px; }
.resnet-explain th, .resnet-explain td { padding: 1px 8px; text-align: left;
  white-space: nowrap; border-bottom: 1px solid #ddd; }
.resnet-explain th { border-bottom: 2px solid #888; }
.resnet-explain .num { text-align: right; font-family: monospace; }
.resnet-explain .shape, .resnet-explain .formula { font-family: monospace; }
.resnet-explain tr.weighted td:first-child { font-weight: bold; }
.resnet-explain ul { font-family: monospace; }"""

_INLINE = {
    "stage": "background:#dde6f3;font-weight:bold",
    "block": "background:#eef2f8;font-style:italic",
    "dashed": "border-left:3px dashed #c60",
    "mismatch": "color:#b00",
}
_INDENT_EM = 1.5
_MONO = {"input", "output", "formula", "kernel"}


def _classes(row: Row) -> str:
    return " ".join(dict.fromkeys([row.kind, *row.marks]))


def _row_style(row: Row) -> str:
    styles = []
    if row.is_header and row.kind in ("stage", "block"):
        styles.append(_INLINE[row.kind])
    if "projection" in row.marks or "shortcut" in row.marks:
        styles.append(_INLINE["dashed"])
    if "mismatch" in row.marks:
        styles.append(_INLINE["mismatch"])
    return ";".join(styles)


def _tr(row: Row, inner: str) -> str:
    style = _row_style(row)
    attr = f' style="{style}"' if style else ""
    return f'<tr class="{escape(_classes(row))}"{attr}>{inner}</tr>'


def render_table(table: Table) -> str:
    columns = table.columns
    out = ['<div class="resnet-explain">', f"<style>\n{_CSS}\n</style>",
           f"<p><b>{escape(table.model)}</b>: <code>{escape(table.input_shape)}</code> → "
           f"<code>{escape(table.output_shape)}</code></p>",
           '<table style="border-collapse:collapse">', "<thead><tr>"]
    for column in columns:
        attr = ' class="num"' if column.numeric else ""
        out.append(f"<th{attr}>{escape(column.title)}</th>")
    out += ["</tr></thead>", "<tbody>"]
    for row in table.rows:
        pad = f' style="padding-left:{0.5 + _INDENT_EM * row.level:g}em"'
        if row.is_header:
            cell = f'<td colspan="{len(columns)}"{pad}>{escape(row.span or "")}</td>'
            out.append(_tr(row, cell))
            continue
        cells = []
        for number, (column, cell) in enumerate(zip(columns, row.cells)):
            text = escape(cell)
            if number == 0:
                cells.append(f"<td{pad}>{text}</td>")
            elif column.numeric:
                cells.append(f'<td class="num">{text}</td>')
            elif column.key in _MONO:
                cells.append(f'<td class="shape">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        out.append(_tr(row, "".join(cells)))
    out += ["</tbody>", "</table>", "<ul>"]
    out += [f"<li>{escape(label)}: {escape(value)}</li>" for label, value in table.totals]
    out.append("</ul>")
    if table.lines:
        out.append("<ul>")
        out += [f"<li>{escape(line)}</li>" for line in table.lines]
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out) + "\n"
