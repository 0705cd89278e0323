"""The JSON view: the whole Architecture as data, under a documented, versioned contract.

``resnet-explain summary MODEL --format json`` and ``Architecture.to_json()`` print it;
``Architecture.to_dict()`` returns the same object before serialisation. JSON ignores
``--depth``: it always holds every layer, block and stage. Keys come in the order listed
here; shapes and tuples are lists; absent values are ``null``. The output is deterministic.

JSON contract, `schema_version` 1
---------------------------------

(Written in Markdown so that it can be copied into the README as it is.)

Top level:

- `schema_version` — `1`. Raised when a key changes meaning or disappears; adding a key does
  not raise it.
- `model` — the model's name (zoo name, spec or class name).
- `input_shape` — the traced input, batch first: `[1, 3, 224, 224]`.
- `output_shape` — shape of the model's output: `[1, 1000]`.
- `output_layers` — indices into `layers` of the layers whose output the model returns.
- `engine` — how the shapes were obtained: `"empty-batch"` or `"meta"`.
- `plain_depth` — weighted layers (conv + fc) on the longest input→output path: the number
  in a ResNet's name (`50`).
- `depth_formula` — that number explained: `"50 = 1 + 3×(3+4+6+3) + 1"`.
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
- `role` — `"stem"`, `"main"`, `"shortcut"` or `"head"`.
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
  (option A: zero-padded identity, no parameters).
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

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Layer, Stage

SCHEMA_VERSION = 1


def _list(value: Sequence[int] | None) -> list[int] | None:
    return None if value is None else list(value)


def layer_dict(layer: Layer) -> dict[str, Any]:
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.type,
        "is_op": layer.is_op,
        "call": layer.call,
        "inputs": list(layer.inputs),
        "input_shape": _list(layer.input_shape),
        "input_shapes": [list(s) for s in layer.input_shapes],
        "output_shape": list(layer.output_shape),
        "kind": layer.kind,
        "pooling": layer.pooling,
        "kernel_size": _list(layer.kernel_size),
        "stride": _list(layer.stride),
        "padding": _list(layer.padding),
        "dilation": _list(layer.dilation),
        "groups": layer.groups,
        "params": layer.params,
        "trainable_params": layer.trainable_params,
        "macs": layer.macs,
        "weighted": layer.weighted,
        "on_longest_path": layer.on_longest_path,
        "role": layer.role,
        "stage": layer.stage,
        "block": layer.block,
        "formula": layer.formula,
        "formula_ok": layer.formula_ok,
        **_receptive(layer),
    }


def _receptive(layer: Layer) -> dict[str, Any]:
    rf = layer.receptive_field
    if rf is None:
        return {"receptive_field": None, "jump": None, "rf_start": None}
    if rf.whole_input:
        return {"receptive_field": list(rf.size), "jump": None, "rf_start": None}
    return {"receptive_field": list(rf.size), "jump": list(rf.jump), "rf_start": list(rf.start)}


def block_dict(block: Block) -> dict[str, Any]:
    return {
        "name": block.name,
        "paper_name": block.paper_name,
        "stage": block.stage,
        "kind": block.kind,
        "reason": block.reason,
        "input_shape": list(block.input_shape),
        "output_shape": list(block.output_shape),
        "main_layers": list(block.main_layers),
        "shortcut_layers": list(block.shortcut_layers),
        "add_layer": block.add_layer,
        "pre_layers": list(block.pre_layers),
        "tail_layers": list(block.tail_layers),
        "main_weighted": block.main_weighted,
        "shortcut_weighted": block.shortcut_weighted,
        "params": block.params,
        "macs": block.macs,
        "stride": block.stride,
        "strided_layers": list(block.strided_layers),
        "family": block.family,
        "activation": block.activation,
    }


def stage_dict(stage: Stage) -> dict[str, Any]:
    return {
        "name": stage.name,
        "module": stage.module,
        "kind": stage.kind,
        "blocks": list(stage.blocks),
        "layers": list(stage.layers),
        "input_shape": _list(stage.input_shape),
        "output_shape": _list(stage.output_shape),
        "params": stage.params,
        "macs": stage.macs,
        "weighted_on_path": stage.weighted_on_path,
    }


def to_dict(arch: Architecture) -> dict[str, Any]:
    """The Architecture as plain JSON-ready data (see the contract above)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "model": arch.model,
        "input_shape": list(arch.input_shape),
        "output_shape": list(arch.output_shape),
        "output_layers": list(arch.output_layers),
        "engine": arch.engine,
        "plain_depth": arch.plain_depth,
        "depth_formula": arch.depth_formula,
        "shortcut_projections": arch.shortcut_projections,
        "weighted_layers": arch.weighted_layers,
        "total_params": arch.total_params,
        "trainable_params": arch.trainable_params,
        "non_trainable_params": arch.non_trainable_params,
        "param_bytes": arch.param_bytes,
        "macs": arch.macs,
        "warnings": list(arch.warnings),
        "notes": list(getattr(arch, "notes", None) or []),
        "layers": [layer_dict(layer) for layer in arch.layers],
        "blocks": [block_dict(block) for block in arch.blocks],
        "stages": [stage_dict(stage) for stage in arch.stages],
    }


