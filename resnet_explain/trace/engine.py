"""Record one shape-only forward pass: every leaf-module call and every structural functional op.

How shapes are obtained without computing anything (the *engine*):

1. ``empty-batch`` — the model runs on its own device with a batch of **zero** images of the
   requested size. Every convolution, pool and linear layer still checks and produces its full
   output shape, but there are no elements to compute, so it costs a few milliseconds and no
   memory at any resolution. The batch dimension is put back afterwards.
2. ``meta`` — if that fails (code such as ``x.view(x.size(0), -1)`` cannot reshape an empty
   tensor), the forward runs again through :func:`torch.func.functional_call` with every
   parameter and buffer swapped, for the duration of the call, for a storage-less tensor on the
   ``meta`` device. Slower (PyTorch's meta kernels are Python), but it works for any batch.

Functional operations (the residual ``+``, ``torch.flatten``, ``F.relu`` …) are seen through a
:class:`torch.overrides.TorchFunctionMode` that is active only inside this trace — nothing in
``torch`` is patched. The data flow is followed by tensor identity: every record knows which
records produced its inputs, which is what the analysis needs to find the residual blocks.

The user's model comes back untouched: same parameters, device and train/eval mode, no hooks
left, also when its forward raises.
"""

from __future__ import annotations

import contextlib
import functools
import math
import sys
import threading
import warnings
from typing import Any

import torch
from torch import nn

from ..architecture import MODEL_INPUT
from ..errors import BadInputSize, CannotTrace, TraceFailure
from ..notation import typed
from ..source.inputsize import example_size
from .failure import failure_context
from .layerinfo import (
    RESHAPE,
    tensors_in,
)
from .nesting import FRAMES_PER_LEVEL, named_modules, room_for, too_deep
from .recorder import Recorder
from .records import Trace
from .refusals import refuse_inputs, refuse_model
from .snapshot import Snapshot


@functools.cache
def _default_train(cls: type) -> bool:
    """Whether switching a module of ``cls`` to eval mode only sets its ``training`` flag."""
    return (cls.train is nn.Module.train and cls.eval is nn.Module.eval
            and cls.__setattr__ is nn.Module.__setattr__)


def _eval(model: nn.Module, named_modules: list[tuple[str, nn.Module]]) -> None:
    """``model.eval()``; when no module changes what that does, the flags are set directly
    (``Module.__setattr__`` per module costs a resnet152 trace ~2 ms)."""
    if all(_default_train(type(module)) for _, module in named_modules):
        for _, module in named_modules:
            module.__dict__["training"] = False
    else:
        model.eval()


