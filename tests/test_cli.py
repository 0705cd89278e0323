"""The command line: fast start, one-line errors with exit status 2, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from resnet_explain.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = "tests/fixtures/seed002_resnet50.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_explain", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args", [["--help"], ["list"], ["summary", "--help"],
                                  ["exercises", "--help"]])
def test_help_and_list_do_not_import_torch(args):
    code = ("import sys, runpy; sys.argv = ['resnet-explain', *sys.argv[1:]];\n"
            "try:\n    runpy.run_module('resnet_explain', run_name='__main__')\n"
            "except SystemExit as e:\n    code = e.code\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', code)")
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] in ("NO-TORCH 0", "NO-TORCH None")


def test_list_shows_the_zoo(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("resnet18", "resnet50", "resnet50-v1", "resnet50-v2", "resnet20", "resnet1202",
                 "plain18", "plain34", "plain20", "plain110"):
        assert any(line.split()[0] == name for line in out.splitlines())


def test_classes_gives_a_zoo_model_that_many_outputs(capsys):
    import torch

    from resnet_explain.zoo import build

    assert main(["summary", "resnet56", "--classes", "100", "--depth", "stage"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("resnet56 (100 classes): [1, 3, 32, 32] → [1, 100]")
    reference = build("resnet56", num_classes=100)  # PyTorch's count and forward
    with torch.no_grad():
        assert tuple(reference.eval()(torch.zeros(1, 3, 32, 32)).shape) == (1, 100)
    total = sum(p.numel() for p in reference.parameters())
    assert total == 853_018 - 650 + 6_500  # DESIGN.md's 0.85M, with a 64×100 fc
    assert f"Total params: {total:,}" in out
    assert "Paper (section 4.2)" not in out  # the paper's count is for 10 classes
    with pytest.raises(SystemExit) as refused:
        main(["summary", "resnet56", "--classes", "0"])
    assert refused.value.code == 2
    assert "argument --classes: '0' is not a positive whole number" in capsys.readouterr().err


def test_summary_json_to_a_file(tmp_path):
    target = tmp_path / "r18.json"
    assert main(["summary", "resnet18", "--format", "json", "-o", str(target)]) == 0
    data = json.loads(target.read_text())
    assert data["plain_depth"] == 18 and data["total_params"] == 11_689_512


@pytest.mark.parametrize(("args", "expected"), [
    (["summary", "resnet51"], "unknown model 'resnet51'. Did you mean 'resnet50'?"),
    (["summary", "resnet50", "--input", "3x0x224"], "dimension that is not positive"),
    (["summary", "resnet50", "--input=-3x224x224"], "not positive"),
    (["summary", "resnet50", "--input", "3xax224"], "is not a list of whole numbers"),
    (["summary", "resnet50", "--input", "3x224"], "has 2 dimensions"),
    (["summary", f"{SEED}:resnet_50(224)", "--input", "3x64x64"],
     "shape '[-1, 100352]' is invalid for input of size 8192"),
    (["summary", f"{SEED}:resnet_50"], "missing a required argument: 'image_shape'"),
    (["summary", "nosuchpkg.models:build"], "no module named 'nosuchpkg' (to import "
     "'nosuchpkg.models'). Check the spelling, or install 'nosuchpkg' / run from the folder"),
    (["summary", "tests.nosuchmodule:build"], "no module named 'tests.nosuchmodule'. Check"),
    (["summary", "tests/missing.py:Net"], "no such file: tests/missing.py"),
    (["summary", "net.py"], "no such file: net.py. Check the path"),
    (["summary", "tests"], "tests is a folder. Give a file in it: tests/structures.py:callable, "
     "tests/student_mistakes.py:callable, tests/test_arithmetic.py:callable (or one of "),
    (["summary", "tests/toy_models.py:not_a_model"], "not an nn.Module"),
    (["summary", "tests/toy_models.py:nothing"], "has no attribute 'nothing'"),
    (["summary", "tests/toy_models.py"],
     "tests/toy_models.py is a file, not the callable that builds the model. Write "
     "tests/toy_models.py:callable. Name one of the callables it defines: Broken, "
     "LazyResNet18, LazyResidual, SEBlock, SENet, StudentBlock, StudentNet, build_student, "
     "not_a_model"),
    (["summary", "tests/toy_models.py:Broken", "--input", "3x16x16"],
     "RuntimeError: student bug: forgot to return (at "),
    (["summary", "tests/toy_models.py:StudentNet", "--shortcut", "A"],
     "a shortcut option applies to zoo models only. Drop --shortcut"),
    (["summary", "plain20", "--shortcut", "A"],
     "plain20 is a plain network: it has no shortcuts, so a shortcut option does not apply. "
     "Leave --shortcut out, or explain resnet20: the same layers with shortcuts"),
    (["summary", "tests/toy_models.py:StudentNet", "--classes", "100"],
     "a class count applies to zoo models only. Drop --classes, or name a zoo model"),
])
def test_bad_input_gives_one_line_and_exit_2(args, expected):
    done = run(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert done.stdout == ""


def test_input_too_small_for_a_fixed_head_names_the_layer_and_formula(tmp_path):
    model = tmp_path / "fixed.py"
    model.write_text(
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 8, 3, 2, 1)\n"
        "        self.pool = nn.AvgPool2d(7)\n"
        "        self.fc = nn.Linear(8, 10)\n"
        "    def forward(self, x):\n"
        "        return self.fc(self.pool(self.conv(x)).flatten(1))\n")
    done = run("summary", f"{model}:Net", "--input", "3x8x8")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pool (AvgPool2d)" in done.stderr
    assert "0 = ⌊(4 − 7)/7⌋ + 1 ≤ 0" in done.stderr
    done = run("summary", f"{model}:Net", "--input", "3x32x32")
    assert done.returncode == 2
    assert "fc is a fixed-size head: it expects 8 input features but receives 32" in done.stderr


def test_user_files_are_not_changed(tmp_path):
    source = (ROOT / SEED).read_text()
    copy = tmp_path / "seed.py"
    copy.write_text(source)
    done = run("summary", f"{copy}:resnet_50(224)", "--depth", "stage")
    assert done.returncode == 0, done.stderr
    assert copy.read_text() == source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.py"]  # no __pycache__ left


PRINTING_MODEL = '''\
import torch
from torch import nn

print("imported")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        print("forward got", tuple(x.shape))
        return self.fc(self.conv(x).mean((2, 3)))
'''


@pytest.mark.parametrize(("command", "options"), [
    ("summary", ["--format", "json"]), ("diagram", []), ("report", ["-o", "r.html"]),
    ("table1", []), ("plot", ["-o", "p.svg", "--kind", "cost"])])
def test_what_the_users_code_prints_goes_to_stderr_not_into_the_result(tmp_path, command,
                                                                      options):
    # A print(x.shape) in a forward must not land in the middle of the JSON or the DOT.
    (tmp_path / "net.py").write_text(PRINTING_MODEL)
    spec = f"{tmp_path / 'net.py'}:Net"
    options = [str(tmp_path / option) if option.endswith((".html", ".svg")) else option
               for option in options]
    done = run(command, spec, "--input", "4x3x16x16", *options)
    assert done.returncode == 0, done.stderr
    assert "imported" not in done.stdout and "forward got" not in done.stdout
    assert "imported\n" in done.stderr
    # The empty batch the shape-only forward runs on, which the summary explains.
    assert "forward got (0, 3, 16, 16)" in done.stderr
    if command[0] == "summary":
        data = json.loads(done.stdout)
        assert data["input_shape"] == [4, 3, 16, 16]
        assert data["notes"] == [
            "The model printed while it was traced: a shape printed there has a batch of 0 "
            "(the empty-batch engine runs the forward on no images). The shapes here have the "
            "batch asked for, 4."]


# --- outputs and files (issue 21, item 7) ----------------------------------------------------
@pytest.mark.parametrize("name", ["out34.png", "out34.svg", "out34.xlsx"])
def test_summary_refuses_a_suffix_it_cannot_write(tmp_path, name):
    done = run("summary", "resnet34", "-o", str(tmp_path / name))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"not a {Path(name).suffix} file" in done.stderr
    assert not (tmp_path / name).exists()
    if name.endswith((".png", ".svg")):
        assert "resnet-explain diagram" in done.stderr  # where a picture comes from


def test_summary_with_an_explicit_format_writes_any_name(tmp_path):
    done = run("summary", "resnet18", "-d", "stage", "--format", "text", "-o",
               str(tmp_path / "t.dat"))
    assert done.returncode == 0 and "conv2_x" in (tmp_path / "t.dat").read_text()


def test_report_on_a_terminal_is_refused_in_one_line_and_piped_is_written():
    import os
    import pty

    script = ("import sys; from resnet_explain.cli import main; "
              "sys.exit(main(['report', 'resnet18']))")
    pid, fd = pty.fork()
    if pid == 0:  # the child: its standard output is a terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-c", script])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closed with the child
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 2
    assert "report writes a whole HTML page" in text and "<html" not in text.lower()
    piped = run("report", "resnet18")  # standard output is a pipe: the page is written
    assert piped.returncode == 0 and piped.stdout.lstrip().lower().startswith("<!doctype html")


def test_enum_values_print_as_their_words():
    from collections import Counter

    from resnet_explain import explain

    arch = explain("resnet34")
    assert repr(Counter(block.kind for block in arch.blocks)) == \
        "Counter({'identity': 13, 'projection': 3})"
