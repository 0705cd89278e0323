"""A weights file as the model: ``resnet-explain summary model.pth``.

The oracles are not the matcher itself: torchvision's own state dicts (the committed fixture,
written by ``scripts/make_torchvision_fixture.py``), files that ``torch.save`` and a
safetensors header really hold, PyTorch's parameter count and real forward of the model the
weights came from, and which modules the reading imported.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from resnet_explain import explain
from resnet_explain.cli import main
from resnet_explain.errors import CannotTrace, ModelNotFound, UserError
from resnet_explain.source.weightsfile import read, the_fit
from resnet_explain.zoo import MODEL_NAMES, build, describe

ROOT = Path(__file__).resolve().parent.parent
TORCHVISION = json.loads((ROOT / "tests/fixtures/torchvision_resnets.json").read_text())


def write_safetensors(path: Path, shapes: dict[str, list[int]]) -> Path:
    """A safetensors file's header (its tensors' bytes are never read)."""
    header = {name: {"dtype": "F32", "shape": shape, "data_offsets": [0, 0]}
              for name, shape in shapes.items()}
    header["__metadata__"] = {"format": "pt"}
    data = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(data)) + data)
    return path


def params_of(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


# --- torchvision's own weights -------------------------------------------------------------
@pytest.mark.parametrize("name", ["resnet18", "resnet34"])
def test_torchvision_weights_are_the_zoo_model_of_that_name(tmp_path, name):
    model = TORCHVISION["models"][name]
    path = write_safetensors(tmp_path / f"{name}.safetensors", model["state_dict"])
    arch = explain(str(path))
    assert arch.total_params == model["params"]  # torchvision's count, from the fixture
    assert arch.plain_depth == int(name.removeprefix("resnet"))
    assert any(note.startswith("Architecture from the weights: the ") and
               f"zoo's {name}, so" in note for note in arch.notes)


@pytest.mark.parametrize("name", ["resnet50", "resnet101", "resnet152"])
def test_torchvision_bottleneck_weights_fit_v1_and_v15_alike(tmp_path, name):
    # Same tensors, different forwards: the weights cannot say where the stride sits.
    path = write_safetensors(tmp_path / "w.safetensors",
                             TORCHVISION["models"][name]["state_dict"])
    with pytest.raises(ModelNotFound) as refused:
        explain(str(path))
    message = str(refused.value)
    assert f"fits 2 zoo models alike: {name} (" in message
    assert f"{name}-v1 (" in message and "weights do not record the forward" in message


# --- what torch.save writes ------------------------------------------------------------------
def test_a_lightning_checkpoint_with_its_own_class_count(tmp_path):
    trained = build("resnet18", num_classes=10)
    path = tmp_path / "last.ckpt"
    torch.save({"epoch": 3,
                "state_dict": {f"model.{k}": v for k, v in trained.state_dict().items()},
                "optimizer_states": [{"state": {}, "param_groups": []}]}, path)
    arch = explain(str(path))
    assert arch.total_params == params_of(trained) == 11_181_642
    with torch.no_grad():
        assert arch.output_shape == tuple(trained.eval()(torch.zeros(1, 3, 224, 224)).shape)
    assert arch.output_shape == (1, 10)
    note = next(note for note in arch.notes if note.startswith("Architecture from"))
    assert "last.ckpt['state_dict'] (names under 'model.')" in note
    assert "resnet18 with 10 classes" in note
    # The paper's figures are for 1000 classes: not set beside a 10-class model.
    assert not any(note.startswith("Paper") for note in arch.notes)


def test_dataparallel_weights_of_a_cifar_resnet_use_its_input_size(tmp_path):
    trained = build("resnet20")
    path = tmp_path / "dp.pt"
    torch.save({f"module.{k}": v for k, v in trained.state_dict().items()}, path)
    arch = explain(path)  # a Path is taken as well as a string
    assert arch.input_shape == (1, 3, 32, 32)
    assert arch.total_params == params_of(trained) == 269_722  # DESIGN: 0.27M
    assert arch.plain_depth == 20
    assert any(note.startswith("Paper (section 4.2)") for note in arch.notes)


def test_shortcut_option_is_read_from_the_weights(tmp_path):
    trained = build("resnet20", shortcut="C")  # a projection on every block
    path = tmp_path / "c.pt"
    torch.save(trained.state_dict(), path)
    torch.save(build("resnet20", shortcut="C", num_classes=100).state_dict(),
               tmp_path / "c100.pt")
    arch = explain(str(path))
    assert arch.total_params == params_of(trained)
    assert arch.shortcut_projections == 9  # option C: one per block, 3 stages × 3
    note = next(n for n in explain(str(tmp_path / "c100.pt")).notes if "from the weights" in n)
    assert "the zoo's resnet20 with shortcut C and 100 classes, so" in note
    with pytest.raises(UserError, match="decides its shortcut option itself"):
        explain(str(path), shortcut="A")


def test_plain_weights_are_read_as_the_option_a_resnet(tmp_path):
    # plain20's tensors are resnet20's (option A has no parameters): the file fits the ResNet,
    # the common case, and the plain net is named by its zoo name
    shapes = {k: list(v.shape) for k, v in build("plain20").state_dict().items()}
    fit = the_fit(read(write_safetensors(tmp_path / "plain.safetensors", shapes)))
    assert (fit.name, fit.shortcut) == ("resnet20", "A")
    assert explain("plain20").blocks == []


@pytest.mark.parametrize("name", ["resnet18", "resnet50-v2", "resnet56"])
def test_every_option_of_a_zoo_model_fits_itself_alone(tmp_path, name):
    for option in "ABC":
        trained = build(name, shortcut=option)
        shapes = {k: list(v.shape) for k, v in trained.state_dict().items()}
        weights = read(write_safetensors(tmp_path / f"{option}.safetensors", shapes))
        fit = the_fit(weights)
        assert (fit.name, fit.shortcut, fit.classes) == (name, option,
                                                         describe(name).num_classes)


def test_torchvisions_old_weights_without_batch_counters_fit(tmp_path):
    shapes = {k: v for k, v in TORCHVISION["models"]["resnet18"]["state_dict"].items()
              if not k.endswith("num_batches_tracked")}
    assert the_fit(read(write_safetensors(tmp_path / "w.safetensors", shapes))).name == \
        "resnet18"


def test_a_changed_stem_is_no_zoo_model_and_the_message_says_where(tmp_path):
    student = build("resnet18", num_classes=10)
    student.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)  # the CIFAR stem
    path = tmp_path / "cifar18.pt"
    torch.save(student.state_dict(), path)
    with pytest.raises(ModelNotFound) as refused:
        explain(str(path))
    assert ("holds the weights of no zoo model; nearest: resnet18 (shortcut B), where "
            "1 tensor differs: conv1.weight is [64, 3, 3, 3] here, [64, 3, 7, 7] in "
            "resnet18") in str(refused.value)
    assert "give the code that builds the model (file.py:callable)" in str(refused.value)


def test_ambiguous_weights_say_how_to_name_the_model_with_their_classes(tmp_path):
    path = tmp_path / "r50.pth"
    torch.save(build("resnet50", num_classes=10).state_dict(), path)
    with pytest.raises(ModelNotFound) as refused:
        explain(str(path))
    assert refused.value.message(cli=True).endswith(
        "Explain the one it was trained as by its zoo name, e.g. resnet50 with --classes 10")
    assert refused.value.message(cli=False).endswith("e.g. resnet50 with num_classes=10")
    named = explain("resnet50", num_classes=10)  # what the message says, in Python
    assert named.output_shape == (1, 10)


def test_weights_named_otherwise_fit_nothing_and_no_nearest_is_claimed(tmp_path):
    # Hugging Face's ResNet names its tensors by stage and layer: no zoo model is near.
    shapes = {"resnet.embedder.embedder.convolution.weight": [64, 3, 7, 7],
              "resnet.encoder.stages.0.layers.0.layer.0.convolution.weight": [64, 64, 3, 3],
              "classifier.1.weight": [1000, 512]}
    with pytest.raises(ModelNotFound) as refused:
        explain(str(write_safetensors(tmp_path / "model.safetensors", shapes)))
    assert str(refused.value).startswith(
        f"{tmp_path / 'model.safetensors'} (3 tensors) holds the weights of no zoo model "
        "(none is near). Weights give the shapes of the layers, not the forward")


def test_a_pickled_model_is_refused_without_importing_its_class(tmp_path, monkeypatch):
    package = tmp_path / "code"
    package.mkdir()
    (package / "studentnet.py").write_text(
        "import torch.nn as nn\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n")
    monkeypatch.syspath_prepend(str(package))
    import studentnet

    path = tmp_path / "whole.pt"
    torch.save(studentnet.Net(), path)
    del sys.modules["studentnet"]
    monkeypatch.syspath_prepend(str(tmp_path))  # its folder gone from reach, not needed
    with pytest.raises(CannotTrace) as refused:
        explain(str(path))
    assert "holds a whole pickled model (class studentnet.Net)" in str(refused.value)
    assert "weights_only=False" in str(refused.value)
    assert "studentnet" not in sys.modules  # nothing of the file's was imported


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torchscript_onnx_and_other_files_are_named_for_what_they_are(tmp_path):
    scripted = tmp_path / "conv.pt"
    torch.jit.script(nn.Conv2d(3, 8, 3)).save(str(scripted))
    with pytest.raises(CannotTrace, match="is a TorchScript archive"):
        explain(str(scripted))
    onnx = tmp_path / "net.onnx"
    onnx.write_bytes(b"\x08\x07")
    with pytest.raises(CannotTrace, match="is an ONNX graph"):
        explain(str(onnx))
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    with pytest.raises(ModelNotFound, match="is not a PyTorch weights file"):
        explain(str(text))
    empty = tmp_path / "none.pt"
    torch.save({"epoch": 1}, empty)
    with pytest.raises(ModelNotFound, match="holds no named tensors"):
        explain(str(empty))


def test_a_folder_is_told_which_of_its_files_to_give(tmp_path):
    # A folder without a model config (a training run's): weights files are named first,
    # then the code. A Hugging Face folder, with its config.json, is test_hfconfig.py's.
    download = tmp_path / "resnet-50"
    download.mkdir()
    for name in ("notes.json", "model.safetensors", "convert.py", "pytorch_model.bin"):
        (download / name).write_text("")
    with pytest.raises(ModelNotFound) as refused:
        explain(str(download))
    assert refused.value.message(cli=True) == (
        f"{download} is a folder. Give a file in it: {download}/model.safetensors, "
        f"{download}/pytorch_model.bin, {download}/convert.py:callable")
    with pytest.raises(ModelNotFound, match=r"is a folder\. Give a weights file \(\.pth, "):
        explain(tmp_path / "resnet-50" / "..")


def test_a_file_cut_short_is_named_damaged(tmp_path):
    whole = tmp_path / "whole.pth"
    torch.save(build("resnet18").state_dict(), whole)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ModelNotFound, match=r"cut\.pth is a damaged zip archive"):
        explain(str(cut))
    header = write_safetensors(tmp_path / "h.safetensors", {"fc.weight": [10, 512]})
    short = tmp_path / "short.safetensors"
    short.write_bytes(header.read_bytes()[:20])
    with pytest.raises(ModelNotFound, match=r"cannot read .*short\.safetensors as a "
                                            r"safetensors file"):
        explain(str(short))


def test_cli_weights_file_summary_and_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "r34.pth"
    torch.save(build("resnet34").state_dict(), good)
    torch.save(nn.Sequential(nn.Conv2d(3, 8, 3)), tmp_path / "whole.pth")

    assert main(["summary", "r34.pth", "--depth", "stage"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("r34.pth (resnet34): [1, 3, 224, 224] → [1, 1000]")
    assert "Plain depth: 34 = 1 + 2×(3+4+6+3) + 1" in out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    note = next(line for line in out.splitlines() if "Architecture from the weights" in line)
    assert out.splitlines()[0] in readme and note in readme  # the README shows real output
    for args, expected in [
        (["summary", "missing.pth"], "error: no such file: missing.pth."),
        (["summary", "r34.pth", "-o", "r34.pth", "--format", "json"],
         "error: refusing to overwrite r34.pth: it is the model's own source file"),
    ]:
        assert main(args) == 2
        assert capsys.readouterr().err.startswith(expected)
    assert the_fit(read(good)).name == "resnet34"  # the weights file was left as it was

    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "whole.pth"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(
        "error: whole.pth holds a whole pickled model (class torch.nn.modules.container."
        "Sequential), and loading it would run code from the file."), done.stderr


def test_every_zoo_name_still_means_the_zoo_model(tmp_path, monkeypatch):
    # A file in the current folder named like a zoo model does not shadow the zoo.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet18").write_text("not weights")
    assert "resnet18" in MODEL_NAMES
    assert explain("resnet18").plain_depth == 18
