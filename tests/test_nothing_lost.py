"""Issue 22: threads, work the trace cannot see, sizes the layout guess would refuse, nesting.

Each case is checked against what PyTorch itself does with the same model.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
import torch.nn.modules.module as torch_module
from torch import nn

from resnet_explain import explain
from resnet_explain.errors import BadInputSize, CannotTrace, TraceFailure


def _hook_dicts() -> list[tuple[str, dict]]:
    return [(name, dict(value)) for name, value in vars(torch_module).items()
            if name.startswith("_global_") and isinstance(value, dict)]


def _stance() -> object:
    eval_frame = sys.modules.get("torch._dynamo.eval_frame")
    return getattr(eval_frame, "_stance", None)


def _summary(arch) -> tuple:
    return (arch.plain_depth, arch.total_params, arch.macs,
            [(layer.name, layer.output_shape) for layer in arch.layers])


def test_threads_get_the_serial_results_and_leave_the_process_as_it_was():
    torch._dynamo  # noqa: B018 — the compiler loaded, so that its stance is switched
    names = ["resnet18", "resnet20", "resnet34", "resnet56"]
    serial = {name: _summary(explain(name)) for name in names}
    filters, stdout, hooks = list(warnings.filters), sys.stdout, _hook_dicts()
    stance, limit = _stance(), sys.getrecursionlimit()
    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(lambda name: (name, _summary(explain(name))), names * 3))
    assert all(serial[name] == result for name, result in results)
    assert warnings.filters == filters
    assert sys.stdout is stdout
    assert _hook_dicts() == hooks
    assert _stance() == stance
    assert sys.getrecursionlimit() == limit


def test_another_threads_prints_are_not_the_models():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    stop = threading.Event()

    def chatter() -> None:
        while not stop.is_set():
            print("a thread that is not the model's", file=sys.stdout)

    thread = threading.Thread(target=chatter)
    thread.start()
    try:
        arch = explain(model, (3, 16, 16))
    finally:
        stop.set()
        thread.join()
    assert not any(f.kind == "printed_while_traced" for f in arch.findings)


class _Threaded(nn.Module):
    """A forward that runs its middle layer in a worker thread."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layer1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1))
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        with ThreadPoolExecutor(1) as pool:
            x = pool.submit(self.layer1, x).result()
        return self.head(x)


def test_a_layer_run_on_a_worker_thread_is_refused_not_left_out():
    model = _Threaded()
    assert model(torch.zeros(1, 3, 8, 8)).shape == (1, 4, 8, 8)  # PyTorch runs it
    with pytest.raises(CannotTrace, match=r"^layer1 ran on another thread.*"
                                          r"get_submodule\('layer1'\)"):
        explain(model, (3, 8, 8))


def test_another_thread_using_the_same_model_does_not_change_the_trace():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3))
    expected = _summary(explain(model, (3, 16, 16)))
    stop = threading.Event()

    def use() -> None:
        while not stop.is_set():
            with torch.no_grad():
                model(torch.zeros(1, 3, 16, 16))

    thread = threading.Thread(target=use)
    thread.start()
    try:
        found = [_summary(explain(model, (3, 16, 16))) for _ in range(20)]
    finally:
        stop.set()
        thread.join()
    assert all(summary == expected for summary in found)


def test_an_exported_programs_module_is_refused_not_counted_as_zero():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    exported = torch.export.export(model, (torch.zeros(1, 3, 8, 8),)).module()
    with pytest.raises(CannotTrace, match=r"torch\.export program.*Explain the nn.Module you "
                                          r"exported"):
        explain(exported, (3, 8, 8))
    fx = torch.fx.symbolic_trace(model)  # a graph of the modules themselves: traced
    assert explain(fx, (3, 8, 8)).plain_depth == 1


