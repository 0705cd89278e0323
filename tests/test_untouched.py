"""The model comes back untouched, also when its forward changes itself; models the tracer
must refuse (lazy, TorchScript), sizes PyTorch cannot make, and models that use dimension 0
for something else than the batch."""

from __future__ import annotations

import copy
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from toy_models import LazyResNet18

from resnet_explain import explain
from resnet_explain.errors import BadInputSize, CannotTrace, NotInitialised
from resnet_explain.zoo import build

ROOT = Path(__file__).resolve().parents[1]


class ActNorm(nn.Module):
    """Glow's ActNorm: a leaf whose first forward initialises its parameters from the data."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.initialized.item() == 0:
            with torch.no_grad():
                mean = x.mean(dim=(0, 2, 3), keepdim=True)
                std = x.std(dim=(0, 2, 3), keepdim=True)
                self.loc.data.copy_(-mean)
                self.log_scale.data.copy_(torch.log(1 / (std + 1e-6)))
                self.initialized.fill_(1)
        return (x + self.loc) * torch.exp(self.log_scale)


class SelfChanging(nn.Module):
    """A forward that changes every kind of state it can reach."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = ActNorm(8)
        self.head = nn.Linear(8, 4)
        self.register_buffer("ema", torch.ones(8))
        self.register_buffer("step", torch.tensor(0))
        self.register_buffer("last", torch.zeros(()))
        self.calls = 0
        self.seen_shapes: tuple = ()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.conv(x))
        pooled = y.mean(dim=(2, 3))
        self.ema.mul_(0.9).add_(0.1 * pooled.mean(0))  # EMA written in place
        self.step += 1  # a counter buffer
        self.last = pooled.sum()  # a buffer replaced by a new tensor
        self.calls += 1  # a plain Python attribute
        self.seen_shapes = tuple(x.shape)
        self.head.weight.data = self.head.weight.data * 2  # a parameter's data replaced
        with torch.no_grad():
            self.head.weight[0, 0] = 7.0  # an indexed write
        noise = torch.rand(1)  # draws from the global generator
        return self.head(pooled + 0 * noise)


def _state(model: nn.Module):
    return {
        "tensors": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "attributes": {name: {k: v for k, v in vars(m).items() if not k.startswith("_")}
                       for name, m in model.named_modules()},
        "params": {name: id(p) for name, p in model.named_parameters()},
        "rng": torch.get_rng_state(),
    }


def _assert_same(model: nn.Module, before) -> None:
    after = _state(model)
    assert before["tensors"].keys() == after["tensors"].keys()
    for key, value in before["tensors"].items():
        got = after["tensors"][key]
        assert value.dtype == got.dtype and value.shape == got.shape, key
        assert torch.equal(value, got), key  # bit for bit, NaN would fail
    assert before["attributes"] == after["attributes"]  # training flags included
    assert before["params"] == after["params"]  # the same Parameter objects
    assert torch.equal(before["rng"], after["rng"])
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks


@pytest.mark.parametrize("training", [True, False])
def test_a_forward_that_changes_itself_leaves_nothing_changed(training):
    torch.manual_seed(0)
    model = SelfChanging().train(training)
    before = _state(model)
    arch = explain(model, (2, 3, 8, 8))
    _assert_same(model, before)
    assert model.norm.initialized.item() == 0 and model.calls == 0
    assert arch.output_shape == (2, 4)
    # The self-changing forward really does change a copy, so the test can fail.
    other = copy.deepcopy(model).eval()
    other(torch.randn(2, 3, 8, 8))
    assert other.calls == 1 and other.norm.initialized.item() == 1 and other.step.item() == 1


