"""The supported Python and torch range (resnet_explain/_compat.py): the floor is the one
pyproject.toml declares, a torch below it is one line, and what older versions lack is filled
in. The old versions themselves run in scripts/compat.sh's environments."""

from __future__ import annotations

import re
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
import torch
from torch import nn

from resnet_explain import explain
from resnet_explain._compat import TORCH_FLOOR, StrEnum, require_torch, version_tuple
from resnet_explain.architecture import Role
from resnet_explain.errors import TorchTooOld, UserError

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def test_the_floor_is_pyprojects():
    declared = re.search(r'"torch>=([0-9.]+),<([0-9]+)"', PYPROJECT)
    assert declared is not None
    assert version_tuple(declared.group(1)) == TORCH_FLOOR
    assert version_tuple(torch.__version__) >= TORCH_FLOOR
    python = re.search(r'requires-python = ">=([0-9.]+)"', PYPROJECT)
    assert python is not None and version_tuple(python.group(1)) == (3, 10)
    assert sys.version_info >= (3, 10)


@pytest.mark.parametrize(("version", "numbers"), [
    ("2.1.2+cu121", (2, 1, 2)), ("2.13.0+cpu", (2, 13, 0)), ("2.6.0a0+git1234", (2, 6, 0)),
    ("2.10.0.dev20250101", (2, 10, 0)), ("3", (3,)), ("unknown", ()),
])
def test_version_numbers(version, numbers):
    assert version_tuple(version) == numbers


def test_a_torch_below_the_floor_is_one_line_naming_the_version_needed(monkeypatch):
    floor = ".".join(map(str, TORCH_FLOOR))
    older = f"{TORCH_FLOOR[0]}.{TORCH_FLOOR[1] - 1}.1+cu118" if TORCH_FLOOR[1] else "1.13.1"
    monkeypatch.setattr(torch, "__version__", older)
    with pytest.raises(TorchTooOld) as caught:
        explain(nn.Conv2d(3, 4, 3), (1, 3, 8, 8))
    assert isinstance(caught.value, UserError)
    assert str(caught.value) == (f"resnet-explain needs torch {floor} or newer; this is torch "
                                 f"{older}. Upgrade it: pip install 'torch>={floor}'")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("version", [".".join(map(str, TORCH_FLOOR)) + ".0",
                                     f"{TORCH_FLOOR[0]}.{TORCH_FLOOR[1]}.0a0+git5", "2.99.0",
                                     "a local build"])
def test_the_floor_and_newer_pass(version):
    class Torch:
        __version__ = version

    require_torch(Torch)  # raises nothing: an unreadable version is not refused either


def test_the_command_line_says_the_one_line_and_exits_2():
    code = ("import sys, torch; torch.__version__ = '1.13.1'\n"
            "from resnet_explain.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "summary", "resnet18"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"error: resnet-explain needs torch {'.'.join(map(str, TORCH_FLOOR))} or newer; this "
        "is torch 1.13.1. Upgrade it: pip install 'torch>="
        f"{'.'.join(map(str, TORCH_FLOOR))}'"]


def test_strenum_members_are_their_values():
    class Colour(StrEnum):
        RED = "red"

    assert issubclass(Colour, str) and issubclass(Colour, Enum)
    assert str(Colour.RED) == "red" and f"{Colour.RED}" == "red" and f"{Colour.RED:>5}" == "  red"
    assert Colour("red") is Colour.RED and Colour.RED == "red"
    assert str(Role.MAIN) == Role.MAIN.value and f"{Role.MAIN}" == Role.MAIN.value


def test_a_keyword_tensor_is_seen_whichever_hooks_the_torch_has(monkeypatch):
    """torch before 2.6 cannot give the process-wide forward hook the keyword arguments; the
    trace then hooks every module itself. Both ways record the same layers and links."""
    import resnet_explain.trace.recorder as trace_module

    class Gate(nn.Module):
        def forward(self, x, *, scale):
            return x * scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.scale = nn.Conv2d(3, 4, 1)
            self.gate = Gate()

        def forward(self, x):
            return self.gate(self.conv(x), scale=torch.sigmoid(self.scale(x)))

    def old_torchs_hook(hook, *, with_kwargs=None):  # what torch 2.4 answers
        raise TypeError("register_module_forward_hook() got an unexpected keyword argument "
                        "'with_kwargs'")

    found = explain(Net(), (1, 3, 8, 8)).to_dict()
    monkeypatch.setattr(trace_module, "_GLOBAL_KWARGS", False)
    monkeypatch.setattr(trace_module, "register_module_forward_hook", old_torchs_hook)
    assert explain(Net(), (1, 3, 8, 8)).to_dict() == found
    gate = next(layer for layer in found["layers"] if layer["name"] == "gate")
    conv, sigmoid = (next(layer["index"] for layer in found["layers"] if layer["name"] == name)
                     for name in ("conv", "sigmoid"))
    assert gate["inputs"] == [conv, sigmoid]  # the keyword's tensor is the second input


def test_a_transposed_conv_of_size_0_is_an_error_where_the_meta_kernel_lets_it_through(
        monkeypatch):
    """torch 2.6's meta kernel of conv_transpose computes (1 − 1)·1 − 2·1 + (2 − 1) + 1 = 0
    without complaint; the trace raises PyTorch's error itself, as newer torch does (the
    layer's forward is replaced by one that answers as that kernel did)."""
    real = torch.nn.functional.conv_transpose2d

    def old_meta_kernel(input, weight, bias=None, stride=1, padding=0, *args):
        if input.device.type != "meta":
            return real(input, weight, bias, stride, padding, *args)
        return torch.empty((input.shape[0], weight.shape[1], 0, 0), device="meta")

    monkeypatch.setattr(torch.nn.functional, "conv_transpose2d", old_meta_kernel)

    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ConvTranspose2d(4, 4, 2, padding=1))
    with pytest.raises(UserError, match="Output size is too small") as caught:
        explain(model, (1, 3, 3, 3))
    assert "1 (ConvTranspose2d) receiving [1, 4, 1, 1]" in str(caught.value)


@pytest.mark.parametrize(("versions", "refused"), [
    ({"torch": "2.1.2", "numpy": "2.1.3"}, True), ({"torch": "2.2.2+cpu", "numpy": "2.0.0"}, True),
    ({"torch": "2.1.2", "numpy": "1.26.4"}, False), ({"torch": "2.3.1", "numpy": "2.1.3"}, False),
])
def test_numpy_2_beside_a_torch_built_for_numpy_1_is_one_line_before_torch_loads(
        monkeypatch, versions, refused):
    import importlib.metadata

    from resnet_explain._compat import require_numpy_1

    monkeypatch.setattr(importlib.metadata, "version", versions.__getitem__)
    require_numpy_1.cache_clear()
    try:
        if not refused:
            require_numpy_1()
            return
        with pytest.raises(UserError) as caught:
            explain("resnet18")
        assert str(caught.value) == (
            f"torch {versions['torch']} was built against NumPy 1 and cannot use NumPy "
            f"{versions['numpy']}. Install NumPy 1: pip install 'numpy<2'")
    finally:
        require_numpy_1.cache_clear()
