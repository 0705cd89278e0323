"""The CSV view: one row per row of the chosen depth, header first, plain numbers.

Numbers carry no separators and no ``--``: a zero is ``0`` and a later call of a shared module
has ``params`` 0 (its parameters are counted on the first call), so each numeric column sums
to the Architecture's totals. Shapes and kernel tuples are written ``1x64x56x56`` and ``3x3``;
booleans as 0/1. The layer depth has no stage or block header rows (``stage`` and ``block``
are columns instead). Written with the :mod:`csv` module, ``\\n`` line endings.
"""

from __future__ import annotations

import csv
import io

from .rows import Table


def render_table(table: Table) -> str:
    rows = table.records()
    buffer = io.StringIO()
    fields = list(rows[0]) if rows else [column.key for column in table.columns]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