def _own_tensors(named_modules: list[tuple[str, nn.Module]],
                 ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Parameters and buffers by qualified name, each tensor once, like
    ``model.named_parameters()`` and ``model.named_buffers()`` but in one walk over the module
    list already in hand."""
    params: dict[str, torch.Tensor] = {}
    buffers: dict[str, torch.Tensor] = {}
    seen: set[int] = set()
    for prefix, module in named_modules:
        for found, registry in ((params, module._parameters), (buffers, module._buffers)):
            for key, tensor in registry.items():
                if tensor is None or id(tensor) in seen:
                    continue
                seen.add(id(tensor))
                found[f"{prefix}.{key}" if prefix else key] = tensor
    return params, buffers


def _run(model: nn.Module, named_modules: list[tuple[str, nn.Module]],
         state: dict[str, torch.Tensor], params: dict[str, torch.Tensor], x: torch.Tensor,
         swap_to_meta: bool, snapshot: Snapshot) -> tuple[Recorder, Any, Exception | None]:
    """One forward under the recorder; ``state`` (parameters and buffers by name) is swapped
    for storage-less meta tensors when ``swap_to_meta``."""
    meta: dict[str, torch.Tensor] = {}
    if swap_to_meta:
        # 0-dim tensors (a step counter, an "initialised" flag) stay real copies, so that
        # ``.item()`` and ``if self.flag:`` still work; PyTorch mixes them with meta tensors
        # as scalars.
        meta = {name: t.detach().clone() if t.dim() == 0 and t.device.type != "meta"
                else torch.empty_like(t, device="meta").requires_grad_(t.requires_grad)
                for name, t in state.items()}
        own = {id(meta[name]): name for name in params}
    else:
        own = {id(t): name for name, t in params.items()}
    on_meta = x.device.type == "meta"
    recorder = Recorder(named_modules, snapshot, empty_batch=x.shape[0] == 0, own=own,
                         on_meta=on_meta)
    try:
        recorder.mark(x, (MODEL_INPUT,))
        # Warnings an empty or storage-less batch provokes ("std(): degrees of freedom is
        # <= 0") are artefacts of the trace, not news about the user's model.
        with torch.no_grad(), warnings.catch_warnings(), _eager(), recorder:
            warnings.simplefilter("ignore")
            if swap_to_meta:
                output = torch.func.functional_call(model, meta, (x,))
            else:
                output = model(x)
    except Exception as error:  # the user's forward failed
        return recorder, None, error
    finally:
        recorder.speak()
        recorder.remove()
    return recorder, output, None


def _eager() -> contextlib.AbstractContextManager:
    """Modules wrapped by ``torch.compile`` run their own forward, eagerly, while traced:
    compiling would trace the recorder's hooks too (seconds per call, recompile warnings),
    and the hooks would see nothing inside the compiled graph. Only needed once something
    has loaded the compiler (it is not imported for nothing). Before torch 2.6, which has no
    compiler stances, the compiler is switched off for the trace (its ``disable`` setting,
    which ``TORCH_COMPILE_DISABLE=1`` sets): a compiled frame then runs as plain Python."""
    if "torch._dynamo" not in sys.modules:
        return contextlib.nullcontext()
    set_stance = getattr(torch.compiler, "set_stance", None)
    if set_stance is not None:
        return set_stance("force_eager")
    return torch._dynamo.config.patch(disable=True)


#: One trace at a time in this process. A trace changes process-wide state for its
#: duration — torch's global module hooks, the warning filters (``catch_warnings`` is not
#: thread-safe), the compiler's stance, ``sys.stdout``, the RNG, the recursion limit — and
#: a second trace on another thread would interleave its changes and restore them out of
#: order. A trace takes milliseconds; :func:`resnet_explain.explain` holds the lock around
#: all of them (re-entrant: it calls :func:`trace` under it).
TRACING = threading.RLock()


def trace(model: nn.Module, input_shape: tuple[int, ...]) -> Trace:
    """Trace ``model`` on an input of ``input_shape`` (batch first) without real computation."""
    with TRACING:
        modules, depth = named_modules(model)
        limit = sys.getrecursionlimit()
        with room_for(depth):
            try:
                return _trace(model, modules, input_shape)
            except TraceFailure as failure:
                if isinstance(failure.__cause__, RecursionError) and \
                        depth * FRAMES_PER_LEVEL >= limit // 2:
                    raise too_deep(depth, limit) from failure.__cause__
                raise


def _trace(model: nn.Module, named_modules: list[tuple[str, nn.Module]],
           input_shape: tuple[int, ...]) -> Trace:
    params, buffers = _own_tensors(named_modules)
    state = {**params, **buffers}
    refuse_model(named_modules, state, input_shape)
    refuse_inputs(model)
    sample = next(iter(state.values()), torch.empty(0))
    dtype = sample.dtype if sample.is_floating_point() else torch.get_default_dtype()
    # Everything the forward might change (attributes, training flags, tensors written in
    # place, the RNG) is put back below, after each attempt and at the end.
    snapshot = Snapshot((module for _, module in named_modules), state.values(), sample.device)
    try:
        on_meta = all(tensor.device.type == "meta" for tensor in state.values())
        attempts = [("meta", not on_meta)] if sample.device.type == "meta" else [
            ("empty-batch", False), ("meta", True)
        ]
        failures: list[tuple[int, Exception, TraceFailure]] = []
        for attempt, (engine, swap) in enumerate(attempts):
            if attempt:
                snapshot.restore()
            # eval(): BatchNorm must not update its running statistics (or count a batch)
            # while we look; the snapshot puts every flag back as it was.
            _eval(model, named_modules)
            batch = 0 if engine == "empty-batch" else input_shape[0]
            device = "meta" if engine == "meta" else sample.device
            x = _input((batch, *input_shape[1:]), input_shape, dtype, device)
            recorder, output, error = _run(model, named_modules, state, params, x, swap,
                                           snapshot)
            unseen = recorder.unseen()
            if unseen:
                raise CannotTrace(
                    f"{_listed(unseen)} ran on another thread while the model was traced (the "
                    "forward hands it to a worker thread, or another thread called it): the "
                    "trace follows the calling thread only, so its layers would be missing",
                    f"Call {unseen[0]} on the forward's own thread, or explain it by itself: "
                    f"explain(model.get_submodule({unseen[0]!r}))")
            if error is None and batch == 0 and recorder.zero_sized:
                refused = _zero_sized(recorder, input_shape[0])
                if refused is not None:
                    raise refused
            if error is None and (batch != 0 or _batch_independent(recorder)):
                return _finish(list(params.values()), recorder, output, input_shape, engine,
                               batch == 0)
            if error is None:
                continue  # an empty batch hid something; the meta engine will show it
            context, progress, words = failure_context(error, recorder, named_modules, x,
                                                        input_shape[0])
            failures.append((progress, error, TraceFailure.from_exception(words, context)))
        # Every engine failed. The one that got furthest met the user's mistake; the others
        # stopped at an artefact of their own (an empty batch cannot be reshaped by -1; a meta
        # kernel lacks an op). On a tie the real device speaks: its messages are PyTorch's own
        # words ("The size of tensor a (32) must match …"), the meta kernels' are not.
        progress, error, failure = max(failures, key=lambda f: f[0])
        raise failure from error
    finally:
        snapshot.restore()



def _zero_sized(recorder: Recorder, batch: int) -> TraceFailure | None:
    """PyTorch's refusal, if it refuses one, of a 0-size map that a layer or op made from
    the empty batch: each such call is asked again with the real batch, on zero-stride
    stand-ins of its inputs (one value each, and an output with a 0-size dimension has no
    values: nothing is computed). A batch of 0 passes checks that a real batch does not
    (``ConvTranspose2d(…, dilation=2, output_padding=1)`` on a 1×1 map), and the meta
    engine's kernels disagree with the real ones about 0-size outputs both ways."""
    def real(value: Any) -> Any:
        if isinstance(value, torch.Tensor) and value.dim() and value.shape[0] == 0:
            return torch.empty((), dtype=value.dtype, device=value.device).expand(
                (batch, *value.shape[1:]))
        if isinstance(value, (tuple, list)):
            return type(value)(real(v) for v in value)
        return value

    for index, func, args, kwargs in recorder.zero_sized:
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                func(*real(args), **{key: real(value) for key, value in kwargs.items()})
        except Exception as error:
            call = recorder.calls[index]
            shapes = " and ".join(str([batch, *shape[1:]]) for shape in call.input_shapes)
            layer = f"{call.name} ({call.type}) receiving {shapes}"
            return TraceFailure.from_exception(error, {
                "layer": layer, "fix": "Give a larger input size ({input}), or change the "
                "layer's kernel, stride, padding or scale: its output would have a size of 0"})
    return None


def _listed(names: list[str]) -> str:
    """``layer1``, or ``layer1, layer1.0 and 12 other modules``."""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:2])} and {len(names) - 2} other modules" if len(names) > 3 \
        else f"{', '.join(names[:-1])} and {names[-1]}"


