"""Choose the zoo model a traced model means to be, and say why — no tracing needed.

The choice reads the model's structure (its Architecture) and the zoo's pure data
(``zoo.registry.describe``): the block family, the stem (ImageNet's max-pooled 7×7 or
CIFAR's 3×3), the number of stages and the blocks in each, the widths, the shortcut option
and the version (v1, v1.5, v2). Only residual nets are candidates (a family whose models
have basic or bottleneck blocks), so a plain network added to the zoo is never chosen. A
number in the model's name is a hint that breaks ties, not proof: a "resnet18" with
(2, 2, 2, 1) blocks is still nearest to ResNet-18, and it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..analysis.depthname import named_depth
from ..architecture import CONV, POOL, Activation, Architecture, Block, ShortcutKind, StageKind
from ..i18n import N_, _, translated

_BLOCK_FAMILIES = ("basic", "bottleneck")


@dataclass(frozen=True)
class Features:
    """What the choice reads of a model: each field as the zoo's ModelInfo states it."""

    block: str  # basic, bottleneck or other
    layers: tuple[int, ...]  # blocks per stage
    widths: tuple[int, ...]  # the first conv's filters in each stage's first block
    stem: str  # "imagenet" (a stem that downsamples) or "cifar"
    shortcut: str  # A, B or C
    version: str  # v1, v1.5 or v2

    def words(self) -> str:
        """``basic blocks, an ImageNet stem, 4 stages of (2, 2, 2, 1) blocks, widths 64–512,
        option B shortcuts, v1.5``."""
        stem = "an ImageNet stem" if self.stem == "imagenet" else "a CIFAR stem"
        widths = "–".join(map(str, (self.widths[0], self.widths[-1]))) if self.widths else "?"
        return (f"{self.block} blocks, {stem}, {len(self.layers)} stages of "
                f"{tuple(self.layers)} blocks, widths {widths}, option {self.shortcut} "
                f"shortcuts, {self.version}")


def features(arch: Architecture) -> Features:
    """The features of a traced model (see :class:`Features`)."""
    by_name = {block.name: block for block in arch.blocks}
    stages = [[by_name[n] for n in s.blocks] for s in arch.stages
              if s.kind == StageKind.BLOCKS and s.blocks]
    families = [str(b.family) for b in arch.blocks]
    block = max(set(families), key=families.count) if families else "other"
    widths = tuple(_width(blocks[0], arch) for blocks in stages)
    stem_layers = [arch.layers[i] for i in arch.stem.layers] if arch.stem is not None else []
    downsamples = any(x.kind in (CONV, POOL) and x.stride and max(x.stride) > 1
                      for x in stem_layers)
    kinds = {b.kind for b in arch.blocks}
    shortcut = "A" if ShortcutKind.PADDED in kinds else \
        "C" if kinds == {ShortcutKind.PROJECTION} else "B"
    return Features(block, tuple(len(s) for s in stages), widths,
                    "imagenet" if downsamples else "cifar", shortcut, _version(arch))


def _width(block: Block, arch: Architecture) -> int:
    convs = [arch.layers[i] for i in block.main_layers if arch.layers[i].kind == CONV]
    return convs[0].out_channels or 0 if convs else 0


def _version(arch: Architecture) -> str:
    if any(b.activation == Activation.PRE for b in arch.blocks):
        return "v2"
    for block in arch.blocks:
        for index in block.strided_layers:
            layer = arch.layers[index]
            if block.family == "bottleneck" and layer.kernel_size and max(layer.kernel_size) == 1:
                return "v1"
    return "v1.5"


def residual_models() -> list[tuple[str, Any]]:
    """The zoo's residual nets as ``(name, ModelInfo)``, in the zoo's order: a family with
    basic or bottleneck blocks and a shortcut option (a plain network has neither shortcut
    nor residual block, whatever its layers look like)."""
    from ..zoo.registry import MODEL_NAMES, SHORTCUT_OPTIONS, describe

    models = []
    for name in MODEL_NAMES:
        info = describe(name)
        if (getattr(info, "block", None) in _BLOCK_FAMILIES
                and getattr(info, "shortcut", None) in SHORTCUT_OPTIONS
                and not str(getattr(info, "family", "")).startswith("plain")):
            models.append((name, info))
    return models


