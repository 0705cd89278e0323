"""The terminal view: a tree table in the style of torchinfo, then its totals block.

Layout::

    resnet50: [1, 3, 224, 224] → [1, 1000]
    ======================================
    Layer (type)   Kernel/Stride/Pad  …
    ======================================
    conv1  stem  112×112                      ← stage header (spans the row)
    ├─ conv1 (Conv2d)   7×7 /2 p3  …          ← layer rows
    …
    ======================================
    Total params: 25,557,032                  ← torchinfo's totals
    …
    ======================================
    Weighted layers (conv + fc): 54 — …       ← depth, blocks, output-size check, warnings
    ======================================

Column widths come from the content; header rows (stages and blocks) are written across the
row and do not widen the columns. Output is plain text: no colours, no trailing spaces, the
same bytes for the same Architecture (the golden tests rely on it).
"""

from __future__ import annotations

from .rows import Table

GAP = "  "


def render_table(table: Table) -> str:
    columns = table.columns
    body = table.body_rows
    widths = []
    for index, column in enumerate(columns):
        cells = [len(row.prefix + row.cells.get(column.key, "")) if index == 0
                 else len(row.cells.get(column.key, "")) for row in body]
        widths.append(max([len(column.title), *cells]))

    def line(cells: list[str]) -> str:
        parts = []
        for column, width, cell in zip(columns, widths, cells):
            parts.append(cell.rjust(width) if column.numeric else cell.ljust(width))
        return GAP.join(parts).rstrip()

    header = line([column.title for column in columns])
    lines = []
    for row in table.rows:
        if row.is_header:
            lines.append((row.prefix + (row.span or "")).rstrip())
            continue
        cells = [row.cells.get(column.key, "") for column in columns]
        cells[0] = row.prefix + cells[0]
        lines.append(line(cells))
    width = max(len(text) for text in [header, *lines])
    rule = "=" * width

    out = [table.title, rule, header, rule, *lines, rule]
    out += [f"{label}: {value}" for label, value in table.totals]
    out.append(rule)
    if table.lines:
        out += table.lines
        out.append(rule)
    return "\n".join(text.rstrip() for text in out) + "\n"