class Recording(nn.Module):
    """A student's forward that keeps notes in containers it owns, and a leaf of its own that
    does too."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.seen: list = [(9, 9)]
        self.stats: dict = {"calls": 0}
        self.kinds: set = {"start"}
        self.shared = self.seen  # two names for one list

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(tuple(x.shape))
        self.seen[0] = (0, 0)
        self.stats["calls"] += 1
        self.stats["last"] = x  # a tensor among the values
        self.kinds.add("conv")
        return self.conv(x)


def test_containers_a_forward_fills_are_put_back_as_they_were():
    model = Recording()
    seen, stats, kinds = model.seen, model.stats, model.kinds
    explain(model, (2, 3, 4, 4))
    assert model.seen is seen and model.shared is seen and seen == [(9, 9)]
    assert model.stats is stats and stats == {"calls": 0}
    assert model.kinds is kinds and kinds == {"start"}
    other = Recording()
    other(torch.randn(2, 3, 4, 4))  # the forward really fills them
    assert other.seen == [(0, 0), (2, 3, 4, 4)] and other.stats["calls"] == 1
    assert other.kinds == {"start", "conv"}


class Registering(nn.Module):
    """A forward that registers things as a lazy module would, into registries that were
    empty before it ran (the snapshot keeps no copy of an empty one)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.conv.register_buffer("seen", torch.ones(1))  # conv had no buffers
        self.conv.add_module("extra", nn.Identity())  # nor submodules
        self.register_parameter("late", nn.Parameter(torch.zeros(1)))  # the root no parameters
        return self.conv(x)


def test_what_a_forward_registers_is_taken_away_again():
    model = Registering()
    explain(model, (1, 3, 4, 4))
    assert not model.conv._buffers and not model.conv._modules and not model._parameters
    other = Registering()
    other(torch.randn(1, 3, 4, 4))  # the forward really registers them
    assert "seen" in other.conv._buffers and "extra" in other.conv._modules


def test_the_meta_fallback_leaves_nothing_changed_either():
    class Viewing(SelfChanging):
        def forward(self, x):
            out = super().forward(x)
            return out.view(out.size(0), -1)  # needs the meta engine

    model = Viewing()
    before = _state(model)
    assert explain(model, (2, 3, 8, 8)).engine == "meta"
    _assert_same(model, before)


def test_a_forward_that_raises_after_changing_itself_leaves_nothing_changed():
    class Raising(SelfChanging):
        def forward(self, x):
            super().forward(x)
            raise ValueError("late failure")

    model = Raising()
    before = _state(model)
    with pytest.raises(Exception, match="late failure"):
        explain(model, (1, 3, 8, 8))
    _assert_same(model, before)


def test_a_zoo_model_in_mixed_modes_comes_back_in_them():
    model = build("resnet18", init=True).train()
    model.layer2.eval()
    before = _state(model)
    explain(model, (1, 3, 64, 64))
    _assert_same(model, before)


def _lazy_state(model: nn.Module) -> list:
    """Which tensors have no shape yet, and every module's hooks."""
    return [[type(t).__name__ for t in (*model.parameters(), *model.buffers())],
            [(list(m._forward_hooks), list(m._forward_pre_hooks)) for m in model.modules()]]


def test_lazy_modules_are_traced_on_a_copy_and_the_model_stays_lazy():
    model = LazyResNet18()
    before, rng = _lazy_state(model), torch.get_rng_state()
    arch = explain(model, (1, 1, 96, 96))
    assert _lazy_state(model) == before and "UninitializedParameter" in before[0][0]
    assert torch.equal(torch.get_rng_state(), rng)
    assert arch.notes == ["38 lazy modules (net.0.0, …) had no shapes yet: they were traced on "
                          "a copy, given the shapes this input implies; your model is "
                          "unchanged and still lazy",
                          "nearest reference: resnet18 — 4 differences "
                          "(arch.compare('resnet18'))"]
    # PyTorch itself fixes the shapes of another instance with a real batch: the same
    # architecture, layer by layer.
    real = LazyResNet18()
    real(torch.randn(2, 1, 96, 96))
    assert arch.total_params == sum(p.numel() for p in real.parameters()) == 11_178_378
    ours, theirs = arch.to_dict(), explain(real, (1, 1, 96, 96)).to_dict()
    assert ours.pop("notes")[:-1] and not theirs.pop("notes")[:-1]  # both end with compare's
    lazy = [f for f in ours["findings"] if f["kind"] == "lazy_modules"]
    assert len(lazy) == 1 and lazy[0]["facts"]["modules"][0] == "net.0.0"
    ours["findings"].remove(lazy[0])
    assert ours == theirs
    assert arch.depth_formula == "18 = 1 + 2×(2+2+2+2) + 1"


