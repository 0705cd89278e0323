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
    # The first cell of a body row carries the tree drawing in front of it.
    cells = [(row.prefix + row.cells[0], *row.cells[1:]) if row.prefix else row.cells
             for row in body]
    widths = [max(len(column.title), *map(len, texts)) if texts else len(column.title)
              for column, texts in zip(columns, zip(*cells) if cells else [()] * len(columns))]
    # One ``%`` template lays out a row: left-aligned text, right-aligned numbers.
    template = GAP.join(f"%{'' if column.numeric else '-'}{width}s"
                        for column, width in zip(columns, widths))

    header = (template % tuple(column.title for column in columns)).rstrip()
    lines = []
    body_lines = iter(map(str.rstrip, map(template.__mod__, cells)))
    for row in table.rows:
        lines.append((row.prefix + (row.span or "")).rstrip() if row.is_header
                     else next(body_lines))
    width = max(map(len, [header, *lines]))
    rule = "=" * width

    out = [table.title, rule, header, rule, *lines, rule]
    out += [f"{label}: {value}" for label, value in table.totals]
    out.append(rule)
    if table.lines:
        out += table.lines
        out.append(rule)
    return "\n".join(map(str.rstrip, out)) + "\n"
