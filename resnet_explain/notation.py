"""How sizes are written, in one place: the notation every view and message shares.

* A product of sizes — a kernel, a feature map, a shape without its brackets — is written
  with the multiplication sign, as the paper writes it: ``3×3``, ``56×56``, ``64×56×56``.
* A size the user types on the command line is written with the letter ``x``:
  ``3x224x224``, so that it can be copied back into ``--input``.
* A tensor shape, as PyTorch prints one, is bracketed: ``[1, 64, 56, 56]``.

Imports nothing.
"""

from __future__ import annotations

from collections.abc import Sequence


def dims(values: Sequence[int]) -> str:
    """Sizes as a product is written: ``56×56``, ``3×3``, ``16000``."""
    return "×".join(map(str, values))


def dims_or_one(values: Sequence[int]) -> str:
    """One number where every dimension has it (``3`` for 3×3), else the product (``3×1``)."""
    return str(values[0]) if len(set(values)) == 1 else dims(values)


def spatial(shape: Sequence[int]) -> str:
    """The map of a batch-first feature-map shape: ``(1, 64, 56, 56)`` → ``56×56``."""
    return dims(shape[2:])


def typed(values: Sequence[int]) -> str:
    """A size as the user types it: ``3x224x224``."""
    return "x".join(map(str, values))


def bracketed(shape: Sequence[int]) -> str:
    """A shape as PyTorch prints it, in brackets: ``[1, 64, 56, 56]``."""
    return "[" + ", ".join(map(str, shape)) + "]"