def _zoo_features(info: Any) -> Features:
    version = {"imagenet-v1": "v1", "preact-v2": "v2"}.get(info.family, "v1.5")
    stem = "cifar" if info.input_size[1] <= 64 else "imagenet"
    return Features(info.block, tuple(info.layers), tuple(info.widths), stem, info.shortcut,
                    version)


@dataclass(frozen=True)
class Choice:
    """The nearest zoo model and the reason, made from both sides' features."""

    name: str
    reason: str
    distance: int


def nearest_reference(arch: Architecture) -> Choice | None:
    """The zoo model nearest to ``arch`` (``None`` for a model without residual blocks)."""
    if not arch.blocks:
        return None
    mine = features(arch)
    named = named_depth(arch.model)
    best: tuple[tuple[int, int, int], str, Features] | None = None
    for order, (name, info) in enumerate(residual_models()):
        theirs = _zoo_features(info)
        depth_hint = 0 if named is not None and _depth(theirs) == named else 1
        rank = (_distance(mine, theirs), depth_hint, order)
        if best is None or rank < best[0]:
            best = (rank, name, theirs)
    if best is None:
        return None
    (distance, hint, _), name, theirs = best
    return Choice(name, _reason(mine, theirs, name, named, hint == 0), distance)


def _depth(f: Features) -> int:
    return 1 + (2 if f.block == "basic" else 3) * sum(f.layers) + 1


def _distance(mine: Features, theirs: Features) -> int:
    """How far apart two models are: the structure first (family, stages, stem), then the
    blocks per stage, the widths, the shortcut and the version."""
    distance = 0
    distance += 1000 * (mine.block != theirs.block)
    distance += 500 * abs(len(mine.layers) - len(theirs.layers))
    distance += 200 * (mine.stem != theirs.stem)
    distance += 10 * sum(abs(a - b) for a, b in zip(mine.layers, theirs.layers, strict=False))
    distance += 20 * sum(a != b for a, b in zip(mine.widths, theirs.widths, strict=False))
    distance += 5 * (mine.shortcut != theirs.shortcut)
    distance += 5 * (mine.version != theirs.version)
    return distance


def _reason(mine: Features, theirs: Features, name: str, named: int | None,
            hint_used: bool) -> str:
    """Why ``name``: the features both share, then those that differ, then the name's hint."""
    same, differ = [], []
    for label, a, b in (
        (N_("block"), mine.block, theirs.block), (N_("stem"), mine.stem, theirs.stem),
        (N_("blocks per stage"), mine.layers, theirs.layers),
        (N_("widths"), mine.widths, theirs.widths), (N_("shortcut option"), mine.shortcut,
                                                     theirs.shortcut),
        (N_("version"), mine.version, theirs.version),
    ):
        (same if a == b else differ).append((translated(label), a, b))
    text = _("{name}: {features}", name=name, features=_(", ").join(
        _("{label} {value}", label=label, value=_said(a)) for label, a, _b in same))
    if differ:
        text += _("; nearest despite {features}", features=_(", ").join(
            _("{label} {value} (the reference's {reference})", label=label, value=_said(a),
              reference=_said(b)) for label, a, b in differ))
    if named is not None:
        text += _("; the name's {number} agrees", number=named) if hint_used else \
            _("; the name's {number} is only a hint", number=named)
    return text


#: The features' values as :func:`_reason` says them.
FEATURE_WORDS = (N_("basic"), N_("bottleneck"), N_("imagenet"), N_("cifar"))


def _said(value: object) -> str:
    return str(tuple(value)) if isinstance(value, tuple) else translated(str(value))