class _Flattens(nn.Module):
    """A Conv1d model whose forward flattens a 4-D input itself."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(6, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.flatten(2))


@pytest.mark.parametrize("given", ["2x6x66x11", (2, 6, 66, 11), torch.zeros(2, 6, 66, 11)])
def test_a_size_the_layout_guess_would_refuse_is_traced(given):
    expected = tuple(_Flattens()(torch.zeros(2, 6, 66, 11)).shape)
    assert explain(_Flattens(), given).output_shape == expected == (2, 4, 724)


def test_a_size_the_forward_refuses_too_is_told_with_the_layout():
    model = nn.Sequential(nn.Conv1d(6, 4, 3))
    with pytest.raises(BadInputSize, match=r"has 4 dimensions, and the model's forward "
                                           r"refuses it \(RuntimeError: .*\)\. Give C×L"):
        explain(model, (2, 6, 66, 11))


def test_a_tensor_is_traced_exactly_as_the_model_would_receive_it():
    model = nn.Sequential(nn.Conv2d(3, 4, 3))
    assert explain(model, torch.zeros(3, 10, 10)).output_shape == (4, 8, 8)  # unbatched
    assert explain(model, (3, 10, 10)).output_shape == (1, 4, 8, 8)  # a size: a batch added


def test_one_image_without_its_batch_is_told_how_to_give_it():
    """A ResNet refuses a C×H×W tensor (its BatchNorm wants a batch), as PyTorch does; the
    message says what the student most likely meant."""
    from resnet_explain.zoo import build

    with pytest.raises(TraceFailure, match=r"expected 4D input") as refused:
        explain(build("resnet18"), torch.zeros(3, 32, 32))
    assert "x.unsqueeze(0)" in str(refused.value) and "(3, 32, 32)" in str(refused.value)


@pytest.fixture
def default_limit():
    """Python's default recursion limit, whatever an earlier test or library set."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(limit)


def _nested(depth: int) -> nn.Module:
    model: nn.Module = nn.Linear(4, 4)
    for _ in range(depth):
        model = nn.Sequential(model)
    return model


def _runs_in_pytorch(model: nn.Module) -> bool:
    try:
        model(torch.zeros(1, 4))
    except RecursionError:
        return False
    return True


@pytest.mark.parametrize("depth", [150, 200, 230])
def test_a_model_nested_as_deep_as_pytorch_runs_is_traced(depth, default_limit):
    model = _nested(depth)
    assert _runs_in_pytorch(model)
    limit = sys.getrecursionlimit()
    assert explain(model, (4,)).output_shape == (1, 4)
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize("depth", [400, 5000])
def test_a_model_nested_deeper_than_pytorch_runs_is_refused_in_one_line(depth, default_limit):
    model = _nested(depth)
    assert not _runs_in_pytorch(model)
    limit = sys.getrecursionlimit()
    with pytest.raises(CannotTrace, match=rf"nests its modules {depth:,} deep.*"
                                          r"sys\.setrecursionlimit\(\d+\)"):
        explain(model, (4,))
    assert sys.getrecursionlimit() == limit


def test_a_forward_that_recurses_by_itself_is_not_called_deep():
    class Loops(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self(x)

    with pytest.raises(TraceFailure, match="RecursionError"):
        explain(Loops(), (3, 8, 8))


@pytest.mark.parametrize("layer", [
    nn.ConvTranspose2d(1, 1, 1, padding=1, dilation=2, output_padding=1),
    nn.Upsample(scale_factor=0.5, mode="bilinear"),
    nn.ConvTranspose2d(1, 1, 2, padding=1),
])
def test_a_0_size_map_is_an_error_exactly_where_pytorch_raises(layer):
    model = nn.Sequential(nn.Conv2d(1, 1, 1), layer)
    x = torch.zeros(1, 1, 1, 1)
    try:
        expected = tuple(model(x).shape)
    except RuntimeError as error:
        with pytest.raises(TraceFailure, match=re.escape(str(error).split(".")[0])):
            explain(model, x)
    else:
        assert explain(model, x).output_shape == expected
