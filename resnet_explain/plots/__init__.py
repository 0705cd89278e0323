"""Plots of traced ResNets (matplotlib, the optional ``plot`` extra).

``arch.plot(kind)`` returns a :class:`matplotlib.figure.Figure`; :func:`plot_models` compares
several models. Importing this package does not import matplotlib (nor torch): only drawing
does, so ``resnet-explain --help`` and ``summary`` stay fast and work without the extra.

Kinds:

``stages``
    Output map size and channels per stage — the paper's rule "halve the map, double the
    filters" made visible, titled with the rule only where the stages keep it (a
    Bottleneck's conv2_x goes 64 → 256: its blocks are 64 wide inside, drawn in the bar).
``cost``
    Parameters and multiply-adds per stage.
``blocks``
    Parameters and multiply-adds per residual block (with the stem and the head).
``receptive-field``
    The receptive field along the main path against the input size; the x-axis counts the
    weighted layers (the ``#`` the depth counts: ResNet-50's ends at its fc, 50), and a
    BatchNorm, ReLU, pool or add shares the number of the conv before it.
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


def require_matplotlib() -> None:
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
    drawable = kinds_for(arch)
    if kind not in drawable:
        either = " or ".join([", ".join(drawable[:-1]), drawable[-1]] if len(drawable) > 2
                             else drawable)
        raise UserError(_nothing_to_draw(arch, kind), f"Plot {either} instead")
    require_matplotlib()
    from . import draw

    return {"stages": draw.stages, "cost": draw.costs, "blocks": draw.block_cost,
            "receptive-field": draw.receptive_field}[kind](arch)


def kinds_for(arch: Architecture) -> list[str]:
    """The plot kinds that have something to draw for ``arch``: the stage plot needs stages
    that end in feature maps (a ResNet of linear layers has none, nor has a plain network:
    without residual blocks it is one stage, ending in the head's vector), the blocks plot
    residual blocks, the receptive-field plot a layer that sees part of a map."""
    from . import data

    has = {"stages": bool(data.stage_maps(arch).names), "blocks": bool(arch.blocks),
           "receptive-field": bool(data.receptive_field(arch).positions)}
    return [kind for kind in KINDS if has.get(kind, True)]


def _nothing_to_draw(arch: Architecture, kind: str) -> str:
    """Why ``kind`` has nothing to draw for ``arch``."""
    if kind == "blocks":
        return f"{arch.model} has no residual blocks, whose costs the blocks plot draws"
    if not any(len(layer.output_shape) > 2 for layer in arch.layers):
        return (f"{arch.model} has no feature map with a size (its layers see vectors), which "
                f"the {kind} plot draws")
    if kind == "stages":
        return (f"{arch.model} has no residual blocks to divide it into stages: the stages plot "
                "draws the map each stage ends in, and its one stage ends in the head's "
                f"{list(arch.output_shape)}")
    return f"no layer of {arch.model} sees a part of a feature map, which the {kind} plot draws"


def plot_models(models: Sequence[Any] | None = None, *,
                input_size: str | Sequence[int] | None = None) -> Figure:
    """Depth against parameters and multiply-adds, and parameters per stage, side by side.

    ``models`` are zoo names, specs, nn.Modules or Architectures; by default torchvision's five
    (v1.5) and the paper's three v1 Bottleneck networks, so v1 and v1.5 are both drawn.
    """
    require_matplotlib()
    if models is None:
        models = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                  "resnet50-v1", "resnet101-v1", "resnet152-v1")
    from ..traced import architectures
    from . import draw

    return draw.models(architectures(models, input_size))


def save(figure: Figure, path: str | Path) -> None:
    """Write ``figure`` as PNG, SVG or PDF (by suffix); SVG and PDF bytes are deterministic."""
    from . import draw

    draw.save(figure, path)
