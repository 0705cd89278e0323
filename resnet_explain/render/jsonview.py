"""The JSON view: the whole Architecture as data, under a documented, versioned contract.

``resnet-explain summary MODEL --format json`` and ``Architecture.to_json()`` print it;
``Architecture.to_dict()`` returns the same object before serialisation. JSON ignores
``--depth``: it always holds every layer, block and stage. Keys come in the order listed
here; shapes and tuples are lists; absent values are ``null``. The output is deterministic.

JSON contract, `schema_version` 1
---------------------------------

(Written in Markdown so that docs/json.md can hold it as it is; tests/test_readme.py checks
that the two agree.)

Top level:

- `schema_version` — `1`. Raised when a key changes meaning or disappears; adding a key does
  not raise it.
- `model` — the model's name (zoo name, spec or class name).
- `input_shape` — the traced input, batch first: `[1, 3, 224, 224]`.
- `channel_axis_added` — `true` where the forward adds the input's channel axis itself
  (`x.unsqueeze(1)`): `input_shape` is then N×L or N×H×W (`[8, 16000]`), and the layers see
  N×1×L. `false` for every other model.
- `output_shape` — shape of the model's output: `[1, 1000]`.
- `output_shapes` — shapes of every tensor the forward returns, in the order it returns them
  (a feature pyramid's maps, logits and features): `[[1, 1000]]` for one output.
- `output_layers` — indices into `layers` of the layers whose output the model returns.
- `engine` — how the shapes were obtained: `"empty-batch"` or `"meta"`.
- `plain_depth` — weighted layers (conv + fc) on the longest input→output path: the number
  in a ResNet's name (`50`).
- `depth_formula` — that number explained: `"50 = 1 + 3×(3+4+6+3) + 1"`.
- `depth_terms` — the same sum as data: `{"stem": 1, "stages": [[[3, 3]], [[3, 4]], [[3, 6]],
  [[3, 3]]], "head": 1}`; each stage lists its runs of alike blocks as `[weighted layers one
  block adds, blocks]` (Res2Net's first stage: `[[3, 1], [5, 2]]`); `stages` is empty for a
  network without residual blocks. Where the network has transitions (layers with role
  `"transition"`), a `transitions` key follows `head`: per stage, the weighted layers on the
  path of the transition that starts it (`[0, 1, 1, 1, 1]` for Darknet-53, each stage after
  the first behind a stride-2 conv); a network without transitions has no such key.
- `layout` — where a downsampling Bottleneck has its stride 2: `"v1"` (the first 1×1 conv,
  the paper's) or `"v1.5"` (the 3×3, torchvision's); `null` for a network without one
  (BasicBlock networks, networks without blocks).
- `shortcut_projections` — weighted layers on shortcut branches (the 1x1 projections): `4`.
- `weighted_layers` — all distinct conv and linear modules: `54`.
- `total_params` — parameters of the model (`model.parameters()`).
- `trainable_params` — of which `requires_grad`.
- `non_trainable_params` — `total_params − trainable_params`.
- `param_bytes` — bytes the parameters occupy.
- `macs` — multiply-accumulates of all convolutions and linear layers for the traced batch
  (torchinfo's "mult-adds", the ResNet paper's "FLOPs").
- `warnings` — list of strings: problems found (e.g. a traced size that disagrees with the
  output-size formula).
- `notes` — list of strings: remarks (e.g. paper vs computed numbers); may be empty.
- `findings` — the warnings and notes as records, in the order found: `kind` (one of a fixed
  vocabulary, e.g. `"inexact_downsampling"`, `"v1_5_cost"`), `severity` (`"warning"` or
  `"note"`), `layers` and `blocks` (the module names it concerns), `facts` (every value its
  sentence states, by name: `{"size": 112, "traced": 55, "expected": 56, …}`) and `text` (the
  sentence, as in `warnings` or `notes`).
- `layers` — list of layer objects, in call order.
- `blocks` — list of residual-block objects, in order.
- `stages` — list of stage objects: the stem (`conv1`), `conv2_x` …, the head (`fc`).

A layer (one call of a leaf module, or one structural functional op such as `add`):

- `index` — its position in `layers` (`layers[i]["index"] == i`).
- `name` — qualified module name; an op is `"<scope>.<op>"`, e.g. `"layer1.0.add"`.
- `type` — module class (`"Conv2d"`) or op name (`"add"`, `"flatten"`).
- `is_op` — true for a functional op, false for a module call.
- `call` — 0 for the first call of this module, 1 for the second, …
- `inputs` — indices of the layers whose outputs feed this one; `-1` is the model input.
- `input_shape` — shape of the first input (`null` if none).
- `input_shapes` — shapes of all tensor inputs (two for an `add`).
- `output_shape` — shape of the (first) output.
- `kind` — what the layer is, by its module's base class or functional op: `"conv"`,
  `"linear"`, `"pool"`, `"adaptive_pool"`, `"batch_norm"`, `"norm"`, `"activation"`,
  `"reshape"` or `"other"` (an add, a multiplication, a concatenation …).
- `pooling` — `"max"` or `"avg"` for a pool or adaptive pool, else `null`.
- `kernel_size`, `stride`, `padding`, `dilation` — lists for a conv or pool, else `null`.
- `groups` — for a conv, else `null`.
- `params` — the module's own parameters, counted on its first call only (a later call of
  the same module has 0), so the `params` of all layers add up to `total_params` when every
  parameter belongs to a traced module.
- `trainable_params` — likewise, for trainable parameters.
- `macs` — multiply-accumulates of this call (conv and linear only, else 0).
- `weighted` — a conv or linear layer (counts towards `weighted_layers`).
- `on_longest_path` — on the longest input→output path (counts towards `plain_depth`).
- `role` — `"stem"`, `"main"`, `"shortcut"`, `"head"` or `"transition"`: a layer that leads
  from one block to the next in no block (Darknet-53's stride-2 down-sampling conv between
  two stages, with its norm and activation; a CSP stage's widening 1×1 and its split), part
  of the stage it starts, with `block` null. (`"transition"` was added in version 1 of the
  contract: a reader that knows only the first four sees it only on such networks.)
- `stage` — the layer's stage (`"conv2_x"`; the stem's max-pool is listed under `conv2_x`,
  as in the paper's Table 1).
- `block` — the residual block it belongs to, or `null`.
- `formula` — the output-size derivation for a conv or pool,
  `"56 = ⌊(112 + 2·1 − 3)/2⌋ + 1"`; `null` otherwise.
- `formula_ok` — false when the traced size differs from the formula (true when there is
  nothing to check).
- `receptive_field` — per spatial dimension, how many input pixels can affect one output
  position (`[435, 435]` for ResNet-18's last block; larger than the image is allowed: the
  border is not clipped). The maximum over all paths, shortcuts and pools included. A layer
  that sees the whole input (global pool, flatten, fc) has the input's size; `null` when the
  model input has no spatial dimensions.
- `jump` — the effective stride in input pixels between neighbouring output positions
  (`[32, 32]`); `null` for a layer that sees the whole input.
- `rf_start` — the input coordinate of the first pixel output position 0 sees (negative in
  the padding): position `i` sees `rf_start + i·jump` … `+ receptive_field − 1`; `null`
  like `jump`.

A block (where two branches are added; the branch with fewer weighted layers is the
shortcut):

- `name` — the module that performs the add (`"layer1.0"`), or the paper name when that
  module performs several adds.
- `paper_name` — `"conv2_1"` …
- `stage` — `"conv2_x"` …
- `kind` — `"identity"` (solid line), `"projection"` (dashed line: a 1x1 conv) or `"padded"`
  (option A: zero-padded identity, no parameters; the tables, the notebook display and the
  diagrams say "zero-padded identity", JSON and CSV keep the value `"padded"`).
- `reason` — why the shortcut is of that kind, in words.
- `input_shape` — shape entering the block (at the fork); `output_shape` — after the add.
- `main_layers` — indices into `layers` of the main (residual) branch, in call order; those
  layers have `block == name` and `role == "main"`.
- `shortcut_layers` — indices of the shortcut branch (empty for an identity); those layers
  have `role == "shortcut"`.
- `add_layer` — index of the add.
- `pre_layers` — layers before the fork that belong to the block (v2's shared
  pre-activation); `tail_layers` — layers after the add (the final ReLU). Role `"main"`.
- `main_weighted` — weighted layers the block puts on the longest path;
  `shortcut_weighted` — weighted layers on its shortcut.
- `params`, `macs` — totals over all the block's layers.
- `stride` — how much the main path downsamples: the product of its convs' and pools'
  strides (`2` for conv3_1 also at an odd size such as 57×57 → 29×29).
- `strided_layers` — indices of the main-path layers with a stride above 1 (where the
  downsampling sits: v1 strides the first 1x1, v1.5 the 3x3).
- `family` — `"basic"` (3x3, 3x3), `"bottleneck"` (1x1, 3x3, 1x1) or `"other"`, from the
  main path's conv kernels.
- `activation` — `"post"` (v1: conv → BN → ReLU, ReLU after the add) or `"pre"` (v2:
  BN → ReLU → conv first).

A stage:

- `name` — `"conv1"`, `"conv2_x"` …, `"fc"` (`"head"` when the head has no fully connected
  layer, e.g. a feature pyramid).
- `module` — the common module prefix (`"layer1"`), `""` when there is none.
- `kind` — `"stem"`, `"blocks"` or `"head"`.
- `blocks` — names of its blocks; `layers` — indices of its layers.
- `input_shape`, `output_shape` — shapes entering and leaving the stage.
- `params`, `macs` — totals over the stage's layers.
- `weighted_on_path` — weighted layers it contributes to `plain_depth`.

Layout: two-space indentation, keys in the order above, lists of numbers (shapes, index
lists) kept on one line, non-ASCII characters (`⌊`, `×`) written as they are.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from itertools import chain, compress, repeat
from json.encoder import encode_basestring
from operator import add, attrgetter
from typing import TYPE_CHECKING, Any

from ..architecture import SizeCheck
from ..gcpause import without_collector

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.receptive import ReceptiveField
    from ..architecture import Architecture, Block, Layer, Stage

SCHEMA_VERSION = 1

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

_RF_KEYS = ("receptive_field", "jump", "rf_start")


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
        memo[key] = _receptive(field)
    return columns + _columns(ids, memo.__getitem__, len(_RF_KEYS))


def block_columns(blocks: Sequence[Block]) -> list[Sequence[Any]]:
    return _columns(blocks, _block_values, len(BLOCK_KEYS))


def stage_columns(stages: Sequence[Stage]) -> list[Sequence[Any]]:
    return _columns(stages, _stage_values, len(STAGE_KEYS))


def _receptive(rf: ReceptiveField | None) -> tuple[Any, Any, Any]:
    """``receptive_field``, ``jump``, ``rf_start`` of one layer: all null without a field,
    jump and start null when the layer sees the whole input."""
    if rf is None:
        return None, None, None
    if rf.whole_input:
        return rf.size, None, None
    return rf.size, rf.jump, rf.start


def _dicts(keys: Sequence[str], columns: list[Sequence[Any]]) -> list[dict[str, Any]]:
    """One JSON-ready dict per object: tuples become lists, and no two dicts share a list."""
    plain = list(map(_plain_column, columns))
    return list(map(dict, map(zip, repeat(keys), zip(*plain))))


def _plain_column(values: Sequence[Any]) -> list[Any]:
    types = _types(values)
    if not types & _SEQUENCES:
        return values
    if types == _LIST or types <= _TUPLES:
        inner = _inner_types(values)
        if inner <= _INT:
            return [None if value is None else list(value) for value in values]
        if types == _LIST and inner == _TUPLE:  # lists of shapes
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
    return _dict(LAYER_KEYS, (*values, layer.formula, layer.formula_ok, *_receptive(field)))


def block_dict(block: Block) -> dict[str, Any]:
    return _dict(BLOCK_KEYS, _block_values(block))


def stage_dict(stage: Stage) -> dict[str, Any]:
    return _dict(STAGE_KEYS, _stage_values(stage))


def _head(arch: Architecture) -> dict[str, Any]:
    """The top-level keys before the layers."""
    return {
        "schema_version": SCHEMA_VERSION,
        "model": arch.model,
        "input_shape": list(arch.input_shape),
        "channel_axis_added": arch.channel_axis_added,
        "output_shape": list(arch.output_shape),
        "output_shapes": [list(shape) for shape in arch.output_shapes],
        "output_layers": list(arch.output_layers),
        "engine": arch.engine,
        "plain_depth": arch.plain_depth,
        "depth_formula": arch.depth_formula,
        "depth_terms": _depth_terms(arch),
        "layout": arch.layout,
        "shortcut_projections": arch.shortcut_projections,
        "weighted_layers": arch.weighted_layers,
        "total_params": arch.total_params,
        "trainable_params": arch.trainable_params,
        "non_trainable_params": arch.non_trainable_params,
        "param_bytes": arch.param_bytes,
        "macs": arch.macs,
        "warnings": list(arch.warnings),
        "notes": list(arch.notes),
        "findings": [finding.to_dict() for finding in arch.findings],
    }


def _depth_terms(arch: Architecture) -> dict[str, Any]:
    """``depth_terms``: the stem, the stages' runs, the head, and the transitions where the
    network has any."""
    terms = arch.depth_terms
    data: dict[str, Any] = {"stem": terms.stem,
                            "stages": [[list(run) for run in stage] for stage in terms.stages],
                            "head": terms.head}
    if terms.transitions:
        data["transitions"] = list(terms.transitions)
    return data


def _record_columns(arch: Architecture) -> list[tuple[str, Sequence[str], list[Sequence[Any]]]]:
    """``layers``, ``blocks`` and ``stages``: each key list with its columns."""
    return [("layers", LAYER_KEYS, layer_columns(arch.layers)),
            ("blocks", BLOCK_KEYS, block_columns(arch.blocks)),
            ("stages", STAGE_KEYS, stage_columns(arch.stages))]


def to_dict(arch: Architecture) -> dict[str, Any]:
    """The Architecture as plain JSON-ready data (see the contract above)."""
    data = _head(arch)
    for name, keys, columns in _record_columns(arch):
        data[name] = _dicts(keys, columns)
    return data


@without_collector
def to_json(arch: Architecture, indent: int | None = 2) -> str:
    """``to_dict(arch)`` as text: keys in contract order, lists of numbers on one line,
    ``⌊`` written as ``⌊``. ``indent=None`` gives the compact one-line form.

    The indented form is written without building ``to_dict``: the top-level values by
    :func:`_dump`, the layers by :func:`_layer_pieces`, the blocks and stages by
    :func:`_objects` from their columns (``tests/test_perf.py`` and
    ``tests/test_views_columns.py`` check the result against the layout rule)."""
    if indent is None:
        return _ENCODER.encode(to_dict(arch))
    step = " " * indent
    pieces = ["{"]
    for key, value in _head(arch).items():
        pieces.append(f"\n{step}{encode_basestring(key)}: {_dump(value, step, step)},")
    pieces.append(f"\n{step}\"layers\": ")
    pieces += _layer_pieces(arch.layers, step, step)
    pieces.append(f",\n{step}\"blocks\": ")
    pieces += _record_pieces(BLOCK_KEYS, block_columns(arch.blocks), step, step)
    pieces.append(f",\n{step}\"stages\": ")
    pieces += _record_pieces(STAGE_KEYS, stage_columns(arch.stages), step, step)
    pieces.append("\n}")
    return "".join(pieces)


# --- text -------------------------------------------------------------------------------
# One encoder for the whole process: ``json.dumps(..., ensure_ascii=False)`` builds a new
# encoder on every call, which dominated the time of the thousands of small values.
_ENCODER = json.JSONEncoder(ensure_ascii=False)

_SEQUENCES = frozenset({list, tuple})


def _types(values: Sequence[Any]) -> set[type]:
    """The types in ``values``, list and tuple subclasses (``torch.Size``) counted as such."""
    types = set(map(type, values))
    return {list if issubclass(kind, list) else tuple if issubclass(kind, tuple) else kind
            for kind in types}


def _text(value: Any) -> str:
    """One value on one line, as the encoder writes it (``[1, 64, 56, 56]``, ``"conv1"``)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_text, value)) + "]"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__repr__(value)  # what the encoder writes for an int (or an IntEnum)
    return _ENCODER.encode(value)


