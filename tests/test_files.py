"""Every file the tool writes (table, diagram, report) goes through one atomic writer."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from resnet_explain.files import write_atomically


def test_writes_and_keeps_the_permissions_of_a_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "out.svg"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.svg"]  # no temporary file left beside it


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                             monkeypatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("good")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomically(target, b"half")
    assert target.read_text() == "good"
    assert os.listdir(tmp_path) == ["report.html"]


def test_diagram_and_report_writers_use_it() -> None:
    import inspect

    from resnet_explain import report
    from resnet_explain.cli import output as cli
    from resnet_explain.diagram import output as render

    for module in (cli, report, render):
        assert "write_atomically(" in inspect.getsource(module), module.__name__


# --- what is not a regular file is never replaced (issue 22) -------------------------------
def test_a_device_is_written_into_not_replaced() -> None:
    write_atomically(Path("/dev/null"), b"table")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_gets_the_bytes_and_stays_a_fifo(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, b"diagram")
    reader.join(timeout=10)
    assert got == [b"diagram"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.svg"
    real.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    dangling = tmp_path / "dangling.svg"
    dangling.symlink_to(tmp_path / "made.svg")
    write_atomically(dangling, b"made")
    assert dangling.is_symlink() and (tmp_path / "made.svg").read_bytes() == b"made"


def test_a_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="it is a folder, not a file"):
        write_atomically(tmp_path, b"x")
    assert tmp_path.is_dir()


@pytest.mark.skipif(not Path("/proc/version").exists(), reason="no /proc")
def test_a_system_file_says_why_it_cannot_be_replaced() -> None:
    before = Path("/proc/version").read_text()
    with pytest.raises(OSError, match="takes no new files"):
        write_atomically(Path("/proc/version"), b"x")
    assert Path("/proc/version").read_text() == before


def test_o_onto_a_module_the_model_imports_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "blocks.py").write_text(
        "from torch import nn\n\n\ndef block():\n    return nn.Conv2d(3, 8, 3, padding=1)\n")
    (tmp_path / "net.py").write_text(
        "from torch import nn\n\nfrom blocks import block\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.c = block()\n\n    def forward(self, x):\n        return self.c(x)\n")
    source = (tmp_path / "blocks.py").read_text()
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "net.py:Net",
                           "--input", "3x8x8", "--format", "text", "-o", "blocks.py"],
                          cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "refusing to overwrite blocks.py: it is the source of the module 'blocks'" \
        in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "blocks.py").read_text() == source
