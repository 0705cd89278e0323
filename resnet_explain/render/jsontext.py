"""The JSON view's text, written fast: the contract's layout (two-space indent, keys in
order, lists of numbers on one line) built piece by piece from the columns, each distinct
value encoded once.

Why not ``json.dumps(to_dict(arch), indent=2)``: that gives one number per line (the layout
the contract promises keeps shapes on one line), and writing resnet152's 500 layers value by
value costs about 13 ms more than these columns. ``tests/test_views_columns.py`` and
``tests/test_perf.py`` check the text against ``to_dict`` and the layout rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from json.encoder import encode_basestring
from operator import add
from typing import TYPE_CHECKING, Any

from ..architecture import SizeCheck
from .columns import (
    BLOCK_KEYS,
    BOOL,
    INT,
    LAYER_KEYS,
    LIST,
    RF_KEYS,
    SEQUENCES,
    STAGE_KEYS,
    TUPLE,
    TUPLES_OR_NONE,
    block_columns,
    each_check,
    each_once,
    inner_types,
    receptive,
    stage_columns,
    value_types,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Layer


# --- text -------------------------------------------------------------------------------
# One encoder for the whole process: ``json.dumps(..., ensure_ascii=False)`` builds a new
# encoder on every call, which dominated the time of the thousands of small values.
ENCODER = json.JSONEncoder(ensure_ascii=False)


def _text(value: Any) -> str:
    """One value on one line, as the encoder writes it (``[1, 64, 56, 56]``, ``"conv1"``)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_text, value)) + "]"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__repr__(value)  # what the encoder writes for an int (or an IntEnum)
    return ENCODER.encode(value)


def _leaf_types(values: Sequence[Any]) -> set[type]:
    """The types of the scalars in ``values``, inside lists and tuples at any depth."""
    leaves: set[type] = set()
    while values:
        types = value_types(values)
        leaves |= types - SEQUENCES
        if not types & SEQUENCES:
            break
        values = list(chain.from_iterable(
            value for value in values if isinstance(value, (list, tuple))))
    return leaves


def _memo_safe(leaves: set[type]) -> bool:
    """Whether equal values of these scalar types are always written alike: not so for
    ``1`` and ``true`` (``True == 1``), ``0`` and ``0.0``, ``0.0`` and ``-0.0``."""
    if not all(issubclass(kind, (type(None), int, str)) for kind in leaves):
        return False  # floats, and anything the encoder is left to decide about
    bools = any(issubclass(kind, bool) for kind in leaves)
    return not (bools and any(not issubclass(kind, bool) and issubclass(kind, int)
                              for kind in leaves))


def _texts(values: Sequence[Any], label: str = "") -> tuple[list[str], bool]:
    """:func:`_text` of each value, and whether ``label`` was put in front of each.

    The columns of the Architecture take C-level paths: ints, strings, booleans, lists of
    ints (written as their ``repr``), and tuples of ints or null (shapes, kernel sizes,
    strides) and lists of those. A column that repeats its values is written once per
    distinct value, label included. Tuples are taken to hold ints, as PyTorch's sizes do,
    when the distinct ones do (a ``True`` that equals a ``1`` elsewhere in its column is not
    looked for). Other columns are written once per distinct value where that is safe
    (:func:`_memo_safe`), else value by value."""
    types = set(map(type, values))
    if types == INT:
        return list(map(int.__repr__, values)), False
    if all(map(issubclass, types, repeat(str))):
        return list(map(encode_basestring, values)), False
    if types == BOOL:
        return list(map({True: label + "true", False: label + "false"}.__getitem__, values)), True
    if all(map(issubclass, types, repeat((str, type(None))))):
        return _labelled(values, _str_text, label), True
    try:
        if types <= TUPLES_OR_NONE:
            return _labelled(values, _int_tuple_text, label), True
        if types == LIST:
            inner = inner_types(values)
            if inner <= INT:
                return list(map(repr, values)), False
            if inner == TUPLE:  # lists of shapes
                return _labelled(list(map(tuple, values)), _int_tuples_text, label), True
    except _NotInts:
        pass
    types = value_types(values)
    if not _memo_safe(_leaf_types(values)):
        return list(map(_text, values)), False
    keys = values if list not in types else [
        tuple(value) if isinstance(value, list) else value for value in values]
    try:
        return _labelled(keys, _text, label), True
    except TypeError:  # a list inside a list is not hashable: write value by value
        return list(map(_text, values)), False


def _labelled(keys: Sequence[Any], text: Callable[[Any], str], label: str) -> list[str]:
    """``label`` + ``text`` of each key, each distinct key written once."""
    return each_once(keys, lambda key: label + text(key))


