"""The trace against PyTorch itself and against torchinfo, and the untouched-model guarantee."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
import torchinfo
from torch import nn
from toy_models import Broken, StudentNet

from resnet_explain import explain
from resnet_explain.errors import TraceFailure
from resnet_explain.zoo import build

SMALL = {"resnet18": (2, 3, 64, 64), "resnet50": (1, 3, 96, 80), "resnet50-v1": (1, 3, 64, 64),
         "resnet18-v2": (1, 3, 64, 64), "resnet20": (2, 3, 32, 32)}


def real_leaf_shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Output shape of every leaf-module call in a real forward on real data."""
    names = {m: n for n, m in model.named_modules()}
    seen: list[tuple[str, tuple[int, ...]]] = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append((names[m], tuple(o.shape))))
             for m in model.modules() if next(m.children(), None) is None]
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        for h in hooks:
            h.remove()
    return seen


def traced_leaf_shapes(arch) -> list[tuple[str, tuple[int, ...]]]:
    return [(layer.name, layer.output_shape) for layer in arch.layers if not layer.is_op]


@pytest.mark.parametrize("name", SMALL)
def test_traced_shapes_equal_a_real_forward(name):
    model = build(name, init=True)
    size = SMALL[name]
    arch = explain(model, size)
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.randn(size))
    assert arch.output_shape == tuple(model(torch.randn(size)).shape)
    assert not arch.formula_mismatches


def test_student_model_uses_the_meta_fallback_and_gets_real_shapes():
    model = StudentNet()
    arch = explain(model, (3, 3, 32, 32))
    assert arch.engine == "meta"  # x.view(x.size(0), -1) cannot reshape an empty batch
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.randn(3, 3, 32, 32))
    assert arch.depth_formula == "10 = 1 + 2×(2+2) + 1"
    assert [b.kind for b in arch.blocks] == ["identity", "identity", "projection", "identity"]
    ops = [layer.type for layer in arch.layers if layer.is_op]
    assert ops.count("add") == 4 and "adaptive_avg_pool2d" in ops and "view" in ops


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet20"])
def test_agrees_with_torchinfo(name):
    model = build(name)
    size = SMALL[name]
    stats = torchinfo.summary(model, input_size=size, verbose=0, device="cpu", depth=10)
    arch = explain(model, size)
    assert arch.total_params == stats.total_params
    assert arch.trainable_params == stats.trainable_params
    leaves = [(info.module, tuple(info.output_size)) for info in stats.summary_list
              if info.is_leaf_layer]
    names = {m: n for n, m in model.named_modules()}
    assert [(names[m], s) for m, s in leaves] == traced_leaf_shapes(arch)
    # Convolutions: torchinfo's mult-adds and ours agree layer by layer.
    conv_theirs = [info.macs for info in stats.summary_list if isinstance(info.module, nn.Conv2d)]
    conv_ours = [layer.macs for layer in arch.layers if layer.type == "Conv2d"]
    assert conv_ours == conv_theirs
    # Linear: torchinfo also counts the bias add (in·out + out per row); we count in·out,
    # the paper's convention (docs/facts.md).
    fc_theirs = [info.macs for info in stats.summary_list if isinstance(info.module, nn.Linear)]
    fc = arch.layer("fc")
    assert fc_theirs == [fc.macs + fc.out_channels * fc.output_shape[0]]


def test_any_input_size_costs_no_memory():
    # 64×3×4096×4096 floats would be 12 GiB; a shape-only trace handles it at once.
    arch = explain(build("resnet50"), (64, 3, 4096, 4096))
    assert arch.engine == "empty-batch"
    assert arch.input_shape == (64, 3, 4096, 4096)
    assert arch.layer("conv1").output_shape == (64, 64, 2048, 2048)
    assert arch.layer("layer4.2.conv3").output_shape == (64, 2048, 128, 128)
    assert arch.output_shape == (64, 1000)
    assert arch.macs == 64 * sum(
        layer.macs for layer in explain("resnet50", (1, 3, 4096, 4096)).layers)


def test_model_on_meta_device_is_traced_on_meta():
    with torch.device("meta"):
        model = StudentNet()
    arch = explain(model, (1, 3, 32, 32))
    assert arch.engine == "meta" and arch.output_shape == (1, 10)


def _snapshot(model: nn.Module):
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    modes = {n: m.training for n, m in model.named_modules()}
    devices = {p.device for p in model.parameters()}
    return state, modes, devices


def _assert_untouched(model: nn.Module, before) -> None:
    state, modes, devices = before
    after = model.state_dict()
    assert state.keys() == after.keys()
    for key, value in state.items():
        assert torch.equal(value, after[key]), key  # bit-identical, buffers included
    assert modes == {n: m.training for n, m in model.named_modules()}
    assert devices == {p.device for p in model.parameters()}
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks


