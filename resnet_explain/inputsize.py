"""Parse an input size given on the command line or to :func:`explain`."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from .errors import BadInputSize

_LARGEST = 2**60  # PyTorch counts bytes in a signed 64-bit integer: 2⁶³ bytes of float64
_SEPARATORS = re.compile(r"[x×X,\s]+")


def parse_input_size(value: str | int | Sequence[int]) -> tuple[int, ...]:
    """``"3x224x224"`` → ``(1, 3, 224, 224)``; ``"8x3x224x224"`` keeps the batch of 8.

    A size without a batch gets a batch of one, as torchinfo's ``input_size`` does.
    """
    if isinstance(value, int):  # explain(model, 224): one number is not a size
        value = (value,)
    text = value if isinstance(value, str) else "x".join(str(v) for v in value)
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    example = "Give C×H×W or N×C×H×W, e.g. {input_example}"
    if not parts:
        raise BadInputSize("the input size is empty", example)
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise BadInputSize(f"the input size {text!r} is not a list of whole numbers",
                           example) from None
    if len(dims) not in (3, 4):
        plural = "" if len(dims) == 1 else "s"
        raise BadInputSize(f"the input size {text!r} has {len(dims)} dimension{plural}",
                           example)
    if any(d <= 0 for d in dims):
        raise BadInputSize(f"the input size {text!r} has a dimension that is not positive",
                           "Every dimension must be at least 1, e.g. {input_example}")
    dims = dims if len(dims) == 4 else (1, *dims)
    if math.prod(dims) >= _LARGEST:
        raise BadInputSize(f"the input size {text!r} has {math.prod(dims):,} elements, more "
                           "than PyTorch can address (2⁶⁰ eight-byte values)",
                           "Give a size whose elements fit in memory addresses, "
                           "e.g. {input_example}")
    return dims
