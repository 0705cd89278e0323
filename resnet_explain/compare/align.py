"""Align a model with its reference by structure, and record where they differ.

Never by names: stem to stem, stage to stage and block to block in order, layer to layer
within a block by role and position (the main path in call order, the shortcut, what follows
the add), head to head. Within each of these the layers are matched by their kinds (conv,
BatchNorm, activation, pool …) with a longest-common-subsequence alignment, so a layer one
side lacks shows up as one missing or extra layer and the rest still pair up. Layers that
do nothing to the structure (an ``add``, an ``nn.Identity``, a flatten, a dropout) are not
aligned.

The result is one :class:`~.differences.Difference` per place; :mod:`.engine` merges the
same difference in several places into one record.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from ..architecture import (
    ACTIVATION,
    ADAPTIVE_POOL,
    BATCH_NORM,
    CONV,
    LINEAR,
    NORM,
    OTHER,
    POOL,
    RESHAPE,
    Architecture,
    Block,
    Layer,
    ShortcutKind,
    StageKind,
)
from ..i18n import _, translated
from ..notation import dims
from ..words import word
from .differences import Difference

Pair = tuple[Layer | None, Layer | None]


def sizes(values: Sequence[int] | None) -> str | None:
    """A kernel as ``"3×3"`` (``(3, 3)``; ``"3"`` for a 1-D one)."""
    return None if values is None else dims(values)


def number(values: Sequence[int] | None) -> int | str | None:
    """A stride, padding or dilation: one number when it is the same along every axis
    (``(1, 1)`` → ``1``), else ``"2×1"``."""
    if values is None:
        return None
    return values[0] if len(set(values)) == 1 else dims(values)


def describe(layer: Layer | None) -> str | None:
    """A layer in a few words: ``Conv2d 3×3, stride 2, 64→128``, ``ReLU``, ``MaxPool2d 3×3``."""
    if layer is None:
        return None
    if layer.kind == CONV:
        return _("{type} {kernel}, stride {stride}, {before}→{after}", type=layer.type,
                 kernel=sizes(layer.kernel_size), stride=number(layer.stride),
                 before=layer.in_channels, after=layer.out_channels)
    if layer.kind == LINEAR:
        return f"{layer.type} {layer.in_channels}→{layer.out_channels}"
    if layer.kind == POOL:
        return _("{type} {kernel}, stride {stride}", type=layer.type,
                 kernel=sizes(layer.kernel_size), stride=number(layer.stride))
    if layer.kind == ADAPTIVE_POOL and _global(layer):
        if layer.pooling:
            return _("global {kind} pool", kind=translated(str(layer.pooling)))
        return _("global pool")
    return layer.type


def _global(layer: Layer) -> bool:
    return len(layer.output_shape) > 2 and all(s == 1 for s in layer.output_shape[2:])


def _activation_name(layer: Layer) -> str:
    """``relu`` for ``nn.ReLU``, ``F.relu`` and ``relu_`` alike."""
    return layer.type.lower().rstrip("_")


def _kept(layer: Layer) -> bool:
    """Whether a layer takes part in the alignment (see the module's docstring)."""
    return layer.kind not in (OTHER, RESHAPE) or layer.params > 0


def _token(layer: Layer) -> str:
    return "norm" if layer.kind in (BATCH_NORM, NORM) else \
        "pool" if layer.kind in (POOL, ADAPTIVE_POOL) else str(layer.kind)


def align(yours: Sequence[Layer], reference: Sequence[Layer]) -> list[Pair]:
    """Pairs of layers in order; ``(layer, None)`` where the reference has none, and the
    reverse."""
    matcher = SequenceMatcher(None, [_token(x) for x in yours], [_token(x) for x in reference],
                              autojunk=False)
    pairs: list[Pair] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(yours[i1:i2], reference[j1:j2], strict=True))
        else:
            pairs.extend((layer, None) for layer in yours[i1:i2])
            pairs.extend((None, layer) for layer in reference[j1:j2])
    return pairs


def _spatial(shape: Sequence[int] | None) -> tuple[int, ...]:
    return tuple(shape[2:]) if shape is not None and len(shape) > 2 else ()


def _map(shape: Sequence[int] | None) -> str:
    return dims(_spatial(shape))


