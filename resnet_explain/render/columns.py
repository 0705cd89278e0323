"""The values of every layer, block and stage, key by key, as the views read them.

The JSON contract's keys (:mod:`.jsonview` documents them) in their order, each object's
values as a tuple (attribute reads in a literal: the fastest way Python has), turned into one
sequence per key by ``zip``; a column's repeated values (shapes, kinds, strides, formulas) are
converted once each (:func:`each_once`, :func:`each_check`). The JSON view, its fast text
writer and the text table all read these columns; none of them reads another's internals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..architecture import SizeCheck

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.receptive import ReceptiveField
    from ..architecture import Block, Layer, Stage


# The objects of the contract, key by key. Every key but the last two of a layer is the
# attribute of the same name (``receptive_field`` reads the ReceptiveField; ``jump`` and
# ``rf_start`` come out of it too).
LAYER_KEYS = (
    "index", "name", "type", "is_op", "call", "inputs", "input_shape", "input_shapes",
    "output_shape", "kind", "pooling", "kernel_size", "stride", "padding", "dilation",
    "groups", "params", "trainable_params", "macs", "weighted", "on_longest_path", "role",
    "stage", "block", "formula", "formula_ok", "receptive_field", "jump", "rf_start")


BLOCK_KEYS = (
    "name", "paper_name", "stage", "kind", "reason", "input_shape", "output_shape",
    "main_layers", "shortcut_layers", "add_layer", "pre_layers", "tail_layers",
    "main_weighted", "shortcut_weighted", "params", "macs", "stride", "strided_layers",
    "family", "activation")


STAGE_KEYS = (
    "name", "module", "kind", "blocks", "layers", "input_shape", "output_shape", "params",
    "macs", "weighted_on_path")


RF_KEYS = ("receptive_field", "jump", "rf_start")


# --- columns: the values of one key for every layer, block or stage ---------------------
# The dicts and the text are both made column by column: a tuple of each object's values
# (attribute reads in a literal: the fastest way Python has), turned into one tuple per key
# by ``zip``; then a column's repeated values (shapes, kinds, strides) are converted once each.
def _layer_values(layer: Layer) -> tuple[Any, ...]:
    """One layer's values in :data:`LAYER_KEYS` order up to ``block``, then its size checks
    (standing for ``formula`` and ``formula_ok``) and its ReceptiveField (standing for the
    last three keys). ``input_shape`` is the first input's shape, as ``Layer.input_shape``
    says."""
    shapes = layer.input_shapes
    return (layer.index, layer.name, layer.type, layer.is_op, layer.call, layer.inputs,
            shapes[0] if shapes else None, shapes, layer.output_shape, layer.kind,
            layer.pooling, layer.kernel_size, layer.stride, layer.padding, layer.dilation,
            layer.groups, layer.params, layer.trainable_params, layer.macs, layer.weighted,
            layer.on_longest_path, layer.role, layer.stage, layer.block,
            _checks_key(layer.size_checks),
            layer.receptive_field)


def _block_values(block: Block) -> tuple[Any, ...]:
    """One block's values in :data:`BLOCK_KEYS` order."""
    return (block.name, block.paper_name, block.stage, block.kind, block.reason,
            block.input_shape, block.output_shape, block.main_layers, block.shortcut_layers,
            block.add_layer, block.pre_layers, block.tail_layers, block.main_weighted,
            block.shortcut_weighted, block.params, block.macs, block.stride,
            block.strided_layers, block.family, block.activation)


def _stage_values(stage: Stage) -> tuple[Any, ...]:
    """One stage's values in :data:`STAGE_KEYS` order."""
    return (stage.name, stage.module, stage.kind, stage.blocks, stage.layers,
            stage.input_shape, stage.output_shape, stage.params, stage.macs,
            stage.weighted_on_path)


def _columns(items: Sequence[Any], values: Callable[[Any], tuple[Any, ...]],
             width: int) -> list[Sequence[Any]]:
    """``values`` of every item, one sequence per key (``width`` keys)."""
    return list(zip(*map(values, items))) or [() for _ in range(width)]


def layer_fields(layers: Sequence[Layer]) -> list[Sequence[Any]]:
    """The values of :data:`LAYER_KEYS` for ``layers`` up to ``receptive_field``, which
    holds the ReceptiveField objects: one sequence per key.

    ``Layer.formula`` and ``formula_ok`` are functions of the layer's size checks, and
    writing a formula out is the costliest part of a layer: they are asked of one layer
    per distinct list of size checks (most layers have none; the convolutions of repeated
    blocks share theirs), the checks compared by their fields as the dataclass compares
    them."""
    *columns, checks, fields = _columns(layers, _layer_values, len(LAYER_KEYS) - 3)
    memo = dict(zip(checks, layers))
    for key, layer in memo.items():
        memo[key] = (layer.formula, layer.formula_ok)
    formulas = list(map(memo.__getitem__, checks))
    return [*columns, *_columns(formulas, tuple, 2), fields]


def _checks_key(checks: list[SizeCheck]) -> tuple[tuple[Any, ...], ...]:
    """What makes two lists of size checks equal, as a hashable value: the values of their
    fields (a dataclass compares its fields; its ``__hash__`` is slower to call)."""
    return tuple(map(_CHECK_FIELDS, checks))


