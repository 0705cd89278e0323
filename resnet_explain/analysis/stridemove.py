"""v1 against v1.5: where a downsampling Bottleneck's extra multiply-adds come from.

The paper (v1) puts the stride 2 of a downsampling Bottleneck on its first 1×1 conv;
torchvision (v1.5) puts it on the 3×3. :func:`compare_layouts` pairs the main-path convs of
the downsampling Bottlenecks of two traced Architectures, one in each layout, and reads each
conv's multiply-adds from its traced layer; :func:`v1_from_trace` derives the v1 side from a
v1.5 trace alone, by the output-size formula (for the summary's note, which traces one
model). Every sentence it says (:meth:`LayoutCost.sentences`) is made from those numbers:
which convs cost more in v1.5 and on what map they run, which cost the same, the extra per
block and in all, and why v1.5 is more accurate (a 1×1 conv with stride s reads one input
position in s·s: it never reads the others).

>>> from resnet_explain import explain
>>> from resnet_explain.analysis.stridemove import compare_layouts
>>> print(compare_layouts(explain("resnet50-v1"), explain("resnet50")))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UserError
from ..i18n import N_, _, join, speaking, translated
from ..notation import dims, dims_or_one
from ..textwidth import ljust, rjust, width

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Layer


def _size(shape: tuple[int, ...] | None) -> str:
    return dims((shape or ())[2:])


@dataclass(frozen=True)
class ConvCost:
    """One main-path conv of a downsampling Bottleneck in both layouts (v1 first)."""

    name: str  # relative to the block: "conv1"
    kernel: str  # "1×1"
    macs: tuple[int, int]  # multiply-adds per image, v1 and v1.5
    maps: tuple[str, str]  # the output map it computes, v1 and v1.5: "28×28", "56×56"
    strides: tuple[tuple[int, ...], tuple[int, ...]]  # the conv's stride, v1 and v1.5
    kernel_size: tuple[int, ...] = ()

    @property
    def extra(self) -> int:
        """What v1.5 costs more (negative: less) in this conv."""
        return self.macs[1] - self.macs[0]


@dataclass(frozen=True)
class BlockCost:
    """One downsampling Bottleneck (``conv3_1``) in both layouts."""

    block: str  # the paper's name
    input_map: str  # the block's input map, "56×56"
    output_map: str  # its output map, "28×28"
    convs: tuple[ConvCost, ...]

    @property
    def extra(self) -> int:
        return sum(conv.extra for conv in self.convs)


@dataclass(frozen=True)
class LayoutCost:
    """The downsampling Bottlenecks of a v1 and a v1.5 trace of one network, paired."""

    v1: str  # the models' names
    v15: str
    blocks: tuple[BlockCost, ...]
    total_macs: tuple[int, int]  # the whole network's multiply-adds per image, v1 and v1.5
    #: The language of its text: its traces' (``explain(..., lang="zh")``), else the one in
    #: force when the text is made.
    language: str | None = None

    @property
    def extra(self) -> int:
        """The extra multiply-adds of all the downsampling blocks together."""
        return sum(block.extra for block in self.blocks)

    def sentences(self) -> list[str]:
        """Where the extra cost sits and why v1.5 is more accurate, made from the numbers."""
        with speaking(self.language):
            return self._sentences()

    def _sentences(self) -> list[str]:
        first = self.blocks[0]
        costlier = [c for c in first.convs if c.extra > 0]
        same = [c for c in first.convs if c.extra == 0]
        cheaper = [c for c in first.convs if c.extra < 0]
        said: list[str] = []
        for conv in costlier:
            values = {"model": self.v15, "block": first.block, "kernel": conv.kernel,
                      "conv": conv.name, "v15_map": conv.maps[1], "v1_map": conv.maps[0],
                      "before": f"{conv.macs[0]:,}", "after": f"{conv.macs[1]:,}",
                      "extra": f"+{conv.extra:,}"}
            if conv.maps[1] == first.input_map:
                said.append(_("In {model}'s {block}, v1.5's extra cost is its {kernel} conv "
                              "{conv}, which runs on the block's full {input_map} input map: "
                              "its output is {v15_map} instead of {v1_map}, and its "
                              "multiply-adds go from {before} to {after} ({extra}).",
                              input_map=first.input_map, **values))
            else:
                said.append(_("In {model}'s {block}, v1.5's extra cost is its {kernel} conv "
                              "{conv}, which computes a {v15_map} map: its output is {v15_map} "
                              "instead of {v1_map}, and its multiply-adds go from {before} to "
                              "{after} ({extra}).", **values))
        for conv in cheaper:
            said.append(_("Its {kernel} conv {conv} costs less in v1.5: {before} → {after}.",
                          kernel=conv.kernel, conv=conv.name, before=f"{conv.macs[0]:,}",
                          after=f"{conv.macs[1]:,}"))
        if same:
            parts = [_("the {kernel} conv {conv} costs {macs} (its output is {map} either way)",
                       kernel=c.kernel, conv=c.name, macs=f"{c.macs[0]:,}", map=c.maps[0])
                     if c.maps[0] == c.maps[1] else
                     _("the {kernel} conv {conv} costs {macs}", kernel=c.kernel, conv=c.name,
                       macs=f"{c.macs[0]:,}") for c in same]
            said.append(_("In both layouts {costs}.", costs=join(parts)))
        names = join([block.block for block in self.blocks])
        extras = {block.extra for block in self.blocks}
        each = (_("{extra} in each of {blocks}", extra=f"+{extras.pop():,}", blocks=names)
                if len(extras) == 1
                else _("; ").join(_("{extra} in {block}", extra=f"+{b.extra:,}", block=b.block)
                                  for b in self.blocks))
        difference = self.total_macs[1] - self.total_macs[0]
        totals = {"each": each, "extra": f"{self.extra:+,}", "v1": self.v1, "v15": self.v15,
                  "v1_total": _giga(self.total_macs[0]), "v15_total": _giga(self.total_macs[1])}
        if difference == self.extra:
            said.append(_("Per downsampling block that is {each}: {extra} in all, the whole "
                          "difference between {v1} and {v15} ({v1_total} G against {v15_total} "
                          "G per image).", **totals))
        else:
            said.append(_("Per downsampling block that is {each}: {extra} in all, of a "
                          "difference of {difference} between {v1} and {v15} ({v1_total} G "
                          "against {v15_total} G per image).", difference=f"{difference:+,}",
                          **totals))
        said.extend(_skipped(first))
        return said

    def __str__(self) -> str:
        with speaking(self.language):
            head = [translated(title) for title in _COLUMNS]
        cells = [[block.block, conv.name, conv.kernel, conv.maps[0], conv.maps[1],
                  f"{conv.macs[0]:,}", f"{conv.macs[1]:,}", f"{conv.extra:+,}"]
                 for block in self.blocks for conv in block.convs]
        widths = [max(least, *(width(row[i]) for row in (head, *cells)))
                  for i, least in enumerate(_LEAST)]
        rows = [" ".join(ljust(text, size) if i < 3 else rjust(text, size)
                         for i, (text, size) in enumerate(zip(row, widths)))
                for row in (head, *cells)]
        return "\n".join([*rows, "", *self.sentences()])

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]


#: The columns of :meth:`LayoutCost.__str__`'s table.
_COLUMNS = (N_("block name"), N_("conv"), N_("kernel"), N_("v1 map"), N_("v1.5 map"),
            N_("v1 mult-adds"), N_("v1.5 mult-adds"), N_("v1.5 − v1"))
#: The least width of each column (a wider title or value widens it).
_LEAST = (8, 6, 6, 8, 8, 14, 14, 12)


def _giga(macs: int) -> str:
    return f"{macs / 1e9:.2f}"


def _skipped(block: BlockCost) -> list[str]:
    """Why v1.5 is more accurate: v1's strided 1×1 conv leaves input positions unread,
    while v1.5's strided conv, whose kernel is no smaller than its stride, reads them all."""
    v1 = next((c for c in block.convs if max(c.strides[0]) > 1), None)
    v15 = next((c for c in block.convs if max(c.strides[1]) > 1), None)
    if v1 is None or v15 is None or set(v1.kernel_size) != {1}:
        return []
    every = math.prod(v1.strides[0])
    values = {"v1_kernel": v1.kernel, "v1_conv": v1.name,
              "v1_stride": dims_or_one(v1.strides[0]), "unread": every - 1, "every": every,
              "input_map": block.input_map}
    if all(k >= s for k, s in zip(v15.kernel_size, v15.strides[1])):
        return [_("v1.5 is the more accurate layout: v1's {v1_kernel} conv {v1_conv} with "
                  "stride {v1_stride} never reads {unread} of every {every} positions of the "
                  "{input_map} map it is given, while v1.5's {v15_kernel} conv {v15_conv} with "
                  "stride {v15_stride} has windows that cover every position.",
                  v15_kernel=v15.kernel, v15_conv=v15.name,
                  v15_stride=dims_or_one(v15.strides[1]), **values)]
    return [_("v1.5 is the more accurate layout: v1's {v1_kernel} conv {v1_conv} with stride "
              "{v1_stride} never reads {unread} of every {every} positions of the {input_map} "
              "map it is given.", **values)]