def to_json(arch: Architecture, indent: int | None = 2) -> str:
    """``to_dict(arch)`` as text: keys in contract order, lists of numbers on one line,
    ``⌊`` written as ``⌊``. ``indent=None`` gives the compact one-line form."""
    data = to_dict(arch)
    if indent is None:
        return _ENCODER.encode(data)
    return _dump(data, " " * indent, "", records=_RECORD_LISTS)


#: The lists of ``to_dict`` that hold one flat object per layer, block or stage.
_RECORD_LISTS = frozenset({"layers", "blocks", "stages"})


# One encoder for the whole process: ``json.dumps(..., ensure_ascii=False)`` builds a new
# encoder on every call, which dominated the time of the thousands of small values.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _flat(value: Any) -> bool:
    """A value printed on one line: a scalar, or a list holding no dict."""
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return all(_flat(item) and not isinstance(item, dict) for item in value)
    return True


def _dump(value: Any, step: str, pad: str, records: frozenset[str] = frozenset()) -> str:
    """``value`` in the contract's layout. The values of the top-level keys in ``records``
    are lists of objects whose values are scalars or lists of numbers (``layer_dict`` …):
    they take :func:`_records`."""
    if _flat(value):
        return _ENCODER.encode(value)
    inner = pad + step
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_ENCODER.encode(key)}: "
                 f"{(key in records and _records(item, step, inner)) or _dump(item, step, inner)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [inner + _dump(item, step, inner) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


# The fast path for the bulk of the document (layers, blocks, stages): a list of dicts whose
# values are scalars or lists of numbers (by construction; a list holding an empty dict would
# go unnoticed, so only those lists take it). The C encoder writes the whole list in one call with
# control characters as separators, U+001F between items and U+001E after keys. JSON escapes
# every control character inside strings, so each raw one is a separator, and plain string
# replacements lay the text out: U+001F before a quote starts a key (the values hold no
# strings inside lists: the count of such places proves it, else the slow path runs).
_ITEM, _KEY = "\x1f", "\x1e"
_RECORD_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False,
                                   separators=(_ITEM, _KEY))


def _records(value: list[Any], step: str, pad: str) -> str | None:
    """``value`` laid out as :func:`_dump` would, or ``None`` when it is not a non-empty list
    of non-empty dicts, or when a value holds a string inside a list or a non-empty dict."""
    if not value or not all(type(item) is dict and item for item in value):
        return None
    text = _RECORD_ENCODER.encode(value)
    n_keys = sum(map(len, value))
    if text.count(_KEY) != n_keys or text.count(_ITEM + '"') != n_keys - len(value):
        return None  # a nested dict adds keys; a string in a list adds an item quote
    inner = pad + step
    inner2 = inner + step
    text = (
        text[2:-2]
        .replace("}" + _ITEM + "{", f"\n{inner}}},\n{inner}{{\n{inner2}")
        .replace(_ITEM + '"', ",\n" + inner2 + '"')
        .replace(_ITEM, ", ")
        .replace(_KEY, ": ")
    )
    return f"[\n{inner}{{\n{inner2}{text}\n{inner}}}\n{pad}]"
