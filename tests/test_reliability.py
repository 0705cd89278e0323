"""Bad input that once gave a traceback or a misleading message (issue 22): each gets one
line that names the problem and the fix, and nothing the user owns is changed."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import torch

from resnet_explain import explain
from resnet_explain.errors import UserError
from resnet_explain.zoo import build


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_explain", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_a_safetensors_header_that_is_not_a_table(tmp_path: Path) -> None:
    header = b"[]"
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(UserError, match="its header is a JSON list, not a table of tensors"):
        explain(str(path))


def test_a_folder_named_like_weights_is_called_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "weights.pth"
    folder.mkdir()
    (folder / "model.pt").write_bytes(b"")
    with pytest.raises(UserError, match="is a folder, not a weights file") as refused:
        explain(str(folder))
    assert "model.pt" in str(refused.value)  # what to give instead


def test_a_damaged_weights_file_is_called_damaged_not_code(tmp_path: Path) -> None:
    good = tmp_path / "good.pth"
    torch.save(build("resnet18").state_dict(), good)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("data.pkl"))
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 200] ^= 0xFF  # one flipped byte inside the pickle
    bad = tmp_path / "flipped.pth"
    bad.write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"is damaged \(the CRC-32 of .*data\.pkl does not match") \
            as refused:
        explain(str(bad))
    assert "run code" not in str(refused.value)


def test_an_old_pickle_protocol_prints_no_torch_warning(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "old.pth"
    with path.open("wb") as stream:  # a pickle of a class: refused, as before
        pickle.dump({"net": Path("x")}, stream, protocol=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(UserError):
            explain(str(path))
    assert not [w for w in caught if "torch" in str(w.filename)]


def test_a_config_nested_deeper_than_python_reads(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UserError, match="nested deeper than Python reads"):
        explain(str(tmp_path))


def test_a_config_whose_image_size_is_not_a_size(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    config = {"model_type": "resnet", "architectures": ["ResNetForImageClassification"],
              "num_channels": 3, "image_size": "abc", "embedding_size": 8,
              "hidden_sizes": [8, 16], "depths": [1, 1], "layer_type": "basic"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(UserError, match="gives image_size 'abc': not a size in pixels"):
        explain(str(tmp_path))


def test_an_exported_program_is_told_what_to_give() -> None:
    model = build("resnet18").eval()
    exported = torch.export.export(model, (torch.randn(1, 3, 32, 32),))
    with pytest.raises(TypeError, match=r"not a torch\.export ExportedProgram"):
        explain(exported)


def test_tensors_where_a_size_goes_are_said_in_one_short_line() -> None:
    x = torch.randn(1, 3, 32, 32)
    with pytest.raises(UserError) as refused:
        explain(build("resnet18"), (x, x))
    message = str(refused.value)
    assert "holds 2 tensors (shapes [1, 3, 32, 32], [1, 3, 32, 32])" in message
    assert len(message) < 300 and "tensor([[" not in message


def test_a_long_size_is_quoted_short() -> None:
    with pytest.raises(UserError) as refused:
        explain("resnet18", "1x" * 300 + "1")
    assert len(str(refused.value)) < 300


@pytest.mark.parametrize("where", ["top", "builder"])
def test_a_file_that_exits_is_said_not_obeyed(tmp_path: Path, where: str) -> None:
    top = "sys.exit(3)\n" if where == "top" else ""
    build_exit = "    sys.exit(3)\n" if where == "builder" else "    return nn.Conv2d(3, 4, 3)\n"
    (tmp_path / "net.py").write_text(f"import sys\nfrom torch import nn\n{top}\n\n"
                                     f"def build():\n{build_exit}")
    done = _cli("summary", "net.py:build", "--input", "3x8x8", cwd=tmp_path)
    assert done.returncode == 2
    assert "ended the program (sys.exit(3))" in done.stderr and "Traceback" not in done.stderr
    assert 'if __name__ == "__main__":' in done.stderr
