"""The Architecture: everything a trace found, as plain data.

This module imports nothing from torch. The trace (``trace/``) records what happened during
one shape-only forward; the analysis (``analysis/``) derives blocks, stages, roles and the
depth from that record; every view (tables, JSON, diagrams, plots) reads *only* the objects
defined here. A number printed in a table, a diagram and a plot is therefore the same number.

Conventions
-----------
* Shapes are tuples in PyTorch order, batch first: ``(N, C, H, W)`` for feature maps.
* ``macs`` are multiply-accumulates for the traced batch (torchinfo's "mult-adds"): a conv
  costs ``K_h·K_w·C_in/groups·C_out·H_out·W_out`` per image, a linear layer ``in·out`` per row.
  Only convolutions and linear layers are counted, which is what the ResNet paper's "FLOPs"
  (really multiply-adds) count too.
* ``params`` of a layer are the module's own parameters, counted on its first call only: a
  module called three times (torchvision's shared ``relu``) gives three layers but its
  parameters count once, so the column adds up to the total.
"""

from __future__ import annotations

import difflib
import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ._compat import StrEnum

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence
    from pathlib import Path

    import graphviz
    from matplotlib.figure import Figure

    from .analysis.receptive import ReceptiveField
    from .compare import Comparison
    from .exercises import Exercises
    from .findings import Finding

Shape = tuple[int, ...]


class Word(StrEnum):
    """A value that is a word: it compares equal to its string, serialises as it, and prints
    as it — ``Counter(b.kind for b in arch.blocks)`` shows ``{'identity': 13, …}``, not the
    enum's ``<ShortcutKind.IDENTITY: 'identity'>``."""

    def __repr__(self) -> str:
        return repr(self.value)

class LayerKind(Word):
    """What a layer *is*.

    Decided from the module's base class (``nn.modules.conv._ConvNd``,
    ``nn.modules.batchnorm._BatchNorm`` …) or from the functional op, never from a class-name
    string, so a student's ``class MyConv(nn.Conv2d)`` is a convolution too. ``conv`` and
    ``pool`` have the output-size formula; ``conv`` and ``linear`` are weighted (they count
    towards the depth and the multiply-adds). Members compare equal to their strings
    (``LayerKind.CONV == "conv"``) and serialise as them.
    """

    CONV = "conv"
    LINEAR = "linear"
    POOL = "pool"
    ADAPTIVE_POOL = "adaptive_pool"
    BATCH_NORM = "batch_norm"
    NORM = "norm"
    ACTIVATION = "activation"
    RESHAPE = "reshape"
    OTHER = "other"


CONV, LINEAR, POOL, ADAPTIVE_POOL = (
    LayerKind.CONV, LayerKind.LINEAR, LayerKind.POOL, LayerKind.ADAPTIVE_POOL)
BATCH_NORM, NORM, ACTIVATION, RESHAPE, OTHER = (
    LayerKind.BATCH_NORM, LayerKind.NORM, LayerKind.ACTIVATION, LayerKind.RESHAPE,
    LayerKind.OTHER)

#: The index that stands for the model's input among a layer's ``inputs``.
MODEL_INPUT = -1


class Pooling(Word):
    """What a pool keeps of each window, from the module's base class (``_MaxPoolNd``,
    ``_AvgPoolNd``, their adaptive forms) or the functional op (``max_pool2d`` …): a
    ``class Downsample(nn.MaxPool2d)`` is max pooling whatever it is called."""

    MAX = "max"
    AVG = "avg"


class Role(Word):
    """The part a layer plays. ``stem`` runs before the first residual block, ``head`` after
    the last one; inside a block a layer is on the ``main`` path or on the ``shortcut``; a
    ``transition`` leads from one block to the next in no block (Darknet-53's stride-2
    down-sampling conv between two stages) and belongs to the stage it starts."""

    STEM = "stem"
    MAIN = "main"
    SHORTCUT = "shortcut"
    HEAD = "head"
    TRANSITION = "transition"


ROLES = tuple(Role)


class ShortcutKind(Word):
    """A block's shortcut: the paper's solid line (``identity``, no parameters), its dashed
    line (``projection``: a weighted layer, option B/C), or option A (``padded``: identity
    with zero-padded extra channels and a subsample, no parameters)."""

    IDENTITY = "identity"
    PROJECTION = "projection"
    PADDED = "padded"