def _str_text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


class _NotInts(Exception):
    """A tuple that :func:`_texts` took for ints holds something else."""


def _int_tuple_text(value: tuple[int, ...] | None) -> str:
    if value is None:
        return "null"
    if not set(map(type, value)) <= INT:
        raise _NotInts
    return "[" + ", ".join(map(int.__repr__, value)) + "]"


def _int_tuples_text(value: tuple[tuple[int, ...], ...]) -> str:
    return "[" + ", ".join(map(_int_tuple_text, value)) + "]"


def _record_pieces(keys: Sequence[str], columns: list[Sequence[Any]], step: str,
                   pad: str) -> list[str]:
    """A list of objects that share ``keys`` (in that order) and hold only scalars and
    lists of them, given as one column per key, in the contract's layout (each object
    opened on its own lines, each value on one line), as pieces to join: one join makes the
    whole document."""
    if not columns or not columns[0]:
        return ["[]"]
    return ["[\n", *_objects(keys, columns, step, pad + step), "\n" + pad + "]"]


def _objects(keys: Sequence[str], columns: list[Sequence[Any]], step: str,
             pad: str) -> list[str]:
    """The objects of :func:`_record_pieces`, opened at indentation ``pad`` and separated by
    commas, as pieces to join: per object an opening, then per key its label and value text
    (one piece where the text comes with its label, see :func:`_texts`)."""
    inner = ",\n" + pad + step
    parts: list[Sequence[str]] = []
    for number, (key, column) in enumerate(zip(keys, columns)):
        parts += _column_parts((inner if number else "") + encode_basestring(key) + ": ",
                               column)
    return _interleave(parts, step, pad)


def _column_parts(label: str, column: Sequence[Any]) -> list[Sequence[str]]:
    """One key of every object: its label and value texts as one list of texts, or as a
    list of labels and a list of texts."""
    texts, labelled = _texts(column, label)
    return [texts] if labelled else [[label] * len(texts), texts]


def _interleave(parts: list[Sequence[str]], step: str, pad: str) -> list[str]:
    """Objects opened at indentation ``pad`` and separated by commas, made of ``parts``
    (each holds one text per object, in order), as pieces to join. Each part fills every
    ``stride``-th place of the list in one slice assignment."""
    count = len(parts[0])
    opening, closing = pad + "{\n" + pad + step, "\n" + pad + "}"
    parts = [[opening] + [closing + ",\n" + opening] * (count - 1), *parts]
    stride = len(parts)
    pieces: list[str] = [""] * (count * stride)
    for number, part in enumerate(parts):
        pieces[number::stride] = part
    pieces.append(closing)
    return pieces


def _flat(value: Any) -> bool:
    """A value printed on one line: a scalar, or a list holding no dict."""
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return all(_flat(item) and not isinstance(item, dict) for item in value)
    return True


