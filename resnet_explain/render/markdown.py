"""The Markdown view: the same rows as the text table, as a GitHub-flavoured Markdown table.

The tree is drawn with the same ``├─``/``└─`` characters as the text view; the spaces of the
drawing become ``&nbsp;`` so that GitHub keeps the indentation. Stage and block header rows
are written in bold in the first cell. ``|`` is escaped as ``\\|`` (also inside names), and
``<``/``>`` as entities so that a type such as ``<lambda>`` is shown, not swallowed as HTML.
The totals and the explanation follow as bullet lists.
"""

from __future__ import annotations

from .rows import Table

_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "*": "\\*",
                          "`": "\\`"})


def escape(text: str) -> str:
    """Escape ``text`` for a Markdown table cell."""
    return text.translate(_ESCAPES)


def _prefix(prefix: str) -> str:
    return prefix.replace(" ", "&nbsp;")


def render_table(table: Table) -> str:
    columns = table.columns
    out = [f"**{escape(table.model)}**: `{table.input_shape}` → `{table.output_shape}`", ""]
    out.append("| " + " | ".join(escape(column.title) for column in columns) + " |")
    out.append("|" + "|".join("---:" if column.numeric else ":---" for column in columns) + "|")
    empty = [""] * (len(columns) - 1)
    for row in table.rows:
        if row.is_header:
            first = _prefix(row.prefix) + f"**{escape(row.span or '')}**"
            cells = [first, *empty]
        else:
            cells = list(map(escape, row.cells))
            cells[0] = _prefix(row.prefix) + cells[0]
        out.append(("| " + " | ".join(cells) + " |").replace("  |", " |").rstrip())
    out.append("")
    out += [f"- {escape(label)}: {escape(value)}" for label, value in table.totals]
    if table.lines:
        out.append("")
        out += [f"- {escape(line)}" for line in table.lines]
    return "\n".join(out) + "\n"
