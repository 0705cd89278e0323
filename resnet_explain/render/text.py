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

from operator import add, attrgetter

from ..textwidth import ljust, rjust
from ..textwidth import width as text_width
from .rows import Table

GAP = "  "


def render_table(table: Table) -> str:
    columns = table.columns
    body = [row for row in table.rows if row.span is None]
    texts = list(zip(*map(attrgetter("cells"), body))) or [()] * len(columns)
    # The first column carries the tree drawing in front of its text. Every other column
    # repeats its texts (shapes, kernels, counts): each distinct one is padded once.
    cells = [list(map(add, map(attrgetter("prefix"), body), texts[0])), *texts[1:]]
    padded = []
    for column, column_cells in zip(columns, cells):
        distinct = dict.fromkeys(column_cells)
        width = max([text_width(column.title), *map(text_width, distinct)])
        align = rjust if column.numeric else ljust
        for text in distinct:
            distinct[text] = align(text, width)
        padded.append((align(column.title, width), list(map(distinct.__getitem__, column_cells))))
    titles, columns_cells = zip(*padded)
    header = GAP.join(titles).rstrip()
    body_lines = map(str.rstrip, map(GAP.join, zip(*columns_cells)))
    lines = [(row.prefix + row.span).rstrip() if row.span is not None else next(body_lines)
             for row in table.rows]
    width = max(map(text_width, [header, *lines]))
    rule = "=" * width

    out = [table.title, rule, header, rule, *lines, rule]
    out += [f"{label}: {value}" for label, value in table.totals]
    out.append(rule)
    if table.lines:
        out += table.lines
        out.append(rule)
    return "\n".join(map(str.rstrip, out)) + "\n"
