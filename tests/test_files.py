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

    from resnet_explain import cli, report
    from resnet_explain.diagram import render

    for module in (cli, report, render):
        assert "write_atomically(" in inspect.getsource(module), module.__name__