class _ViewedHead(nn.Module):
    """A lazy head behind x.view(x.size(0), -1), which an empty batch cannot run."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.LazyConv2d(4, 3)
        self.fc = nn.LazyLinear(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return self.fc(x.view(x.size(0), -1))


def test_a_lazy_head_an_empty_batch_cannot_reach_is_shaped_by_one_small_real_batch():
    model = _ViewedHead()
    assert explain(model, (2, 3, 8, 8)).layer("fc").params == 4 * 6 * 6 * 2 + 2
    assert isinstance(model.fc.weight, nn.parameter.UninitializedParameter)
    # Too large to run for real: refused, with the reason and the fix.
    with pytest.raises(NotInitialised) as caught:
        explain(model, (1, 3, 4097, 4097))
    assert str(caught.value).startswith(
        "the model has lazy modules that are not initialised yet (conv.weight has no shape), "
        "and an empty batch cannot run a copy of it (RuntimeError: cannot reshape tensor of 0 "
        "elements into shape [0, -1]")
    assert "nor can a real one of this size (50,356,227 values, over 16,777,216). Run one " \
           "real batch through it first" in str(caught.value)


def test_a_lazy_model_that_cannot_be_copied_is_refused_and_not_materialised():
    model = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU(), nn.LazyLinear(4))
    model.lock = threading.Lock()  # deepcopy cannot copy it
    before = _lazy_state(model)
    with pytest.raises(CannotTrace) as caught:
        explain(model, (1, 3, 8, 8))
    message = str(caught.value)
    assert "lazy modules that are not initialised yet (0.weight has no shape), and no copy " \
           "could be made (TypeError: cannot pickle '_thread.lock' object)" in message
    # The example batch is the size asked for, not an ImageNet image.
    assert "Run one real batch through it first, e.g. model(torch.randn(1, 3, 8, 8))" in message
    assert _lazy_state(model) == before


def test_initialised_lazy_modules_are_traced():
    model = nn.Sequential(nn.LazyConv2d(8, 3), nn.Flatten(), nn.LazyLinear(4))
    model(torch.randn(1, 3, 8, 8))
    arch = explain(model, (1, 3, 8, 8))
    assert arch.layer("0").params == 3 * 8 * 9 + 8 and arch.output_shape == (1, 4)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
def test_a_quantized_model_is_refused_before_it_prints_counts_without_its_weights():
    from torch.ao.quantization import quantize_dynamic

    # Initialised: torch 2.1's observer asserts min <= max, which NaNs in uninitialised
    # memory fail.
    float_model = build("resnet18", init=True).eval()
    quantized = quantize_dynamic(float_model, {nn.Linear}, dtype=torch.qint8)
    # The packed fc weights are no parameters: counted, they would be missing.
    assert sum(p.numel() for p in quantized.parameters()) == 11_689_512 - 513_000
    with pytest.raises(CannotTrace, match=r"^fc is a quantized layer \(torch\.ao\.nn\."
                                          r"quantized\.dynamic\.[a-z.]*Linear\), whose "
                                          r"weights are packed outside the parameters"):
        explain(quantized)
    assert explain(float_model).total_params == 11_689_512


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torchscript_is_refused_in_one_line_and_leaves_no_hooks():
    scripted = torch.jit.script(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()))
    with pytest.raises(CannotTrace, match="the model is TorchScript"):
        explain(scripted, (1, 3, 8, 8))

    class Host(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 3, 1)
            self.body = torch.jit.script(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()))

        def forward(self, x):
            return self.body(self.stem(x))

    host = Host()
    with pytest.raises(CannotTrace) as caught:
        explain(host, (1, 3, 8, 8))
    assert "its submodule 'body' is TorchScript" in str(caught.value)
    assert not host.stem._forward_hooks and not host.stem._forward_pre_hooks


class _Masked(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.calls = 0

    def forward(self, x: torch.Tensor, mask: torch.Tensor, *, scale: float,
                bias: float = 0.0) -> torch.Tensor:
        self.calls += 1
        return self.conv(x) * mask * scale + bias


def test_a_forward_that_needs_more_than_the_batch_is_refused_before_it_runs():
    model = _Masked()
    with pytest.raises(CannotTrace) as caught:
        explain(model, (1, 3, 8, 8))
    assert str(caught.value) == (
        "_Masked.forward needs x, mask and scale, but the tool gives it one image batch. Give "
        "mask and scale a default in forward, or explain a wrapper whose forward(x) calls the "
        "model with mask and scale")
    assert model.calls == 0

    class Wrapped(nn.Module):  # what the message asks for
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.model(x, torch.ones(1), scale=2.0)

    assert explain(Wrapped(), (1, 3, 8, 8)).layer("model.conv").output_shape == (1, 4, 6, 6)


@pytest.mark.parametrize("size", ["1x3x1000000000x1000000000", "3x99999999999999999999x224"])
def test_sizes_pytorch_cannot_make_are_one_line_errors(size):
    with pytest.raises(BadInputSize, match="more than PyTorch can address"):
        explain("resnet18", size)
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "resnet18",
                           "--input", size], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: the input size") and "--input 3x224x224" in line


class CatBatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 10)

    def forward(self, x):
        y = self.fc(x.flatten(1))
        return torch.cat([y, y], 0)  # two rows per image: dim 0 is not the batch any more


class Squeezing(CatBatch):
    def forward(self, x):
        return self.fc(x.flatten(1)).squeeze()  # drops the batch at batch 1


class SequenceFirst(nn.Module):
    """A transformer layer fed (sequence, batch, features), as PyTorch's default expects."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, 16, 1)
        self.encoder = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0)

    def forward(self, x):
        tokens = self.proj(x).flatten(2).permute(2, 0, 1)  # (H·W, N, C)
        return self.encoder(tokens)


