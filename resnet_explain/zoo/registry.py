"""What the zoo knows about each reference model — pure data, no torch.

This module must stay importable without importing torch: ``resnet-explain list`` and the
"did you mean" messages read it, and they should start instantly. The builders live in
the sibling modules and are only imported by :func:`resnet_explain.zoo.build`.

Six families:

``imagenet-v1.5``
    torchvision's ResNets (``resnet18`` … ``resnet152``). In a downsampling Bottleneck the
    stride 2 sits on the 3x3 convolution ("ResNet v1.5").
``imagenet-v1``
    The paper's original Bottleneck nets (``resnet50-v1`` …): the stride 2 sits on the first
    1x1 convolution. Same state-dict keys and parameter counts as v1.5; fewer multiply-adds.
``preact-v2``
    Pre-activation ResNets ("Identity Mappings in Deep Residual Networks", He et al. 2016):
    BN → ReLU → conv in every unit, a bare stem conv, an extra BN + ReLU after the last unit.
``cifar``
    The paper's CIFAR-10 nets (section 4.2): depth 6n + 2, 16/32/64 filters, option A
    shortcuts.
``plain``, ``plain-cifar``
    The paper's plain baselines (section 3.3, Fig. 3 middle; section 4.2, Fig. 6 left): the
    layers of ResNet-18/34 (``plain18``, ``plain34``) and of the CIFAR ResNets (``plain20`` …
    ``plain110``) with no shortcuts at all — nothing is added, so they have no blocks. Their
    names count the same weighted layers as the ResNets'. (The paper trains plain-20 … 56 on
    CIFAR-10; ``plain110`` extends the series to the deepest ResNet it reports errors for.)
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

__all__ = [
    "FAMILIES",
    "MODEL_NAMES",
    "NO_SHORTCUT",
    "PLAIN_FAMILIES",
    "SHORTCUT_OPTIONS",
    "ModelInfo",
    "check_shortcut",
    "describe",
    "nearest",
]

FAMILIES: tuple[str, ...] = (
    "imagenet-v1.5", "imagenet-v1", "preact-v2", "cifar", "plain", "plain-cifar",
)
PLAIN_FAMILIES: tuple[str, ...] = ("plain", "plain-cifar")
NO_SHORTCUT = "none"
"""The ``shortcut`` of a plain network's :class:`ModelInfo`: it has none to choose."""

SHORTCUT_OPTIONS: dict[str, str] = {
    "A": "identity; extra channels zero-padded and H, W subsampled where shapes change "
    "(no parameters)",
    "B": "1x1 projection (+ BatchNorm, except in v2) only where shapes change; identity elsewhere",
    "C": "1x1 projection (+ BatchNorm, except in v2) on every shortcut",
}


@dataclass(frozen=True)
class ModelInfo:
    """Everything the zoo states about one model, before any module is built.

    ``reference_params`` is an exact parameter count from an independent implementation
    (named in ``reference``) with the default shortcut option and class count;
    ``paper_params_m`` is the paper's rounded figure in millions. ``reference_macs_g`` is the
    conv + fc multiply-adds of one 224x224 image (G), ``paper_flops_g`` the paper's Table 1
    figure (which, despite the name, counts multiply-adds). A plain network's ``shortcut``
    is :data:`NO_SHORTCUT`.
    """

    name: str
    family: str
    block: str
    layers: tuple[int, ...]
    widths: tuple[int, ...]
    input_size: tuple[int, int, int]
    num_classes: int
    shortcut: str
    description: str
    reference_params: int | None = None
    paper_params_m: float | None = None
    reference_macs_g: float | None = None
    paper_flops_g: float | None = None
    reference: str = ""

    @property
    def depth(self) -> int:
        """The plain depth in the name: stem conv + weighted layers of all blocks + fc."""
        per_block = 2 if self.block == "basic" else 3
        return 1 + per_block * sum(self.layers) + 1

    @property
    def stride_on(self) -> str:
        """Which conv of a downsampling block carries the stride: ``"3x3"`` or ``"1x1"``."""
        return "1x1" if self.family == "imagenet-v1" else "3x3"

    @property
    def plain(self) -> bool:
        """True for the paper's plain baselines: the same layers, no shortcuts."""
        return self.family in PLAIN_FAMILIES


_IMAGENET_INPUT = (3, 224, 224)
_CIFAR_INPUT = (3, 32, 32)
_IMAGENET_WIDTHS = (64, 128, 256, 512)
_CIFAR_WIDTHS = (16, 32, 64)

