"""A forward that failed while traced: where, how far it got, and the error whose words
to quote (PyTorch's own, asked again with the real batch where an empty one hid them)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..errors import user_location
from .diagnose import FailedLayer, explain_failed_layer, explain_failed_op
from .layerinfo import (
    RESHAPE,
    LayerAttrs,
    module_attrs,
    tensors_in,
)
from .ops import writes
from .recorder import Recorder


def failure_context(error: Exception, recorder: Recorder,
                     named_modules: list[tuple[str, nn.Module]], x: torch.Tensor,
                     batch: int) -> tuple[dict[str, Any], int, BaseException]:
    """What to tell the user about ``error``, how far the forward got before it, and the
    error whose words to quote.

    The progress is twice the number of records traced, plus one when the failure is not a
    reshape: an empty batch fails to reshape by ``-1`` where a real one succeeds, so a reshape
    failure of the empty-batch engine loses a tie against the meta engine's error.

    An empty batch shows in PyTorch's words ("mat1 and mat2 shapes cannot be multiplied
    (0x2048 and 512x10)"): the layer or op that failed is asked once more, on a zero-stride
    input with the real batch (no memory, nothing computed before the shape check), and that
    error is quoted instead.
    """
    context = user_location(error)
    calls = recorder.calls
    words: BaseException = error
    empty = x.shape[0] == 0 and batch > 0

    def real(shape: tuple[int, ...]) -> tuple[int, ...]:  # shapes with the real batch
        return (batch, *shape[1:]) if shape and shape[0] == 0 else shape

    def again(value: Any) -> Any:  # the same argument, with the real batch
        if isinstance(value, torch.Tensor) and value.dim() and value.shape[0] == 0:
            return torch.empty((), dtype=value.dtype, device=value.device).expand(
                real(tuple(value.shape)))
        if isinstance(value, (tuple, list)):
            return type(value)(again(v) for v in value)
        return value

    name = recorder.active_leaf
    reshape = False
    if name is not None:
        module = dict(named_modules).get(name)
        sources, shapes = recorder.leaf_input
        attrs = module_attrs(module) if module is not None else LayerAttrs()
        # A reshape inside a leaf of the user's (pytorchcv's HeatmapMaxDetBlock:
        # ``x.view(b, c, -1)``) fails on an empty batch as a Flatten layer does.
        reshape = attrs.kind == RESHAPE or (
            recorder.failed is not None and recorder.failed.op in _RESHAPE_OPS
            and _caused_by(error, recorder.failed.error))
        context.update(explain_failed_layer(FailedLayer(
            name=name, type=type(module).__name__, attrs=attrs,
            shapes=[real(s) for s in shapes], producers=sources), calls))
        # One of PyTorch's own layers is asked again where it has real weights: with the real
        # batch after the empty one, on the weights' device after the meta engine, whose
        # kernels have words of their own ("a and b must have same reduction dim").
        device = _real_device(module, x.device) if module is not None and type(
            module).__module__.startswith("torch.nn.") else None
        if device is not None and (empty or x.device.type == "meta"):
            inputs = [torch.empty((), dtype=x.dtype, device=device).expand(real(s))
                      for s in shapes]
            words = _ask_again(module, tuple(inputs), {}) or error
    elif recorder.failed is not None and _caused_by(error, recorder.failed.error):
        failed = recorder.failed
        failed.shapes = [real(s) for s in failed.shapes]
        reshape = failed.op in _RESHAPE_OPS
        context.update(explain_failed_op(failed, calls))
        # Not an op that writes in place: PyTorch refuses to write into the zero-stride
        # stand-in before it compares shapes, and the empty batch's words say the same.
        if empty and failed.call is not None and not reshape and not writes(
                getattr(failed.call[0], "__name__", ""), failed.call[2]):
            func, args, kwargs = failed.call
            words = _ask_again(func, again(args), {k: again(v) for k, v in kwargs.items()}) \
                or error
    if x.device.type == "meta" and not context.get("fix"):
        lesson = _meta_lesson(error)
        if lesson:
            context["fix"] = lesson
    if _OLD_ITEM in str(words):  # torch 2.1's words, said as newer torch says them
        words = RuntimeError("Tensor.item() cannot be called on meta tensors")
    return context, 2 * len(calls) + (0 if reshape else 1), words


# What PyTorch says when a meta tensor is asked for its values, or when an op has no meta
# kernel (torch 2.x wording), and what that means for the user.
# torch 2.1 says "Could not run 'aten::…' with arguments from the 'Meta' backend" for both:
# for .item() (aten::_local_scalar_dense) and for an op without a meta kernel.
_OLD_ITEM = "Could not run 'aten::_local_scalar_dense' with arguments from the 'Meta' backend"
_NEEDS_VALUES = ("item() cannot be called on meta", "Cannot copy out of meta tensor",
                 "for torch.nonzero()", "meta device type tensor to numpy",
                 "meta tensor without output_size", _OLD_ITEM)
_NO_META_KERNEL = ("no fake impl or Meta kernel", "with arguments from the 'Meta' backend")


def _meta_lesson(error: BaseException) -> str:
    """The fix for a meta-engine failure that is no mistake of the user's: the forward
    needs values, or an op PyTorch cannot run on shapes alone (the empty batch, tried first,
    failed too)."""
    text = str(error)
    if any(words in text for words in _NEEDS_VALUES):
        return ("That line needs the values of a tensor (int(t), t.item(), .tolist(), "
                ".nonzero(), a boolean mask), which a shape-only trace does not compute: "
                "explain the layers before it, e.g. explain(model.backbone)")
    if any(words in text for words in _NO_META_KERNEL):
        return ("PyTorch has no shape-only (meta) version of that op, and an empty batch "
                "could not run the model either: explain the layers before it, "
                "e.g. explain(model.backbone)")
    return ""


def _real_device(module: nn.Module, traced_on: torch.device) -> torch.device | None:
    """The device of a module's own parameters and buffers, if they all have values there
    (a module built on the meta device has none); for a module without tensors, the device
    it was traced on, or the CPU after the meta engine."""
    devices = {t.device for t in (*module._parameters.values(), *module._buffers.values())
               if t is not None}
    if not devices:
        return traced_on if traced_on.type != "meta" else torch.device("cpu")
    device = devices.pop()
    return None if devices or device.type == "meta" else device


# The largest input (elements, all arguments together) asked again: PyTorch checks shapes
# before it computes, but an op that fails for another reason would compute for real.
_ASK_LIMIT = 1 << 24


def _ask_again(func: Any, args: tuple, kwargs: dict) -> BaseException | None:
    """The error ``func`` raises on these (zero-stride) arguments, or None if it runs (or
    if they are too large to risk running it)."""
    if sum(t.numel() for t in tensors_in(args) + tensors_in(kwargs)) > _ASK_LIMIT:
        return None
    try:
        with torch.no_grad(), torch._C.DisableTorchFunction():
            func(*args, **kwargs)
    except Exception as error:
        return error
    return None


_RESHAPE_OPS = frozenset(("view", "reshape", "flatten", "unflatten"))


def _caused_by(error: BaseException, cause: BaseException | None) -> bool:
    """Whether ``cause`` is ``error`` or an exception it was raised from (or while handling)."""
    seen = 0
    while error is not None and seen < 20:
        if error is cause:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
