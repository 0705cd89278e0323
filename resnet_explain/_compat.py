"""What differs between the Python and PyTorch versions the package supports, in one place.

The supported range (Python 3.10–3.13, torch from :data:`TORCH_FLOOR`) is measured by
``scripts/compat.sh``; docs/compatibility.md has the table. This module imports nothing from
torch at import time, so ``resnet-explain --help`` stays fast.
"""

from __future__ import annotations

import functools
import re
import sys
from enum import Enum
from typing import Any

from .errors import NumpyTooNew, TorchTooOld

#: The oldest torch the package runs on (pyproject.toml's ``torch>=`` says the same; a test
#: checks that they agree).
TORCH_FLOOR = (2, 1)
#: The first torch built against NumPy 2; older ones need ``numpy<2`` (measured: 2.2.2 fails
#: beside NumPy 2.4.6, 2.3.1 works).
TORCH_NUMPY_2 = (2, 3)

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10, measured by scripts/compat.sh

    class StrEnum(str, Enum):
        """Python 3.11's :class:`enum.StrEnum` for 3.10: members are strings, and ``str()``
        and ``format()`` give the value (not ``"Role.MAIN"``)."""

        def __str__(self) -> str:
            return str.__str__(self)

        def __format__(self, spec: str) -> str:
            return str.__format__(self, spec)


__all__ = ["TORCH_FLOOR", "TORCH_NUMPY_2", "StrEnum", "require_numpy_1", "require_torch",
           "version_tuple"]


def version_tuple(version: str) -> tuple[int, ...]:
    """``"2.1.2+cu121"`` → ``(2, 1, 2)``; ``"2.6.0a0+git1234"`` → ``(2, 6, 0)``: the release
    numbers only, local and pre-release parts dropped."""
    numbers = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(part) for part in numbers.group(0).split(".")) if numbers else ()


@functools.cache  # once a process: reading the metadata costs about 2 ms
def require_numpy_1() -> None:
    """Raise :class:`~resnet_explain.errors.NumpyTooNew` where a torch built against NumPy 1
    (before :data:`TORCH_NUMPY_2`) is installed beside NumPy 2, under which ``import torch``
    prints a page of errors. Read from the installed packages' metadata, before torch is
    imported."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        torch_version, numpy_version = version("torch"), version("numpy")
    except PackageNotFoundError:
        return
    if (version_tuple(torch_version)[:2] < TORCH_NUMPY_2
            and version_tuple(numpy_version)[:1] >= (2,)):
        raise NumpyTooNew(f"torch {torch_version} was built against NumPy 1 and cannot use "
                          f"NumPy {numpy_version}", "Install NumPy 1: pip install 'numpy<2'")


def require_torch(torch: Any) -> None:
    """Raise :class:`~resnet_explain.errors.TorchTooOld` (one line, the version needed) where
    the installed torch is below :data:`TORCH_FLOOR`, instead of a traceback from deep inside
    the trace."""
    version = str(torch.__version__)
    found = version_tuple(version)
    if found and found[:2] < TORCH_FLOOR:
        floor = ".".join(map(str, TORCH_FLOOR))
        raise TorchTooOld(f"resnet-explain needs torch {floor} or newer; this is torch "
                          f"{version}", f"Upgrade it: pip install 'torch>={floor}'")
