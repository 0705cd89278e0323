"""The Figure every plot returns: matplotlib's, plus a PNG for Jupyter.

A cell that returns a matplotlib Figure shows only ``<Figure size 1280x720 with 2 Axes>`` in
a fresh kernel: the picture appears once a backend registers its formatter (``%matplotlib
inline``), and the tool draws without pyplot, so none has. ``_repr_png_`` gives IPython the
picture itself. Where the inline backend is active its formatter for Figure is used instead
— one picture, never two, since the tool's figures are not pyplot's to show at the cell's
end. This module imports matplotlib: it is imported only when a plot is drawn.
"""

from __future__ import annotations

from matplotlib.figure import Figure


class ShownFigure(Figure):
    """A matplotlib Figure that Jupyter shows as a PNG when a cell returns it."""

    def _repr_png_(self) -> bytes:
        from .draw import to_bytes

        return to_bytes(self, "png")