@pytest.mark.parametrize("training", [True, False])
def test_model_comes_back_untouched(training):
    model = build("resnet18", init=True)
    model.train(training)
    model.layer2.eval() if training else model.layer3.train()  # a mixed state survives too
    before = _snapshot(model)
    explain(model, (2, 3, 64, 64))
    _assert_untouched(model, before)


def test_model_comes_back_untouched_through_the_meta_fallback():
    model = StudentNet().train()
    before = _snapshot(model)
    explain(model, (2, 3, 32, 32))
    _assert_untouched(model, before)


def test_model_comes_back_untouched_when_its_forward_raises():
    model = Broken().train()
    before = _snapshot(model)
    with pytest.raises(TraceFailure) as caught:
        explain(model, (1, 3, 16, 16))
    message = str(caught.value)
    assert "RuntimeError: student bug: forgot to return" in message
    assert "toy_models.py" in message and "in forward" in message
    _assert_untouched(model, before)
    # Torch-function dispatch, switched off while a leaf runs, is back on after the failure.
    assert torch._C._is_torch_function_enabled()


def test_a_module_called_three_times_counts_its_parameters_once():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            return self.conv(self.conv(self.conv(x)))

    arch = explain(Shared(), (1, 4, 8, 8))
    convs = [layer for layer in arch.layers if layer.name == "conv"]
    assert [c.call for c in convs] == [0, 1, 2]
    assert [c.params for c in convs] == [4 * 4 * 9 + 4, 0, 0]
    assert arch.total_params == 4 * 4 * 9 + 4
    assert arch.plain_depth == 3


def test_seed_002_resnet50_is_explained_as_written():
    """Seed 002's code: every block has a projection (with a ReLU in it), bn3 runs twice."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "seed002_resnet50.py"
    spec = importlib.util.spec_from_file_location("seed002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.resnet_50(224)
    arch = explain(model, (1, 3, 224, 224))
    assert arch.plain_depth == 50
    assert arch.depth_formula == "50 = 1 + 3×(3+4+6+3) + 1"
    assert arch.shortcut_projections == 16  # one per block: the seed never passes identity
    assert {b.kind for b in arch.blocks} == {"projection"}
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert arch.layer("fc").params == 7 * 7 * 2048 * 1000 + 1000  # the ≈100 M parameter head
    assert [layer.call for layer in arch.layers if layer.name == "layer_1.0.bn3"] == [0, 1]
    shortcut_types = [arch.layers[i].type for i in arch.block("layer_1.1").shortcut_layers]
    assert shortcut_types == ["Conv2d", "BatchNorm2d", "ReLU"]
    real = copy.deepcopy(model)
    assert traced_leaf_shapes(arch)[:5] == real_leaf_shapes(real, torch.randn(1, 3, 224, 224))[:5]


def test_squeeze_excitation_gates_are_off_the_plain_path():
    from toy_models import SENet

    arch = explain(SENet(), (1, 3, 16, 16))
    # 3 blocks × (2 convs on the path + 2 gate convs off it): the gate scales, it is not depth.
    assert arch.weighted_layers == 1 + 3 * 4 + 1
    assert arch.depth_formula == "8 = 1 + 2×(3) + 1"
    assert arch.shortcut_projections == 0
    assert [b.kind for b in arch.blocks] == ["identity"] * 3
    assert not arch.layer("blocks.0.fc1").on_longest_path
    assert arch.layer("blocks.0.conv2").on_longest_path


def test_a_plain_network_without_residual_adds():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
    arch = explain(model, (1, 3, 16, 16))
    assert arch.blocks == [] and arch.plain_depth == 3
    assert arch.depth_formula == "3 = 3 weighted layers on the longest path (no residual blocks)"
    (stage,) = arch.stages
    assert (stage.name, stage.params, stage.macs) == ("network", arch.total_params, arch.macs)
    assert stage.input_shape == (1, 3, 16, 16) and stage.output_shape == (1, 4)
    assert stage.weighted_on_path == 3
    assert arch.layer("2").formula == "7 = ⌊(16 − 3)/2⌋ + 1"


def test_a_functional_op_and_a_module_of_the_same_name_are_counted_apart():
    class Mixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(torch.relu(self.conv(x)))

    arch = explain(Mixed(), (1, 3, 8, 8))
    relus = [(layer.type, layer.is_op, layer.call) for layer in arch.layers if layer.name == "relu"]
    assert relus == [("relu", True, 0), ("ReLU", False, 0)]


class Decoder(nn.Module):
    """An even 'same' conv, a strided transposed conv as a module and one as a function."""

    def __init__(self):
        super().__init__()
        self.same = nn.Conv2d(3, 8, 4, padding="same", dilation=1)
        self.up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        self.weight = nn.Parameter(torch.zeros(4, 2, 2, 2))

    def forward(self, x):
        y = self.up(self.same(x))
        return torch.nn.functional.conv_transpose2d(y, self.weight, stride=2, dilation=1)


def test_transposed_convs_and_same_padding_are_traced_without_false_mismatches():
    model = Decoder()
    arch = explain(model, (2, 3, 9, 7))
    with torch.no_grad():
        real = model(torch.randn(2, 3, 9, 7))
    assert arch.output_shape == tuple(real.shape) == (2, 2, 36, 28)
    assert not arch.formula_mismatches
    same, up = arch.layer("same"), arch.layer("up")
    assert same.formula == "9 = ⌊(9 + 1 + 2 − 4)/1⌋ + 1; 7 = ⌊(7 + 1 + 2 − 4)/1⌋ + 1"
    assert up.output_shape == (2, 4, 18, 14)
    assert up.formula.startswith("18 = (9 − 1)·2 − 2·1 + (3 − 1) + 1 + 1")
    # A transposed conv multiplies every input value by every weight: K²·C_in·C_out·H_in·W_in.
    assert up.macs == 2 * 9 * 8 * 4 * 9 * 7
    functional = next(layer for layer in arch.layers if layer.type == "conv_transpose2d")
    assert functional.output_shape == (2, 2, 36, 28) and functional.weighted
    assert functional.macs == 2 * 4 * 4 * 2 * 18 * 14
    assert functional.formula == "36 = (18 − 1)·2 + (2 − 1) + 1; 28 = (14 − 1)·2 + (2 − 1) + 1"


def test_a_size_pytorch_rejects_is_an_error_not_a_shape():
    # (1 − 1)·1 − 2·1 + (2 − 1) + 1 = 0: an empty batch lets it through, a real one not.
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ConvTranspose2d(4, 4, 2, padding=1))
    with pytest.raises(TraceFailure, match="Output size is too small") as caught:
        explain(model, (1, 3, 3, 3))
    assert "1 (ConvTranspose2d) receiving [1, 4, 1, 1]" in str(caught.value)


class Features(nn.Module):
    """A detection-style backbone: the zoo's ResNet-50 body returning a dict of four maps."""

    def __init__(self):
        super().__init__()
        self.body = build("resnet50")

    def forward(self, x):
        b = self.body
        x = b.maxpool(b.relu(b.bn1(b.conv1(x))))
        maps = {}
        for name in ("layer1", "layer2", "layer3", "layer4"):
            x = getattr(b, name)(x)
            maps[name] = x
        return maps