class Aligner:
    """Walks both Architectures once and collects the differences (``records``)."""

    def __init__(self, yours: Architecture, reference: Architecture) -> None:
        self.a, self.b = yours, reference
        self.records: list[Difference] = []
        self.pairs: list[tuple[Layer | None, Layer | None, str]] = []
        self._until: list[tuple[Difference, int]] = []  # records whose map_until is open
        # The first convolutions, which read the input: their in_channels are the input's.
        self._first = (next((x for x in yours.layers if x.kind == CONV), None),
                       next((x for x in reference.layers if x.kind == CONV), None))
        self._input_said = False

    # --- the walk ------------------------------------------------------------------------
    def run(self) -> list[Difference]:
        a_stem, b_stem = self._stage_layers(self.a, "stem"), self._stage_layers(self.b, "stem")
        self._sequence(a_stem, b_stem, region="stem")
        self._stages()
        self._head()
        if not self._input_said:  # the first convolutions were not paired with each other
            self._input_channels()
        self._close_maps()
        return self.records

    @staticmethod
    def _stage_layers(arch: Architecture, which: str) -> list[Layer]:
        stage = arch.stem if which == "stem" else arch.head
        if stage is None:
            return []
        return [arch.layers[i] for i in stage.layers if _kept(arch.layers[i])]

    def _paper(self, layer: Layer, arch: Architecture) -> str:
        if layer.block is not None:
            return arch.block(layer.block).paper_name
        return layer.stage

    def _add(self, record: Difference, under: Difference | None = None) -> Difference:
        (under.follows if under is not None else self.records).append(record)
        return record

    def _per_image(self, macs: int, arch: Architecture) -> int:
        return macs // max(arch.batch_size, 1)

    def _macs_delta(self, a_macs: int, b_macs: int) -> int:
        return self._per_image(a_macs, self.a) - self._per_image(b_macs, self.b)

    def _own_macs(self, in_a: Sequence[int] | None, in_b: Sequence[int] | None, a_macs: int,
                  b_macs: int) -> int:
        """The multiply-adds a difference itself changes: none where the inputs already
        differ (that change belongs to an earlier difference)."""
        same = in_a is not None and in_b is not None and tuple(in_a[1:]) == tuple(in_b[1:])
        return self._macs_delta(a_macs, b_macs) if same else 0

    # --- input, stem, head -----------------------------------------------------------------
    def _input_channels(self) -> None:
        first_a = next((x for x in self.a.layers if x.kind == CONV), None)
        first_b = next((x for x in self.b.layers if x.kind == CONV), None)
        if first_a is None or first_b is None or first_a.in_channels == first_b.in_channels:
            return
        self._add(Difference(
            "input_channels", first_a.name, self._paper(first_a, self.a), first_a.in_channels,
            first_b.in_channels, lesson="input_channels",
            params_delta=first_a.params - first_b.params,
            macs_delta=self._macs_delta(first_a.macs, first_b.macs)))

    def _head(self) -> None:
        a_head, b_head = self._stage_layers(self.a, "head"), self._stage_layers(self.b, "head")
        a_pool = next((x for x in a_head if x.kind in (POOL, ADAPTIVE_POOL)), None)
        b_pool = next((x for x in b_head if x.kind in (POOL, ADAPTIVE_POOL)), None)
        a_fc = [x for x in a_head if x.kind == LINEAR]
        b_fc = [x for x in b_head if x.kind == LINEAR]
        pool_record = None
        if describe(a_pool) != describe(b_pool):
            where = a_pool.name if a_pool is not None else (a_fc[0].name if a_fc else "head")
            channels = b_pool.output_shape[1] if b_pool is not None else None
            pool_record = self._add(Difference(
                "head", where, "fc", describe(a_pool), describe(b_pool), detail="pool",
                lesson="head_pool", facts={"channels": channels}))
        others_a = [x for x in a_head if x.kind not in (POOL, ADAPTIVE_POOL, LINEAR)]
        others_b = [x for x in b_head if x.kind not in (POOL, ADAPTIVE_POOL, LINEAR)]
        self._sequence(others_a, others_b, region="head")
        for fa, fb in zip(a_fc, b_fc, strict=False):
            params, macs = fa.params - fb.params, self._macs_delta(fa.macs, fb.macs)
            if fa.in_channels != fb.in_channels:
                self._add(Difference(
                    "head", fa.name, "fc", fa.in_channels, fb.in_channels,
                    detail="fc in_features", lesson="head_in", params_delta=params,
                    macs_delta=macs), under=pool_record)
                params = macs = 0
            if fa is a_fc[-1] and fb is b_fc[-1] and fa.out_channels != fb.out_channels:
                self._add(Difference("classes", fa.name, "fc", fa.out_channels,
                                     fb.out_channels, lesson="classes", params_delta=params,
                                     macs_delta=macs))
            elif fa.out_channels != fb.out_channels:
                self._add(Difference("channels", fa.name, "fc", fa.out_channels,
                                     fb.out_channels, detail="fc out_features",
                                     params_delta=params, macs_delta=macs))
        for extra in a_fc[len(b_fc):]:
            self._extra(extra, "head", "fc")
        for missing in b_fc[len(a_fc):]:
            self._missing(missing, "head", "fc", a_fc[-1].name if a_fc else "head")

    # --- stages and blocks -------------------------------------------------------------
    def _stages(self) -> None:
        a_stages, b_stages = paired_stages(self.a, self.b)
        for i in range(max(len(a_stages), len(b_stages))):
            a_name, a_blocks = a_stages[i] if i < len(a_stages) else ("", [])
            b_name, b_blocks = b_stages[i] if i < len(b_stages) else ("", [])
            paper = b_name or a_name
            if len(a_blocks) != len(b_blocks):
                extra_a, extra_b = a_blocks[len(b_blocks):], b_blocks[len(a_blocks):]
                where = _common_prefix([b.name for b in a_blocks]) or (a_blocks[0].name
                                                                       if a_blocks else paper)
                per_block = b_blocks[0].main_weighted if b_blocks else \
                    a_blocks[0].main_weighted
                self._add(Difference(
                    "blocks", where, paper, len(a_blocks), len(b_blocks), lesson="blocks",
                    facts={"weighted_per_block": per_block,
                           "reference_name": _display_name(self.b.model)},
                    params_delta=sum(b.params for b in extra_a) - sum(b.params for b in extra_b),
                    macs_delta=self._macs_delta(sum(b.macs for b in extra_a),
                                                sum(b.macs for b in extra_b))))
            first = b_blocks[0].paper_name if b_blocks else ""
            for ya, rb in zip(a_blocks, b_blocks, strict=False):
                self._block(ya, rb, first)

    def _block(self, ya: Block, rb: Block, first: str) -> None:
        """Compare two aligned blocks; the place's paper name is the reference block's (a
        wrong stride makes the analysis number your stages differently)."""
        a, b, paper = self.a, self.b, rb.paper_name
        main_a = [a.layers[i] for i in (*ya.pre_layers, *ya.main_layers) if _kept(a.layers[i])]
        main_b = [b.layers[i] for i in (*rb.pre_layers, *rb.main_layers) if _kept(b.layers[i])]
        short_a = [a.layers[i] for i in ya.shortcut_layers]
        short_b = [b.layers[i] for i in rb.shortcut_layers]
        short_params = sum(x.params for x in short_a) - sum(x.params for x in short_b)
        short_macs = self._own_macs(ya.input_shape, rb.input_shape,
                                    sum(x.macs for x in short_a), sum(x.macs for x in short_b))
        # The block's own numbers, without its shortcut's (a shortcut record carries those).
        shortcut_differs = ya.kind != rb.kind
        params = ya.params - rb.params - (short_params if shortcut_differs else 0)
        macs = self._own_macs(ya.input_shape, rb.input_shape, ya.macs, rb.macs) - \
            (short_macs if shortcut_differs else 0)
        block_record = None
        if ya.stride != rb.stride:
            later = rb.index_in_stage > 0 and ya.stride > rb.stride
            block_record = self._add(Difference(
                "stride", ya.name, paper, ya.stride, rb.stride, detail="the block's stride",
                lesson="stage_first" if later else "stride", facts={"first_block": first},
                params_delta=params, macs_delta=macs))
            self._map_change(block_record, ya.input_shape, rb.input_shape, ya.output_shape,
                             rb.output_shape)
        else:
            pos_a, pos_b = _positions(ya, a), _positions(rb, b)
            if pos_a != pos_b:
                block_record = self._add(Difference(
                    "stride", ya.name, paper, pos_a, pos_b, detail="stride position",
                    lesson="stride_position", params_delta=params, macs_delta=macs))
        skip_stride = block_record is not None
        if shortcut_differs:
            forced = block_record is not None and block_record.detail == "the block's stride"
            option_c = ya.kind == ShortcutKind.PROJECTION and rb.kind == ShortcutKind.IDENTITY
            self._add(Difference(
                "shortcut", ya.name, paper, str(ya.kind), str(rb.kind), detail="kind",
                lesson="forced" if forced else "option_c" if option_c else "shortcut",
                facts={"projections": (a.shortcut_projections, b.shortcut_projections)},
                params_delta=short_params, macs_delta=short_macs),
                under=block_record if forced else None)
            # An activation on a shortcut is its own mistake, whatever the shortcut's kind.
            for x in short_a:
                if x.kind == ACTIVATION:
                    self._extra(x, "shortcut", paper)
            for x in short_b:
                if x.kind == ACTIVATION:
                    self._missing(x, "shortcut", paper, ya.name)
        else:
            self._sequence([x for x in short_a if _kept(x)], [x for x in short_b if _kept(x)],
                           region="shortcut", block=ya, paper=paper, skip_stride=skip_stride)
        self._sequence(main_a, main_b, region="main", block=ya, paper=paper,
                       skip_stride=skip_stride)
        tail_a = [a.layers[i] for i in ya.tail_layers if _kept(a.layers[i])]
        tail_b = [b.layers[i] for i in rb.tail_layers if _kept(b.layers[i])]
        self._sequence(tail_a, tail_b, region="tail", block=ya, paper=paper)

    # --- layers ---------------------------------------------------------------------------
    def _sequence(self, yours: list[Layer], reference: list[Layer], region: str,
                  block: Block | None = None, paper: str = "",
                  skip_stride: bool = False) -> None:
        pairs = align(yours, reference)
        previous = block.name if block is not None else region
        given = paper
        for position, (la, lb) in enumerate(pairs):
            # The stem and the head: each layer's stage in the reference, else yours.
            paper = given or (self._paper(lb, self.b) if lb is not None else
                              self._paper(la, self.a))  # type: ignore[arg-type]
            self.pairs.append((la, lb, paper))
            last = position == len(pairs) - 1
            if la is None:
                self._missing(lb, region, paper, previous, last=last)
            elif lb is None:
                self._extra(la, region, paper, last=last)
            else:
                self._layer(la, lb, region, paper, skip_stride)
            if la is not None:
                previous = la.name

    def _v2_first_activation(self, la: Layer | None, region: str, paper: str) -> bool:
        """A BatchNorm or ReLU that the reference, a v2 network in the paper's layout, runs
        right after conv1 and yours in its first unit instead (or the other way round)."""
        blocks = self.b.blocks
        if not blocks or blocks[0].activation != "pre":
            return False
        return (region == "stem" and la is None) or (la is not None
                                                     and paper == blocks[0].paper_name)

    def _extra(self, layer: Layer, region: str, paper: str, last: bool = False) -> None:
        self._one_side(layer, None, layer.name, region, paper, last)

    def _missing(self, layer: Layer, region: str, paper: str, where: str,
                 last: bool = False) -> None:
        self._one_side(None, layer, where, region, paper, last)

    def _one_side(self, la: Layer | None, lb: Layer | None, where: str, region: str,
                  paper: str, last: bool) -> None:
        layer = la if la is not None else lb
        assert layer is not None
        sign = 1 if la is not None else -1
        arch = self.a if la is not None else self.b
        params, macs = sign * layer.params, sign * self._per_image(layer.macs, arch)
        if layer.kind == ACTIVATION or layer.kind in (BATCH_NORM, NORM):
            what = "activation" if layer.kind == ACTIVATION else "norm"
            detail, lesson = _position(region, last, what)
            if what == "norm" and region == "tail" and la is not None:
                lesson = "norm_after_add"
            elif what == "activation" and region == "stem" and la is None:
                detail, lesson = "after the stem's BatchNorm", "stem_relu"
            if self._v2_first_activation(la, region, paper):
                lesson = "v2_first_activation"
            self._add(Difference(what, where, paper, describe(la), describe(lb), detail=detail,
                                 lesson=lesson, params_delta=params, macs_delta=macs))
            return
        what = "extra_layer" if la is not None else "missing_layer"
        deep = region == "stem" and la is not None and la.kind == CONV
        self._add(Difference(what, where, paper, describe(la), describe(lb), detail=region,
                             lesson="deep_stem" if deep else "layer", params_delta=params,
                             macs_delta=macs))

    def _layer(self, la: Layer, lb: Layer, region: str, paper: str, skip_stride: bool) -> None:
        found: list[Difference] = []

        def differ(what: str, yours: object, reference: object, detail: str = "",
                   lesson: str = "", **facts: object) -> None:
            if yours != reference:
                found.append(Difference(what, la.name, paper, yours, reference, detail=detail,
                                        lesson=lesson, facts=dict(facts)))

        kind = la.kind
        if kind != lb.kind or (kind in (BATCH_NORM, NORM) and la.type != lb.type):
            differ("norm" if kind in (BATCH_NORM, NORM) else "pooling", describe(la),
                   describe(lb))
        elif kind == ACTIVATION:
            differ("activation", la.type, lb.type, detail="kind") \
                if _activation_name(la) != _activation_name(lb) else None
        elif kind in (CONV, POOL):
            shortcut = region == "shortcut"
            if (la, lb) == self._first:
                self._input_said = True
                differ("input_channels", la.in_channels, lb.in_channels,
                       lesson="input_channels")
            if kind == POOL:
                differ("pooling", la.pooling and str(la.pooling), lb.pooling and str(lb.pooling),
                       detail="max or average", lesson="pooling")
            differ("shortcut" if shortcut else "kernel", sizes(la.kernel_size),
                   sizes(lb.kernel_size), detail="projection kernel" if shortcut else "",
                   lesson="projection" if shortcut else "kernel")
            if not skip_stride:
                differ("shortcut" if shortcut else "stride", number(la.stride), number(lb.stride),
                       detail="projection stride" if shortcut else "",
                       lesson="projection" if shortcut else "stride", region=region)
            differ("padding", number(la.padding), number(lb.padding), lesson="padding",
                   kernel=(lb.kernel_size or (1,))[0])
            differ("dilation", number(la.dilation), number(lb.dilation))
            if kind == CONV:
                differ("groups", la.groups, lb.groups)
                differ("channels", la.out_channels, lb.out_channels, lesson="channels")
                differ("bias", la.bias, lb.bias, lesson="bias")
        elif kind == ADAPTIVE_POOL:
            differ("pooling", describe(la), describe(lb), lesson="pooling")
        if not found:
            return
        # A bias record carries its biases; the first other record the rest of the layer's
        # change (a change its inputs already explain, an earlier width, is nobody's here).
        bias_params = (la.out_channels or 0) * bool(la.bias) - \
            (lb.out_channels or 0) * bool(lb.bias)
        rest = [d for d in found if d.what != "bias"]
        for record in found:
            if record.what == "bias":
                record.params_delta = bias_params
        if rest:
            rest[0].params_delta = la.params - lb.params - \
                (bias_params if len(rest) < len(found) else 0)
            rest[0].macs_delta = self._macs_delta(la.macs, lb.macs) \
                if rest[0].what == "input_channels" else \
                self._own_macs(la.input_shape, lb.input_shape, la.macs, lb.macs)
        sized = next((d for d in found if d.what in ("kernel", "stride", "padding", "dilation",
                                                     "shortcut")), None)
        if sized is not None:
            self._map_change(sized, la.input_shape, lb.input_shape, la.output_shape,
                             lb.output_shape)
        kernel = next((d for d in found if d.what == "kernel"), None)
        for record in found:
            # A padding that keeps the map for the other kernel (K = 2P + 1) follows from it.
            follows = kernel is not None and record.what == "padding" and la.kernel_size and \
                la.padding == tuple((k - 1) // 2 for k in la.kernel_size)
            self._add(record, under=kernel if follows else None)

    # --- maps -----------------------------------------------------------------------------
    def _map_change(self, record: Difference, in_a: Sequence[int] | None,
                    in_b: Sequence[int] | None, out_a: Sequence[int], out_b: Sequence[int]) \
            -> None:
        """Note the map size a record changes (its inputs agree, its outputs do not)."""
        if _spatial(in_a) == _spatial(in_b) and _spatial(out_a) != _spatial(out_b):
            record.map_yours, record.map_reference = _map(out_a), _map(out_b)
            self._until.append((record, len(self.pairs)))

    def _close_maps(self) -> None:
        """Where the maps agree again after each size change (``None``: never, to the head)."""
        for record, start in self._until:
            for la, lb, paper in self.pairs[start:]:
                if la is None or lb is None:
                    continue
                a_map, b_map = _spatial(la.output_shape), _spatial(lb.output_shape)
                if not a_map or not b_map:
                    break
                if a_map == b_map:
                    record.map_until = paper
                    break


StageBlocks = list[tuple[str, list[Block]]]


def _blocks_of(arch: Architecture) -> StageBlocks:
    by_name = {block.name: block for block in arch.blocks}
    return [(stage.name, [by_name[name] for name in stage.blocks])
            for stage in arch.stages if stage.kind == StageKind.BLOCKS and stage.blocks]


def paired_stages(yours: Architecture, reference: Architecture) -> tuple[StageBlocks,
                                                                         StageBlocks]:
    """The stages with blocks of both, as ``(name, blocks)``, the i-th of one meant as the
    i-th of the other (see :func:`_by_width` for the side with more stages)."""
    a_stages, b_stages = _blocks_of(yours), _blocks_of(reference)
    if len(a_stages) > len(b_stages):
        a_stages = _by_width(a_stages)
    elif len(b_stages) > len(a_stages):
        b_stages = _by_width(b_stages)
    return a_stages, b_stages


def _by_width(stages: list[tuple[str, list[Block]]]) -> list[tuple[str, list[Block]]]:
    """Consecutive stages of one width as one stage: a stride given to every block of a
    stage (seed 001's ``_make_layer``) halves the map at each block, and the analysis then
    starts a stage at each; the width says which stage the student meant."""
    merged: list[tuple[str, list[Block]]] = []
    for name, blocks in stages:
        if merged and merged[-1][1][-1].output_shape[1:2] == blocks[0].output_shape[1:2]:
            merged[-1][1].extend(blocks)
        else:
            merged.append((name, list(blocks)))
    return merged


def _position(region: str, last: bool, what: str) -> tuple[str, str]:
    """Where an activation or a norm sits, in words, and the lesson that goes with it."""
    if region == "shortcut":
        return "on the shortcut", "relu_shortcut" if what == "activation" else what
    if region == "main" and last:
        return "before the add", "relu_before_add" if what == "activation" else what
    if region == "tail":
        return "after the add", what
    # English words kept in the record (differences.SHOWN_WORDS translates them when shown)
    return ("in the stem" if region == "stem" else f"in the {region}"), what


def _positions(block: Block, arch: Architecture) -> str:
    """Where a block's stride sits: ``"2nd conv (3×3)"`` (v1.5) or ``"1st conv (1×1)"``."""
    main = [i for i in (*block.pre_layers, *block.main_layers)
            if arch.layers[i].kind in (CONV, POOL)]
    return _(" and ").join(_("{nth} {kind} ({kernel})", nth=_ordinal(main.index(i) + 1),
                             kind=word(str(arch.layers[i].kind)),
                             kernel=sizes(arch.layers[i].kernel_size))
                           for i in block.strided_layers if i in main) or _("none")


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, in the current language."""
    if 10 <= n % 100 <= 20:
        return _("{n}th", n=n)
    return {1: _("{n}st", n=n), 2: _("{n}nd", n=n), 3: _("{n}rd", n=n)}.get(n % 10) \
        or _("{n}th", n=n)


def _common_prefix(names: Sequence[str]) -> str:
    """``layer4`` for ``layer4.0`` and ``layer4.1``; ``""`` when the names share none."""
    if not names:
        return ""
    parts = [name.split(".") for name in names]
    common = []
    for group in zip(*parts, strict=False):
        if len(set(group)) != 1:
            break
        common.append(group[0])
    if len(names) == 1:
        common = parts[0][:-1]
    return ".".join(common)


def _display_name(model: str) -> str:
    """``resnet18`` → ``ResNet-18``; any other name as it is."""
    if model.startswith("resnet") and model[6:].split("-")[0].isdigit():
        depth, _, rest = model[6:].partition("-")
        return f"ResNet-{depth}" + (f" {rest}" if rest else "")
    return model
