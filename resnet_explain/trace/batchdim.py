"""Ops that treat dimension 0 as something other than the batch.

The empty-batch engine runs the model on 0 images and puts the batch back into every shape
afterwards. That is sound only while dimension 0 stays the batch, untouched: ``torch.cat`` or
``torch.stack`` along it (real ``[2, 10]``, empty ``[0, 10]``), ``.squeeze()`` (real ``[10]``
at batch 1), a transpose or permute that moves it (a sequence-first transformer layer), an
index or split along it (``x[0]``, ``x[:1]``), ``unsqueeze(0)``. :func:`moves_batch` says whether
a call does one of these; the trace then runs on the meta device with the real batch instead.
Reshapes are checked separately, after the trace, by their element counts.
"""

from __future__ import annotations

from typing import Any

import torch


def _ndim(value: Any) -> int:
    return value.dim() if isinstance(value, torch.Tensor) else 0


def _arg(args: tuple, kwargs: dict, position: int, name: str, default: Any) -> Any:
    if len(args) > position:
        return args[position]
    return kwargs.get(name, default)


def _is_zero(dim: Any, ndim: int) -> bool:
    """Whether ``dim`` (possibly negative, or a name / tuple we cannot read) means dim 0."""
    if isinstance(dim, int):
        return ndim > 0 and dim % ndim == 0
    if isinstance(dim, (tuple, list)):
        return any(_is_zero(d, ndim) for d in dim)
    return True  # a dimension name or something unexpected: be safe


def _joined(args: tuple, kwargs: dict, extra: int) -> bool:
    tensors = _arg(args, kwargs, 0, "tensors", ())
    first = next((t for t in tensors if isinstance(t, torch.Tensor)), None)
    return _is_zero(_arg(args, kwargs, 1, "dim", 0), _ndim(first) + extra)


def _squeeze(args: tuple, kwargs: dict) -> bool:
    dim = _arg(args, kwargs, 1, "dim", None)
    return dim is None or _is_zero(dim, _ndim(args[0]) if args else 0)


def _swap(args: tuple, kwargs: dict) -> bool:
    ndim = _ndim(args[0]) if args else 0
    return any(_is_zero(_arg(args, kwargs, i, key, 0), ndim)
               for i, key in ((1, "dim0"), (2, "dim1")))


def _permute(args: tuple, kwargs: dict) -> bool:
    dims = args[1:] if len(args) > 2 else _arg(args, kwargs, 1, "dims", ())
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return not dims or not _is_zero(dims[0], len(dims))


def _movedim(args: tuple, kwargs: dict) -> bool:
    ndim = _ndim(args[0]) if args else 0
    return (_is_zero(_arg(args, kwargs, 1, "source", 0), ndim)
            or _is_zero(_arg(args, kwargs, 2, "destination", 0), ndim))


def _along(position: int, name: str, default: int = 0):
    def check(args: tuple, kwargs: dict) -> bool:
        return _is_zero(_arg(args, kwargs, position, name, default),
                        _ndim(args[0]) if args else 0)
    return check


def _unsqueeze(args: tuple, kwargs: dict) -> bool:
    return _is_zero(_arg(args, kwargs, 1, "dim", 0), (_ndim(args[0]) if args else 0) + 1)


def _index(args: tuple, kwargs: dict) -> bool:
    """``x[:, 3]``, ``x[..., ::2]`` keep the batch; ``x[0]``, ``x[:1]``, ``x[mask]`` do not."""
    index = args[1] if len(args) > 1 else None
    first = index[0] if isinstance(index, tuple) and index else index
    return not (first is Ellipsis or (isinstance(first, slice) and first == slice(None)))


_CHECKS = {
    "cat": lambda a, k: _joined(a, k, 0), "concat": lambda a, k: _joined(a, k, 0),
    "concatenate": lambda a, k: _joined(a, k, 0), "stack": lambda a, k: _joined(a, k, 1),
    "vstack": lambda a, k: True, "row_stack": lambda a, k: True,
    "squeeze": _squeeze, "squeeze_": _squeeze,
    "transpose": _swap, "transpose_": _swap, "swapaxes": _swap, "swapdims": _swap,
    "t": lambda a, k: True, "permute": _permute, "movedim": _movedim, "moveaxis": _movedim,
    "unbind": _along(1, "dim"), "split": _along(2, "dim"), "chunk": _along(2, "dim"),
    "tensor_split": _along(2, "dim"), "narrow": _along(1, "dim"), "select": _along(1, "dim"),
    "index_select": _along(1, "dim"), "unsqueeze": _unsqueeze, "unsqueeze_": _unsqueeze,
    "__getitem__": _index,
}


def moves_batch(name: str, args: tuple, kwargs: dict) -> bool:
    """Whether the op ``name`` (as PyTorch dispatches it) touches dimension 0 with these
    arguments. Ops not listed leave it alone (elementwise ops, convs, pools, reductions over
    the other dimensions)."""
    check = _CHECKS.get(name)
    if check is None:
        return False
    try:
        return bool(check(args, kwargs or {}))
    except Exception:
        return True