def test_every_output_of_a_dict_counts():
    arch = explain(Features(), (1, 3, 224, 224))
    trace_outputs = [arch.layers[i].name for i in arch.output_layers]
    assert trace_outputs == [f"body.{name}" for name in
                             ("layer1.2.relu", "layer2.3.relu", "layer3.5.relu", "layer4.2.relu")]
    assert arch.plain_depth == 49  # 1 + 3×16: the longest path, to layer4 (no fc)


class RootFunctional(nn.Module):
    """No submodules: the convs and the fc are F.conv2d / F.linear on the root's parameters."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(8, 3, 3, 3))
        self.b1 = nn.Parameter(torch.zeros(8))
        self.w2 = nn.Parameter(torch.randn(8, 8, 3, 3))
        self.fc = nn.Parameter(torch.randn(10, 8))

    def forward(self, x):
        x = F.relu(F.conv2d(x, self.w1, self.b1, padding=1))
        x = F.conv2d(x, self.w2, padding=1, stride=2)
        x = F.conv2d(x, self.w2, padding=1)  # the same weights again: one layer, call 1
        return F.linear(F.adaptive_avg_pool2d(x, 1).flatten(1), self.fc)


def test_functional_layers_on_the_roots_parameters_are_weighted_layers():
    model = RootFunctional()
    arch = explain(model, (1, 3, 16, 16))
    weighted = [(layer.name, layer.call, layer.params, layer.output_shape)
                for layer in arch.layers if layer.weighted]
    assert weighted == [("w1", 0, 8 * 3 * 9 + 8, (1, 8, 16, 16)),
                        ("w2", 0, 8 * 8 * 9, (1, 8, 8, 8)), ("w2", 1, 0, (1, 8, 8, 8)),
                        ("fc", 0, 80, (1, 10))]
    assert arch.plain_depth == 4 and arch.weighted_layers == 3
    assert sum(layer.params for layer in arch.layers) == arch.total_params == 880
    assert arch.layer("w1").formula == "16 = ⌊(16 + 2·1 − 3)/1⌋ + 1"
    assert arch.layer("w1").macs == 8 * 3 * 9 * 16 * 16


def test_a_tied_weight_is_counted_once_and_says_where():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(4, 4, 3, padding=1)
            self.b = nn.Conv2d(4, 4, 3, padding=1)
            self.b.weight = self.a.weight  # tied; each keeps its own bias

        def forward(self, x):
            return self.b(self.a(x))

    arch = explain(Tied(), (1, 4, 8, 8))
    rows = [(layer.name, layer.params, layer.shared_with) for layer in arch.layers]
    assert rows == [("a", 4 * 4 * 9 + 4, []), ("b", 4, ["a"])]
    assert sum(layer.params for layer in arch.layers) == arch.total_params == 152
    assert arch.total_params == sum(p.numel() for p in Tied().parameters())
    assert arch.notes == ["b uses parameters of a (tied weights): they are counted once, in a"]
    assert "counted once, in a" in arch.table("text")


def test_a_norm_with_an_activation_child_owns_its_parameters():
    class BatchNormAct(nn.BatchNorm2d):
        """timm's BatchNormAct2d: a BatchNorm that runs itself and then its child act."""

        def __init__(self, channels):
            super().__init__(channels)
            self.act = nn.ReLU()

        def forward(self, x):
            x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             False, 0.1, self.eps)
            return self.act(x)

    model = nn.Sequential(nn.Conv2d(3, 8, 3), BatchNormAct(8), nn.Conv2d(8, 8, 3),
                          nn.GroupNorm(2, 8))
    arch = explain(model, (1, 3, 8, 8))
    rows = [(layer.name, layer.type, layer.params) for layer in arch.layers]
    assert rows == [("0", "Conv2d", 224), ("1", "batch_norm", 16), ("1.act", "ReLU", 0),
                    ("2", "Conv2d", 584), ("3", "GroupNorm", 16)]
    assert sum(layer.params for layer in arch.layers) == arch.total_params


