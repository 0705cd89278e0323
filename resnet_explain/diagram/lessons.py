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
from ..i18n import N_, _, translated
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
    Lesson("basic-vs-bottleneck", N_("BasicBlock vs Bottleneck"),
           N_("ResNet-18/34 stack BasicBlocks; ResNet-50/101/152 stack Bottlenecks"),
           (PanelSpec("resnet34", "conv2_2"), PanelSpec("resnet50", "conv2_2")),
           ("family",)),
    Lesson("resnet50-block-kinds", N_("ResNet-50's three kinds of block"),
           N_("the first block of conv2_x projects channels only; later blocks are the identity; "
           "conv3_1, conv4_1 and conv5_1 also halve H and W"),
           (PanelSpec("resnet50", "conv2_1"), PanelSpec("resnet50", "conv2_2"),
            PanelSpec("resnet50", "conv3_1")),
           ("shortcut",)),
    Lesson("v1-vs-v1.5", N_("ResNet v1 vs v1.5: where the stride sits"),
           N_("the paper strides the first 1×1 conv of a downsampling Bottleneck; torchvision "
           "strides the 3×3"),
           (PanelSpec("resnet50-v1", "conv3_1", title=N_("v1 (paper) · resnet50-v1 · conv3_1")),
            PanelSpec("resnet50", "conv3_1", title=N_("v1.5 (torchvision) · resnet50 · conv3_1"))),
           ("stride", "cost")),
    Lesson("v1-vs-v2", N_("ResNet v1 vs v2: post- vs pre-activation"),
           N_("v2 runs BN → ReLU before each conv, leaves the sum alone, and feeds the projection "
           "the pre-activated input"),
           (PanelSpec("resnet18", "conv3_1", title=N_("v1 · resnet18 · conv3_1")),
            PanelSpec("resnet18-v2", "conv3_1", title=N_("v2 · resnet18-v2 · conv3_1"))),
           ("activation",)),
    Lesson("v1-vs-v2-identity", N_("ResNet v1 vs v2: the identity path"),
           N_("v1 puts a ReLU after every add, on the identity path too; v2 leaves the sum alone, "
           "so the identity runs from unit to unit untouched"),
           (PanelSpec("resnet18", "conv2_2", title=N_("v1 · resnet18 · conv2_2")),
            PanelSpec("resnet18-v2", "conv2_2", title=N_("v2 · resnet18-v2 · conv2_2"))),
           ("activation",)),
    Lesson("shortcut-A-vs-B", N_("Shortcut options A and B"),
           N_("where the shape changes, option A zero-pads the identity (no parameters), "
           "option B projects with a 1×1 conv + BN"),
           (PanelSpec("resnet20", "conv3_1", "A", title=N_("option A · resnet20 · conv3_1")),
            PanelSpec("resnet20", "conv3_1", "B", title=N_("option B · resnet20 · conv3_1"))),
           ("shortcut",)),
)}

Loader = Callable[[str, "str | None"], Architecture]


def _default_loader() -> Loader:
    from ..traced import zoo_model

    return lambda model, shortcut: zoo_model(model, None, shortcut)


_ORDINALS = (N_("stride {stride} on the first conv ({kernel})"),
             N_("stride {stride} on the second conv ({kernel})"),
             N_("stride {stride} on the third conv ({kernel})"),
             N_("stride {stride} on the fourth conv ({kernel})"),
             N_("stride {stride} on the fifth conv ({kernel})"))


def stride_fact(arch: Architecture, block: Block) -> str:
    """``stride 2 on the first conv (1×1)`` — which main-path conv downsamples
    (``Block.strided_layers``, numbered among the main path's convs)."""
    convs = [layer.index for layer in labels.weighted(arch, block.main_layers)
             if labels.is_conv(layer)]
    strided = [i for i in block.strided_layers if i in convs]
    if not strided:
        return _("no strided conv on the main path")
    parts = []
    for index in strided:
        n, layer = convs.index(index), arch.layers[index]
        kernel = dims(layer.kernel_size or ())
        stride = max(layer.stride or (1,))
        if n < len(_ORDINALS):
            parts.append(translated(_ORDINALS[n], stride=stride, kernel=kernel))
        else:
            parts.append(_("stride {stride} on the #{number} conv ({kernel})", stride=stride,
                           number=n + 1, kernel=kernel))
    return _(", ").join(parts)


def activation_fact(arch: Architecture, block: Block) -> str:
    """Post-activation (ReLU after the add) or pre-activation (BN → ReLU first), from
    ``Block.activation``."""
    after_add = [labels.layer_title(arch.layers[i]) for i in block.tail_layers]
    pre = block.activation == Activation.PRE
    if after_add:
        template = (N_("pre-activation: BN → ReLU → conv; {layers} after the add") if pre else
                    N_("post-activation: conv → BN → ReLU; {layers} after the add"))
        return translated(template, layers=" → ".join(after_add))
    return (_("pre-activation: BN → ReLU → conv; nothing after the add") if pre else
            _("post-activation: conv → BN → ReLU; nothing after the add"))


def family_fact(arch: Architecture, block: Block) -> str:
    recipe = " → ".join(labels.block_recipe(arch, block))
    convs = labels.weighted(arch, block.main_layers)
    if block.family == BlockFamily.BOTTLENECK and convs[0].out_channels:
        return _("{family}: {recipe} (expands ×{factor})", family=labels.family_name(block),
                 recipe=recipe, factor=convs[-1].out_channels // convs[0].out_channels)
    if block.family not in (BlockFamily.BASIC, BlockFamily.BOTTLENECK):
        return _("block: {recipe}", recipe=recipe)
    return _("{family}: {recipe}", family=labels.family_name(block), recipe=recipe)


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
            part = _("{kernel}: {weights} weights × {height}·{width} = {macs} multiply-adds",
                     kernel=kernel, weights=f"{layer.params:,}", height=height, width=width,
                     macs=f"{layer.macs:,}")
        else:
            part = _("{kernel}: {params} parameters, {macs} multiply-adds", kernel=kernel,
                     params=f"{layer.params:,}", macs=f"{layer.macs:,}")
        parts.append(part.replace(" ", "\u00a0"))
    return _("; ").join(parts)


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
        caption = _("; ").join(FACTS[fact](arch, block) for fact in spec.facts)
        title = translated(panel.title) if panel.title else \
            f"{arch.model} · {labels.block_caption(block)}"
        panels.append(Panel(arch, panel.block, title=title, subtitle=caption))
    return compare_blocks(panels, title=translated(spec.title),
                          subtitle=translated(spec.subtitle),
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
