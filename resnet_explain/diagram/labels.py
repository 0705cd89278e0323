"""The words on the diagrams, read from the Architecture (never re-derived from the model).

Labels are Graphviz HTML-like labels (``<…>``): a first line saying what the layer is
("conv 3×3, 128, stride 2, pad 1") and a smaller second line with the output shape
("→ 128×28×28": C×H×W, as the tables write it). Everything user-supplied (module names) is escaped.

This module imports nothing from graphviz or torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..architecture import (
    ACTIVATION,
    ADAPTIVE_POOL,
    BATCH_NORM,
    NORM,
    POOL,
    Architecture,
    Block,
    BlockFamily,
    Layer,
    Pooling,
    Shape,
)
from ..i18n import N_, _, translated
from ..notation import dims
from . import style

_SHORT_NAMES = {"relu": "ReLU", "relu6": "ReLU6", "gelu": "GELU", "silu": "SiLU",
                "sigmoid": "sigmoid", "flatten": "flatten", "view": "view",
                "reshape": "reshape", "mean": "mean", "cat": "concat", "mul": "×",
                "pad": "pad", "dropout": "dropout", "batch_norm": "BN"}


def escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def shape_text(shape: Shape | None) -> str:
    """``(1, 128, 28, 28)`` → ``128×28×28``: C×H×W without the batch, the convention of
    every table and the notebook tree, so a student reads one order everywhere;
    ``(1, 1000)`` → ``1000``."""
    if not shape:
        return "?"
    return dims(shape[1:]) or "scalar"


def _pair(values: Sequence[int] | None, default: int = 1) -> str:
    if not values:
        return str(default)
    if len(set(values)) == 1:
        return str(values[0])
    return dims(values)


def _kernel(values: Sequence[int] | None) -> str:
    if not values:
        return "?"
    if len(values) == 1:
        return f"{values[0]}"
    return dims(values)


def _first(values: Sequence[int] | None, default: int = 1) -> int:
    return max(values) if values else default


_STYLE_KINDS = {BATCH_NORM: "norm", NORM: "norm", ACTIVATION: "act", POOL: "pool",
                ADAPTIVE_POOL: "pool"}


def layer_kind(layer: Layer) -> str:
    """``weighted`` (conv, fc), ``norm``, ``act``, ``pool``, ``add`` or ``other`` — for styling.

    Read from ``Layer.kind``, which the trace decided by the module's base class."""
    if layer.is_op and layer.type == "add":
        return "add"
    if layer.weighted:
        return "weighted"
    return _STYLE_KINDS.get(layer.kind, "other")


def is_conv(layer: Layer) -> bool:
    return layer.weighted and layer.kernel_size is not None


#: The pooling titles, by (kind of window, pooling): whole templates, so a language puts
#: the words in its own order.
_POOL_TITLES = {
    ("window", Pooling.MAX): N_("max pool {kernel}, stride {stride}, pad {pad}"),
    ("window", Pooling.AVG): N_("avg pool {kernel}, stride {stride}, pad {pad}"),
    ("global", Pooling.MAX): N_("global max pool"),
    ("global", Pooling.AVG): N_("global avg pool"),
    ("adaptive", Pooling.MAX): N_("adaptive max pool"),
    ("adaptive", Pooling.AVG): N_("adaptive avg pool"),
}


def stride_words(layer: Layer) -> str:
    """``stride 2`` (Chinese ``步距 2``): the part of a title that a label sets in bold."""
    return _("stride {stride}", stride=_pair(layer.stride))


def layer_title(layer: Layer) -> str:
    """What the layer is: ``conv 3×3, 128, stride 2, pad 1``, ``BN``, ``ReLU``, ``+``, …
    (in the current language: ``卷积 3×3，128，步距 2，填充 1``)."""
    kind = layer_kind(layer)
    low = layer.type.lower()
    if kind == "add":
        return "+"
    if is_conv(layer):
        text = _("conv {kernel}, {channels}, stride {stride}, pad {pad}",
                 kernel=_kernel(layer.kernel_size), channels=layer.out_channels,
                 stride=_pair(layer.stride), pad=_pair(layer.padding, 0))
        if layer.dilation and _first(layer.dilation) != 1:
            text += _(", dilation {dilation}", dilation=_pair(layer.dilation))
        if layer.groups and layer.groups != 1:
            text += _(", groups {groups}", groups=layer.groups)
        return text
    if layer.weighted:
        return _("fc, {inputs} → {outputs}", inputs=layer.in_channels,
                 outputs=layer.out_channels)
    pooling = Pooling.MAX if layer.pooling == Pooling.MAX else Pooling.AVG
    if kind == "pool" and layer.kernel_size:
        return translated(_POOL_TITLES["window", pooling], kernel=_kernel(layer.kernel_size),
                          stride=_pair(layer.stride), pad=_pair(layer.padding, 0))
    if layer.kind == ADAPTIVE_POOL:
        spatial = layer.output_shape[2:]
        window = "global" if spatial and set(spatial) == {1} else "adaptive"
        return translated(_POOL_TITLES[window, pooling])
    if layer.kind == BATCH_NORM:
        return "BN"
    return _SHORT_NAMES.get(low, layer.type)