class StageKind(Word):
    """``stem`` (before the first block, the paper's conv1), ``blocks`` (conv2_x …, or the
    single ``network`` stage of a network without blocks) or ``head`` (after the last block);
    ``transition`` only for the groups of :attr:`Architecture.transitions` (a stage that
    starts with a transition is still ``blocks``)."""

    STEM = "stem"
    BLOCKS = "blocks"
    HEAD = "head"
    TRANSITION = "transition"


class BlockFamily(Word):
    """What the main path's convolutions are, by their kernels in call order: ``basic``
    (3×3, 3×3: ResNet-18/34), ``bottleneck`` (1×1, 3×3, 1×1: ResNet-50/101/152), or
    ``other``."""

    BASIC = "basic"
    BOTTLENECK = "bottleneck"
    OTHER = "other"


class Layout(Word):
    """Where a downsampling Bottleneck has its stride 2: on the first 1×1 conv (``v1``, the
    paper's) or on the 3×3 (``v1.5``, torchvision's: more multiply-adds, since the first 1×1
    then runs on the full map, and about +0.5% top-1, since a 1×1 with stride 2 never reads
    3 of every 4 input positions). A fact of Bottleneck networks only: a BasicBlock's first
    conv is its 3×3. Where the normalisation sits (v2's pre-activation) is a separate fact,
    :class:`Activation`: a pre-activation Bottleneck has a stride position too."""

    V1 = "v1"
    V1_5 = "v1.5"


class Activation(Word):
    """Where a block's normalisation and activation sit: ``post`` (v1: conv → BN → ReLU, the
    ReLU after the add) or ``pre`` (v2: BN → ReLU → conv, nothing after the add) — decided
    by the first layer of the block's own path (its pre-activation or main branch)."""

    POST = "post"
    PRE = "pre"


@dataclass(frozen=True)
class SizeCheck:
    """The output-size formula for one spatial dimension of a conv or pool.

    out = ⌊(in + 2P − D·(K−1) − 1) / S⌋ + 1, with ⌈…⌉ instead of ⌊…⌋ for a pool in
    ``ceil_mode`` (where PyTorch also drops a last window that would start in the padding).
    ``expected`` is what the formula gives, ``traced`` what PyTorch produced; a mismatch is
    reported, never hidden.
    """

    dim: str  # the axis: "L"; "H", "W"; or "D", "H", "W" (words.AXES)
    in_size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    ceil_mode: bool
    expected: int
    traced: int
    # A transposed convolution: out = (in − 1)·S − 2P + D·(K − 1) + output_padding + 1.
    transposed: bool = False
    output_padding: int = 0
    # ``padding="same"`` with an odd total padding pads the end one more than the start.
    padding_end: int | None = None

    @property
    def ok(self) -> bool:
        return self.expected == self.traced

    @property
    def equation(self) -> str:
        """The formula with numbers filled in, e.g. ``56 = ⌊(112 + 2·1 − 3)/2⌋ + 1``."""
        kernel = f"{self.kernel}" if self.dilation == 1 else \
            f"{self.dilation}·({self.kernel}−1) − 1"
        if self.transposed:
            span = f"({self.kernel} − 1)" if self.dilation == 1 else \
                f"{self.dilation}·({self.kernel} − 1)"
            text = f"{self.expected} = ({self.in_size} − 1)·{self.stride}"
            text += f" − 2·{self.padding}" if self.padding else ""
            text += f" + {span}"
            text += f" + {self.output_padding}" if self.output_padding else ""
            return text + " + 1"
        open_, close = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        if self.padding_end is not None and self.padding_end != self.padding:
            pad = f" + {self.padding} + {self.padding_end}"
        else:
            pad = f" + 2·{self.padding}" if self.padding else ""
        return f"{self.expected} = {open_}({self.in_size}{pad} − {kernel})/{self.stride}{close} + 1"

    @property
    def derivation(self) -> str:
        """The equation, followed by the traced size where the two disagree."""
        return self.equation if self.ok else f"{self.equation}  ≠ traced {self.traced}"


def joins_two_branches(layer: Layer) -> bool:
    """An add of two traced tensors: a residual block's candidate."""
    return layer.is_op and layer.type == "add" and len(layer.inputs) == 2


