"""When a model's name carries a depth that differs from the count, say why in one line.

The count is always the longest-path rule (weighted layers on the main path). Published names
follow other conventions or name the network a variant derives from: ``resnet26d`` has a
deep stem (three 3×3 convs for the 7×7) and counts 28; a wide ResNet's "28" (depth 6n + 4)
counts the shortcut projections and not the fc layer, so WRN-28-10 counts 26; a
``features_only`` ResNet-50 has no fc and counts 49. The note names the reason where the
numbers show one, and otherwise just states both.
"""

from __future__ import annotations

import re
from typing import Any

from ..architecture import Architecture
from ..findings import Finding

# A depth in a name: the number right after "resnet", "resnext", "wrn", "rs", "net" …
# ("resnet26d", "wide_resnet28_10", "resnetrs50", "ResNet-RS-50", "res2net50_26w_4s") —
# but not the dimensions of "ResNet1d", "Net3D" (a 1-D or 3-D network).
_DEPTH = re.compile(r"(?:resnet|resnext|wrn|net|rs)[-_]?(?![1-3]d)(\d+)",
                    re.IGNORECASE)


def named_depth(model: str) -> int | None:
    """The depth a model's name states, or ``None``: ``"resnet26d"`` → 26; for a spec
    (``"path/net.py:resnet_50(224)"``) only the callable's name counts."""
    name = model.rpartition(":")[2].split("(", 1)[0]
    match = _DEPTH.search(name)
    return int(match.group(1)) if match else None


def name_note(arch: Architecture) -> Finding | None:
    """Why the name's number and the count differ, or ``None`` when they agree (or the name
    carries no number): the reason is the first of the conventions above that the numbers
    show."""
    named, depth = named_depth(arch.model), arch.plain_depth
    if named is None or named == depth or not arch.blocks:
        return None
    stem = arch.stem.weighted_on_path if arch.stem is not None else 0
    head = arch.head.weighted_on_path if arch.head is not None else 0
    projections = arch.shortcut_projections
    if stem > 1 and depth - (stem - 1) == named:
        reason = "deep_stem"
    elif head == 0 and depth + 1 == named:
        reason = "no_fc"
    elif (short := _blocks_short(arch, named)) is not None:
        return Finding("depth_name", {"named": named, "depth": depth, "reason": "blocks",
                                      "stages": short})
    elif projections and depth + projections - head == named and _wide_layout(arch, named):
        reason = "wide_resnet"
    elif arch.weighted_layers == named:
        reason = "every_weighted"
    else:
        reason = "paper_rule"
    return Finding("depth_name", {"named": named, "depth": depth, "reason": reason,
                                  "stem": stem, "head": head, "projections": projections})


def _blocks_short(arch: Architecture, named: int) -> list[list[Any]] | None:
    """The real difference behind a wrong count: the stages whose blocks differ from those
    of the zoo ResNet the name means (same block family, same number of stages), as
    ``[stage, yours, the reference's]`` (``["conv5_x", 1, 2]``); ``None`` when no zoo
    model fits."""
    from ..compare.reference import features, residual_models

    mine = features(arch)
    for _, info in residual_models():
        if (info.block != mine.block or len(info.layers) != len(mine.layers)
                or info.depth != named or info.layers == mine.layers):
            continue
        return [[f"conv{i + 2}_x", yours, theirs]
                for i, (yours, theirs) in enumerate(zip(mine.layers, info.layers))
                if yours != theirs]
    return None


def _wide_layout(arch: Architecture, named: int) -> bool:
    """A wide ResNet's layout: 3 stages of n blocks each, and the name 6n + 4."""
    from ..compare.reference import features

    layers = features(arch).layers
    return len(layers) == 3 and len(set(layers)) == 1 and named == 6 * layers[0] + 4
