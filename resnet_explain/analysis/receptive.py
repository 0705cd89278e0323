"""Receptive field, effective stride (jump) and start offset of every layer, by data flow.

Pure arithmetic on the traced :class:`~resnet_explain.architecture.Layer` records; no torch.

Conventions, per spatial dimension (H, W, …), in pixels of the model's input:

* **size** — the receptive field: how many input pixels, along this dimension, can affect one
  position of the layer's output. It is the *theoretical* field: the clipping at the image
  border is ignored, so a deep layer's field can be larger than the image (ResNet-18: 435 on
  a 224×224 input).
* **jump** — the effective stride: how far apart, in input pixels, two neighbouring output
  positions look. The product of all strides on the way.
* **start** — the input coordinate of the first pixel that output position 0 can see
  (negative when the field begins in the padding). Output position ``i`` sees the pixels
  ``start + i·jump`` … ``start + i·jump + size − 1``.

A convolution or pool with kernel K, stride S, padding P and dilation D maps (size, jump,
start) of its input to::

    size  + D·(K−1)·jump,     jump·S,     start − P·jump

``ceil_mode`` changes how many windows a pool has, not what one window covers, so it does not
enter these formulas. Where branches meet (``add``, ``cat``, ``mul``) the field is the union of
the fields of all inputs — the maximum over all paths, so a shortcut and a pool count. Layers
that keep the map (BatchNorm, ReLU, dropout …) inherit their input's field.

**Whole input.** A layer whose output has no spatial position left (a global average pool,
``flatten``, the fc layer), or whose input already had none, or an adaptive pool to 1×1, or a
layer fed by one (a squeeze-and-excitation gate multiplied back into the map), depends on every
position of the map it reads: its field is marked ``whole_input`` and its ``size`` is the input
image's size, ``jump`` and ``start`` are 0.

A transposed convolution (upsampling) is computed from its kernel, but its jump — a
fraction of the input's — is rounded down, so it is marked ``inferred`` too. Other layers
that change the map size without a kernel are read from their shapes: a layer that
shrinks the map by an integer factor (option A's ``x[:, :, ::2, ::2]``) is a 1×1 window with that
stride; one that grows it (``F.pad``) is taken as symmetric padding. Those fields are marked
``inferred``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..architecture import ADAPTIVE_POOL, CONV, MODEL_INPUT, POOL
from ..notation import dims_or_one

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Layer, Shape

_WINDOWED = (CONV, POOL)  # the kinds whose kernel slides a window over the map


@dataclass(frozen=True)
class ReceptiveField:
    """What one output position of a layer sees of the input image (see the module doc)."""

    size: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[int, ...]
    whole_input: bool = False
    inferred: bool = False  # read from shapes, not from a kernel (see the module doc)

    @property
    def label(self) -> str:
        """``435 /32`` (square), ``7×5 /2×1``, ``all 224`` for the whole input; ``≈`` in
        front when the field was inferred from shapes."""
        size = dims_or_one(self.size)
        if self.whole_input:
            return f"all {size}"
        return f"{'≈' if self.inferred else ''}{size} /{dims_or_one(self.jump)}"


def _field(size: tuple[int, ...], jump: tuple[int, ...], start: tuple[int, ...],
           inferred: bool) -> ReceptiveField:
    """``ReceptiveField(size, jump, start, inferred=inferred)``, built without the frozen
    dataclass's ``__init__`` (one ``object.__setattr__`` per field): the same object in a
    third of the time, for the field made at every conv, pool and merge."""
    field = object.__new__(ReceptiveField)
    vars(field).update(size=size, jump=jump, start=start, whole_input=False, inferred=inferred)
    return field


def _spatial(shape: Shape | None) -> tuple[int, ...]:
    """Spatial sizes of an ``(N, C, H, W …)`` shape; ``()`` for ``(N, F)`` or less."""
    return tuple(shape[2:]) if shape is not None and len(shape) > 2 else ()


def assign_receptive_fields(layers: list[Layer], input_shape: Shape) -> None:
    """Set ``layer.receptive_field`` on every layer, in call order (inputs come first)."""
    image = _spatial(input_shape)
    if not image:  # a model without a spatial input: nothing to say
        return
    identity = ReceptiveField(size=(1,) * len(image), jump=(1,) * len(image),
                              start=(0,) * len(image))
    whole = ReceptiveField(size=image, jump=(0,) * len(image), start=(0,) * len(image),
                           whole_input=True)
    fields: list[ReceptiveField | None] = []
    for layer in layers:
        sources = []
        for i in layer.inputs:  # the fields of its inputs that have one
            source = identity if i == MODEL_INPUT else fields[i] if 0 <= i < len(fields) else None
            if source is not None:
                sources.append(source)
        field = _layer_field(layer, sources, whole) if sources else None
        fields.append(field)
        layer.receptive_field = field


def _layer_field(layer: Layer, sources: list[ReceptiveField],
                 whole: ReceptiveField) -> ReceptiveField:
    """The field of one layer from the (non-empty) fields of its inputs."""
    for source in sources:
        if source.whole_input:
            return whole
    merged = sources[0] if len(sources) == 1 else _union(sources)
    rank = len(merged.size)
    out_shape, in_shapes = layer.output_shape, layer.input_shapes
    if len(out_shape) != rank + 2 or not in_shapes or len(in_shapes[0]) != rank + 2:
        return whole  # the spatial positions are gone (mean, flatten, fc): every one counts
    in_shape = in_shapes[0]
    kernel = layer.kernel_size
    if kernel and layer.kind in _WINDOWED and len(kernel) == rank:
        # A layer's size checks are all transposed or none is.
        if layer.size_checks and layer.size_checks[0].transposed:
            return _transposed(merged, kernel, layer.stride or (1,) * rank,
                               layer.padding or (0,) * rank, layer.dilation or (1,) * rank)
        return _window(merged, kernel, layer.stride or kernel,
                       layer.padding or (0,) * rank, layer.dilation or (1,) * rank)
    out_map, in_map = out_shape[2:], in_shape[2:]
    if layer.kind == ADAPTIVE_POOL:
        if all(o == 1 for o in out_map):
            return whole
        return _adaptive(merged, in_map, out_map)
    if out_map == in_map:
        return merged
    return _inferred(merged, in_map, out_map)


def _window(rf: ReceptiveField, kernel: tuple[int, ...], stride: tuple[int, ...],
            padding: tuple[int, ...], dilation: tuple[int, ...],
            inferred: bool = False) -> ReceptiveField:
    # Loops rather than comprehensions: this runs once per conv and pool.
    sizes, jumps, starts = rf.size, rf.jump, rf.start
    size, jump, start = [], [], []
    for dim in range(len(kernel)):
        step = jumps[dim]
        size.append(sizes[dim] + dilation[dim] * (kernel[dim] - 1) * step)
        jump.append(step * stride[dim])
        start.append(starts[dim] - padding[dim] * step)
    return _field(tuple(size), tuple(jump), tuple(start), inferred or rf.inferred)


def _transposed(rf: ReceptiveField, kernel: tuple[int, ...], stride: tuple[int, ...],
                padding: tuple[int, ...], dilation: tuple[int, ...]) -> ReceptiveField:
    """A transposed convolution: output ``o`` reads the inputs ``i`` with ``i·S − P + k·D = o``
    (``0 ≤ k < K``), at most ⌈(D·(K−1) + 1)/S⌉ of them; output 0 starts at input
    ``⌈(P − D·(K−1))/S⌉``. Neighbouring outputs are ``jump/S`` pixels apart, which need not
    be whole, so the field is marked inferred and the jump rounded down (at least 1)."""
    size, jump, start = [], [], []
    for r, j, st, k, s, p, d in zip(rf.size, rf.jump, rf.start, kernel, stride, padding,
                                    dilation):
        span = d * (k - 1) + 1
        reads = -(-span // s)
        size.append(r + (reads - 1) * j)
        jump.append(max(1, j // s))
        start.append(st - ((d * (k - 1) - p) // s) * j)
    return ReceptiveField(size=tuple(size), jump=tuple(jump), start=tuple(start), inferred=True)


def _union(fields: list[ReceptiveField]) -> ReceptiveField:
    """The field of a position that reads the same position of every input (add, cat, mul)."""
    if len(fields) == 1:
        return fields[0]
    first = fields[0]
    starts, ends, sizes, jumps = [], [], [], []
    for dim in range(len(first.size)):  # the lowest start, the highest end, the largest jump
        lo, hi, jump = first.start[dim], first.start[dim] + first.size[dim], first.jump[dim]
        for other in fields:
            lo = min(lo, other.start[dim])
            hi = max(hi, other.start[dim] + other.size[dim])
            jump = max(jump, other.jump[dim])
        starts.append(lo)
        ends.append(hi)
        sizes.append(hi - lo)
        jumps.append(jump)
    # Inferred only if an inferred branch decides an edge (option A's subsampled shortcut
    # is inside the main path's field and leaves the block's field exact): each edge of each
    # dimension must be reached by an exact field.
    inferred = False
    for field in fields:
        if field.inferred:
            inferred = not _edges_exact(fields, starts, ends)
            break
    return _field(tuple(sizes), tuple(jumps), tuple(starts), inferred)


def _edges_exact(fields: list[ReceptiveField], starts: list[int], ends: list[int]) -> bool:
    """Whether every start and end of a union is reached by a field that is not inferred."""
    for dim in range(len(starts)):
        start_exact = end_exact = False
        for field in fields:
            if not field.inferred:
                start_exact = start_exact or field.start[dim] == starts[dim]
                end_exact = end_exact or field.start[dim] + field.size[dim] == ends[dim]
        if not (start_exact and end_exact):
            return False
    return True


def _adaptive(rf: ReceptiveField, in_map: tuple[int, ...],
              out_map: tuple[int, ...]) -> ReceptiveField:
    """An adaptive pool: window ``i`` spans ``⌊i·in/out⌋ … ⌈(i+1)·in/out⌉``; the largest
    window is the kernel, ``in/out`` the stride (exact when ``out`` divides ``in``)."""
    kernel, stride = [], []
    for n_in, n_out in zip(in_map, out_map):
        kernel.append(max(math.ceil((i + 1) * n_in / n_out) - (i * n_in) // n_out
                          for i in range(n_out)))
        stride.append(max(1, n_in // n_out))
    exact = all(n_in % n_out == 0 for n_in, n_out in zip(in_map, out_map))
    return _window(rf, tuple(kernel), tuple(stride), (0,) * len(kernel), (1,) * len(kernel),
                   inferred=not exact)


def _inferred(rf: ReceptiveField, in_map: tuple[int, ...],
              out_map: tuple[int, ...]) -> ReceptiveField:
    """A map-size change without a kernel: subsampling (shrinks) or padding (grows)."""
    rank = len(in_map)
    if all(o <= i for o, i in zip(out_map, in_map)):
        stride = tuple(max(1, math.ceil(i / o)) if o else 1 for i, o in zip(in_map, out_map))
        return _window(rf, (1,) * rank, stride, (0,) * rank, (1,) * rank, inferred=True)
    padding = tuple(max(0, (o - i) // 2) for i, o in zip(in_map, out_map))
    return _window(rf, (1,) * rank, (1,) * rank, padding, (1,) * rank, inferred=True)