def _dump(value: Any, step: str, pad: str) -> str:
    """``value`` in the contract's layout, value by value (the top-level keys, and the
    reference the column writer is tested against)."""
    if _flat(value):
        return ENCODER.encode(value)
    inner = pad + step
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{ENCODER.encode(key)}: {_dump(item, step, inner)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [inner + _dump(item, step, inner) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


# --- the layers -------------------------------------------------------------------------
# A layer's keys in runs of adjacent keys whose values repeat together (see
# :func:`_layer_pieces`). ``input_shape`` and ``input_shapes`` come from
# ``Layer.input_shapes``; the formula from ``Layer.size_checks``; the last three keys from
# ``Layer.receptive_field``.
_CALL_RUN = ("type", "is_op", "call")


_MODULE_RUN = ("output_shape", "kind", "pooling", "kernel_size", "stride", "padding",
               "dilation", "groups", "params", "trainable_params", "macs", "weighted",
               "on_longest_path", "role", "stage")


_SHAPE_RUN = ("input_shape", "input_shapes", *_MODULE_RUN)


_FORMULA_RUN = ("formula", "formula_ok")


assert LAYER_KEYS == ("index", "name", *_CALL_RUN, "inputs", *_SHAPE_RUN, "block",
                      *_FORMULA_RUN, *RF_KEYS)


def _layer_pieces(layers: Sequence[Layer], step: str, pad: str) -> list[str]:
    """The list of layer objects, as pieces to join (the layout of :func:`_record_pieces`).

    Most of a layer repeats from layer to layer: the repeated blocks of a ResNet have the
    same types, shapes, kernels and counts. So a layer is not written key by key but as a
    few texts: its index, name and inputs (nearly every layer has its own) as columns of
    :func:`_texts`, and each other run of keys as one text per distinct combination of its
    values — the call (``type`` … ``call``), the shapes, kinds, kernels and counts
    (``input_shape`` … ``stage``: one combination per kind of layer of a repeated block),
    the block, the formula, the receptive field. One loop reads each Layer once (a plain
    loop reads slotted attributes faster than ``attrgetter``) and numbers the distinct
    combinations as it meets them; the distinct combinations are then written as a small
    table of their own, column by column (:func:`_run_texts`), as the encoder writes them.

    Equal combinations are written alike because each key holds the one type that the
    :class:`~resnet_explain.architecture.Layer` dataclass declares (a ``True`` equal to a
    ``1`` of another layer is not looked for, as :func:`_texts` does not for tuples).
    ``tests/test_views_columns.py`` checks the result against the plain layout of
    ``to_dict``."""
    if not layers:
        return ["[]"]
    pad += step
    inner = ",\n" + pad + step
    calls: dict[tuple[Any, ...], int] = {}
    runs: dict[tuple[Any, ...], int] = {}
    fields: dict[int, int] = {}
    rows = []
    for layer in layers:
        field = layer.receptive_field
        rows.append((
            layer.index, layer.name,
            calls.setdefault((layer.type, layer.is_op, layer.call), len(calls)),
            layer.inputs,
            runs.setdefault((layer.output_shape, layer.kind, layer.pooling, layer.kernel_size,
                             layer.stride, layer.padding, layer.dilation, layer.groups,
                             layer.params, layer.trainable_params, layer.macs, layer.weighted,
                             layer.on_longest_path, layer.role, layer.stage,
                             *layer.input_shapes), len(runs)),
            layer.block, layer.size_checks, fields.setdefault(id(field), len(fields)), field))
    index, names, call_codes, inputs, run_codes, blocks, checks, field_codes, objects = (
        zip(*rows))
    by_id = dict(zip(map(id, objects), objects))

    def labels(keys: Sequence[str]) -> list[str]:
        return [inner + encode_basestring(key) + ": " for key in keys]

    def texts(codes: Sequence[int], keys: Sequence[str], rows: Sequence[Any]) -> list[str]:
        return list(map(_run_texts(labels(keys), rows).__getitem__, codes))

    parts = [*_column_parts('"index": ', index),
             *_column_parts(labels(["name"])[0], names),
             texts(call_codes, _CALL_RUN, list(calls)),
             *_column_parts(labels(["inputs"])[0], inputs),
             texts(run_codes, _SHAPE_RUN, list(map(_with_input_shape, runs))),
             *_column_parts(labels(["block"])[0], blocks),
             _formula_texts(layers, labels(_FORMULA_RUN), checks),
             texts(field_codes, RF_KEYS, [receptive(by_id[key]) for key in fields])]
    return ["[\n", *_interleave(parts, step, pad), "\n" + pad[:-len(step)] + "]"]


def _run_texts(heads: list[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The text of each row of values (labels ``heads`` included), written column by
    column by :func:`_texts`."""
    parts = chain.from_iterable(map(_column_parts, heads, zip(*rows)))
    return list(map("".join, zip(*parts)))


def _with_input_shape(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values of the shape run (``input_shape`` … ``stage``) from its key: the module
    run, then the input shapes."""
    inputs = list(key[len(_MODULE_RUN):])
    return (inputs[0] if inputs else None, inputs, *key[:len(_MODULE_RUN)])


def _formula_texts(layers: Sequence[Layer], heads: list[str],
                   checks: Sequence[list[SizeCheck]]) -> list[str]:
    """``formula`` and ``formula_ok`` of each layer: null and true for a layer without size
    checks (most layers)."""
    return each_check(layers, lambda layer: "".join(map(add, heads, map(_text, (
        layer.formula, layer.formula_ok)))), heads[0] + "null" + heads[1] + "true", checks)


def write_json(head: dict[str, Any], arch: Architecture, step: str) -> str:
    """The contract's text: the top-level values ``head`` by :func:`_dump`, the layers by
    :func:`_layer_pieces`, the blocks and stages by :func:`_record_pieces` from their
    columns, indented by ``step``."""
    pieces = ["{"]
    for key, value in head.items():
        pieces.append(f"\n{step}{encode_basestring(key)}: {_dump(value, step, step)},")
    pieces.append(f"\n{step}\"layers\": ")
    pieces += _layer_pieces(arch.layers, step, step)
    pieces.append(f",\n{step}\"blocks\": ")
    pieces += _record_pieces(BLOCK_KEYS, block_columns(arch.blocks), step, step)
    pieces.append(f",\n{step}\"stages\": ")
    pieces += _record_pieces(STAGE_KEYS, stage_columns(arch.stages), step, step)
    pieces.append("\n}")
    return "".join(pieces)