@pytest.mark.parametrize(("model", "size"), [
    (CatBatch(), (1, 3, 2, 2)), (CatBatch(), (3, 3, 2, 2)), (Squeezing(), (1, 3, 2, 2)),
    (SequenceFirst(), (2, 3, 4, 4)),
])
def test_ops_that_use_dim_0_get_the_real_batch(model, size):
    arch = explain(model, size)
    with torch.no_grad():
        real = model.eval()(torch.randn(size))
    assert arch.engine == "meta"
    assert arch.output_shape == tuple(real.shape)


def test_ops_that_keep_the_batch_stay_on_the_empty_batch_engine():
    class Keeps(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)

        def forward(self, x):
            y = self.conv(x)
            y = torch.cat([y[:, :4], y[:, 4:]], 1).transpose(1, 2).permute(0, 2, 1, 3)
            return F.relu(y[..., ::2]).squeeze(1)

    arch = explain(Keeps(), (2, 3, 8, 8))
    assert arch.engine == "empty-batch" and arch.output_shape == (2, 8, 6, 3)


def test_a_compiled_model_is_explained_as_itself_and_nothing_is_compiled():
    from torch._dynamo.utils import counters

    model = build("resnet18")
    compiled = torch.compile(model, backend="eager")
    nested = build("resnet18")
    nested.layer2 = torch.compile(nested.layer2, backend="eager")
    frames = dict(counters["frames"])
    # The wrapper is the model's own layers: the same architecture, under the model's names.
    arch = explain(compiled, (1, 3, 64, 64))
    assert arch.to_dict() == explain(model, (1, 3, 64, 64)).to_dict()
    # A compiled submodule runs eagerly too; its layers keep PyTorch's '_orig_mod' names.
    inner = explain(nested, (1, 3, 64, 64))
    assert inner.depth_formula == "18 = 1 + 2×(2+2+2+2) + 1"
    assert inner.block("conv3_1").name == "layer2._orig_mod.0"
    assert dict(counters["frames"]) == frames  # dynamo compiled no frame
    is_compiling = getattr(torch.compiler, "is_compiling", None) or torch._dynamo.is_compiling
    assert is_compiling() is False and compiled._orig_mod is model  # (torch 2.1: dynamo's)