def _leaf_types(values: Sequence[Any]) -> set[type]:
    """The types of the scalars in ``values``, inside lists and tuples at any depth."""
    leaves: set[type] = set()
    while values:
        types = _types(values)
        leaves |= types - _SEQUENCES
        if not types & _SEQUENCES:
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
    if types == _INT:
        return list(map(int.__repr__, values)), False
    if all(map(issubclass, types, repeat(str))):
        return list(map(encode_basestring, values)), False
    if types == _BOOL:
        return list(map({True: label + "true", False: label + "false"}.__getitem__, values)), True
    if all(map(issubclass, types, repeat((str, type(None))))):
        return _labelled(values, _str_text, label), True
    try:
        if types <= _TUPLES:
            return _labelled(values, _int_tuple_text, label), True
        if types == _LIST:
            inner = _inner_types(values)
            if inner <= _INT:
                return list(map(repr, values)), False
            if inner == _TUPLE:  # lists of shapes
                return _labelled(list(map(tuple, values)), _int_tuples_text, label), True
    except _NotInts:
        pass
    types = _types(values)
    if not _memo_safe(_leaf_types(values)):
        return list(map(_text, values)), False
    keys = values if list not in types else [
        tuple(value) if isinstance(value, list) else value for value in values]
    try:
        return _labelled(keys, _text, label), True
    except TypeError:  # a list inside a list is not hashable: write value by value
        return list(map(_text, values)), False


_INT, _LIST, _TUPLE = frozenset({int}), frozenset({list}), frozenset({tuple})
_BOOL = frozenset({bool})
_TUPLES = frozenset({tuple, type(None)})  # shapes, kernel sizes …: tuples or null


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
    if not set(map(type, value)) <= _INT:
        raise _NotInts
    return "[" + ", ".join(map(int.__repr__, value)) + "]"


def _int_tuples_text(value: tuple[tuple[int, ...], ...]) -> str:
    return "[" + ", ".join(map(_int_tuple_text, value)) + "]"


def _inner_types(values: Sequence[Any]) -> set[type]:
    """The types of the items of the lists and tuples in ``values`` (nulls skipped)."""
    return set(map(type, chain.from_iterable(filter(None, values))))


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
        return _ENCODER.encode(value)
    inner = pad + step
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_ENCODER.encode(key)}: {_dump(item, step, inner)}"
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
                      *_FORMULA_RUN, *_RF_KEYS)


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
             texts(field_codes, _RF_KEYS, [_receptive(by_id[key]) for key in fields])]
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
