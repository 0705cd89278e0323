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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..gcpause import without_collector
from .columns import (
    BLOCK_KEYS,
    LAYER_KEYS,
    STAGE_KEYS,
    block_columns,
    dicts,
    layer_columns,
    stage_columns,
)
from .jsontext import ENCODER, write_json

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture


SCHEMA_VERSION = 1


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
        data[name] = dicts(keys, columns)
    return data


@without_collector
def to_json(arch: Architecture, indent: int | None = 2) -> str:
    """``to_dict(arch)`` as text: keys in contract order, lists of numbers on one line,
    ``⌊`` written as ``⌊``. ``indent=None`` gives the compact one-line form. The indented
    form is written from the columns without building ``to_dict`` (:mod:`.jsontext`)."""
    if indent is None:
        return ENCODER.encode(to_dict(arch))
    return write_json(_head(arch), arch, " " * indent)
