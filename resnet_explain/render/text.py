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

Narrowing (``width``; the CLI's ``--width``, the terminal or ``COLUMNS``, see ``width.py``):
without a width, or when the table already fits, the output is the one above, byte for
byte. Otherwise the columns with the highest ``Column.priority`` stay in the row (the name,
the output shape, Param #, Mult-Adds …) and the others move under it, nothing dropped::

    Layer (type)                      Output Shape         Param #    Mult-Adds
            Kernel/
            Stride/Pad  Input Shape        Role      RF /jump
            Output size = formula
    ===========================================================================
    conv1  stem  112×112
    ├─ conv1 (Conv2d)                 [1, 64, 112, 112]      9,408  118,013,952
    │       7×7 /2 p3   [1, 3, 224, 224]   stem          7 /2
    │       ✓ 112 = ⌊(224 + 2·3 − 7)/2⌋ + 1

The folded columns share aligned lines at one indent, under the tree's vertical lines
(``Column.under == "grid"``, packed into as many lines as the width needs); a ``"line"``
column (the formula, a block's details) gets a line of its own, wrapped at word boundaries
with a hanging indent, and only where the row has one. A title much wider than its column's
texts (``Kernel/Stride/Pad`` over ``3×3 /1 p1``) is written on two lines. Header rows that
are too wide, the title and the explanation lines are wrapped at word boundaries
(``width.wrap``): a number, a shape or a module name is never split.
"""

from __future__ import annotations

from operator import add, attrgetter

from ..textwidth import ljust, rjust
from ..textwidth import width as text_width
from .rows import Column, Row, Table
from .width import check_width, wrap, wrap_lines

GAP = "  "


def render_table(table: Table, width: int | None = None) -> str:
    """The text view of ``table``; ``width``: no line longer than it (see the module's
    docstring), ``None``: no limit."""
    check_width(width)
    head, lines, table_width = _full_grid(table)
    if width is not None and table_width > width:
        head, lines, table_width = _narrow_grid(table, width)
    rule = "=" * table_width

    out = [*wrap_lines([table.title], width), rule, *head, rule, *lines, rule]
    out += wrap_lines([f"{label}: {value}" for label, value in table.totals], width)
    out.append(rule)
    if table.lines:
        out += wrap_lines(table.lines, width)
        out.append(rule)
    return "\n".join(map(str.rstrip, out)) + "\n"


def _full_grid(table: Table) -> tuple[list[str], list[str], int]:
    """The header, the rows and the width of the table with every column in its row."""
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
    return [header], lines, max(map(text_width, [header, *lines]))


# --- narrowing ----------------------------------------------------------------------------
def _narrow_grid(table: Table, width: int) -> tuple[list[str], list[str], int]:
    """The header and rows of ``table`` in ``width`` columns: the columns of highest
    priority in the row, the others under it (see the module's docstring)."""
    columns, rows = table.columns, table.rows
    body = [row for row in rows if row.span is None]
    cells = [[row.prefix + row.cells[0] for row in body],
             *([row.cells[i] for row in body] for i in range(1, len(columns)))]
    titles = [_title_lines(column.title, max(map(text_width, texts), default=0))
              for column, texts in zip(columns, cells)]
    widths = [max([*map(text_width, texts), *map(text_width, title)])
              for texts, title in zip(cells, titles)]
    stems = [_stem(row.prefix) for row in body]
    # The folded cells start two columns right of the deepest tree drawing (four in a flat
    # table), so that they line up in every row and read as belonging to the row above.
    indent = max(max(map(len, stems), default=0) + len(GAP), 2 * len(GAP))

    kept = _kept(columns, widths, width)
    grid = [i for i, column in enumerate(columns) if i not in kept and column.under != "line"]
    own = [i for i, column in enumerate(columns) if i not in kept and column.under == "line"]
    groups = [kept, *_packed(grid, widths, width - indent)]
    margins = ["", *[" " * indent] * (len(groups) - 1)]

    def line(group: list[int], texts: list[str], margin: str) -> str:
        return (margin + GAP.join(_align(columns[i], text, widths[i])
                                  for i, text in zip(group, texts))).rstrip()

    head = []
    for group, margin in zip(groups, margins):
        height = max(len(titles[i]) for i in group)
        stacked = [[""] * (height - len(titles[i])) + titles[i] for i in group]
        head += [line(group, list(texts), margin) for texts in zip(*stacked)]
    for i in own:
        head += wrap(columns[i].title, width, " " * indent)

    lines: list[str] = []
    body_index = 0
    for index, row in enumerate(rows):
        if row.span is not None:
            following = rows[index + 1] if index + 1 < len(rows) else None
            lines += wrap(row.span, width, row.prefix,
                          subsequent=_span_stem(row, following) + GAP)
            continue
        k, margin = body_index, stems[body_index].ljust(indent)
        body_index += 1
        lines.append(line(kept, [cells[i][k] for i in kept], ""))
        for group in groups[1:]:
            texts = [cells[i][k] for i in group]
            if any(texts):
                lines.append(line(group, texts, margin))
        for i in own:
            if cells[i][k]:
                lines += wrap(cells[i][k], width, margin)
    return head, lines, max(map(text_width, [*head, *lines]))


def _kept(columns: list[Column], widths: list[int], width: int) -> list[int]:
    """The columns that stay in the row, in table order: the first column, then those of
    highest priority for as long as they fit (the first that does not fit stops it, so a
    narrower width never keeps a column of lower priority than one it folds)."""
    order = sorted(range(1, len(columns)), key=lambda i: -columns[i].priority)
    kept, used = [0], widths[0]
    for i in order:
        if used + len(GAP) + widths[i] > width:
            break
        kept.append(i)
        used += len(GAP) + widths[i]
    return sorted(kept)


def _packed(group: list[int], widths: list[int], room: int) -> list[list[int]]:
    """``group``'s columns, in order, packed into lines of at most ``room`` columns (a
    column wider than the room gets a line of its own)."""
    lines: list[list[int]] = []
    used = 0
    for i in group:
        if lines and used + len(GAP) + widths[i] <= room:
            lines[-1].append(i)
            used += len(GAP) + widths[i]
        else:
            lines.append([i])
            used = widths[i]
    return lines


def _align(column: Column, text: str, width: int) -> str:
    return rjust(text, width) if column.numeric else ljust(text, width)


def _title_lines(title: str, content: int) -> list[str]:
    """A column's title in one line, or in two when it is much wider than the column's
    texts: split at a space or after a ``/`` where the longer half is shortest."""
    if text_width(title) <= content + len(GAP):
        return [title]
    splits = [(title[:i].rstrip(), title[i:].lstrip()) for i in range(1, len(title))
              if title[i - 1] == " " or (title[i - 1] == "/" and title[i - 2:i - 1] != " ")]
    best = min(splits, key=lambda pair: max(map(text_width, pair)), default=None)
    if best is None or max(map(text_width, best)) >= text_width(title):
        return [title]
    return list(best)


def _stem(prefix: str) -> str:
    """The tree drawing under a row: its vertical lines go on, its branch does not."""
    return prefix.replace("├─", "│ ").replace("└─", "  ")


def _span_stem(row: Row, following: Row | None) -> str:
    """What a wrapped header row's next lines start with: the vertical line down to its
    children (when the next row is one), else the tree drawing under it."""
    if following is not None and len(following.prefix) > len(row.prefix):
        return _stem(following.prefix[:-3]) + "│  "
    return _stem(row.prefix)