def test_a_torch_fx_graph_module_is_the_model_it_was_traced_from():
    """``torch.fx.symbolic_trace`` flattens the blocks: its graph calls ``layer1.0.conv1``
    directly, so no block module runs. The blocks come from the data flow, named by the module
    that holds their layers; everything but the functional ops' names is the model's."""
    import torch.fx

    for zoo_name in ("resnet18", "resnet50-v2", "resnet20"):
        model = build(zoo_name)
        graph_module = torch.fx.symbolic_trace(model)
        size = (1, 3, 32, 32) if zoo_name == "resnet20" else (1, 3, 64, 64)
        flat, nested = explain(graph_module, size).to_dict(), explain(model, size).to_dict()
        assert flat["blocks"] == nested["blocks"] and flat["stages"] == nested["stages"]
        for fact in ("depth_formula", "total_params", "macs", "output_shape"):
            assert flat[fact] == nested[fact]
        # fx inlines every module that is not PyTorch's own: the CIFAR ResNets' option-A
        # shortcut (PadShortcut) runs as its functional pad.
        modules = [layer for layer in nested["layers"]
                   if not layer["is_op"] and layer["type"] != "PadShortcut"]
        assert [layer for layer in flat["layers"] if not layer["is_op"]] == modules
        with torch.no_grad():
            assert flat["output_shape"] == list(graph_module(torch.zeros(size)).shape)