def _input(shape: tuple[int, ...], asked: tuple[int, ...], dtype: torch.dtype,
           device: Any) -> torch.Tensor:
    """The traced input, or a one-line error for a size PyTorch cannot even describe."""
    try:
        return torch.empty(shape, dtype=dtype, device=device)
    except (RuntimeError, OverflowError, ValueError) as error:
        size = typed(asked)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        spatial = min(max(len(asked) - 2, 0), 3)  # the example in the layout asked for
        raise BadInputSize(f"PyTorch cannot make a tensor of size {size} ({reason})",
                           "Give a size whose elements fit in memory addresses, "
                           f"e.g. {example_size(spatial)}") from None


def _batch_independent(recorder: Recorder) -> bool:
    """Whether the empty-batch trace can be trusted for a real batch.

    Dimension 0 must have stayed the batch: no op used it as something else (see
    :mod:`.batchdim`), no layer turned a batch of 0 into another leading size (a
    sequence-first layer), every batch norm got the width it was made for (PyTorch checks
    that only when there is something to normalise), and every reshape kept the number of
    elements per image — an
    empty tensor reshapes to anything: ``x.view(-1, 7*7*2048)`` succeeds on 0 images even
    when a real image has only 2·2·2048 values. Otherwise the trace is redone on the meta
    device with the real batch, where the real error (or the real shape) appears.
    """
    if recorder.batch_moved:
        return False
    for call in recorder.calls:
        shape_out = call.output_shape
        if not call.input_shapes or not call.input_shapes[0] or call.input_shapes[0][0] != 0:
            continue
        if shape_out and shape_out[0] != 0 and not call.is_op:
            return False  # a layer moved the batch away from dim 0
        features = call.attrs.norm_features
        if features is not None and len(call.input_shapes[0]) > 1 and \
                call.input_shapes[0][1] != features:
            return False  # a batch norm of another width, which only a real batch rejects
        if call.attrs.kind == RESHAPE:
            shape_in = call.input_shapes[0]
            if (not shape_out or shape_out[0] != 0
                    or math.prod(shape_in[1:]) != math.prod(shape_out[1:])):
                return False
    return True



def _finish(params: list[torch.Tensor], recorder: Recorder, output: Any,
            input_shape: tuple[int, ...], engine: str, empty_batch: bool) -> Trace:
    batch = input_shape[0]

    def restore(shape: tuple[int, ...]) -> tuple[int, ...]:
        return (batch, *shape[1:]) if empty_batch and shape and shape[0] == 0 else shape

    for call in recorder.calls:
        call.output_shape = restore(call.output_shape)
        call.input_shapes = [restore(s) for s in call.input_shapes]
    # Every tensor the forward returns is an output (a dict of feature maps, a tuple of
    # logits and features); ``output_shape`` is the first one's, as a single output's.
    outputs = tensors_in(output)
    return Trace(
        calls=recorder.calls,
        input_shape=tuple(input_shape),
        output_shape=restore(tuple(outputs[0].shape)) if outputs else (),
        output_producers=recorder.sources(outputs),
        output_shapes=[restore(tuple(t.shape)) for t in outputs],
        engine=engine,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        param_bytes=sum(p.numel() * p.element_size() for p in params),
        stray_parameters=list(recorder.stray.values()),
    )
