"""What the trace does with each functional op, by the name PyTorch dispatches it under.

A table of names and small answers, read by the recorder: which ops are a node of the
graph, which write in place, which the meta engine answers itself (an op whose result has
its input's shape), and which make a tensor from nothing.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._pytree import tree_map

from .layerinfo import (
    first_tensor,
)

# Functional operations worth a node in the graph, by the name PyTorch dispatches them under.
OP_NAMES: dict[str, str] = {}
for _op, _names in {
    "add": ("add", "add_", "__add__", "__iadd__", "__radd__"),
    "mul": ("mul", "mul_", "__mul__", "__imul__", "__rmul__"),
    "cat": ("cat", "concat", "concatenate"),
    "flatten": ("flatten",),
    "view": ("view",),
    "reshape": ("reshape",),
    "relu": ("relu", "relu_"),
    "relu6": ("relu6",),
    "gelu": ("gelu",),
    "silu": ("silu", "silu_"),
    "sigmoid": ("sigmoid", "sigmoid_"),
    "hardswish": ("hardswish",),
    "leaky_relu": ("leaky_relu", "leaky_relu_"),
    "max_pool2d": ("max_pool2d", "max_pool2d_with_indices"),
    "avg_pool2d": ("avg_pool2d",),
    "adaptive_avg_pool2d": ("adaptive_avg_pool2d",),
    "adaptive_max_pool2d": ("adaptive_max_pool2d",),
    "mean": ("mean",),
    "pad": ("pad",),
    "batch_norm": ("batch_norm",),
    "group_norm": ("group_norm",),
    "layer_norm": ("layer_norm",),
    "instance_norm": ("instance_norm",),
    "dropout": ("dropout",),
    **{name: (name,) for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                  "conv_transpose2d", "conv_transpose3d")},
    "linear": ("linear",),
}.items():
    for _name in _names:
        OP_NAMES[_name] = _op
MERGES = {"add", "mul", "cat"}  # only a node when two traced tensors meet

# Ops that take some of the channels of a traced tensor: a channel split, a chunk, a
# narrow, a slice ``y[:, c:]``. Each part is a node of the graph of its own (one record per
# part), so that a block whose input is a part forks there, not at the whole tensor: a CSP
# stage's ``xs, xb = y.split(c, 1)`` then ``xb + F(xb)``. Only a part with fewer channels
# (axis 1) and the same axes is one: an index by integers, tensors or ``None`` drops, gathers
# or adds axes, and a subsample of the map (option A's ``x[:, :, ::2, ::2]``) or a crop keeps
# every channel; those carry their input's data as before.
PARTS: dict[str, str] = {"split": "split", "chunk": "chunk", "tensor_split": "split",
                         "narrow": "slice", "__getitem__": "slice"}
_PART_INDEX = (slice, type(Ellipsis))


def takes_part(fname: str, args: tuple, result: Any) -> bool:
    """Whether a call of one of :data:`PARTS` takes channel parts of its first argument
    (for ``__getitem__``, by an index of slices only)."""
    if fname == "__getitem__":
        index = args[1] if len(args) > 1 else None
        if isinstance(index, tuple):
            for item in index:
                if not isinstance(item, _PART_INDEX):
                    return False
        elif not isinstance(index, slice):
            return False
    source = args[0] if args else None
    part = result if type(result) is torch.Tensor else first_tensor(result)
    return (isinstance(source, torch.Tensor) and part is not None
            and part.dim() == source.dim() >= 2 and part.shape[1] < source.shape[1])


# In-place writes that do not end in "_" (those that do are caught by their name).
_WRITES = frozenset((
    "__setitem__", "__set__", "__iadd__", "__isub__", "__imul__", "__itruediv__",
    "__ifloordiv__", "__imod__", "__ipow__", "__iand__", "__ior__", "__ixor__", "__ilshift__",
    "__irshift__", "__imatmul__",
))


def writes(fname: str, kwargs: dict) -> bool:
    """Whether the op named ``fname`` writes into a tensor it was given (``add_``,
    ``out += …``, ``x[i] = …``, ``out=``)."""
    return fname in _WRITES or (fname[-1:] == "_" and fname[:1] != "_") or "out" in kwargs


def _flag(args: tuple, kwargs: dict, position: int | None, name: str) -> bool:
    if position is not None and len(args) > position:
        return bool(args[position])
    return bool(kwargs.get(name, False))


def _same_shape(inplace_at: int | None = None, training_at: int | None = None,
                in_place: bool = False):
    """An answer for an op whose result has its input's shape, dtype and device: the input
    itself when the op works in place (``in_place``, or its ``inplace`` flag at
    ``inplace_at``, counted after the input), a new meta tensor otherwise, and None (run
    PyTorch's kernel) when a dropout would be active (``training``)."""
    def answer(input: Any, *args: Any, **kwargs: Any) -> torch.Tensor | None:
        if type(input) is not torch.Tensor or _flag(args, kwargs, training_at, "training"):
            return None
        if in_place or _flag(args, kwargs, inplace_at, "inplace"):
            return input
        return torch.empty_like(input)
    return answer


def _batch_norm(input: Any, *args: Any, **kwargs: Any) -> torch.Tensor | None:
    """``F.batch_norm(input, running_mean, running_var, weight, bias, training, …)`` (and
    ``torch.batch_norm`` with weight and bias first) keeps the input's shape when every
    per-channel tensor has one value per channel; otherwise PyTorch's own kernel runs and
    raises its own error ("running_mean should contain 32 elements not 64")."""
    if type(input) is not torch.Tensor or input.dim() < 2 or _flag(args, kwargs, 4, "training"):
        return None
    channels = input.shape[1]
    for tensor in (*args[:4], *(kwargs.get(key) for key in
                                ("weight", "bias", "running_mean", "running_var"))):
        if isinstance(tensor, torch.Tensor) and tensor.numel() != channels:
            return None
    return torch.empty_like(input)


# Calls inside PyTorch's own layers whose result has their input's shape, dtype and device,
# by name, with where their ``inplace`` flag sits (after the input). On the meta device
# PyTorch may run these through its Python reference kernels (batch_norm ≈ 0.2 ms a call
# once ``torch._decomp`` is loaded), so the meta engine answers them itself; a call it cannot
# vouch for (None) runs the real kernel.
META_SAME_SHAPE: dict[str, Any] = {
    "batch_norm": _batch_norm,
    "relu": _same_shape(0), "relu6": _same_shape(0), "silu": _same_shape(0),
    "hardswish": _same_shape(0), "gelu": _same_shape(), "sigmoid": _same_shape(),
    "dropout": _same_shape(inplace_at=2, training_at=1),
    "relu_": _same_shape(in_place=True), "silu_": _same_shape(in_place=True),
    "sigmoid_": _same_shape(in_place=True),
    # weight_norm's g·v/‖v‖ has v's shape; torch 2.1 has no meta kernel for it (wav2vec2).
    "_weight_norm": _same_shape(),
}


#: Ops whose meta kernels disagree with PyTorch's real ones about an output with a 0-size
#: dimension (torch 2.13: the meta ``conv_transpose2d`` refuses one that the CPU kernel makes;
#: the meta ``interpolate`` makes one that the CPU kernel refuses). The meta engine asks the CPU.
SIZE_CHECKED = frozenset((
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "interpolate", "upsample",
    "upsample_nearest", "upsample_bilinear",
))


def on_cpu(run: Any, func: Any, args: tuple, kwargs: dict) -> Any:
    """``run(*args, **kwargs)`` on the meta engine, where the answer about a 0-size output is
    the CPU kernel's: when the meta kernel raises, or makes a 0-size dimension from an input
    without one, ``func`` runs on the CPU on zero-stride stand-ins of every tensor (one value
    each: a 0-size output costs nothing) and its error, or its shape on meta, is the answer."""
    try:
        result = run(*args, **kwargs)
    except RuntimeError:
        made = None
    else:
        made = first_tensor(result)
        given = first_tensor(args)
        if made is None or given is None or 0 not in made.shape[2:] or 0 in given.shape[2:]:
            return result

    def stand_in(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return torch.empty((), dtype=value.dtype).expand(value.shape)
        return value

    real = func(*tree_map(stand_in, args), **tree_map(stand_in, kwargs))
    return torch.empty(real.shape, dtype=real.dtype, device="meta")


# Functions that make a tensor on the default device. On the meta engine a forward's own
# ``torch.arange(n)`` or ``torch.zeros(...)`` is made on the meta device instead, as under
# ``with torch.device("meta")``, whose function mode would add a second dispatch to every op
# — unless it is small (see ``CONSTANT``).
FACTORIES = frozenset((
    torch.empty, torch.empty_strided, torch.zeros, torch.ones, torch.full, torch.arange,
    torch.range, torch.linspace, torch.logspace, torch.eye, torch.rand, torch.randn,
    torch.randint, torch.randperm, torch.tensor, torch.as_tensor, torch.asarray,
    torch.scalar_tensor, torch.tril_indices, torch.triu_indices,
))


# A tensor the forward makes from nothing but numbers (iSQRT-COV's
# ``torch.ones(n, n).triu().nonzero()``, an index table, a mask) keeps real values on the meta
# engine while it has at most this many elements: ops that need values (``.nonzero()``,
# ``int(t)``) then work on it, and it joins the traced data on meta where the two meet.
CONSTANT = 1 << 16
