"""Errors that teach: a student's broken model is reported at the student's line, with the
layer or add that failed, PyTorch's own words, and the ResNet lesson behind the mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import student_mistakes as mistakes
import torch

from resnet_explain import explain
from resnet_explain.errors import BadInputSize, TraceFailure, UserError
from resnet_explain.zoo import build

ROOT = Path(__file__).resolve().parents[1]
MISTAKES = "tests/student_mistakes.py"


def failure(model: torch.nn.Module, size: tuple[int, ...]) -> TraceFailure:
    with pytest.raises(TraceFailure) as caught:
        explain(model, size)
    return caught.value


def test_missing_projection_names_the_add_the_shapes_and_the_lesson():
    error = failure(mistakes.MissingProjection(), (2, 3, 32, 32))
    message = str(error)
    # PyTorch's own words, from the real device (not the meta kernels' "Attempting to
    # broadcast a dimension of length …").
    assert ("RuntimeError: The size of tensor a (16) must match the size of tensor b (32) at "
            "non-singleton dimension 3") in message
    assert "broadcast" not in message
    assert "layer2.0's add of [2, 32, 16, 16] and [2, 16, 32, 32]" in message
    assert "student_mistakes.py:31 in forward: out = out + skip" in message
    assert ("Block layer2.0 adds a 32-channel 16×16 main path to a 16-channel 32×32 shortcut "
            "(the block's input): the shortcut needs a projection (1×1 conv, stride 2, "
            "16→32 channels, then BatchNorm) — see option B") in message
    # Plain Python keeps the chain for debugging; the cause is the real-device error.
    assert isinstance(error.__cause__, RuntimeError)
    assert "must match the size of tensor b" in str(error.__cause__)


def test_missing_stride_says_the_shortcut_needs_stride_2():
    message = str(failure(mistakes.MissingStride(), (1, 3, 32, 32)))
    assert "layer2.0's add of [1, 16, 16, 16] and [1, 16, 32, 32]" in message
    assert ("Block layer2.0 adds a 16-channel 16×16 main path to a 16-channel 32×32 shortcut "
            "(the block's input): the main path has stride 2, so the shortcut needs stride 2 "
            "too") in message


def test_a_pool_without_padding_is_named_with_its_formula():
    message = str(failure(mistakes.UnpaddedPool(), (1, 3, 112, 112)))
    assert "The size of tensor a (55) must match the size of tensor b (56)" in message
    # The branch with fewer weighted layers (the 1×1 projection) is the shortcut.
    assert ("Block layer2.0 adds a 55×55 main path to a 56×56 shortcut: layer2.0.pool "
            "(kernel 3, stride 2, padding 0) gives 55 = ⌊(112 − 3)/2⌋ + 1, not ⌈112/2⌉ = 56 — "
            "with padding=1 it gives 56") in message


def test_a_head_built_for_the_wrong_width_names_in_features():
    message = str(failure(mistakes.WrongHeadWidth(), (4, 3, 32, 32)))
    # The empty batch's "(0x32 and 64x10)" is asked again with the real batch.
    assert "mat1 and mat2 shapes cannot be multiplied (4x32 and 64x10)" in message
    assert "in fc (Linear) receiving [4, 32]" in message
    assert "it expects 64 input features but receives 32, the 32 channels of the last stage: " \
           "build it with in_features=32" in message


def test_an_unpooled_head_says_the_map_is_flattened():
    error = failure(mistakes.UnpooledHead(), (1, 3, 8, 8))
    assert "receives 512 = 32×4×4, the flattened 32-channel 4×4 map: pool it to 1×1 first" \
        in str(error)
    assert str(error).endswith("with input_size=")
    assert error.message(cli=True).endswith("with --input")


def test_a_conv_built_for_the_wrong_width_names_in_channels():
    message = str(failure(mistakes.WrongInChannels(), (1, 3, 8, 8)))
    assert "expected input[1, 32, 8, 8] to have 16 channels, but got 32 channels" in message
    assert "conv2 expects 16 input channels but the layer before it makes 32: build it with " \
           "in_channels=32" in message


def test_ipython_shows_the_short_message_not_the_traceback():
    error = failure(mistakes.MissingProjection(), (1, 3, 32, 32))
    lines = error._render_traceback_()
    assert len(lines) == 2
    assert lines[0].startswith("TraceFailure: the model's forward raised RuntimeError: ")
    assert lines[1].startswith("  → Block layer2.0 adds")
    assert not any("torch/" in line for line in lines)


def test_the_fix_is_said_in_the_callers_words():
    with pytest.raises(BadInputSize) as caught:
        explain("resnet18", "3x224")
    assert "e.g. input_size=(3, 224, 224)" in str(caught.value)
    assert "--input" not in str(caught.value)
    assert "e.g. --input 3x224x224" in caught.value.message(cli=True)
    assert UserError("x", "use {input}").message(cli=True) == "x. use --input"


def test_the_command_line_gives_the_same_lesson_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "resnet_explain", "summary", f"{MISTAKES}:MissingProjection",
         "--input", "3x32x32"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: the model's forward raised RuntimeError: The size of tensor a "
                           "(16) must match the size of tensor b (32)")
    assert "Block layer2.0 adds a 32-channel 16×16 main path to a 16-channel 32×32" in line
    assert "option B" in line


class KeypointHead(torch.nn.Module):
    """A pose model's last step (pytorchcv's HeatmapMaxDetBlock): the argmax of each heatmap,
    read back as Python ints. It needs the heatmaps' values, which a shape-only trace does
    not compute; its first line, ``view(b, c, -1)``, cannot reshape an empty batch either."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[:2]
        flat = x.view(b, c, -1)
        best = flat.argmax(dim=2)
        return torch.tensor([[int(best[i, k]) for k in range(c)] for i in range(b)])


class PoseNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.head = KeypointHead()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x))


def test_a_forward_that_needs_values_says_so_not_that_an_empty_batch_cannot_reshape():
    # Both engines fail in the head: the empty batch at the view (an artefact of batch 0,
    # which loses the tie), the meta engine at int(), which is what the user must hear.
    message = str(failure(PoseNet(), (1, 3, 8, 8)))
    assert "Tensor.item() cannot be called on meta tensors — in head (KeypointHead)" in message
    assert "int(best[i, k])" in message and "cannot reshape" not in message
    assert message.endswith("That line needs the values of a tensor (int(t), t.item(), "
                            ".tolist(), .nonzero(), a boolean mask), which a shape-only trace "
                            "does not compute: explain the layers before it, "
                            "e.g. explain(model.backbone)")
    # What it points to works: the layers before the head.
    assert explain(PoseNet().conv, (1, 3, 8, 8)).layers[0].output_shape == (1, 4, 8, 8)


class _LinearOnTheInput(torch.nn.Module):
    """A patch embedding fed an image instead of patches (SigLIP 2's vision tower takes
    (batch, patches, 3·16·16)); ``peek`` runs a flatten first whose result is not used."""

    def __init__(self, peek: bool) -> None:
        super().__init__()
        self.peek = peek
        self.flatten = torch.nn.Flatten()
        self.embed = torch.nn.Linear(768, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.peek:
            self.flatten(x)
        return self.embed(x)


@pytest.mark.parametrize("peek", [False, True])
def test_a_linear_layer_on_the_input_asks_for_the_input_shape(peek: bool) -> None:
    # The layer's source is the model's input, not the last record (nor no record at all).
    message = str(failure(_LinearOnTheInput(peek), (1, 3, 224, 224)))
    assert "in embed (Linear) receiving [1, 3, 224, 224]" in message
    assert ("embed reads the model's input and expects its last dimension to be 768, but it "
            "is 224: give an input of the shape the model was built for with input_size=") \
        in message
    assert "flattened" not in message


@pytest.mark.parametrize(("channels", "advice"), [
    (1, "give a 3-channel input size with input_size= (a grayscale image goes in as "
        "x.repeat(1, 3, 1, 1)), or build conv1 with in_channels=1"),
    (4, "give a 3-channel input size with input_size=, or build conv1 with in_channels=4"),
])
def test_an_input_with_the_wrong_channels_is_the_inputs_fault_not_make_layers(channels, advice):
    # MNIST into an ImageNet ResNet: no layer comes before conv1, so _make_layer's
    # "the layer before it makes 1" lesson would send the student to the wrong place.
    error = failure(build("resnet18"), (1, channels, 28, 28))
    message = str(error)
    s = "" if channels == 1 else "s"
    assert f"conv1 reads the model's input, which has {channels} channel{s}, but it was " \
           f"built for 3: {advice}" in message
    assert "_make_layer" not in message
    assert error.message(cli=True).count("--input") == 1


@pytest.mark.parametrize(("size", "spatial", "api", "cli", "permute"), [
    ((32, 32, 3), 2, "input_size=(3, 32, 32)", "--input 3x32x32", "x.permute(0, 3, 1, 2)"),
    ((8, 32, 32, 3), 2, "input_size=(8, 3, 32, 32)", "--input 8x3x32x32",
     "x.permute(0, 3, 1, 2)"),
    ((1, 16000, 2), 1, "input_size=(2, 16000)", "--input 2x16000", "x.permute(0, 2, 1)"),
])
def test_channels_last_input_is_turned_round(size, spatial, api, cli, permute):
    # An image as PIL and NumPy hold it (32×32×3): the channel count is there, but last.
    conv = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d}[spatial]
    model = torch.nn.Sequential(conv(size[-1], 8, 3), torch.nn.ReLU())
    error = failure(model, size)
    what = "×".join(map(str, size[-spatial - 1:]))
    keepers = ("PIL, NumPy and TensorFlow keep an image" if spatial == 2 else
               "NumPy and TensorFlow keep a signal")
    assert (f"0 reads the model's input, whose {size[-1]} channels come last ({what}, the "
            f"order in which {keepers}); PyTorch takes channels first: give {api} (a tensor "
            f"in hand: {permute})") in str(error)
    assert f"give {cli} (" in error.message(cli=True)
    # What the advice says is a size the model takes.
    numbers = tuple(int(n) for n in cli.split()[1].split("x"))
    assert explain(model, numbers).input_shape[-spatial - 1:] == (size[-1], *size[-spatial - 1:-1])


