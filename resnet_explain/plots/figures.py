"""The plots committed in ``figures/`` (``scripts/make_figures.py`` calls :func:`produce`).

One figure of each kind for ResNet-50 (torchvision's layout) and the side-by-side
comparison, as SVG. The SVG bytes are deterministic for one matplotlib version; the version
is written into every file (``Matplotlib vX.Y.Z``), so a check on a machine with another
version knows that its bytes cannot match and compares nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

MODEL = "resnet50"
VERSION = re.compile(rb"Matplotlib v([0-9][^,\s<]*)")


def drawn() -> dict[str, bytes]:
    """``{file name: SVG bytes}`` of every committed plot."""
    from ..traced import architecture
    from . import KINDS, draw, plot, plot_models

    arch = architecture(MODEL)
    out = {f"plot-{MODEL}-{kind}.svg": draw.to_bytes(plot(arch, kind), "svg") for kind in KINDS}
    out["plot-models.svg"] = draw.to_bytes(plot_models(), "svg")
    return out


def version_of(svg: bytes) -> str | None:
    found = VERSION.search(svg)
    return found.group(1).decode() if found else None


def produce(out: Path, check: bool) -> list[str]:
    """Write the plots into ``out`` (or, with ``check``, return the names that are stale)."""
    import matplotlib

    names = []
    for name, data in drawn().items():
        path = out / name
        if check:
            committed = path.read_bytes() if path.is_file() else b""
            if version_of(committed) not in (None, matplotlib.__version__):
                continue  # made with another matplotlib: the bytes cannot be compared here
            if committed != data:
                names.append(name)
        else:
            path.write_bytes(data)
            names.append(name)
    return names
