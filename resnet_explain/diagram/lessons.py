"""The lessons of the seed notes, ready-made: traced zoo blocks side by side.

Each lesson names zoo models and blocks; the drawings and the captions under each title come
from the traced Architectures (where the stride sits, where the activations sit, why the
shortcut is a projection), so a change in the zoo or the analysis shows up in the figure.

>>> from resnet_explain.diagram.lessons import lesson
>>> lesson("v1-vs-v1.5").write("v1_vs_v15.svg")

:func:`figures` lists every figure of the repository's ``figures/`` folder (the lessons and
the stage and block diagrams of ResNet-18/34/50/101/152); ``scripts/make_figures.py`` writes
them and a test checks that the committed DOT still matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..architecture import Activation, Architecture, Block, BlockFamily
from ..errors import UserError
from ..notation import dims
from . import labels
from .block import Panel, compare_blocks, default_subtitle, find_block
from .dot import Diagram


@dataclass(frozen=True)
class PanelSpec:
    model: str  # zoo name
    block: str
    shortcut: str | None = None
    title: str | None = None  # default: "<model> · <block>"


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    subtitle: str
    panels: tuple[PanelSpec, ...]
    facts: tuple[str, ...]  # captions to derive: family, stride, activation, shortcut, cost


LESSONS: dict[str, Lesson] = {lesson.name: lesson for lesson in (
    Lesson("basic-vs-bottleneck", "BasicBlock vs Bottleneck",
           "ResNet-18/34 stack BasicBlocks; ResNet-50/101/152 stack Bottlenecks",
           (PanelSpec("resnet34", "conv2_2"), PanelSpec("resnet50", "conv2_2")),
           ("family",)),
    Lesson("resnet50-block-kinds", "ResNet-50's three kinds of block",
           "the first block of conv2_x projects channels only; later blocks are the identity; "
           "conv3_1, conv4_1 and conv5_1 also halve H and W",
           (PanelSpec("resnet50", "conv2_1"), PanelSpec("resnet50", "conv2_2"),
            PanelSpec("resnet50", "conv3_1")),
           ("shortcut",)),
    Lesson("v1-vs-v1.5", "ResNet v1 vs v1.5: where the stride sits",
           "the paper strides the first 1×1 conv of a downsampling Bottleneck; torchvision "
           "strides the 3×3",
           (PanelSpec("resnet50-v1", "conv3_1", title="v1 (paper) · resnet50-v1 · conv3_1"),
            PanelSpec("resnet50", "conv3_1", title="v1.5 (torchvision) · resnet50 · conv3_1")),
           ("stride", "cost")),
    Lesson("v1-vs-v2", "ResNet v1 vs v2: post- vs pre-activation",
           "v2 runs BN → ReLU before each conv, leaves the sum alone, and feeds the projection "
           "the pre-activated input",
           (PanelSpec("resnet18", "conv3_1", title="v1 · resnet18 · conv3_1"),
            PanelSpec("resnet18-v2", "conv3_1", title="v2 · resnet18-v2 · conv3_1")),
           ("activation",)),
    Lesson("v1-vs-v2-identity", "ResNet v1 vs v2: the identity path",
           "v1 puts a ReLU after every add, on the identity path too; v2 leaves the sum alone, "
           "so the identity runs from unit to unit untouched",
           (PanelSpec("resnet18", "conv2_2", title="v1 · resnet18 · conv2_2"),
            PanelSpec("resnet18-v2", "conv2_2", title="v2 · resnet18-v2 · conv2_2")),
           ("activation",)),
    Lesson("shortcut-A-vs-B", "Shortcut options A and B",
           "where the shape changes, option A zero-pads the identity (no parameters), "
           "option B projects with a 1×1 conv + BN",
           (PanelSpec("resnet20", "conv3_1", "A", title="option A · resnet20 · conv3_1"),
            PanelSpec("resnet20", "conv3_1", "B", title="option B · resnet20 · conv3_1")),
           ("shortcut",)),
)}

Loader = Callable[[str, "str | None"], Architecture]


def _default_loader() -> Loader:
    from ..traced import zoo_model

    return lambda model, shortcut: zoo_model(model, None, shortcut)


_ORDINALS = ("first", "second", "third", "fourth", "fifth")


def stride_fact(arch: Architecture, block: Block) -> str:
    """``stride 2 on the first conv (1×1)`` — which main-path conv downsamples
    (``Block.strided_layers``, numbered among the main path's convs)."""
    convs = [layer.index for layer in labels.weighted(arch, block.main_layers)
             if labels.is_conv(layer)]
    strided = [i for i in block.strided_layers if i in convs]
    if not strided:
        return "no strided conv on the main path"
    parts = []
    for index in strided:
        n, layer = convs.index(index), arch.layers[index]
        ordinal = _ORDINALS[n] if n < len(_ORDINALS) else f"#{n + 1}"
        kernel = dims(layer.kernel_size or ())
        parts.append(f"stride {max(layer.stride or (1,))} on the {ordinal} conv ({kernel})")
    return ", ".join(parts)


def activation_fact(arch: Architecture, block: Block) -> str:
    """Post-activation (ReLU after the add) or pre-activation (BN → ReLU first), from
    ``Block.activation``."""
    after_add = [labels.layer_title(arch.layers[i]) for i in block.tail_layers]
    if block.activation == Activation.PRE:
        text = "pre-activation: BN → ReLU → conv"
    else:
        text = "post-activation: conv → BN → ReLU"
    if after_add:
        return f"{text}; {' → '.join(after_add)} after the add"
    return f"{text}; nothing after the add"


def family_fact(arch: Architecture, block: Block) -> str:
    recipe = " → ".join(labels.block_recipe(arch, block))
    convs = labels.weighted(arch, block.main_layers)
    text = f"{labels.family_name(block)}: {recipe}"
    if block.family == BlockFamily.BOTTLENECK and convs[0].out_channels:
        text += f" (expands ×{convs[-1].out_channels // convs[0].out_channels})"
    return text


def cost_fact(arch: Architecture, block: Block) -> str:
    """Each main-path conv's weights and multiply-adds (``Layer.params``, ``Layer.macs``),
    as weights × output positions where that product is the count (no groups, one image).
    Within one conv's part the spaces are no-break spaces: a caption wraps between convs."""
    parts = []
    for layer in labels.weighted(arch, block.main_layers):
        if not labels.is_conv(layer):
            continue
        kernel = dims(layer.kernel_size or ())
        height, width = layer.output_shape[-2:]
        if layer.params * height * width == layer.macs:
            part = (f"{kernel}: {layer.params:,} weights × {height}·{width} = "
                    f"{layer.macs:,} multiply-adds")
        else:
            part = f"{kernel}: {layer.params:,} parameters, {layer.macs:,} multiply-adds"
        parts.append(part.replace(" ", "\u00a0"))
    return "; ".join(parts)


def shortcut_fact(arch: Architecture, block: Block) -> str:
    return default_subtitle(block)


FACTS: dict[str, Callable[[Architecture, Block], str]] = {
    "family": family_fact, "stride": stride_fact, "activation": activation_fact,
    "shortcut": shortcut_fact, "cost": cost_fact,
}


def lesson(name: str, load: Loader | None = None) -> Diagram:
    """The lesson ``name`` (see :data:`LESSONS`), traced from the zoo.

    ``load(model, shortcut)`` returns an Architecture; the default traces with
    :func:`~resnet_explain.explain` and caches per call.
    """
    if name not in LESSONS:
        raise UserError(f"unknown lesson {name!r}", f"Choose one of {', '.join(LESSONS)}")
    spec = LESSONS[name]
    load = load or _default_loader()
    panels = []
    for panel in spec.panels:
        arch = load(panel.model, panel.shortcut)
        block = find_block(arch, panel.block)
        caption = "; ".join(FACTS[fact](arch, block) for fact in spec.facts)
        title = panel.title or f"{arch.model} · {labels.block_caption(block)}"
        panels.append(Panel(arch, panel.block, title=title, subtitle=caption))
    return compare_blocks(panels, title=spec.title, subtitle=spec.subtitle,
                          name=f"lesson {name}", width=100)


#: The networks whose stage and block diagrams are in ``figures/``.
FIGURE_MODELS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")


def figures(load: Loader | None = None) -> dict[str, Diagram]:
    """Every figure of ``figures/``, by file stem, in a fixed order."""
    from .network import network_diagram

    load = load or _default_loader()
    out: dict[str, Diagram] = {}
    for name in LESSONS:
        out[f"lesson-{name}"] = lesson(name, load)
    for model in FIGURE_MODELS:
        arch = load(model, None)
        out[f"{model}-stages"] = network_diagram(arch, "stage")
        out[f"{model}-blocks"] = network_diagram(arch, "block")
    return out