# --- pairing the two traces ------------------------------------------------------------------
def _downsampling(arch: Architecture) -> list[Block]:
    return [b for b in arch.blocks if b.family == "bottleneck" and b.strided_layers]


def _convs(arch: Architecture, block: Block) -> list[Layer]:
    return [arch.layers[i] for i in block.main_layers
            if arch.layers[i].weighted and arch.layers[i].kernel_size]


def _relative(name: str, block: str) -> str:
    return name[len(block) + 1:] if name.startswith(block + ".") else name


def compare_layouts(first: Architecture, second: Architecture) -> LayoutCost:
    """The downsampling Bottlenecks of ``first`` and ``second``, one traced in the v1 layout
    and one in v1.5 (either order), paired block by block and conv by conv.

    Raises :class:`UserError` when they are not one network in the two layouts.
    """
    found = {first.layout: first, second.layout: second}
    if set(found) != {"v1", "v1.5"}:
        raise UserError(
            f"{first.model} and {second.model} are not one Bottleneck network in the v1 and "
            f"the v1.5 layout (found {first.layout} and {second.layout})",
            'Compare two traces of one network, e.g. explain("resnet50-v1") and '
            'explain("resnet50")')
    v1, v15 = found["v1"], found["v1.5"]
    pairs = list(zip(_downsampling(v1), _downsampling(v15)))
    blocks = []
    for old, new in pairs:
        convs_old, convs_new = _convs(v1, old), _convs(v15, new)
        if (old.paper_name != new.paper_name or len(convs_old) != len(convs_new)
                or old.input_shape != new.input_shape or old.output_shape != new.output_shape):
            raise UserError(f"{v1.model}'s {old.paper_name} and {v15.model}'s "
                            f"{new.paper_name} are not the same block in two layouts",
                            "Compare two traces of one network at one input size")
        convs = tuple(
            ConvCost(name=_relative(a.name, old.name),
                     kernel=dims(a.kernel_size or ()),
                     macs=(a.macs // v1.batch_size, b.macs // v15.batch_size),
                     maps=(_size(a.output_shape), _size(b.output_shape)),
                     strides=(tuple(a.stride or (1,)), tuple(b.stride or (1,))),
                     kernel_size=tuple(a.kernel_size or ()))
            for a, b in zip(convs_old, convs_new))
        blocks.append(BlockCost(block=old.paper_name, input_map=_size(old.input_shape),
                                output_map=_size(old.output_shape), convs=convs))
    if not blocks or len(_downsampling(v1)) != len(_downsampling(v15)):
        raise UserError(f"{v1.model} and {v15.model} do not have the same downsampling "
                        "Bottlenecks", "Compare two traces of one network")
    return LayoutCost(v1=v1.model, v15=v15.model, blocks=tuple(blocks),
                      total_macs=(v1.macs // v1.batch_size, v15.macs // v15.batch_size),
                      language=first.language or second.language)


def v1_from_trace(v15: Architecture) -> LayoutCost | None:
    """The v1.5 network ``v15`` against its v1 twin, the twin's side derived, not traced.

    Moving the stride changes only the first 1×1 conv: in v1 it runs with the block's stride
    (K = 1, P = 0: ⌊(in − 1)/S⌋ + 1 per axis) where v1.5 runs it on the full map; the 3×3
    that takes the stride in v1.5 (K = 2P + 1) gives the same size as v1's stride-1 3×3 on
    the halved map, so it and every later layer cost the same in both. ``None`` where
    ``v15`` is not v1.5 or a downsampling block is not of that shape (the derivation would not
    hold); tests/test_findings.py checks the result against a trace of the v1 model."""
    if v15.layout != "v1.5":
        return None
    batch = v15.batch_size
    blocks = []
    for block in _downsampling(v15):
        convs = _convs(v15, block)
        strided = v15.layers[block.strided_layers[0]]
        if (len(convs) < 2 or strided is not convs[1] or set(convs[0].kernel_size or ()) != {1}
                or any(s != 1 for s in convs[0].stride or ())
                or any(k != 2 * p + 1 for k, p in zip(strided.kernel_size or (),
                                                       strided.padding or (), strict=False))):
            return None
        stride = tuple(strided.stride or ())
        full = convs[0].output_shape[2:]
        if len(stride) != len(full):
            return None
        half = tuple((size - 1) // s + 1 for size, s in zip(full, stride, strict=True))
        costs = []
        for number, layer in enumerate(convs):
            macs = layer.macs // batch
            if number == 0:  # v1's stride: the same conv on the halved map
                v1 = (macs * math.prod(half) // math.prod(full), dims(half),
                      stride)
            elif layer is strided:
                v1 = (macs, _size(layer.output_shape), (1,) * len(stride))
            else:
                v1 = (macs, _size(layer.output_shape), tuple(layer.stride or (1,)))
            costs.append(ConvCost(
                name=_relative(layer.name, block.name),
                kernel=dims(layer.kernel_size or ()), macs=(v1[0], macs),
                maps=(v1[1], _size(layer.output_shape)),
                strides=(v1[2], tuple(layer.stride or (1,))),
                kernel_size=tuple(layer.kernel_size or ())))
        blocks.append(BlockCost(block=block.paper_name, input_map=_size(block.input_shape),
                                output_map=_size(block.output_shape), convs=tuple(costs)))
    if not blocks:
        return None
    extra = sum(block.extra for block in blocks)  # the whole difference: only these convs
    return LayoutCost(v1=f"{v15.model} in v1", v15=v15.model, blocks=tuple(blocks),
                      total_macs=(v15.macs_per_image - extra, v15.macs_per_image))

