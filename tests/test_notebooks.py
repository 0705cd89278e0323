"""The classroom notebooks: committed without outputs, current with their source
(``scripts/make_notebooks.py``), and run top to bottom from a clean kernel without an error —
except the cells tagged ``raises-exception``, which must fail with the tool's own one-line
error (a :class:`~resnet_explain.errors.UserError`), not a torch traceback.

The kernel is this interpreter (a kernel spec written to a temporary folder), with the
repository first on its path and ``notebooks/`` as its working directory, so the notebooks
run against the code under test.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))

import make_notebooks  # noqa: E402

nbformat = pytest.importorskip("nbformat")
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
#: The Chinese notebooks (``notebooks/zh/``), from the same script.
ZH_PATHS = sorted((NOTEBOOKS / "zh").glob("*.ipynb"))
_BUILTIN_ERRORS = {"RuntimeError", "TypeError", "ValueError", "AttributeError", "IndexError",
                   "KeyError", "AssertionError", "NameError", "ModuleNotFoundError"}


def test_the_notebooks_are_these_five_and_current() -> None:
    assert [p.name for p in PATHS] == sorted(make_notebooks.NOTEBOOKS_CELLS) == [
        "00_why_residual.ipynb", "01_what_does_34_count.ipynb",
        "02_blocks_and_shortcuts.ipynb", "03_check_your_own_resnet.ipynb",
        "04_derive_it_by_hand.ipynb"]
    for path in PATHS:
        wanted = make_notebooks.text(make_notebooks.NOTEBOOKS_CELLS[path.name])
        assert path.read_text(encoding="utf-8") == wanted, \
            f"{path.name} is stale: python scripts/make_notebooks.py"


def test_the_chinese_notebooks_are_current() -> None:
    assert [p.name for p in ZH_PATHS] == sorted(make_notebooks.NOTEBOOKS_ZH_CELLS)
    assert list(make_notebooks.NOTEBOOKS_ZH_CELLS) == list(make_notebooks.NOTEBOOKS_CELLS)
    for path in ZH_PATHS:
        wanted = make_notebooks.text(make_notebooks.NOTEBOOKS_ZH_CELLS[path.name])
        assert path.read_text(encoding="utf-8") == wanted, \
            f"zh/{path.name} is stale: python scripts/make_notebooks.py"


def test_the_chinese_notebooks_answer_the_seeds_misconceptions() -> None:
    """Seed 001's "conv + maxpool + 48 = 50" and seed 002's "identity 的卷积核应为 3x3" are
    met head on, with the trace's own numbers."""
    text = "\n".join(source for cells in make_notebooks.NOTEBOOKS_ZH_CELLS.values()
                     for _, source in cells)
    assert "conv + maxpool + 48 = 50" in text and "50 = 1 + 3×(3+4+6+3) + 1" in text
    assert "identity 的卷积核应为 3x3" in text and "**1×1** 卷积" in text
    code = [source for cells in make_notebooks.NOTEBOOKS_ZH_CELLS.values()
            for kind, source in cells if kind in ("code", "error")]
    calls = [line for source in code for line in source.splitlines() if "explain(" in line]
    assert calls and all('lang="zh"' in line for line in calls), calls


