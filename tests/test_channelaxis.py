"""A model whose forward adds the channel axis itself takes N×L (N×H×W), not C×L: the size
is read that way only where the usual reading fails and every convolution then receives a
batched input; otherwise the usual reading and its error stand."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_trace import real_leaf_shapes, traced_leaf_shapes
from torch import nn

from resnet_explain import explain
from resnet_explain.errors import TraceFailure
from resnet_explain.paper.table1 import build as build_table1
from resnet_explain.plots import data as plot_data

ROOT = Path(__file__).resolve().parents[1]


class Waveform(nn.Module):
    """A raw-audio ResNet fed (N, L), as its data loader yields: one residual block."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv1d(1, 16, 80, stride=4)
        self.body = nn.Conv1d(16, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x.unsqueeze(1))
        x = x + self.body(x)
        return self.fc(self.pool(x).flatten(1))


class Digits(nn.Module):
    """A digit classifier fed (N, 28, 28), adding the channel axis itself."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x.unsqueeze(1))).flatten(1))


@pytest.mark.parametrize("size", [(8, 16000), torch.zeros(8, 16000), "8x16000"])
def test_a_batch_of_signals_without_channels_is_read_as_one(size):
    model = Waveform()
    arch = explain(model, size)
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.zeros(8, 16000))
    assert arch.input_shape == (8, 16000)
    assert arch.output_shape == (8, 10)
    assert arch.layer("stem").input_shape == (8, 1, 16000)  # the axis the forward adds
    # The formula holds on the axis the forward added: 3981 = ⌊(16000 − 80)/4⌋ + 1.
    assert arch.layer("stem").formula == "3981 = ⌊(16000 − 80)/4⌋ + 1"
    assert len(arch.blocks) == 1 and arch.plain_depth == 3
    if isinstance(size, torch.Tensor):  # a tensor is traced as it is: no reading to note
        assert not arch.notes and arch.to_dict()["input_shape"] == [8, 16000]
        return
    assert arch.notes[0] == (
        "The input size 8×16000 was read as N×L: 8 signals of 16000 samples, without a "
        "channel axis, which the forward adds itself (stem receives [8, 1, 16000]). Read as "
        "C×L (one signal of 8 channels), the forward fails with RuntimeError: Expected 2D "
        "(unbatched) or 3D (batched) input to conv1d, but got input of size: "
        "[1, 1, 8, 16000]")
    assert arch.to_dict()["input_shape"] == [8, 16000]
    assert arch.to_dict()["channel_axis_added"] is True


def test_the_views_read_the_map_the_layers_see():
    arch = explain(Waveform(), (8, 16000))
    assert arch.input_map == (8, 1, 16000) and arch.spatial_dims == 1
    # Receptive fields by hand: a kernel of 80, stride 4; then 3 taps 4 samples apart.
    stem, body = arch.layer("stem").receptive_field, arch.layer("body").receptive_field
    assert (stem.size, stem.jump) == ((80,), (4,))
    assert (body.size, body.jump) == ((80 + 2 * 4,), (4,))
    assert arch.layer("pool").receptive_field.size == (16000,)
    assert "Shapes are C×L of one signal" in arch._repr_html_()
    assert build_table1([(arch, None)]).columns[0].input_size == "16000"
    series = plot_data.receptive_field(arch)
    assert (series.input_size, series.unit, series.size) == (16000, "samples", [80, 88, 88])
    # A model fed a channel first is unchanged: no added axis, the same map.
    plain = explain(nn.Sequential(nn.Conv1d(1, 4, 3)), (1, 16000))
    assert not plain.channel_axis_added and plain.input_map == plain.input_shape


def test_images_without_a_channel_axis_too():
    model = Digits()
    arch = explain(model, (4, 28, 28))
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.zeros(4, 28, 28))
    assert arch.layer("conv").input_shape == (4, 1, 28, 28)
    assert arch.notes[0].startswith(
        "The input size 4×28×28 was read as N×H×W: 4 images of 28×28 pixels, without a "
        "channel axis, which the forward adds itself (conv receives [4, 1, 28, 28]).")
    assert arch.total_params == sum(p.numel() for p in model.parameters())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.integers(1, 9), length=st.integers(80, 5000))
def test_any_batch_and_length_gives_the_real_forwards_shapes(batch, length):
    model = Waveform()
    arch = explain(model, (batch, length))
    with torch.no_grad():
        real = model.eval()(torch.zeros(batch, length))
    assert arch.input_shape == (batch, length)
    assert arch.output_shape == tuple(real.shape)
    assert arch.layer("stem").output_shape == (batch, 16, (length - 80) // 4 + 1)


def test_a_model_that_takes_channels_keeps_the_usual_reading_and_its_error():
    # 8×16000 into a Conv1d(1, …) that reads the input as it comes: the second reading
    # would run (a Conv1d takes an unbatched (C, L)), but no convolution receives a batch.
    model = nn.Sequential(nn.Conv1d(1, 4, 3), nn.ReLU())
    with pytest.raises(TraceFailure) as caught:
        explain(model, (8, 16000))
    assert "0 reads the model's input, which has 8 channels, but it was built for 1" in \
        str(caught.value)
    # The usual reading wins wherever it runs: no note, a batch of one added.
    arch = explain(model, (1, 16000))
    assert arch.input_shape == (1, 1, 16000) and not arch.notes


def test_a_size_with_its_batch_and_a_channel_is_told_to_drop_the_channel():
    with pytest.raises(TraceFailure) as caught:
        explain(Waveform(), (8, 1, 16000))
    error = caught.value
    assert ("stem receives 4 dimensions, one more than a batched 1-D input has: the forward "
            "adds the channel axis itself (x.unsqueeze(1)), so this model takes N×L without "
            "channels: give input_size=(8, 16000)") in str(error)
    assert error.message(cli=True).endswith("give --input 8x16000")
    # The advice is a size the model takes.
    assert explain(Waveform(), (8, 16000)).output_shape == (8, 10)
    with pytest.raises(TraceFailure, match=r"so this model takes N×H×W without channels: "
                                           r"give input_size=\(1, 224, 224\)"):
        explain(Digits())  # no size: the default 3×224×224 gets a channel axis too many


def test_the_second_readings_own_error_is_told_when_the_forward_adds_the_axis():
    # 1×50 samples are too few for a kernel of 80: the lesson is that, not "give 1x50".
    with pytest.raises(TraceFailure) as caught:
        explain(Waveform(), (1, 50))
    message = str(caught.value)
    assert ("The input is too small: stem receives 50 samples in L and its output size "
            "would be -7 = ⌊(50 − 80)/4⌋ + 1 ≤ 0") in message
    assert "one more than a batched" not in message


def test_the_command_line_reads_it_too(tmp_path):
    source = "import torch\nfrom torch import nn\n\n\n" + inspect.getsource(Waveform)
    (tmp_path / "wave.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "resnet_explain", "summary", "wave.py:Waveform", "--input",
         "8x16000", "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert '"input_shape": [8, 16000]' in done.stdout
    assert "was read as N×L: 8 signals of 16000 samples" in done.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "resnet_explain", "summary", "wave.py:Waveform", "--input",
         "8x1x16000"], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert failed.stderr.strip().endswith("give --input 8x16000")


def test_a_lazy_model_that_adds_the_axis_is_read_so_on_a_copy_and_stays_lazy():
    class LazyWaveform(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.LazyConv1d(4, 3)
            self.pool = nn.AdaptiveAvgPool1d(1)
            self.fc = nn.LazyLinear(5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.pool(self.stem(x.unsqueeze(1))).flatten(1))

    model = LazyWaveform()
    arch = explain(model, (8, 16000))
    assert (arch.input_shape, arch.output_shape) == ((8, 16000), (8, 5))
    assert arch.layer("stem").input_shape == (8, 1, 16000)
    assert arch.notes[0].startswith("The input size 8×16000 was read as N×L")
    assert "traced on a copy" in arch.notes[1]
    assert isinstance(model.stem.weight, nn.parameter.UninitializedParameter)
    # Its parameters as PyTorch counts them once a batch of that shape has run.
    model(torch.zeros(8, 16000))
    assert arch.total_params == sum(p.numel() for p in model.parameters())