_CHECK_FIELDS = attrgetter(*(check_field.name for check_field in dataclasses.fields(SizeCheck)))


def layer_columns(layers: Sequence[Layer]) -> list[Sequence[Any]]:
    """The values of :data:`LAYER_KEYS` for ``layers``, one sequence per key (tuples where
    JSON has lists)."""
    *columns, fields = layer_fields(layers)
    ids = list(map(id, fields))
    memo = dict(zip(ids, fields))  # a field is shared by the layers that do not change it
    for key, field in memo.items():
        memo[key] = receptive(field)
    return columns + _columns(ids, memo.__getitem__, len(RF_KEYS))


def block_columns(blocks: Sequence[Block]) -> list[Sequence[Any]]:
    return _columns(blocks, _block_values, len(BLOCK_KEYS))


def stage_columns(stages: Sequence[Stage]) -> list[Sequence[Any]]:
    return _columns(stages, _stage_values, len(STAGE_KEYS))


def receptive(rf: ReceptiveField | None) -> tuple[Any, Any, Any]:
    """``receptive_field``, ``jump``, ``rf_start`` of one layer: all null without a field,
    jump and start null when the layer sees the whole input."""
    if rf is None:
        return None, None, None
    if rf.whole_input:
        return rf.size, None, None
    return rf.size, rf.jump, rf.start


def dicts(keys: Sequence[str], columns: list[Sequence[Any]]) -> list[dict[str, Any]]:
    """One JSON-ready dict per object: tuples become lists, and no two dicts share a list."""
    plain = list(map(_plain_column, columns))
    return list(map(dict, map(zip, repeat(keys), zip(*plain))))


def _plain_column(values: Sequence[Any]) -> list[Any]:
    types = value_types(values)
    if not types & SEQUENCES:
        return values
    if types == LIST or types <= TUPLES_OR_NONE:
        inner = inner_types(values)
        if inner <= INT:
            return [None if value is None else list(value) for value in values]
        if types == LIST and inner == TUPLE:  # lists of shapes
            return [list(map(list, value)) for value in values]
    return list(map(_plain, values))


def _plain(value: Any) -> Any:
    """``value`` with its tuples as lists, its lists copied. The Architecture's lists are
    flat or lists of shapes: the first item tells which."""
    if not isinstance(value, (list, tuple)):
        return value
    if value and isinstance(value[0], (list, tuple)):
        return list(map(_plain, value))
    return list(value)


def _dict(keys: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    return {key: _plain(value) if isinstance(value, (list, tuple)) else value
            for key, value in zip(keys, values)}


def layer_dict(layer: Layer) -> dict[str, Any]:
    *values, _, field = _layer_values(layer)
    return _dict(LAYER_KEYS, (*values, layer.formula, layer.formula_ok, *receptive(field)))


def block_dict(block: Block) -> dict[str, Any]:
    return _dict(BLOCK_KEYS, _block_values(block))


def stage_dict(stage: Stage) -> dict[str, Any]:
    return _dict(STAGE_KEYS, _stage_values(stage))


SEQUENCES = frozenset({list, tuple})


def value_types(values: Sequence[Any]) -> set[type]:
    """The types in ``values``, list and tuple subclasses (``torch.Size``) counted as such."""
    types = set(map(type, values))
    return {list if issubclass(kind, list) else tuple if issubclass(kind, tuple) else kind
            for kind in types}


INT, LIST, TUPLE = frozenset({int}), frozenset({list}), frozenset({tuple})


BOOL = frozenset({bool})


TUPLES_OR_NONE = frozenset({tuple, type(None)})  # shapes, kernel sizes …: tuples or null


def each_once(keys: Sequence[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` of each key, called once per distinct key (a column of a table repeats
    its values: shapes, kinds, strides). Equal keys must convert alike. Each key is hashed
    once: it is looked up with the position where it first occurs."""
    first: dict[Any, int] = {}
    positions = list(map(first.setdefault, keys, range(len(keys))))
    converted: list[Any] = [None] * len(keys)
    for key, position in first.items():
        converted[position] = convert(key)
    return list(map(converted.__getitem__, positions))


def inner_types(values: Sequence[Any]) -> set[type]:
    """The types of the items of the lists and tuples in ``values`` (nulls skipped)."""
    return set(map(type, chain.from_iterable(filter(None, values))))


def each_check(layers: Sequence[Layer], convert: Callable[[Layer], Any], default: Any,
               checks: Sequence[list[SizeCheck]] | None = None) -> list[Any]:
    """``convert(layer)`` of each layer that has size checks, ``default`` for the others
    (``checks``: each layer's ``size_checks``, where the caller has them already).
    What a view shows of the checks (the formula, whether it holds) is a function of them,
    and writing a formula out is the costliest part of a layer: ``convert`` is called for
    one layer per distinct list of size checks (the convolutions of repeated blocks share
    theirs), the checks compared by their fields as the dataclass compares them."""
    if checks is None:
        checks = [layer.size_checks for layer in layers]
    converted = [default] * len(layers)
    keys = list(map(_checks_key, filter(None, checks)))
    memo: dict[Any, Any] = dict(zip(keys, compress(layers, checks)))
    for key, layer in memo.items():
        memo[key] = convert(layer)
    for position, key in zip(compress(range(len(layers)), checks), keys):
        converted[position] = memo[key]
    return converted