@pytest.mark.parametrize("path", PATHS + ZH_PATHS, ids=lambda p: p.parent.name + "_" + p.stem)
def test_notebook_has_no_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """A kernel spec that starts this interpreter, and the environment to start it in."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "resnet-explain-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "resnet-explain tests", "language": "python",
    }))
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "JUPYTER_PATH": str(folder),
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return "resnet-explain-test", env


@pytest.mark.parametrize("path", PATHS + ZH_PATHS,
                         ids=lambda p: p.stem if p.parent == NOTEBOOKS else f"zh_{p.stem}")
def test_notebook_runs_from_a_clean_kernel(path: Path, kernel, monkeypatch) -> None:
    from nbclient import NotebookClient

    name, env = kernel
    monkeypatch.setenv("JUPYTER_PATH", env["JUPYTER_PATH"])
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name=name,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)  # raises CellExecutionError on an error in an untagged cell
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        errors = [out for out in cell.outputs if out.output_type == "error"]
        stderr = [out.text for out in cell.outputs
                  if out.output_type == "stream" and out.name == "stderr"]
        assert not stderr, (cell.source, stderr)  # no stray warnings in a lesson
        if "raises-exception" in cell.metadata.get("tags", []):
            assert len(errors) == 1, cell.source
            # The tool's own error, not torch's RuntimeError passed through.
            assert errors[0].ename not in _BUILTIN_ERRORS, (cell.source, errors[0].evalue)
        else:
            assert not errors, cell.source
            # An empty cell is the student's, after a "Your turn".
            assert cell.outputs or not cell.source, f"a lesson cell shows nothing: {cell.source}"


def test_readme_links_the_notebooks_and_screenshots() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in PATHS:
        assert f"(notebooks/{path.name})" in readme
    for path in ZH_PATHS:
        assert f"(notebooks/zh/{path.name})" in readme
    pictures = re.findall(r"\]\((docs/img/[^)]+\.png)\)", readme)
    assert len(pictures) >= 3
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture


def test_an_error_in_a_cells_code_names_the_cell_as_ipython_does(kernel, monkeypatch) -> None:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    name, env = kernel
    monkeypatch.setenv("JUPYTER_PATH", env["JUPYTER_PATH"])
    notebook = new_notebook(cells=[
        new_code_cell("import torch\nfrom torch import nn\nfrom resnet_explain import explain\n"),
        new_code_cell("class Block(nn.Module):\n"
                      "    def __init__(self):\n"
                      "        super().__init__()\n"
                      "        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)\n"
                      "\n"
                      "    def forward(self, x):\n"
                      "        return self.conv(x) + x\n"),
        new_code_cell("explain(Block(), (1, 3, 32, 32))"),
    ])
    client = NotebookClient(notebook, timeout=120, kernel_name=name, allow_errors=True)
    client.execute(env=env)
    [error] = [out for out in notebook.cells[2].outputs if out.output_type == "error"]
    assert error.ename == "TraceFailure"
    # Not the kernel's temporary file (/tmp/ipykernel_…/….py): the cell, by its number.
    assert "(at cell In[2], line 7 in forward: return self.conv(x) + x)" in error.evalue


def _your_turns() -> list[tuple[str, int, list[make_notebooks.Cell]]]:
    return [(name, i, cells) for name, cells in make_notebooks.NOTEBOOKS_CELLS.items()
            for i, (kind, source) in enumerate(cells)
            if kind == "md" and ("Your turn" in source or "Check yourself" in source)]


def test_each_your_turn_has_an_empty_cell_and_a_hidden_answer() -> None:
    turns = _your_turns()
    assert {name for name, _, _ in turns} == set(make_notebooks.NOTEBOOKS_CELLS)
    for name, i, cells in turns:
        assert cells[i + 1] == ("try", ""), name
        kind, answer = cells[i + 2]
        assert kind == "answer" and answer.startswith("<details><summary>Answer</summary>\n\n")
        assert answer.endswith("\n\n</details>"), name
    notebook = nbformat.reads(make_notebooks.text(make_notebooks.NOTEBOOKS_CELLS[
        "01_what_does_34_count.ipynb"]), as_version=4)
    ids = [cell.id for cell in notebook.cells]
    assert ids[ids.index("cell-13") + 1: ids.index("cell-13") + 4] == \
        ["cell-13-try", "cell-13-answer", "cell-14"]  # the other cells keep their ids


def test_the_hidden_answers_state_what_the_trace_says() -> None:
    from resnet_explain import explain

    answers = {(name, i): cells[i + 2][1].removeprefix("<details><summary>Answer</summary>\n\n")
               for name, i, cells in _your_turns()}
    [formulas, cifar] = [a for (name, _), a in answers.items() if name.startswith("01")]
    for model in ("resnet50", "resnet152"):
        assert f"**{explain(model).depth_formula}**" in formulas
    r1202 = explain("resnet1202")
    assert r1202.weighted_layers == r1202.plain_depth == 6 * 200 + 2  # DESIGN.md: 6n + 2
    assert r1202.shortcut_projections == 0
    assert cifar.startswith(f"{r1202.weighted_layers} weighted layers, and all "
                            f"{r1202.plain_depth} are on the main path: "
                            f"**{r1202.depth_formula}**")
    [v2] = [a for (name, _), a in answers.items() if name.startswith("02")]
    v1, pre = explain("resnet18"), explain("resnet18-v2")
    assert v1.depth_formula == pre.depth_formula
    assert v2.startswith(f"No: both are **{pre.depth_formula}**")
    assert v1.weighted_layers == pre.weighted_layers == 21  # DESIGN.md: Conv2d + Linear
    assert f"the same {pre.weighted_layers}\nweighted layers, {pre.shortcut_projections} of " \
        "them projections" in v2
    # Notebook 03's answer: its code, run here, gives the numbers its sentence states.
    [third] = [a for (name, _), a in answers.items() if name.startswith("03")]
    code = re.search(r"```python\n(.*?)```", third, re.S).group(1)
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        import student_resnet
        from torch import nn

        scope = {"student_resnet": student_resnet, "nn": nn, "explain": explain}
        exec(code, scope)
    finally:
        sys.path.remove(str(NOTEBOOKS))
    fixed = scope["fixed"]
    assert not fixed.warnings and fixed.shortcut_projections == 1
    assert (f"{fixed.weighted_layers} weighted layers, and {fixed.plain_depth} of them "
            f"count towards the depth") in third.replace("\n", " ")


@pytest.mark.parametrize("answers", [False, True], ids=["student", "teacher"])
def test_exported_exercise_notebooks_run_from_a_clean_kernel(kernel, monkeypatch, tmp_path,
                                                           answers) -> None:
    from nbclient import NotebookClient

    from resnet_explain.cli import main

    name, env = kernel
    monkeypatch.setenv("JUPYTER_PATH", env["JUPYTER_PATH"])
    path = tmp_path / "class.ipynb"
    assert main(["exercises", "resnet18", "-n", "8", "--seed", "1", "-o", str(path),
                 *(["--answers"] if answers else [])]) == 0
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    client = NotebookClient(notebook, timeout=300, kernel_name=name)
    client.execute(env=env)
    [trace] = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source]
    assert trace.outputs and not [o for o in trace.outputs if o.output_type == "error"]
    assert ("<details>" in path.read_text(encoding="utf-8")) == answers


def test_the_gradient_lesson_says_what_its_numbers_show() -> None:
    """Notebook 00's prose: the plain net's gradient drifts in size from x_L back to the
    first block and keeps nothing of ∂loss/∂x_L's direction, while ResNet-56's keeps its size
    within a small factor and more of the direction the nearer x_L. Its own cells, run here."""
    code = [source for kind, source in make_notebooks.WHY_RESIDUAL if kind == "code"]
    gradients = next(source for source in code if "def block_gradients" in source)
    directions = next(source for source in code if "cosines = " in source)
    namespace: dict = {}
    exec("import torch\nfrom resnet_explain.zoo import build\n", namespace)
    exec(gradients, namespace)
    exec(directions, namespace)
    grads, rms, cosines = namespace["grads"], namespace["rms"], namespace["cosines"]
    growth = {name: rms(g["layer1.0"]) / rms(g["x_L"]) for name, g in grads.items()}
    assert growth["plain56"] > 1000 and 1 < growth["resnet56"] < 100
    assert max(abs(c) for c in cosines["plain56"]) < 0.1
    assert cosines["resnet56"] == sorted(cosines["resnet56"]) and cosines["resnet56"][-1] > 0.5


def test_the_new_notebooks_hidden_answers_hold() -> None:
    """Notebook 04's answer (ResNet-20's receptive field, step by step) against the trace's
    own field after each step; notebook 00's (plain-20 drifts far less than plain-56, and
    ResNet-20 least) against the notebook's own gradient code."""
    from resnet_explain import explain

    answers = {name: cells[i + 2][1] for name, i, cells in _your_turns()}
    rf = answers["04_derive_it_by_hand.ipynb"]
    steps = [int(value) for value in re.findall(r"= (\d+) \| \d+ \|", rf)]
    arch = explain("resnet20")
    traced = [arch.layer(name).receptive_field.size[0] for name in
              ("conv1", "layer1.2.conv2", "layer2.0.conv1", "layer2.2.conv2", "layer3.0.conv1",
               "layer3.2.conv2")]
    assert steps == traced == [3, 15, 17, 37, 41, 81]  # 81: DESIGN.md's CIFAR ResNet-20
    code = [source for kind, source in make_notebooks.WHY_RESIDUAL if kind == "code"]
    gradients = next(source for source in code if "def block_gradients" in source)
    namespace: dict = {}
    exec("import torch\nimport torch.nn.functional as F\n"
         "from resnet_explain.zoo import build\n", namespace)
    exec(gradients[:gradients.index("grads = {")], namespace)
    growth = {}
    for name in ("plain20", "plain56", "resnet20"):
        g = namespace["block_gradients"](name)
        growth[name] = namespace["rms"](g["layer1.0"]) / namespace["rms"](g["x_L"])
    assert 3 < growth["plain20"] < 30 < 1000 < growth["plain56"]  # "about ten", "thousands"
    assert growth["resnet20"] < growth["plain20"] and growth["resnet20"] < 10  # "a few times"
    assert "about ten" in answers["00_why_residual.ipynb"]


def test_a_returned_plot_shows_as_one_picture_in_a_fresh_kernel(kernel, monkeypatch) -> None:
    """Issue 21, item 3: ``arch.plot(...)`` as a cell's value is a PNG in a fresh kernel
    (no ``%matplotlib inline``), and one PNG, not two, once the inline backend is on."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    name, env = kernel
    monkeypatch.setenv("JUPYTER_PATH", env["JUPYTER_PATH"])
    notebook = new_notebook(cells=[
        new_code_cell("from resnet_explain import explain\narch = explain('resnet18')"),
        new_code_cell("arch.plot('stages')"),
        new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt"),
        new_code_cell("arch.plot('cost')"),
    ])
    client = NotebookClient(notebook, timeout=300, kernel_name=name)
    client.execute(env=env)
    for cell in (notebook.cells[1], notebook.cells[3]):
        pictures = [out for out in cell.outputs if "image/png" in out.get("data", {})]
        assert len(pictures) == 1, cell.outputs
        assert pictures[0]["data"]["image/png"]  # base64 of a PNG
