"""The meta engine answers shape-keeping calls inside PyTorch's own layers itself (trace.py's
``_META_SAME_SHAPE``) and makes the forward's own tensors on the meta device without
``torch.device("meta")``. Both are checked here against a real forward on real data and
against the empty-batch engine, which runs PyTorch's kernels."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from test_trace import real_leaf_shapes, traced_leaf_shapes
from torch import nn

from resnet_explain import explain
from resnet_explain.errors import TraceFailure
from resnet_explain.zoo import build


def _without_engine(arch) -> dict:
    record = arch.to_dict()
    record.pop("engine")
    return record


@pytest.mark.parametrize("name,size", [("resnet18", (2, 3, 64, 64)), ("resnet50", (1, 3, 96, 80)),
                                       ("resnet18-v2", (1, 3, 64, 64)),
                                       ("resnet20", (3, 3, 32, 32))])
def test_a_model_on_meta_reads_like_the_same_model_on_cpu(name, size):
    on_meta = build(name).to("meta")
    meta, cpu = explain(on_meta, size), explain(build(name), size)
    assert (meta.engine, cpu.engine) == ("meta", "empty-batch")
    assert _without_engine(meta) == _without_engine(cpu)


class Everything(nn.Module):
    """Each shape-keeping call the meta engine answers, the in-place ones included, beside
    calls it must leave to PyTorch (batch statistics, a dropout in training)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.batch_stats = nn.BatchNorm2d(8, track_running_stats=False)  # uses the batch
        self.acts = nn.Sequential(nn.ReLU(inplace=True), nn.ReLU6(), nn.SiLU(inplace=True),
                                  nn.GELU(), nn.Sigmoid(), nn.Hardswish(),
                                  nn.Dropout(0.5, inplace=True))
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.acts(self.batch_stats(self.bn(self.conv(x))))
        x = F.relu(x) + torch.zeros(x.shape[1], 1, 1)  # a tensor the forward makes itself
        x = x * torch.arange(x.shape[-1]).float()
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def test_meta_answers_match_a_real_forward():
    model = Everything()
    with torch.device("meta"):
        on_meta = Everything()
    arch = explain(on_meta, (2, 3, 16, 12))
    assert arch.engine == "meta"
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.randn(2, 3, 16, 12))
    assert _without_engine(arch) == _without_engine(explain(model, (2, 3, 16, 12)))


class WrongNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3)
        self.bn = nn.BatchNorm2d(64)  # the conv gives 32 channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


def test_a_batch_norm_of_the_wrong_width_fails_on_meta_as_on_cpu():
    with torch.device("meta"):
        on_meta = WrongNorm()
    with pytest.raises(TraceFailure) as meta:
        explain(on_meta, (1, 3, 16, 16))
    with pytest.raises(TraceFailure) as cpu:
        explain(WrongNorm(), (1, 3, 16, 16))
    for failure in (meta.value, cpu.value):
        assert "bn" in str(failure) and "64" in str(failure) and "32" in str(failure)


class UpperTriangle(nn.Module):
    """iSQRT-COV's last step (pytorchcv's Triuvec): the upper triangle of each image's C×C
    matrix as a vector, picked by an index table the forward builds from a factory with
    ``.nonzero()`` — which needs values — and a reshape by ``-1``, which an empty batch
    cannot do, so only the meta engine can trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(3, 6, 1)
        self.fc = nn.Linear(21, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.reduce(x).flatten(2)  # (B, 6, H·W)
        covariance = x @ x.transpose(1, 2) / x.shape[2]  # (B, 6, 6)
        n = covariance.shape[1]
        upper = torch.ones(n, n).triu().view(n * n).nonzero().squeeze(1)  # 21 indices
        vector = covariance.reshape(covariance.shape[0], -1)[:, upper]
        return self.fc(vector + torch.zeros(len(upper)))


def test_a_small_table_the_forward_makes_keeps_its_values_on_meta():
    # Found before: every factory call was made on meta, so .nonzero() on this constant
    # failed (pytorchcv's six isqrtcovresnet models could not be traced at all).
    model = UpperTriangle()
    arch = explain(model, (2, 3, 8, 8))
    assert arch.engine == "meta"
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.randn(2, 3, 8, 8))
    assert arch.output_shape == (2, 4) and arch.layer("fc").input_shape == (2, 21)
    # The constant joined the traced data where they met: the add is recorded, as on CPU.
    assert [la.type for la in arch.layers if la.is_op][-1] == "add"


def test_a_large_tensor_the_forward_makes_stays_on_meta():
    class Big(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # 64·4096·4096 values if made for real (4 GiB); on meta it costs nothing.
            return x.view(x.size(0), -1) + torch.zeros(x.shape[0], 3 * 4096 * 4096).flatten(1)

    arch = explain(nn.Sequential(Big()), (64, 3, 4096, 4096))
    assert arch.engine == "meta" and arch.output_shape == (64, 3 * 4096 * 4096)
