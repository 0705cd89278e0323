"""Every fact is decided once, in the analysis, and every view prints that one fact.

Facts checked here against independent sources: the strides of torchvision's Bottleneck (the
paper's Table 1 and torchvision's v1.5 comment: conv3_1 downsamples by 2, at any input size),
the base classes of PyTorch's pools, and the block families of ResNet-18/50 (Table 1: two 3×3
convs per BasicBlock, 1×1-3×3-1×1 per Bottleneck). See docs/facts.md.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
import torch.nn.functional as F
from torch import nn

from resnet_explain import explain
from resnet_explain.architecture import (
    Activation,
    BlockFamily,
    LayerKind,
    Pooling,
    Role,
    ShortcutKind,
    StageKind,
)
from resnet_explain.cli import build_parser, main, summary_format
from resnet_explain.diagram.block import block_diagram
from resnet_explain.diagram.labels import layer_title
from resnet_explain.diagram.network import network_diagram

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def r50_227():
    return explain("resnet50", input_size=(1, 3, 227, 227))


# --- the block stride ------------------------------------------------------------------
def test_block_stride_comes_from_the_strided_layers_at_an_odd_size(r50_227):
    block = r50_227.block("conv3_1")
    assert block.input_shape[2:] == (57, 57) and block.output_shape[2:] == (29, 29)
    assert block.stride == 2  # 57 // 29 == 1: the ratio of sizes would say 1
    assert [r50_227.layers[i].name for i in block.strided_layers] == ["layer2.0.conv2"]
    assert "stride 2: 57×57→29×29" in block.reason
    assert "stride 1" not in block.reason
    # Table 1: only the first block of conv3_x … conv5_x downsamples, by 2.
    down = {b.paper_name for b in r50_227.blocks if b.stride == 2}
    assert down == {"conv3_1", "conv4_1", "conv5_1"}
    assert all(b.stride == 1 for b in r50_227.blocks if b.paper_name not in down)


@pytest.mark.parametrize("fmt", ["text", "html", "markdown"])
def test_every_view_prints_the_analysis_stride(r50_227, fmt):
    table = r50_227.table(fmt)
    assert "stride 2: 57×57→29×29" in table
    assert "stride 1: 57" not in table


def test_the_block_diagram_title_prints_the_analysis_stride(r50_227):
    source = block_diagram(r50_227, "conv3_1").source
    assert "stride 2: 57×57→29×29" in source


def test_json_block_stride_and_where_it_sits():
    v1, v15 = explain("resnet50-v1"), explain("resnet50")
    for arch, conv in ((v1, "layer2.0.conv1"), (v15, "layer2.0.conv2")):
        data = json.loads(arch.to_json())
        block = next(b for b in data["blocks"] if b["paper_name"] == "conv3_1")
        assert block["stride"] == 2
        assert [data["layers"][i]["name"] for i in block["strided_layers"]] == [conv]


# --- pooling kind from the base class --------------------------------------------------
class Downsample(nn.MaxPool2d):
    """A max pool whose name says nothing about max."""


class MaxLooking(nn.AvgPool2d):
    """An average pool whose name says max."""


class Pools(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.down = Downsample(2)
        self.maxish = MaxLooking(2)
        self.gap = nn.AdaptiveMaxPool2d(1)

    def forward(self, x):
        x = self.maxish(self.down(self.conv(x)))
        x = F.avg_pool2d(F.max_pool2d(x, 2), 1)
        return self.gap(x)


def test_pooling_kind_comes_from_the_base_class_or_the_op():
    arch = explain(Pools(), (3, 32, 32))
    pools = {layer.name: layer for layer in arch.layers
             if layer.kind in (LayerKind.POOL, LayerKind.ADAPTIVE_POOL)}
    assert pools["down"].pooling == Pooling.MAX
    assert pools["maxish"].pooling == Pooling.AVG
    assert pools["gap"].pooling == Pooling.MAX
    ops = [layer for layer in arch.layers if layer.is_op]
    assert [layer.pooling for layer in ops] == [Pooling.MAX, Pooling.AVG]
    assert layer_title(pools["down"]).startswith("max pool 2")
    assert layer_title(pools["maxish"]).startswith("avg pool 2")
    assert layer_title(pools["gap"]) == "global max pool"


# --- block family, activation position, runs -------------------------------------------
def test_block_family_and_activation_position():
    assert {b.family for b in explain("resnet18").blocks} == {BlockFamily.BASIC}
    assert {b.family for b in explain("resnet50").blocks} == {BlockFamily.BOTTLENECK}
    assert {b.activation for b in explain("resnet18").blocks} == {Activation.POST}
    assert {b.activation for b in explain("resnet18-v2").blocks} == {Activation.PRE}


def test_identical_block_runs_from_the_signature():
    arch = explain("resnet50")
    # Table 1: [3, 4, 6, 3] blocks; the first of each stage differs (its shortcut projects).
    assert [len(run) for run in arch.block_runs()] == [1, 2, 1, 3, 1, 5, 1, 2]


# --- stem and head groups --------------------------------------------------------------
def test_stem_and_head_groups_are_the_layers_of_those_roles():
    arch = explain("resnet50")
    assert arch.stem is not None and arch.head is not None
    assert arch.stem.kind == StageKind.STEM and arch.head.kind == StageKind.HEAD
    assert arch.stem.layers == [la.index for la in arch.layers if la.role == Role.STEM]
    assert arch.head.layers == [la.index for la in arch.layers if la.role == Role.HEAD]
    # torchvision: conv1 7×7×3×64 + bn1 2×64; fc 2048×1000 + 1000.
    assert arch.stem.params == 7 * 7 * 3 * 64 + 2 * 64
    assert arch.head.params == 2048 * 1000 + 1000
    assert arch.stem.params + sum(b.params for b in arch.blocks) + arch.head.params \
        == arch.total_params
    assert arch.stem.output_shape == (1, 64, 56, 56)  # after the max-pool
    rows = [row for row in csv.DictReader(io.StringIO(arch.table("csv", depth="block")))]
    assert (rows[0]["row"], int(rows[0]["params"])) == ("stem", arch.stem.params)
    assert (rows[-1]["row"], int(rows[-1]["params"])) == ("head", arch.head.params)


def test_a_network_without_blocks_has_no_stem_or_head():
    arch = explain(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(4 * 30 * 30, 2)), (3, 32, 32))
    assert arch.blocks == [] and arch.stem is None and arch.head is None
    rows = list(csv.DictReader(io.StringIO(arch.table("csv", depth="block"))))
    assert len(rows) == 1 and int(rows[0]["params"]) == arch.total_params


# --- output layers ---------------------------------------------------------------------
def test_the_network_diagram_joins_every_output_layer_to_the_output():
    arch = explain(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3)), (3, 16, 16))
    arch.output_layers = [0, 1]  # as the trace records a model that returns both maps
    source = network_diagram(arch, "layer").source
    assert "L0 -> output" in source and "L1 -> output" in source


# --- vocabularies ----------------------------------------------------------------------
def test_vocabularies_are_enums_equal_to_their_strings():
    assert LayerKind.CONV == "conv" and Role.STEM == "stem"
    assert ShortcutKind.PROJECTION == "projection" and StageKind.BLOCKS == "blocks"
    assert json.dumps([LayerKind.BATCH_NORM, Pooling.AVG]) == '["batch_norm", "avg"]'
    arch = explain("resnet18")
    assert all(isinstance(layer.role, Role) for layer in arch.layers)
    assert all(isinstance(block.kind, ShortcutKind) for block in arch.blocks)
    assert all(isinstance(stage.kind, StageKind) for stage in arch.stages)


# --- one record per layer: JSON and CSV agree ------------------------------------------
def _csv_shape(text: str) -> list[int] | None:
    return [int(v) for v in text.split("x")] if text else None


def test_csv_rows_hold_the_json_values():
    arch = explain("resnet18")
    data = arch.to_dict()
    rows = list(csv.DictReader(io.StringIO(arch.table("csv"))))
    assert len(rows) == len(data["layers"])
    for row, layer in zip(rows, data["layers"]):
        assert int(row["index"]) == layer["index"] and row["name"] == layer["name"]
        assert row["role"] == layer["role"] and row["stage"] == layer["stage"]
        assert row["block"] == (layer["block"] or "")
        assert _csv_shape(row["output_shape"]) == layer["output_shape"]
        assert _csv_shape(row["kernel_size"]) == layer["kernel_size"]
        assert _csv_shape(row["stride"]) == layer["stride"]
        assert int(row["params"]) == layer["params"] and int(row["macs"]) == layer["macs"]
        assert bool(int(row["weighted"])) == layer["weighted"]
        assert row["formula"] == (layer["formula"] or "")
    blocks = list(csv.DictReader(io.StringIO(arch.table("csv", depth="block"))))[1:-1]
    for row, block in zip(blocks, data["blocks"], strict=True):
        assert (row["name"], row["kind"], int(row["depth"]), int(row["params"])) == \
            (block["name"], block["kind"], block["main_weighted"], block["params"])
    stages = list(csv.DictReader(io.StringIO(arch.table("csv", depth="stage"))))
    for row, stage in zip(stages, data["stages"], strict=True):
        assert (row["name"], int(row["blocks"]), int(row["depth"])) == \
            (stage["name"], len(stage["blocks"]), stage["weighted_on_path"])


# --- one CLI, one writer ---------------------------------------------------------------
def test_every_subcommand_is_registered():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert set(choices) == {"list", "summary", "diagram", "table1", "plot",
                            "report", "exercises"}


@pytest.mark.parametrize(("name", "given", "expected"), [
    ("out.json", None, "json"), ("out.md", None, "markdown"), ("out.html", None, "html"),
    ("out.csv", None, "csv"), ("out.txt", None, "text"), ("out.log", None, "text"),
    ("OUT.JSON", None, "json"), ("out.json", "text", "text"), (None, None, "text"),
])
def test_summary_format_from_the_suffix_unless_given(name, given, expected):
    assert summary_format(given, name) == expected


def test_summary_writes_the_format_its_suffix_names(tmp_path):
    target = tmp_path / "r20.json"
    assert main(["summary", "resnet20", "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["plain_depth"] == 20
    table = tmp_path / "r20.md"
    assert main(["summary", "resnet20", "-o", str(table), "--depth", "stage"]) == 0
    assert table.read_text(encoding="utf-8").lstrip().startswith(("#", "|", "**"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r20.json", "r20.md"]  # no temp


def test_output_never_overwrites_the_model_source(tmp_path, capsys):
    source = tmp_path / "net.py"
    shutil.copy(ROOT / "tests" / "toy_models.py", source)
    before = source.read_bytes()
    code = main(["summary", f"{source}:StudentNet", "--input", "3x32x32", "-o", str(source)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "model's own source" in err
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.py"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, capsys, monkeypatch):
    target = tmp_path / "r20.txt"
    target.write_text("old\n", encoding="utf-8")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["summary", "resnet20", "-o", str(target)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r20.txt"]
