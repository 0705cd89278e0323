"""Plots of traced ResNets (matplotlib, the optional ``plot`` extra).

``arch.plot(kind)`` returns a :class:`matplotlib.figure.Figure`; :func:`plot_models` compares
several models. Importing this package does not import matplotlib (nor torch): only drawing
does, so ``resnet-explain --help`` and ``summary`` stay fast and work without the extra.

Kinds:

``stages``
    Output map size and channels per stage — the paper's rule "halve the map, double the
    filters" made visible.
``cost``
    Parameters and multiply-adds per stage.
``blocks``
    Parameters and multiply-adds per residual block (with the stem and the head).
``receptive-field``
    The receptive field along the main path, layer by layer, against the input size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..architecture import Architecture

KINDS = ("stages", "cost", "blocks", "receptive-field")
SUFFIXES = (".png", ".svg", ".pdf")

__all__ = ["KINDS", "plot", "plot_models", "save"]


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("plots need matplotlib, which is not installed",
                        "Install it with: pip install 'resnet-explain[plot]'") from None


def plot(arch: Architecture, kind: str = "stages") -> Figure:
    """A Figure of ``arch``: ``stages``, ``cost``, ``blocks`` or ``receptive-field``."""
    if kind not in KINDS:
        # A file name where the kind goes: arch.plot("stages.png") meant to save the plot.
        save = (f"; to write a file, arch.plot('stages').savefig({kind!r})"
                if kind.lower().endswith((".png", ".svg", ".pdf")) else "")
        raise ValueError(f"unknown plot kind {kind!r}; choose one of {', '.join(KINDS)}{save}")
    if kind not in kinds_for(arch):
        raise UserError(f"{arch.model} has no feature map with a size (its layers see "
                        f"vectors), which the {kind} plot draws",
                        f"Plot {' or '.join(kinds_for(arch))} instead")
    _require_matplotlib()
    from . import draw

    return {"stages": draw.stages, "cost": draw.costs, "blocks": draw.block_cost,
            "receptive-field": draw.receptive_field}[kind](arch)


def kinds_for(arch: Architecture) -> list[str]:
    """The plot kinds that have something to draw for ``arch``: the stage and
    receptive-field plots need feature maps (a ResNet of linear layers has none)."""
    from . import data

    maps = bool(data.stage_maps(arch).names)
    return [kind for kind in KINDS if maps or kind not in ("stages", "receptive-field")]


def plot_models(models: Sequence[Any] | None = None, *,
                input_size: str | Sequence[int] | None = None) -> Figure:
    """Depth against parameters and multiply-adds, and parameters per stage, side by side.

    ``models`` are zoo names, specs, nn.Modules or Architectures; by default torchvision's five
    (v1.5) and the paper's three v1 Bottleneck networks, so v1 and v1.5 are both drawn.
    """
    from ..architecture import Architecture

    _require_matplotlib()
    if models is None:
        models = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                  "resnet50-v1", "resnet101-v1", "resnet152-v1")
    archs = []
    for model in models:
        if isinstance(model, Architecture):
            archs.append(model)
        else:
            from ..api import explain

            archs.append(explain(model, input_size))
    from . import draw

    return draw.models(archs)


def save(figure: Figure, path: str | Path) -> None:
    """Write ``figure`` as PNG, SVG or PDF (by suffix); SVG and PDF bytes are deterministic."""
    from . import draw

    draw.save(figure, path)