def detail_line(text: str, size: int = style.SIZE_DETAIL, colour: str = style.MUTED) -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{colour}">{escape(text)}</FONT>'


def layer_label(layer: Layer, *, name: bool = True, note: str | None = None) -> str:
    """HTML label of a layer node: what it is, then ``→ output shape`` (and its module name)."""
    kind = layer_kind(layer)
    if kind == "add":
        return "<+>"
    title = escape(layer_title(layer))
    stride = _first(layer.stride) if layer.kernel_size else 1
    if stride > 1:  # downsampling is done by stride: make it stand out
        marked = escape(stride_words(layer))
        title = title.replace(marked, f"<B>{marked}</B>", 1)
    detail = f"→ {shape_text(layer.output_shape)}"
    lines = [title]
    if kind == "act":  # small nodes: one line
        return f"<{title}>"
    if name and layer.name:
        detail = f"{detail}   {layer.name}"
    lines.append(detail_line(detail))
    if note:
        lines.append(detail_line(note, colour=style.ROLE_COLOURS["shortcut"][1]))
    return "<" + "<BR/>".join(lines) + ">"


def conv_recipe(layer: Layer) -> str:
    """The paper's Table 1 notation for one conv: ``3×3, 128`` (``/2`` when strided)."""
    if not is_conv(layer):
        return _("fc {outputs}", outputs=layer.out_channels) if layer.weighted \
            else layer_title(layer)
    text = f"{_kernel(layer.kernel_size)}, {layer.out_channels}"
    if _first(layer.stride) > 1:
        text += f", /{_first(layer.stride)}"
    return text


def weighted(arch: Architecture, indices: Iterable[int]) -> list[Layer]:
    return [arch.layers[i] for i in indices if arch.layers[i].weighted]


def block_recipe(arch: Architecture, block: Block) -> list[str]:
    """The main path's convolutions in Table 1 notation, in call order."""
    return [conv_recipe(layer) for layer in weighted(arch, block.main_layers)]


_FAMILY_NAMES = {BlockFamily.BASIC: "BasicBlock", BlockFamily.BOTTLENECK: "Bottleneck"}


def family_name(block: Block) -> str:
    """``BasicBlock``, ``Bottleneck`` or ``block``, from the analysis's ``Block.family``."""
    return _FAMILY_NAMES.get(block.family, "block")


def shortcut_text(arch: Architecture, block: Block) -> str:
    """``identity``, ``projection 1×1, 256, /2`` or ``option A: zero-pad 64→128, /2``."""
    if block.kind == "projection":
        parts = [conv_recipe(layer) for layer in weighted(arch, block.shortcut_layers)]
        return _("projection {convs}", convs=" · ".join(parts))
    if block.kind == "padded":
        c_in, c_out = block.input_shape[1], block.output_shape[1]
        if block.stride > 1:
            return _("option A: zero-pad {before}→{after}, /{stride}", before=c_in,
                     after=c_out, stride=block.stride)
        return _("option A: zero-pad {before}→{after}", before=c_in, after=c_out)
    return _("identity")


def padded_note(block: Block) -> str:
    """What an option-A shortcut does, from the block's shapes."""
    c_in, c_out = block.input_shape[1], block.output_shape[1]
    subsample, pad = block.stride > 1, c_out != c_in
    if subsample and pad:
        return _("option A: subsample /{stride}, zero-pad channels {before}→{after}, "
                 "no parameters", stride=block.stride, before=c_in, after=c_out)
    if subsample:
        return _("option A: subsample /{stride}, no parameters", stride=block.stride)
    if pad:
        return _("option A: zero-pad channels {before}→{after}, no parameters", before=c_in,
                 after=c_out)
    return _("option A: identity, no parameters")


def block_caption(block: Block) -> str:
    """``conv3_1 · layer2.0`` (the paper's name and the module's, when they differ)."""
    if block.name and block.name != block.paper_name:
        return f"{block.paper_name} · {block.name}"
    return block.paper_name