def test_blocks_that_share_a_holder_take_the_papers_names():
    """A forward that reaches into one ``ModuleDict`` for two blocks' layers: the dict is no
    block, so the blocks are named as in the paper's Table 1."""

    class Reaching(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.convs = nn.ModuleDict({f"c{i}": nn.Conv2d(8, 8, 3, padding=1)
                                        for i in range(4)})

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x + self.convs["c1"](F.relu(self.convs["c0"](x)))
            return x + self.convs["c3"](F.relu(self.convs["c2"](x)))

    arch = explain(Reaching(), (1, 8, 16, 16))
    assert [block.name for block in arch.blocks] == ["conv2_1", "conv2_2"]

    class Reparameterised(nn.Module):
        """Several adds in one module (a RepVGG-style sum of branches): a branch that ran as
        a module of its own is a part of the block, not a block."""

        def __init__(self) -> None:
            super().__init__()
            self.branches = nn.ModuleList(
                nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8),
                              nn.Conv2d(8, 8, 1)) for _ in range(2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for branch in self.branches:
                x = x + branch(x)
            return x

    arch = explain(nn.Sequential(Reparameterised()), (1, 8, 16, 16))
    assert [block.name for block in arch.blocks] == ["conv2_1", "conv2_2"]
    # The same, flattened by torch.fx inside a wrapper: the graph calls the branches' layers
    # itself, so the branches are the blocks.
    import torch.fx

    wrapped = nn.Sequential(torch.fx.symbolic_trace(Reparameterised()))
    arch = explain(wrapped, (1, 8, 16, 16))
    assert [block.name for block in arch.blocks] == ["0.branches.0", "0.branches.1"]


    class Summed(nn.Module):
        """Three branches summed one add at a time (GhostNetV3's re-parameterisable
        branches): the list that holds them holds a branch that runs after the first add."""

        def __init__(self) -> None:
            super().__init__()
            self.branches = nn.ModuleList(
                nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))
                for _ in range(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.branches[0](x) + self.branches[1](x)
            return y + self.branches[2](x)

    flattened = nn.Sequential(torch.fx.symbolic_trace(nn.Sequential(Summed(), Summed())))
    arch = explain(flattened, (1, 8, 16, 16))
    assert [block.name for block in arch.blocks] == ["conv2_1", "conv2_2"]


class CalledBlock(nn.Module):
    """A block that overrides ``__call__`` instead of ``forward`` (pytorchcv's TResNet units):
    no hook sees it run, so its adds run in the stage's module."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))
        self.activ = nn.ReLU()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.activ(self.body(x) + x)


def test_a_block_that_no_hook_sees_is_named_by_what_it_holds():
    # Its body and the ReLU after its add are its own: the block is the unit, not its body.
    arch = explain(nn.Sequential(CalledBlock(), CalledBlock()), (1, 8, 16, 16))
    assert [block.name for block in arch.blocks] == ["0", "1"]
    assert [arch.layers[i].name for i in arch.blocks[0].tail_layers] == ["0.activ"]


class Meter:
    """A training script's running average, kept by the model (a plain Python object)."""

    def __init__(self) -> None:
        self.count, self.total, self.values = 0, 0.0, []

    def update(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.values.append(value)


class KeepsHistory(nn.Module):
    """A forward that writes two and three levels below its own attributes: a list inside a
    dict, a dict inside a list, and an object's attributes (and a list the object holds)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.history: dict = {"shapes": [(9, 9)], "runs": 0}
        self.log: list = [{"step": 0}]
        self.meter = Meter()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.history["shapes"].append(tuple(x.shape))
        self.history["runs"] += 1
        self.log[0]["step"] += 1
        self.log[0]["last"] = tuple(x.shape)
        self.meter.update(float(x.shape[0]))
        return self.conv(x)


def test_nested_containers_and_plain_objects_are_put_back_as_they_were():
    model = KeepsHistory()
    shapes, first, meter, values = (model.history["shapes"], model.log[0], model.meter,
                                    model.meter.values)
    explain(model, (2, 3, 4, 4))
    assert model.history == {"shapes": [(9, 9)], "runs": 0}
    assert model.history["shapes"] is shapes and model.log[0] is first
    assert model.log == [{"step": 0}]
    assert model.meter is meter and model.meter.values is values
    assert (meter.count, meter.total, values) == (0, 0.0, [])
    other = KeepsHistory()
    other(torch.randn(2, 3, 4, 4))  # the forward really writes all of them
    assert other.history == {"shapes": [(9, 9), (2, 3, 4, 4)], "runs": 1}
    assert other.log == [{"step": 1, "last": (2, 3, 4, 4)}]
    assert (other.meter.count, other.meter.total, other.meter.values) == (1, 2.0, [2.0])


class Chatty(nn.Module):
    """A student's forward that prints the shapes it sees."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.conv, self.fail = nn.Conv2d(3, 8, 3), fail

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print("forward got", tuple(x.shape))
        if self.fail:
            raise RuntimeError("student bug")
        return self.conv(x)


def test_a_forward_that_prints_is_told_why_its_batch_reads_0(capsys):
    import sys

    stdout = sys.stdout
    arch = explain(Chatty(), (4, 3, 16, 16))
    # The print reached the cell as it was written, with the empty batch it saw …
    assert capsys.readouterr().out == "forward got (0, 3, 16, 16)\n"
    # … and the summary says why.
    assert arch.notes == [
        "The model printed while it was traced: a shape printed there has a batch of 0 (the "
        "empty-batch engine runs the forward on no images). The shapes here have the batch "
        "asked for, 4."]
    assert sys.stdout is stdout
    notes = explain(build("resnet18"), (1, 3, 64, 64)).notes
    assert notes == ["nearest reference: resnet18 — it matches (arch.compare('resnet18'))"]
    # a silent model: no note on prints (only compare's pointer to the zoo model it matches)
    with pytest.raises(Exception, match="student bug"):
        explain(Chatty(fail=True), (4, 3, 16, 16))
    assert sys.stdout is stdout  # put back when the forward raises
    with torch.device("meta"):
        on_meta = Chatty()
    assert explain(on_meta, (2, 3, 16, 16)).notes[0].startswith(
        "The model printed while it was traced: a shape printed there may have a batch of 0, "
        "and a tensor be on the meta device, without values")


def test_hooks_the_forward_registers_on_its_model_are_taken_off():
    """Issue 22: a model that hooks itself on its first call keeps no hook from the trace,
    and a hook the user registered before stays, the same object."""
    import torch.nn.modules.module as torch_module

    class SelfHooking(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(3, 4, 3)
            self.hooked = False

        def forward(self, x):
            if not self.hooked:
                self.c.register_forward_hook(lambda module, args, out: None)
                self.c.register_forward_pre_hook(lambda module, args: None)
                self.hooked = True
            return self.c(x)

    def mine(module, args, out):
        return None

    model = SelfHooking()
    model.c.register_forward_hook(mine)
    flags = torch_module._global_forward_hooks_with_kwargs
    before = dict(flags)
    for _ in range(3):
        explain(model, (3, 8, 8))
    assert list(model.c._forward_hooks.values()) == [mine]
    assert not model.c._forward_pre_hooks and model.hooked is False
    assert dict(flags) == before  # no stale global entry left by the trace's own hook
