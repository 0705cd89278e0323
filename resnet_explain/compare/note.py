"""The summary's pointer to the comparison: "nearest reference: resnet18 — 2 differences
(resnet-explain compare net.py:Net resnet18)", for a user's model near a zoo ResNet."""

from __future__ import annotations

from ..architecture import Architecture
from ..errors import UserError
from ..findings import Finding

#: Nearer than this (see reference._distance), a model is "near" a zoo model: the same block
#: family, number of stages and stem; blocks, widths, shortcut or version may differ.
NEAR = 200


def nearest_reference_finding(arch: Architecture, spec: str | None,
                              zoo_name: str | None) -> Finding | None:
    """The one-line note for ``explain()``'s summary, or ``None`` (a zoo model, a model
    without blocks or far from every zoo ResNet, or one whose reference cannot be traced at
    its size)."""
    from .engine import compare
    from .reference import nearest_reference

    if zoo_name is not None or not arch.blocks or arch.spatial_dims != 2:
        return None
    choice = nearest_reference(arch)
    if choice is None or choice.distance >= NEAR:
        return None
    try:
        comparison = compare(arch, choice.name)
    except UserError:  # e.g. a 1-channel model: the zoo model is built for 3
        return None
    return Finding("nearest_reference", {
        "reference": choice.name, "differences": len(comparison.differences),
        "spec": spec})