def test_a_leaf_that_passes_maps_through_does_not_take_them_over():
    class LastLevelMaxPool(nn.Module):
        """torchvision's FPN extra block: returns the maps it was given plus a pooled one."""

        def forward(self, maps):
            return [*maps, F.max_pool2d(maps[-1], 1, 2)]

    class Pyramid(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 4, 3, padding=1)
            self.c2 = nn.Conv2d(4, 4, 3, stride=2, padding=1)
            self.extra = LastLevelMaxPool()

        def forward(self, x):
            a = self.c1(x)
            return self.extra([a, self.c2(a)])

    arch = explain(Pyramid(), (1, 3, 8, 8))
    assert sorted(arch.layers[i].name for i in arch.output_layers) == ["c1", "c2", "extra"]
    assert arch.layer("c2").inputs == [arch.layer("c1").index]


def test_a_failed_call_is_asked_again_only_while_its_input_is_small():
    from resnet_explain.trace.failure import _ASK_LIMIT, _ask_again

    ran: list[tuple[int, ...]] = []

    def layer(x: torch.Tensor) -> None:  # stands for a layer that would compute
        ran.append(tuple(x.shape))
        raise RuntimeError("shapes do not fit")

    small = torch.empty(()).expand(1, 1, _ASK_LIMIT)
    large = torch.empty(()).expand(1, 2, _ASK_LIMIT)  # no memory: zero stride
    assert str(_ask_again(layer, (small,), {})) == "shapes do not fit"
    assert _ask_again(layer, (large,), {}) is None
    assert ran == [(1, 1, _ASK_LIMIT)]


def test_asking_for_a_layer_that_is_not_there_names_what_is():
    model = build("resnet18")
    arch = explain(model, (1, 3, 64, 64))
    # How often the stem's ReLU module runs in a real forward: the calls it has.
    runs = []
    handle = model.relu.register_forward_hook(lambda *_: runs.append(1))
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, 64, 64))
    handle.remove()
    assert arch.layer("relu", call=len(runs) - 1).name == "relu"
    with pytest.raises(KeyError) as caught:
        arch.layer("relu", call=len(runs))
    said = "once: it is call=0" if len(runs) == 1 else (
        f"{len(runs)} times: call=0 to call={len(runs) - 1}, counted from 0 (a table's "
        f"\"(call {len(runs)})\" is call={len(runs) - 1})")
    assert caught.value.args[0] == f"relu runs {said}; not call={len(runs)}"
    # A table counts calls from 1: its "(call 2)" is the layer's call=1.
    twice = [layer for layer in explain(build("resnet18"), (1, 3, 64, 64)).layers
             if layer.call == 1]
    assert twice and all("(call 2)" in repr(layer) for layer in twice)
    with pytest.raises(KeyError, match=r"no layer named 'layer1\.0\.conv'; did you mean "
                                       r"'layer1\.0\.conv\d', 'layer1\.0\.conv\d'"):
        arch.layer("layer1.0.conv")
    with pytest.raises(KeyError, match=r"no layer named 'zzz'; layers are e\.g\. conv1, bn1"):
        arch.layer("zzz")