def test_what_a_student_passes_instead_of_a_size_or_a_model():
    model = build("resnet18")
    # A batch in hand stands for its shape; its values are not read.
    batch = torch.full((2, 3, 32, 32), float("nan"))
    assert explain(model, batch).to_dict() == explain(model, (2, 3, 32, 32)).to_dict()
    with pytest.raises(BadInputSize, match=r"^the input size '224' has 1 dimension, and the "
                                           r"model's forward refuses it .*\. Give C×H×W"):
        explain(model, 224)
    with pytest.raises(TypeError, match=r"not the class Conv2d: explain\(Conv2d\(\.\.\.\)\)"):
        explain(torch.nn.Conv2d)

    def my_resnet() -> torch.nn.Module:
        return build("resnet18")

    with pytest.raises(TypeError, match=r"not a function: call it first, explain\(my_resnet\(\)\)"):
        explain(my_resnet)
    with pytest.raises(TypeError, match=r"a model name, a spec or an nn\.Module, not NoneType"):
        explain(None)
    # A shortcut option builds a zoo model that way; a built model would silently ignore it.
    with pytest.raises(UserError, match=r"^a shortcut option applies to zoo models only, not "
                                        r"to a model already built\. Drop shortcut="):
        explain(model, shortcut="A")


def test_an_in_place_add_that_cannot_broadcast_is_said_in_pytorchs_words():
    # Asked again on a zero-stride stand-in, PyTorch would refuse the write itself ("more
    # than one element of the written-to tensor refers to a single memory location").
    message = str(failure(mistakes.MissingProjectionInPlace(), (2, 3, 32, 32)))
    assert ("RuntimeError: The size of tensor a (16) must match the size of tensor b (32) at "
            "non-singleton dimension 3 — in layer2.0's add of [2, 32, 16, 16] and "
            "[2, 16, 32, 32]") in message
    assert "out += self.shortcut(x)" in message
    # The empty nn.Sequential hands the block's input on as it was: the shortcut is that input.
    assert ("adds a 32-channel 16×16 main path to a 16-channel 32×32 shortcut (the block's "
            "input): the shortcut needs a projection (1×1 conv, stride 2, 16→32 channels") \
        in message
    assert "memory location" not in message


def test_a_head_met_by_the_meta_engine_is_said_in_pytorchs_words():
    error = failure(mistakes.WrongHeadWidthViewed(), (4, 3, 32, 32))
    # The Linear is asked again on its own (CPU) weights: PyTorch's words, not the meta
    # kernel's "a and b must have same reduction dim, but got [4, 32] X [64, 10]".
    assert "mat1 and mat2 shapes cannot be multiplied (4x32 and 64x10)" in str(error)
    assert "reduction dim" not in str(error)
    assert "fc is a fixed-size head: it expects 64 input features but receives 32" in str(error)
    # Built on the meta device, the layer has no real weights to ask: the meta words stay.
    assert "reduction dim" in str(failure(mistakes.WrongHeadWidthViewed().to("meta"),
                                          (4, 3, 32, 32)))
