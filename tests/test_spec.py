"""Specs as users write them: ``pkg.module:callable`` from the folder that holds ``pkg``,
``file.py:callable`` imported as Python imports a module, a builder that raises."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from resnet_explain import explain
from resnet_explain.errors import ModelNotFound, TraceFailure

ROOT = Path(__file__).resolve().parents[1]

MODEL = textwrap.dedent("""
    import torch.nn as nn

    def build(width=8):
        return nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))

    def broken():
        raise ValueError("depth must be 18, 34 or 50")
""")


def console_script(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the CLI the way the ``resnet-explain`` console script does: ``-P`` keeps the
    current folder off ``sys.path`` (``python -m`` would put it there). Python 3.10 has no
    ``-P``: there the code takes ``-c``'s empty entry (the current folder) off itself."""
    code = "import sys; from resnet_explain.cli import main; sys.exit(main(sys.argv[1:]))"
    safe_path = ["-P"] if sys.version_info >= (3, 11) else []
    if not safe_path:
        code = "import sys; sys.path.remove(''); " + code.removeprefix("import sys; ")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *safe_path, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def test_a_package_in_the_current_folder_is_found_by_the_console_script(tmp_path):
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "models.py").write_text(MODEL)
    done = console_script(tmp_path, "summary", "mypkg.models:build(16)", "--input", "3x8x8",
                          "--format", "json")
    assert done.returncode == 0, done.stderr
    assert '"total_params": 618' in done.stdout  # 3·16·9 + 16 + 16·10 + 10
    assert str(tmp_path) not in sys.path
    # The failure of a builder says it was the builder, not the forward.
    done = console_script(tmp_path, "summary", "mypkg.models:broken")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: the builder mypkg.models:broken raised ValueError: depth "
                           "must be 18, 34 or 50 (at ")
    assert "models.py:9 in broken" in line and "forward" not in line


def test_a_file_is_imported_as_python_imports_a_module(tmp_path):
    source = tmp_path / "net.py"
    source.write_text(textwrap.dedent("""
        import sys
        from dataclasses import dataclass

        import torch.nn as nn

        THIS = sys.modules[__name__]  # published code does this (registries, plugins)

        @dataclass  # needs sys.modules[cls.__module__]
        class Config:
            width: int = 4

        def build():
            assert THIS is sys.modules[__name__]
            return nn.Conv2d(3, Config().width, 3)
    """))
    before = sorted(p.name for p in tmp_path.iterdir())
    arch = explain(f"{source}:build", (3, 8, 8))
    assert arch.output_shape == (1, 4, 6, 6)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no __pycache__


def test_two_files_with_the_same_name_do_not_collide(tmp_path):
    for folder, width in (("a", 4), ("b", 6)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "net.py").write_text(
            f"import torch.nn as nn\ndef build():\n    return nn.Conv2d(3, {width}, 1)\n")
    shapes = [explain(f"{tmp_path / folder / 'net.py'}:build", (3, 2, 2)).output_shape
              for folder in ("a", "b")]
    assert shapes == [(1, 4, 2, 2), (1, 6, 2, 2)]


def test_a_builder_that_raises_is_named_through_the_api(tmp_path):
    (tmp_path / "net.py").write_text(MODEL)
    with pytest.raises(TraceFailure) as caught:
        explain(f"{tmp_path / 'net.py'}:broken")
    assert str(caught.value).startswith(
        f"the builder {tmp_path / 'net.py'}:broken raised ValueError: depth must be")
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_file_without_a_callable_lists_what_it_defines_models_built_at_import_too(tmp_path):
    (tmp_path / "net.py").write_text(MODEL + "\nimport torch\nnet = build()\nEPOCHS = 10\n")
    for spec in (f"{tmp_path / 'net.py'}", f"{tmp_path / 'net.py'}:nope"):
        with pytest.raises(ModelNotFound) as caught:
            explain(spec)
        # The model instance is listed; the imported torch, nn and the constant are not.
        assert str(caught.value).endswith(
            "Name one of the callables it defines: broken, build, net")
    assert explain(f"{tmp_path / 'net.py'}:net", (3, 8, 8)).output_shape == (1, 10)


@pytest.mark.parametrize(("spec", "meant"), [
    ("torchvision.models.resnet50", "torchvision.models:resnet50"),
    ("tests.toy_models.build_student", "tests.toy_models:build_student"),
    ("timm.create_model('resnet50')", "timm:create_model('resnet50')"),
])
def test_a_python_path_with_a_dot_for_the_colon_is_told_the_spec_it_meant(spec, meant):
    with pytest.raises(ModelNotFound) as caught:
        explain(spec)
    assert f"unknown model {spec!r}. Did you mean {meant!r}?" in str(caught.value)


def test_the_spec_it_suggests_is_one_that_works():
    with pytest.raises(ModelNotFound, match=r"Did you mean 'tests\.toy_models:build_student'"):
        explain("tests.toy_models.build_student", (3, 16, 16))
    assert explain("tests.toy_models:build_student", (3, 16, 16)).total_params > 0