_LAYERS: dict[int, tuple[str, tuple[int, ...]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

# torchvision's parameter counts (weights=None, 1000 classes) — docs/facts.md.
_TORCHVISION_PARAMS = {
    18: 11_689_512,
    34: 21_797_672,
    50: 25_557_032,
    101: 44_549_160,
    152: 60_192_808,
}
# conv + fc multiply-adds at 224x224, in G (docs/facts.md), for v1.5 and v1.
_MACS_V15 = {18: 1.814, 34: 3.664, 50: 4.089, 101: 7.801, 152: 11.514}
_MACS_V1 = {18: 1.814, 34: 3.664, 50: 3.858, 101: 7.570, 152: 11.282}
# He et al. 2015, Table 1 ("FLOPs", i.e. multiply-adds), in G.
_PAPER_FLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
# timm's resnetv2_<depth> (same architecture: bare 7x7 stem + max-pool, stride on the 3x3,
# bare 1x1 projections reading the pre-activation, final BN + ReLU), 1000 classes.
_TIMM_V2_PARAMS = {
    18: 11_687_720,
    34: 21_795_880,
    50: 25_549_352,
    101: 44_541_480,
    152: 60_185_128,
}
# He et al. 2015, section 4.2 / Table 6: CIFAR-10 nets, option A, parameters in millions.
_CIFAR_PAPER_PARAMS_M = {20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7, 1202: 19.4}
# The exact count of ResNet-20 (option A) that every faithful reimplementation reports.
_CIFAR_EXACT_PARAMS = {20: 269_722}

# What ResNet-18/34 add to the plain nets: three projections (1x1 conv + BatchNorm) in the
# first block of conv3_x, conv4_x, conv5_x: 64·128 + 2·128 + 128·256 + 2·256 + 256·512
# + 2·512 = 173,824 parameters (docs/facts.md). The CIFAR ResNets use option A shortcuts,
# which have no parameters, so their plain nets have exactly their counts.
_IMAGENET_PROJECTION_PARAMS = sum(c * 2 * c + 2 * (2 * c) for c in (64, 128, 256))

_TORCHVISION_REF = "torchvision.models.resnet{d} (weights=None)"
_PAPER_REF = "He et al. 2015, Deep Residual Learning for Image Recognition"


def _imagenet_v15(depth: int) -> ModelInfo:
    block, layers = _LAYERS[depth]
    return ModelInfo(
        name=f"resnet{depth}",
        family="imagenet-v1.5",
        block=block,
        layers=layers,
        widths=_IMAGENET_WIDTHS,
        input_size=_IMAGENET_INPUT,
        num_classes=1000,
        shortcut="B",
        description=f"ResNet-{depth} for ImageNet, torchvision layout (v1.5: stride on the 3x3)"
        if block == "bottleneck"
        else f"ResNet-{depth} for ImageNet, as in the paper and torchvision (BasicBlocks)",
        reference_params=_TORCHVISION_PARAMS[depth],
        reference_macs_g=_MACS_V15[depth],
        paper_flops_g=_PAPER_FLOPS[depth],
        reference=_TORCHVISION_REF.format(d=depth) + "; " + _PAPER_REF,
    )


def _imagenet_v1(depth: int) -> ModelInfo:
    block, layers = _LAYERS[depth]
    return ModelInfo(
        name=f"resnet{depth}-v1",
        family="imagenet-v1",
        block=block,
        layers=layers,
        widths=_IMAGENET_WIDTHS,
        input_size=_IMAGENET_INPUT,
        num_classes=1000,
        shortcut="B",
        description=f"ResNet-{depth} as in the paper (v1: stride on the first 1x1)",
        reference_params=_TORCHVISION_PARAMS[depth],
        reference_macs_g=_MACS_V1[depth],
        paper_flops_g=_PAPER_FLOPS[depth],
        reference=_PAPER_REF + "; parameters as " + _TORCHVISION_REF.format(d=depth),
    )


def _preact_v2(depth: int) -> ModelInfo:
    block, layers = _LAYERS[depth]
    return ModelInfo(
        name=f"resnet{depth}-v2",
        family="preact-v2",
        block=block,
        layers=layers,
        widths=_IMAGENET_WIDTHS,
        input_size=_IMAGENET_INPUT,
        num_classes=1000,
        shortcut="B",
        description=f"Pre-activation ResNet-{depth} (v2: BN → ReLU → conv, final BN + ReLU)",
        reference_params=_TIMM_V2_PARAMS[depth],
        reference=f"He et al. 2016, Identity Mappings in Deep Residual Networks; "
        f"parameters as timm resnetv2_{depth}",
    )


def _cifar(depth: int) -> ModelInfo:
    n = (depth - 2) // 6
    return ModelInfo(
        name=f"resnet{depth}",
        family="cifar",
        block="basic",
        layers=(n, n, n),
        widths=_CIFAR_WIDTHS,
        input_size=_CIFAR_INPUT,
        num_classes=10,
        shortcut="A",
        description=f"ResNet-{depth} for CIFAR-10 (6n+2, n={n}; 16/32/64 filters; option A)",
        reference_params=_CIFAR_EXACT_PARAMS.get(depth),
        paper_params_m=_CIFAR_PAPER_PARAMS_M[depth],
        reference=_PAPER_REF + ", section 4.2",
    )


def _plain(residual: ModelInfo) -> ModelInfo:
    """The plain baseline of ``residual`` (ResNet-18/34 or a CIFAR ResNet): its layers, no
    shortcuts. ImageNet: the ResNet's count less its three projections; CIFAR: the same count
    as option A's shortcuts hold nothing. The paper gives no parameter count of its own."""
    depth = residual.depth
    cifar = residual.family == "cifar"
    return replace(
        residual,
        name=f"plain{depth}",
        family="plain-cifar" if cifar else "plain",
        shortcut=NO_SHORTCUT,
        description=f"Plain-{depth} for CIFAR-10: ResNet-{depth}'s layers, no shortcuts"
        if cifar
        else f"The paper's {depth}-layer plain net: ResNet-{depth}'s layers, no shortcuts",
        reference_params=residual.reference_params
        if cifar
        else _TORCHVISION_PARAMS[depth] - _IMAGENET_PROJECTION_PARAMS,
        paper_params_m=None,
        reference_macs_g=None,
        paper_flops_g=None,
        reference=_PAPER_REF + (", section 4.2; parameters as ResNet-{d} with option A "
                                "(which has none in its shortcuts)" if cifar else
                                ", section 3.3; parameters: " + _TORCHVISION_REF
                                + " less its three projections").format(d=depth),
    )


_INFOS: dict[str, ModelInfo] = {
    info.name: info
    for info in (
        *(_imagenet_v15(d) for d in (18, 34, 50, 101, 152)),
        *(_imagenet_v1(d) for d in (50, 101, 152)),
        *(_preact_v2(d) for d in (18, 34, 50, 101, 152)),
        *(_cifar(d) for d in (20, 32, 44, 56, 110, 1202)),
        *(_plain(_imagenet_v15(d)) for d in (18, 34)),
        *(_plain(_cifar(d)) for d in (20, 32, 44, 56, 110)),
    )
}

MODEL_NAMES: tuple[str, ...] = tuple(_INFOS)
"""Every zoo name: torchvision's five, the paper's v1 Bottleneck nets, v2, CIFAR, then the
plain baselines (ImageNet, CIFAR)."""


def describe(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of a zoo model; ``ValueError`` (with a suggestion) if unknown."""
    try:
        return _INFOS[name]
    except (KeyError, TypeError):
        raise ValueError(_unknown_message(name)) from None


def _unknown_message(name: object) -> str:
    guess = nearest(name) if isinstance(name, str) else None
    fix = f"did you mean {guess!r}?" if guess else "run `resnet-explain list` to see them"
    return f"unknown zoo model {name!r}; {fix} Known: {', '.join(MODEL_NAMES)}"


def check_shortcut(option: str | None, name: str) -> str:
    """Resolve a shortcut option (``None`` → the model's default; case-insensitive). A plain
    network takes none: it has no shortcuts (its default is :data:`NO_SHORTCUT`)."""
    info = describe(name)
    if option is None:
        return info.shortcut
    if info.plain:
        residual = "resnet" + name[len("plain"):]
        raise ValueError(
            f"{name} is a plain network: it has no shortcuts, so no shortcut option applies; "
            f"leave the option out, or use {residual} for the same layers with shortcuts"
        )
    key = option.strip().upper() if isinstance(option, str) else option
    if key not in SHORTCUT_OPTIONS:
        raise ValueError(
            f"unknown shortcut option {option!r}; use 'A' (zero-padded identity), "
            "'B' (projection where shapes change) or 'C' (projection everywhere)"
        )
    return key


_DEPTH_RE = re.compile(r"(\d+)")
_VERSION_RE = re.compile(r"v(1\.5|1|2)\b")


def _normalise(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def nearest(name: str) -> str | None:
    """The known name closest to ``name`` (for "did you mean"), or ``None`` if none is close.

    Spelling variants are resolved first (``ResNet50`` → ``resnet50``, ``resnet_v2_50`` →
    ``resnet50-v2``). Otherwise the smallest edit distance wins, ties going to the nearest
    depth (``resnet51`` → ``resnet50``, not ``resnet56``; ``resnet1201`` → ``resnet1202``),
    then to the closer :mod:`difflib` match. More than three edits away is no match.
    """
    text = _normalise(name)
    if text in _INFOS:
        return text
    if text.startswith("resnet"):
        rest = text[len("resnet") :]
        version = _VERSION_RE.search(rest)
        depth_text = _VERSION_RE.sub("", rest)
        depth = _DEPTH_RE.search(depth_text)
        if depth:
            suffix = {"1": "-v1", "2": "-v2"}.get(version.group(1), "") if version else ""
            plain = f"resnet{int(depth.group(1))}"
            if plain + suffix in _INFOS:
                return plain + suffix
            if suffix == "-v1" and plain in _INFOS:  # basic-block nets: v1 = v1.5 = the plain name
                return plain
    wanted = _depth_of(text)

    def rank(known: str) -> tuple[int, int, float]:
        similarity = difflib.SequenceMatcher(None, text, known).ratio()
        return (_edit_distance(text, known), abs(_depth_of(known) - wanted), -similarity)

    best = min(MODEL_NAMES, key=rank)  # min() keeps the first of equals: MODEL_NAMES order
    return best if _edit_distance(text, best) <= 3 else None


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _depth_of(text: str) -> int:
    match = _DEPTH_RE.search(text)
    return int(match.group(1)) if match else 0
