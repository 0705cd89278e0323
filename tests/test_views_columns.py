"""The column-wise views give what the object-by-object rules give.

``to_json`` writes layers, blocks and stages column by column (each distinct shape or kind
once), ``to_dict`` and the CSV records are made from the same columns, and the text table
formats each distinct cell once. Here each is checked against the plain rule applied value
by value: the generic layout of ``to_dict`` (``jsontext._dump``, itself checked against the
contract's layout rule in ``test_perf.py``), the Layer's own properties, one dict per layer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import structures
from hypothesis import given, settings
from hypothesis import strategies as st
from test_render import TinyResNet

from resnet_explain import explain
from resnet_explain.architecture import Architecture
from resnet_explain.render import jsontext
from resnet_explain.render import numbers as fmt
from resnet_explain.render.columns import each_once, layer_dict
from resnet_explain.render.jsonview import to_dict, to_json
from resnet_explain.render.rows import (
    LAYER_RECORD,
    build_table,
    csv_record,
    formula_cell,
    layer_records,
    params_cell,
    warned_cell,
)
from resnet_explain.render.text import render_table

_CACHE: dict[str, Architecture] = {}


def arch_of(name: str) -> Architecture:
    if name not in _CACHE:
        models = {
            "tiny": lambda: explain(TinyResNet(), (3, 16, 16), name="tiny"),
            "fpn": lambda: explain(structures.FPN(), (3, 64, 64), name="fpn"),
            "flatten-fork": lambda: explain(structures.FlattenFork(), (3, 8, 8)),
            "res2net": lambda: explain(structures.Res2Net(blocks=2), (3, 16, 16), name="res2net"),
            "resnet26d-like": lambda: explain(structures.ResNet26DLike(), (3, 64, 64),
                                              name="resnet26d-like"),
        }
        _CACHE[name] = models[name]() if name in models else explain(name)
    return _CACHE[name]


MODELS = ["tiny", "resnet18", "resnet50-v2", "resnet20", "fpn", "res2net", "resnet26d-like",
          "flatten-fork"]


@pytest.mark.parametrize("model", MODELS)
def test_to_json_is_the_generic_layout_of_to_dict(model: str) -> None:
    arch = arch_of(model)
    data = to_dict(arch)
    assert to_json(arch) == jsontext._dump(data, "  ", "")
    assert to_json(arch, indent=4) == jsontext._dump(data, "    ", "")
    assert json.loads(to_json(arch, indent=None)) == data


@pytest.mark.parametrize("model", MODELS)
def test_columns_hold_what_the_layers_say(model: str) -> None:
    arch = arch_of(model)
    layers = to_dict(arch)["layers"]
    assert layers == [layer_dict(layer) for layer in arch.layers]
    for layer, data in zip(arch.layers, layers):
        assert (data["formula"], data["formula_ok"]) == (layer.formula, layer.formula_ok)
        assert data["input_shape"] == (None if layer.input_shape is None
                                       else list(layer.input_shape))
        rf = layer.receptive_field
        assert data["receptive_field"] == (None if rf is None else list(rf.size))


@pytest.mark.parametrize("model", MODELS)
def test_csv_layer_records_are_the_json_values(model: str) -> None:
    arch = arch_of(model)
    expected = []
    for layer in arch.layers:
        record = csv_record(layer_dict(layer), LAYER_RECORD)
        if layer.formula is None:
            record["formula_ok"] = ""
        expected.append(record)
    assert layer_records(arch) == expected


def test_a_formula_mismatch_and_a_missing_field_are_written_per_layer() -> None:
    # Two layers with equal size checks share a formula; one whose check disagrees does not.
    arch = arch_of("tiny")
    conv = next(layer for layer in arch.layers if layer.size_checks)
    saved = conv.size_checks, conv.receptive_field
    try:
        check = conv.size_checks[0]
        conv.size_checks = [type(check)(**{**vars(check), "traced": check.traced + 1})]
        conv.receptive_field = None
        data = to_dict(arch)["layers"][conv.index]
        assert (data["formula"], data["formula_ok"]) == (conv.formula, False)
        assert data["receptive_field"] is None
        assert to_json(arch) == jsontext._dump(to_dict(arch), "  ", "")
    finally:
        conv.size_checks, conv.receptive_field = saved



def test_layer_runs_take_any_value_the_contract_allows() -> None:
    # The layer writer writes each distinct combination of a run of keys once: a layer with
    # odd values (no input, a float in a kernel, a stride of null, a name needing escapes)
    # gets its own combination, written as the encoder writes it.
    arch = arch_of("tiny")
    layer = next(layer for layer in arch.layers if layer.kernel_size)
    saved = (layer.input_shapes, layer.kernel_size, layer.stride, layer.name, layer.block)
    try:
        layer.input_shapes = []
        layer.kernel_size = (3, 1.5)
        layer.stride = None
        layer.name = 'conv "⌊\\'
        layer.block = None
        assert to_json(arch) == jsontext._dump(to_dict(arch), "  ", "")
        assert to_dict(arch)["layers"][layer.index]["input_shape"] is None
    finally:
        (layer.input_shapes, layer.kernel_size, layer.stride, layer.name,
         layer.block) = saved

keys = st.lists(st.one_of(st.integers(-3, 3), st.text("ab⌊", max_size=2), st.none(),
                          st.tuples(st.integers(0, 3), st.integers(0, 3))), max_size=30)


@settings(max_examples=200, deadline=None)
@given(keys)
def test_each_once_is_convert_of_each(values: list[Any]) -> None:
    assert each_once(values, repr) == list(map(repr, values))


# Columns as the Architecture has them (tuples of ints), and as a list of dicts may have
# them (anything flat): each text is what json.dumps writes, with the label in front.
flat = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                 st.floats(allow_nan=False), st.text('ab"\\\x1f⌊', max_size=3),
                 st.lists(st.integers(-5, 5), max_size=3),
                 st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=2))
columns = st.one_of(
    st.lists(flat, max_size=12),
    st.lists(st.none() | st.tuples(st.integers(0, 99), st.integers(0, 99)), max_size=12),
    st.lists(st.lists(st.tuples(st.integers(0, 9)), max_size=2), max_size=12),
    st.lists(st.sampled_from([0, 1, True, False, 0.0, -0.0, 1.0]), max_size=12))


@settings(max_examples=300, deadline=None)
@given(columns)
def test_column_texts_are_what_the_encoder_writes(values: list[Any]) -> None:
    texts, labelled = jsontext._texts(values, "k: ")
    expected = [json.dumps(value, ensure_ascii=False) for value in values]
    assert texts == (["k: " + text for text in expected] if labelled else expected)


@pytest.mark.parametrize("model", MODELS)
def test_layer_rows_hold_what_each_layer_says(model: str) -> None:
    # The layer table formats each distinct value once, in one pass; here every cell and
    # mark is made from its own layer by the plain rule.
    arch = arch_of(model)
    table = build_table(arch, "layer")
    rows = [row for row in table.rows if row.span is None]
    first = {layer.name: layer.params for layer in arch.layers if layer.call == 0}
    scopes = {block.name + "." for block in arch.blocks if block.name}
    assert len(rows) == len(arch.layers)
    warned = arch.layer_warnings()
    for row, layer in zip(rows, arch.layers):
        scope = layer.block + "." if layer.block is not None else None
        name = (layer.name[len(scope):] if scope in scopes and layer.name.startswith(scope)
                else layer.name)
        rf = layer.receptive_field
        assert row.cells == (
            name + (" (op)" if layer.is_op else f" ({layer.type})"),
            fmt.kernel(layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                       layer.groups),
            fmt.shape(layer.input_shape), fmt.shape(layer.output_shape),
            params_cell(layer, first.get(layer.name, 0)), fmt.count(layer.macs),
            str(layer.role), rf.label if rf is not None else "",
            warned_cell(layer, warned[layer.index]) if layer.index in warned
            else formula_cell(layer))
        assert row.marks == (layer.role, *(() if layer.formula_ok else ("mismatch",)),
                             *(("weighted",) if layer.weighted else ()),
                             *(("warning",) if layer.index in warned else ()))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("depth", ["layer", "block", "stage"])
def test_text_table_is_the_plain_padded_layout(model: str, depth: str) -> None:
    # Each body line is its cells padded to the column widths (numbers to the right),
    # joined by two spaces, trailing spaces cut; header rows are written across.
    table = build_table(arch_of(model), depth)
    body = [row for row in table.rows if row.span is None]
    firsts = [row.prefix + row.cells[0] for row in body]
    columns = [firsts, *([row.cells[i] for row in body] for i in range(1, len(table.columns)))]
    widths = [max([len(column.title), *map(len, cells)])
              for column, cells in zip(table.columns, columns)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(width) if column.numeric else cell.ljust(width)
                         for cell, width, column in zip(cells, widths, table.columns)).rstrip()

    body_lines = iter([line([first, *row.cells[1:]]) for first, row in zip(firsts, body)])
    expected = [line([column.title for column in table.columns]),
                *[(row.prefix + row.span).rstrip() if row.span is not None
                  else next(body_lines) for row in table.rows]]
    lines = render_table(table).split("\n")
    assert [lines[2], *lines[4:4 + len(table.rows)]] == expected  # title, rule, header, rule