def _in_own_language(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` made in the Architecture's own language (``explain(..., lang=...)``), if
    it has one."""

    @functools.wraps(method)
    def speaking_method(self: Architecture, *args: Any, **kwargs: Any) -> Any:
        from .i18n import speaking

        with speaking(self.language):
            return method(self, *args, **kwargs)

    return speaking_method


def _in_owners_language(method: Callable[..., Any]) -> Callable[..., Any]:
    """A layer's, block's or stage's ``method`` in its Architecture's language."""

    @functools.wraps(method)
    def speaking_method(self: _Owned, *args: Any, **kwargs: Any) -> Any:
        from .i18n import speaking

        owner = self.owner()
        with speaking(owner.language if owner is not None else None):
            return method(self, *args, **kwargs)

    return speaking_method


class _Owned:
    """A weak link to the Architecture that holds this layer, block or stage, for the views
    that show one of them in context (its block's paper name, its number in the depth).

    Weak, so that an Architecture is no reference cycle: it is freed by reference counting
    alone, the moment the last name for it goes. A plain attribute, not a field: equality,
    ``to_dict`` and the JSON ignore it, and a copy or a pickle leaves it out (the
    Architecture that holds the copy links it again)."""

    __slots__ = ("_arch",)

    def owner(self) -> Architecture | None:
        """The Architecture that holds this, while it exists."""
        link = getattr(self, "_arch", None)
        return link() if link is not None else None

    def __getstate__(self) -> dict[str, Any]:
        if hasattr(self, "__dict__"):
            return dict(self.__dict__)
        return {f.name: getattr(self, f.name) for f in fields(self)}  # a slotted dataclass

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)


# Slotted: a network has one Layer per traced call (35,000 in a deep CIFAR ResNet), and a
# slotted instance is built in half the time and reads its fields faster.
@dataclass(slots=True)
class Layer(_Owned):
    """One call of a leaf module, or one structural functional operation (add, flatten, …)."""

    index: int
    name: str  # qualified module name; for a functional op "<scope>.<op>" e.g. "layer1.0.add"
    type: str  # module class name ("Conv2d"), or the op ("add", "flatten", "relu")
    is_op: bool  # a functional operation rather than a module call
    call: int  # 0 for the first call of this module, 1 for the second, …
    inputs: list[int]  # indices of the layers whose outputs feed this one; -1 is the model input
    input_shapes: list[Shape]
    output_shape: Shape
    params: int = 0  # own parameters, counted on the first call only
    trainable_params: int = 0
    # Layers that already own (counted) a parameter this one uses too: tied weights.
    shared_with: list[str] = field(default_factory=list)
    macs: int = 0
    weighted: bool = False  # a convolution or linear layer: counts towards the depth
    kind: LayerKind = LayerKind.OTHER
    pooling: Pooling | None = None  # max or average, for a pool or adaptive pool
    kernel_size: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[int, ...] | None = None
    dilation: tuple[int, ...] | None = None
    groups: int | None = None
    in_channels: int | None = None
    out_channels: int | None = None
    bias: bool | None = None
    size_checks: list[SizeCheck] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)  # enclosing module names, outermost first
    # A module whose class replaces PyTorch's forward (a Conv2d subclass that pads the input
    # itself): a size that disagrees with the formula may be that forward's doing.
    own_forward: bool = False
    # Filled in by the analysis:
    role: Role = Role.MAIN
    stage: str = ""
    block: str | None = None
    on_longest_path: bool = False
    # What one output position sees of the input image (receptive.py): None without a map.
    receptive_field: ReceptiveField | None = None

    @property
    def input_shape(self) -> Shape | None:
        return self.input_shapes[0] if self.input_shapes else None

    @property
    def formula(self) -> str | None:
        """Derivation of the output size, H first, W only when it differs."""
        if not self.size_checks:
            return None
        first = self.size_checks[0].derivation
        rest = [c.derivation for c in self.size_checks[1:] if c.derivation != first]
        return "; ".join([first, *rest])

    @property
    def formula_ok(self) -> bool:
        for check in self.size_checks:
            if not check.ok:
                return False
        return True

    @_in_owners_language
    def __repr__(self) -> str:
        from .render.display import layer_repr

        return layer_repr(self)

    @_in_owners_language
    def _repr_html_(self) -> str:
        from .render.notebook import layer_html

        return layer_html(self)


@dataclass
class Block(_Owned):
    """A residual block: the place where two branches of the data flow are added.

    The branch with fewer weighted layers is the shortcut. It is an ``identity`` shortcut when
    it holds no layer with parameters (the paper's solid line), a ``projection`` when it holds a
    1x1 convolution (the dashed line, option B/C), and ``padded`` for option A (identity with
    zero-padded extra channels and subsampling, no parameters).
    """

    name: str  # module that performed the add, e.g. "layer1.0"
    paper_name: str  # conv2_1, conv2_2, …
    stage: str  # conv2_x …
    index_in_stage: int
    kind: ShortcutKind
    reason: str  # why the shortcut is (or is not) a projection
    input_shape: Shape
    output_shape: Shape
    main_layers: list[int]  # layer indices on the main (residual) branch, in call order
    shortcut_layers: list[int]  # layer indices on the shortcut branch
    add_layer: int  # index of the add
    tail_layers: list[int] = field(default_factory=list)  # after the add (e.g. the final ReLU)
    pre_layers: list[int] = field(default_factory=list)  # before the fork (v2's pre-activation)
    main_weighted: int = 0  # weighted layers the block adds to the plain depth (on the path)
    shortcut_weighted: int = 0
    params: int = 0
    macs: int = 0
    #: How much the main path downsamples: the product of the strides of the convs and pools
    #: on it (the largest along any one route from the fork to the add). A fact of the
    #: layers, not a ratio of sizes: at 57×57 → 29×29 a stride-2 block is still stride 2.
    stride: int = 1
    #: Layers on the main path (or the block's pre-activation) with a stride above 1, in call
    #: order: where the downsampling sits (v1 strides the first 1×1, v1.5 the 3×3).
    strided_layers: list[int] = field(default_factory=list)
    family: BlockFamily = BlockFamily.OTHER
    activation: Activation = Activation.POST
    #: What makes two blocks look the same (layer types, hyper-parameters, shapes without the
    #: batch, the wiring inside the block, the shortcut kind): equal signatures of
    #: consecutive blocks are one "× n" run (:meth:`Architecture.block_runs`).
    signature: tuple = field(default=(), repr=False, compare=False)

    @property
    def layers(self) -> list[int]:
        return sorted({*self.pre_layers, *self.main_layers, *self.shortcut_layers,
                       self.add_layer, *self.tail_layers})

    @_in_owners_language
    def __repr__(self) -> str:
        from .render.display import block_repr

        return block_repr(self)

    @_in_owners_language
    def _repr_html_(self) -> str:
        from .render.notebook import block_html

        return block_html(self)


@dataclass
class Stage(_Owned):
    """A run of blocks at one spatial size (the paper's conv2_x … conv5_x), or the stem / head."""

    name: str  # conv1, conv2_x, …, fc
    module: str  # common module prefix, e.g. "layer1" ("" when the layers share none)
    kind: StageKind
    layers: list[int]
    blocks: list[str] = field(default_factory=list)
    input_shape: Shape | None = None
    output_shape: Shape | None = None
    params: int = 0
    macs: int = 0
    weighted_on_path: int = 0  # weighted layers this stage contributes to the plain depth

    @_in_owners_language
    def __repr__(self) -> str:
        from .render.display import stage_repr

        return stage_repr(self)

    @_in_owners_language
    def _repr_html_(self) -> str:
        from .render.notebook import stage_html

        return stage_html(self)


@dataclass(frozen=True)
class DepthFormula:
    """The plain depth as the sum the paper writes: ``34 = 1 + 2×(3+4+6+3) + 1``.

    ``stem`` and ``head`` are the weighted layers on the longest path before the first block
    and after the last; ``stages`` holds, for each stage, its runs of consecutive blocks as
    (weighted layers one block adds, blocks in the run): ResNet-34's are
    ``((2, 3),), ((2, 4),), ((2, 6),), ((2, 3),)``, Res2Net-50's first ``((3, 1), (5, 2))``.
    ``terms_total`` is what the stem, every block and the head add up to; it differs from
    ``depth`` only where the longest path leaves the blocks (a side branch deeper than the
    main path), which ``str()`` then says.

    ``transitions`` holds, for each stage, the weighted layers on the path of the transition
    that starts it (Darknet-53's stride-2 conv between two stages, in no block); empty where
    the network has none. With transitions the sum is written stage by stage, each
    transition a term of its own before its stage's blocks in parentheses:
    ``7 = 1 + (2) + 1 + (2) + 1`` (a stem conv, a block of 2, a down-sampling conv, a block
    of 2, the fc).
    """

    depth: int
    stem: int = 0
    stages: tuple[tuple[tuple[int, int], ...], ...] = ()
    head: int = 0
    terms_total: int | None = None
    transitions: tuple[int, ...] = ()

    @property
    def per_block(self) -> int | None:
        """The weighted layers every block adds (2 for BasicBlock, 3 for Bottleneck), or
        ``None`` where blocks differ."""
        depths = {depth for stage in self.stages for depth, _ in stage}
        return depths.pop() if len(depths) == 1 else None

    @property
    def blocks_per_stage(self) -> tuple[int, ...]:
        """ResNet-34's ``(3, 4, 6, 3)``."""
        return tuple(sum(blocks for _, blocks in stage) for stage in self.stages)

    def __str__(self) -> str:
        from .i18n import _

        text = self.equation
        if self.terms_total is not None and self.terms_total != self.depth:
            text += _("  (the terms add up to {total}: the longest path leaves the blocks)",
                      total=self.terms_total)
        return text

    @property
    def equation(self) -> str:
        """The sum alone, ``34 = 1 + 2×(3+4+6+3) + 1``, without ``str()``'s remark."""
        if not self.stages:
            from .i18n import ngettext

            return ngettext("{n} = {n} weighted layer on the longest path (no residual blocks)",
                            "{n} = {n} weighted layers on the longest path (no residual blocks)",
                            self.depth)
        per_block = self.per_block
        transitions = self.transitions if any(self.transitions) else ()
        if per_block is not None and not transitions:
            middle = f"{per_block}×({'+'.join(map(str, self.blocks_per_stage))})"
        else:
            parts = []
            for number, stage in enumerate(self.stages):
                if number < len(transitions) and transitions[number]:
                    parts.append(str(transitions[number]))
                parts.append("(" + " + ".join(f"{depth}×{blocks}" if blocks > 1 else str(depth)
                                              for depth, blocks in stage) + ")")
            middle = " + ".join(parts)
        terms = [str(self.stem)] if self.stem else []
        terms.append(middle)
        if self.head:
            terms.append(str(self.head))
        return f"{self.depth} = " + " + ".join(terms)


def with_channel_axis(shape: Shape, added: bool) -> Shape:
    """``shape`` with the channel axis of 1 that a forward adds (N×L → N×1×L) when
    ``added``; else as it is."""
    return (shape[0], 1, *shape[1:]) if added and shape else tuple(shape)


@dataclass
class Architecture:
    """Everything the trace and the analysis found about one model at one input size.

    Depth convention: the number in a ResNet's name counts the weighted layers (convolutions
    and fully connected) of the *plain* network, i.e. on the longest input→output path.
    BatchNorm, ReLU and pooling are not counted, and neither are the 1x1 projections on the
    shortcuts: ResNet-34 has 37 weighted layers, 3 of them projections, so 34 = 1 + 2×(3+4+6+3) + 1.
    """

    model: str
    input_shape: Shape
    output_shape: Shape
    layers: list[Layer]
    blocks: list[Block]
    stages: list[Stage]
    plain_depth: int
    #: The plain depth as a sum (stem, blocks per stage, head); ``depth_formula`` its text.
    depth_terms: DepthFormula
    weighted_layers: int
    shortcut_projections: int
    total_params: int
    trainable_params: int
    macs: int
    engine: str  # how the shapes were obtained: "empty-batch" or "meta"
    param_bytes: int = 0
    #: Warnings and notes as records (:mod:`resnet_explain.findings`): what was found, where,
    #: and the numbers it states; ``warnings`` and ``notes`` are their sentences.
    findings: list[Finding] = field(default_factory=list)
    output_layers: list[int] = field(default_factory=list)  # the layers that produced the output
    #: Every tensor the forward returns, in the order it returns them (a feature pyramid's
    #: maps; logits and features); ``output_shape`` is the first one's.
    output_shapes: list[Shape] = field(default_factory=list)
    #: Every layer before the first residual block (the stem's max-pool included, which the
    #: paper's Table 1 lists under conv2_x) and every layer after the last one, as groups
    #: with their totals; ``None`` for a network without blocks. The block-level table and
    #: diagram show these; the ``stages`` list keeps the paper's conv1 and fc.
    stem: Stage | None = None
    head: Stage | None = None
    #: The transitions between blocks (weighted layers that lead from one block to the next
    #: in no block, with what runs after them on that way), each as a group with its totals,
    #: named after the stage it starts; their layers have the role ``transition``.
    transitions: list[Stage] = field(default_factory=list)
    #: The forward adds the input's channel axis itself (``x.unsqueeze(1)``): the model takes
    #: N×L (N×H×W), and its layers see N×1×L (see :mod:`resnet_explain.trace.channelaxis`).
    channel_axis_added: bool = False
    #: Where the downsampling Bottlenecks have their stride (``None`` without one).
    layout: Layout | None = None
    #: The language of every text this Architecture makes (``explain(..., lang="zh")``);
    #: ``None``: the language in force when the text is made (:mod:`resnet_explain.i18n`).
    language: str | None = None

    def __post_init__(self) -> None:
        self._link()

    def _link(self) -> None:
        """Give each layer, block and stage a weak link to this Architecture (:class:`_Owned`)."""
        link = weakref.ref(self)
        for item in (*self.layers, *self.blocks, *self.stages, *self.transitions):
            object.__setattr__(item, "_arch", link)

    def __setstate__(self, state: dict[str, Any]) -> None:  # a copy or an unpickled one
        self.__dict__.update(state)
        self._link()

    # --- derived numbers -------------------------------------------------------------
    @property
    def input_map(self) -> Shape:
        """The input as the layers see it, N×C then the spatial axes (``input_shape``, with
        the channel axis of 1 that the forward adds where it adds one)."""
        return with_channel_axis(self.input_shape, self.channel_axis_added)

    @property
    def spatial_dims(self) -> int:
        """How many spatial axes the input has: 1 for a signal, 2 for an image, 3 for a
        clip, 0 for features."""
        return max(len(self.input_map) - 2, 0)

    @property
    @_in_own_language
    def depth_formula(self) -> str:
        """``"34 = 1 + 2×(3+4+6+3) + 1"``: the depth and the sum it comes from."""
        return str(self.depth_terms)

    @property
    @_in_own_language
    def warnings(self) -> list[str]:
        """The problems found (a size the formula does not give, a bias that BatchNorm
        cancels …), one sentence each, in the order they were found."""
        return [finding.text for finding in self.findings if finding.severity == "warning"]

    @property
    @_in_own_language
    def notes(self) -> list[str]:
        """Remarks on reading the numbers (the paper's figures beside the computed ones, why
        the name's depth differs, how the model was built), one sentence each."""
        return [finding.text for finding in self.findings if finding.severity == "note"]

    def layer_warnings(self) -> dict[int, list[Finding]]:
        """The warnings about each layer, by layer index: every call of a layer a warning
        names (``Finding.layers``), for the views that mark a warning on its row."""
        warnings = [f for f in self.findings if f.severity == "warning" and f.layers]
        if not warnings:
            return {}
        by_name: dict[str, list[int]] = {}
        for layer in self.layers:
            by_name.setdefault(layer.name, []).append(layer.index)
        marked: dict[int, list[Finding]] = {}
        for finding in warnings:
            for name in finding.layers:
                for index in by_name.get(name, ()):
                    marked.setdefault(index, []).append(finding)
        return marked

    @property
    def macs_per_image(self) -> int:
        """Multiply-adds of one input: ``macs`` is for the traced batch."""
        return self.macs // self.batch_size if self.batch_size else self.macs

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def batch_size(self) -> int:
        return self.input_shape[0]

    @property
    def branch_adds(self) -> list[Layer]:
        """The adds that join two traced branches: where residual blocks are looked for. One
        is a block only when it is ``x + F(x)`` of the block's whole input (see ``blocks``)."""
        return [layer for layer in self.layers if joins_two_branches(layer)]

    def no_blocks_reason(self) -> str:
        """Why a network has no residual blocks, in words (for the views)."""
        from .i18n import _, ngettext

        adds = len(self.branch_adds)
        if not adds:
            return _("no two branches are added anywhere")
        return ngettext("an add joins two branches, but none is x + F(x) of a block's whole "
                        "input", "{n} adds join two branches, but none is x + F(x) of a "
                        "block's whole input", adds)

    @property
    def formula_mismatches(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.size_checks and not layer.formula_ok]

    def layer(self, name: str, call: int = 0) -> Layer:
        """The ``call``-th call of the layer named ``name`` (a module called twice, a shared
        ReLU, has calls 0 and 1); the error names the calls it has, or names like it."""
        calls: set[int] = set()
        for layer in self.layers:
            if layer.name == name:
                if layer.call == call:
                    return layer
                calls.add(layer.call)
        if calls:  # counted from 0 here, from 1 in the tables ("(call 2)" is call=1)
            runs = max(calls) + 1
            has = "it is call=0" if runs == 1 else (
                f"call=0 to call={runs - 1}, counted from 0 (a table's \"(call {runs})\" "
                f"is call={runs - 1})")
            raise KeyError(f"{name} runs {'once' if runs == 1 else f'{runs} times'}: {has}; "
                           f"not call={call}")
        names = list(dict.fromkeys(layer.name for layer in self.layers))
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else \
            f"; layers are e.g. {', '.join(names[:4])}"
        raise KeyError(f"no layer named {name!r}{hint}")

    def block_runs(self) -> list[list[Block]]:
        """The blocks in order, grouped into runs of identical consecutive blocks."""
        runs: list[list[Block]] = []
        for block in self.blocks:
            if runs and runs[-1][-1].signature == block.signature:
                runs[-1].append(block)
            else:
                runs.append([block])
        return runs

    def block(self, name: str) -> Block:
        """A block by module name (``layer3.0``) or paper name (``conv4_1``)."""
        for block in self.blocks:
            if name in (block.name, block.paper_name):
                return block
        known = ", ".join(b.name for b in self.blocks[:6])
        raise KeyError(f"no block named {name!r}; blocks are e.g. {known}")

    # --- views -----------------------------------------------------------------------
    @_in_own_language
    def to_dict(self) -> dict[str, Any]:
        from .render.jsonview import to_dict

        return to_dict(self)

    @_in_own_language
    def to_json(self, indent: int = 2) -> str:
        from .render.jsonview import to_json

        return to_json(self, indent=indent)

    @_in_own_language
    def table(self, format: str = "text", depth: str = "layer",
              width: int | None = None) -> str:
        """The summary table as ``text``, ``markdown``, ``html``, ``json`` or ``csv``: a
        ``str`` that Jupyter displays in its format (Markdown rendered, …). ``width``: the
        text fits that many columns (``arch.table(width=80)``; columns fold under their row,
        nothing is left out); ``None``, the default, has no limit, as ``print(arch)``."""
        from .render import render
        from .render.display import Rendered

        return Rendered(render(self, format=format, depth=depth, width=width), format)

    @_in_own_language
    def __str__(self) -> str:
        return str(self.table("text"))

    @_in_own_language
    def __repr__(self) -> str:
        from .render.display import architecture_repr

        return architecture_repr(self)

    @_in_own_language
    def _repr_html_(self) -> str:
        """Jupyter's view: a card, then the collapsible stage → block → layer tree."""
        from .render.notebook import architecture_html

        return architecture_html(self)

    @_in_own_language
    def plot(self, kind: str = "stages") -> Figure:
        """A matplotlib Figure: ``stages``, ``cost``, ``blocks`` or ``receptive-field``
        (see :mod:`resnet_explain.plots`; needs the ``plot`` extra)."""
        from .plots import plot

        return plot(self, kind)

    @_in_own_language
    def report(self, path: str | Path) -> Path:
        """Write the one-file HTML report (card, tree, Table 1, diagrams, plots) to ``path``
        (see :mod:`resnet_explain.report`) and return its path."""
        from .report import write_report

        return write_report(self, path)

    @_in_own_language
    @_in_own_language
    def exercises(self, n: int = 6, seed: int = 0, *, kinds: Sequence[str] | None = None,
                  other: Architecture | None = None) -> Exercises:
        """``n`` exercises whose answers this trace holds, chosen by ``seed`` (the same
        seed, the same exercises); ``other``: this network in the other Bottleneck layout,
        for the v1-vs-v1.5 question (see :mod:`resnet_explain.exercises`)."""
        from .exercises import make_exercises

        return make_exercises(self, n=n, seed=seed, kinds=kinds, other=other)

    @_in_own_language
    def compare(self, reference: Any = None, *, allow: Sequence[str] = ()) -> Comparison:
        """This model against ``reference`` (a zoo name, a spec, an ``nn.Module`` or an
        Architecture; ``None``: the nearest zoo model), see :mod:`resnet_explain.compare`."""
        from .compare import compare

        return compare(self, reference, allow=allow)

    @_in_own_language
    def diagram(self, level: str = "stage", **options: Any) -> graphviz.Digraph:
        """A Graphviz diagram of the network (``stage``, ``block`` or ``layer`` level)."""
        from .diagram import diagram

        return diagram(self, level=level, **options)
