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

from .architecture import Architecture

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


def name_note(arch: Architecture) -> str | None:
    """One line on why the name's number and the count differ, or ``None`` when they agree
    (or the name carries no number)."""
    named, depth = named_depth(arch.model), arch.plain_depth
    if named is None or named == depth or not arch.blocks:
        return None
    stem = arch.stem.weighted_on_path if arch.stem is not None else 0
    head = arch.head.weighted_on_path if arch.head is not None else 0
    projections = arch.shortcut_projections
    head_says = f"the name says {named}, the longest path holds {depth} weighted layers"
    if stem > 1 and depth - (stem - 1) == named:
        return (f"{head_says}: the stem has {stem} convolutions on the path (a deep stem) where "
                f"the paper's has one; the name counts the network it derives from")
    if head == 0 and depth + 1 == named:
        return (f"{head_says}: the model has no fc layer (a feature extractor); the name "
                "counts the classifier's")
    short = _blocks_short(arch, named)
    if short is not None:
        return f"{head_says}: {short}"
    if projections and depth + projections - head == named and _wide_layout(arch, named):
        return (f"{head_says}: the name counts the {projections} shortcut projections and not "
                "the fc layer (the wide-ResNet convention, depth = 6n + 4)")
    if arch.weighted_layers == named:
        return (f"{head_says}: the name counts every weighted layer, the {projections} shortcut "
                "projections included")
    return (f"{head_says}: the count here is the paper's rule (convolutions and fc layers on "
            "the longest input→output path), see the depth formula")


def _blocks_short(arch: Architecture, named: int) -> str | None:
    """The real difference behind a wrong count: the stages whose blocks differ from those
    of the zoo ResNet the name means (same block family, same number of stages), e.g.
    ``conv5_x has 1 block; ResNet-18 has 2``; ``None`` when no zoo model fits."""
    from .compare.reference import features, residual_models
    from .words import count

    mine = features(arch)
    for _, info in residual_models():
        if (info.block != mine.block or len(info.layers) != len(mine.layers)
                or info.depth != named or info.layers == mine.layers):
            continue
        said = f"ResNet-{named}"
        return "; ".join(f"conv{i + 2}_x has {count(yours, 'block')}; {said} has {theirs}"
                         for i, (yours, theirs) in enumerate(zip(mine.layers, info.layers))
                         if yours != theirs)
    return None


def _wide_layout(arch: Architecture, named: int) -> bool:
    """A wide ResNet's layout: 3 stages of n blocks each, and the name 6n + 4."""
    from .compare.reference import features

    layers = features(arch).layers
    return len(layers) == 3 and len(set(layers)) == 1 and named == 6 * layers[0] + 4
