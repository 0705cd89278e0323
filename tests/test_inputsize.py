"""A size is read the same however it is written: ``3x224x224``, ``3,224,224``, or a shape
copied as the tool prints it (``[1, 3, 224, 224]``) or as PyTorch does
(``torch.Size([1, 3, 224, 224])``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resnet_explain.errors import BadInputSize
from resnet_explain.source.inputsize import numbers_given, parse_input_size


@given(dims=st.lists(st.integers(1, 4096), min_size=3, max_size=4))
def test_every_way_of_writing_a_size_reads_the_same(dims):
    numbers = ", ".join(map(str, dims))
    forms = ["x".join(map(str, dims)), "×".join(map(str, dims)), numbers.replace(" ", ""),
             " x ".join(map(str, dims)), f"[{numbers}]", f"({numbers})",
             f"torch.Size([{numbers}])", tuple(dims), list(dims)]
    expected = tuple(dims) if len(dims) == 4 else (1, *dims)  # a batch of one added
    for form in forms:
        assert parse_input_size(form) == expected, form
        assert numbers_given(form) == tuple(dims), form


@pytest.mark.parametrize("text", ["3xax224", "torch.Sizes(3, 224, 224)", "size=3,224,224",
                                  "3.5x224x224", ""])
def test_what_is_not_a_size_is_still_refused(text):
    with pytest.raises(BadInputSize):
        parse_input_size(text)


def test_the_command_line_takes_a_shape_as_the_table_prints_it():
    import json
    import subprocess
    import sys
    from pathlib import Path

    from resnet_explain import explain

    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "resnet18",
                           "--input", "[2, 3, 32, 32]", "--format", "json"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == explain("resnet18", (2, 3, 32, 32)).to_dict()
