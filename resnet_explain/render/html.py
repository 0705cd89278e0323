"""The HTML view: one self-contained ``<table>`` for Jupyter (``Architecture._repr_html_``).

The same rows as the text table, in a ``<div class="resnet-explain">`` that carries its own
minimal CSS (a ``<style>`` block scoped to that class: no script, no external file). Numbers
are right-aligned in a monospace font; stage and block header rows span the row and are
shaded; projection blocks and their shortcut layers get a dashed left border (the paper's
dashed line), option A's blocks and shortcut layers a dotted one (as the notebook display and
the diagrams draw them); a formula mismatch is red. The tree is shown by indentation. Every text is
HTML-escaped.

What must hold wherever the table is shown is also said inline, because a host's selectors
beat a scoped ``<style>`` (JupyterLab right-aligns every ``td`` and centres tables) and an
untrusted notebook drops ``<style>`` altogether: each text cell's left alignment (numbers are
right-aligned by the class ``num`` and by such hosts alike), the marks (shading,
dashed border, red), a table at the left edge, and headers and formulas that may wrap, so
that a resnet's table fits a 1000 px output area (it measured 1202 px before).

Row classes: ``stage``, ``block``, ``layer`` (or ``stem``/``head`` rows of the block view),
plus the row's marks: its role, the block kind (``identity``/``projection``/``padded``),
``weighted``, ``mismatch``, ``warning`` (a warning names the layer: shaded, and its
formula cell says the warning in a few words).
"""

from __future__ import annotations

from html import escape

from .rows import Row, Table

_CSS = """\
.resnet-explain table { border-collapse: collapse; font-size: 12px; }
.resnet-explain th, .resnet-explain td { padding: 1px 5px; text-align: left;
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
    "dotted": "border-left:3px dotted #8250df",  # option A: the zero-padded identity
    "mismatch": "color:#b00",
    "warning": "background:#fff4e5",
}
_INDENT_EM = 1.5
_MONO = {"input", "output", "formula", "kernel"}
# The longest cells may wrap: a formula ("56 = ⌊(112 + 2·1 − 3)/2⌋ + 1") in two lines, a
# block's reason ("projection: channels 64→256, so the shortcut needs …") in a few.
_WRAPPED = {"formula", "reason"}
_TABLE = "border-collapse:collapse;table-layout:auto;margin:0;font-size:12px"
_LEFT, _RIGHT = "text-align:left", "text-align:right"
_WRAP = "white-space:normal"
_WRAPPING = f"{_LEFT};{_WRAP};min-width:9em"  # a few lines, not one word a line


def _classes(row: Row) -> str:
    return " ".join(dict.fromkeys([row.kind, *row.marks]))


def _row_style(row: Row, block_kind: str | None = None) -> str:
    """The row's inline marks; a shortcut layer takes the line of its block (``block_kind``,
    from the block row above it): dotted for option A, dashed for a projection."""
    styles = []
    if row.is_header and row.kind in ("stage", "block"):
        styles.append(_INLINE[row.kind])
    if "padded" in row.marks or ("shortcut" in row.marks and block_kind == "padded"):
        styles.append(_INLINE["dotted"])
    elif "projection" in row.marks or "shortcut" in row.marks:
        styles.append(_INLINE["dashed"])
    if "mismatch" in row.marks:
        styles.append(_INLINE["mismatch"])
    if "warning" in row.marks:
        styles.append(_INLINE["warning"])
    return ";".join(styles)


def _tr(row: Row, inner: str, block_kind: str | None = None) -> str:
    style = _row_style(row, block_kind)
    attr = f' style="{style}"' if style else ""
    return f'<tr class="{escape(_classes(row))}"{attr}>{inner}</tr>'


def render_table(table: Table) -> str:
    columns = table.columns
    out = ['<div class="resnet-explain">', f"<style>\n{_CSS}\n</style>",
           f"<p><b>{escape(table.model)}</b>: <code>{escape(table.input_shape)}</code> → "
           f"<code>{escape(table.output_shape)}</code></p>",
           f'<table style="{_TABLE}">', "<thead><tr>"]
    for column in columns:
        attr = ' class="num"' if column.numeric else ""
        out.append(f'<th{attr} style="{_RIGHT if column.numeric else _LEFT};{_WRAP}">'
                   f"{escape(column.title).replace('/', '/<wbr>')}</th>")
    out += ["</tr></thead>", "<tbody>"]
    block_kind = None  # the kind of the block whose layers follow
    for row in table.rows:
        if row.kind in ("stage", "block"):
            block_kind = row.marks[0] if row.kind == "block" and row.marks else None
        pad = f' style="{_LEFT};padding-left:{0.5 + _INDENT_EM * row.level:g}em"'
        if row.is_header:
            cell = f'<td colspan="{len(columns)}"{pad}>{escape(row.span or "")}</td>'
            out.append(_tr(row, cell, block_kind))
            continue
        cells = []
        for number, (column, cell) in enumerate(zip(columns, row.cells)):
            text = escape(cell)
            if number == 0:
                cells.append(f"<td{pad}>{text}</td>")
            elif column.numeric:
                cells.append(f'<td class="num">{text}</td>')  # hosts right-align too
            elif column.key in _WRAPPED:
                mono = ' class="shape"' if column.key in _MONO else ""
                cells.append(f'<td{mono} style="{_WRAPPING}">{text}</td>')
            elif column.key in _MONO:
                cells.append(f'<td class="shape" style="{_LEFT}">{text}</td>')
            else:
                cells.append(f'<td style="{_LEFT}">{text}</td>')
        out.append(_tr(row, "".join(cells), block_kind))
    out += ["</tbody>", "</table>", "<ul>"]
    out += [f"<li>{escape(label)}: {escape(value)}</li>" for label, value in table.totals]
    out.append("</ul>")
    if table.lines:
        out.append("<ul>")
        out += [f"<li>{escape(line)}</li>" for line in table.lines]
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out) + "\n"
