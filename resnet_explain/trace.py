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
import inspect
import math
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.nn.parameter import UninitializedTensorMixin
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_map

from .architecture import MODEL_INPUT
from .batchdim import moves_batch
from .diagnose import FailedLayer, FailedOp, explain_failed_layer, explain_failed_op
from .errors import BadInputSize, CannotTrace, NotInitialised, TraceFailure, user_location
from .inputsize import example_size
from .layerinfo import (
    RESHAPE,
    LayerAttrs,
    first_tensor,
    functional_attrs,
    module_attrs,
    tensors_in,
    torch_forward,
)
from .ownforward import INNER_OPS, Inner, Ran, inner_call, what_ran
from .untouched import Snapshot, written_tensor

# Whether the process-wide forward hook can be given the module's keyword arguments (torch
# 2.6 and later); without them a tensor passed by keyword would be missed.
_GLOBAL_KWARGS = "with_kwargs" in inspect.signature(register_module_forward_hook).parameters

# Functional operations worth a node in the graph, by the name PyTorch dispatches them under.
_OP_NAMES: dict[str, str] = {}
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
        _OP_NAMES[_name] = _op
_MERGES = {"add", "mul", "cat"}  # only a node when two traced tensors meet
# In-place writes that do not end in "_" (those that do are caught by their name).
_WRITES = frozenset((
    "__setitem__", "__set__", "__iadd__", "__isub__", "__imul__", "__itruediv__",
    "__ifloordiv__", "__imod__", "__ipow__", "__iand__", "__ior__", "__ixor__", "__ilshift__",
    "__irshift__", "__imatmul__",
))


def _writes(fname: str, kwargs: dict) -> bool:
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
_META_SAME_SHAPE: dict[str, Any] = {
    "batch_norm": _batch_norm,
    "relu": _same_shape(0), "relu6": _same_shape(0), "silu": _same_shape(0),
    "hardswish": _same_shape(0), "gelu": _same_shape(), "sigmoid": _same_shape(),
    "dropout": _same_shape(inplace_at=2, training_at=1),
    "relu_": _same_shape(in_place=True), "silu_": _same_shape(in_place=True),
    "sigmoid_": _same_shape(in_place=True),
    # weight_norm's g·v/‖v‖ has v's shape; torch 2.1 has no meta kernel for it (wav2vec2).
    "_weight_norm": _same_shape(),
}


def _too_small(received: tuple[int, ...], output: Any) -> None:
    """Raise PyTorch's own error where a transposed convolution computed an output of size 0
    from an input of shape ``received`` that has none: the meta kernel of torch 2.6 and older
    lets it through (the real kernel and newer meta kernels refuse it), and the trace would
    report a size of 0."""
    made = first_tensor(output)
    if made is None or len(received) < 3 or made.dim() != len(received):
        return
    given, computed = list(received[2:]), list(made.shape[2:])
    if 0 in computed and 0 not in given:
        raise RuntimeError(f"Given input size per channel: {given}. Calculated output size per "
                           f"channel: {computed}. Output size is too small")


# Functions that make a tensor on the default device. On the meta engine a forward's own
# ``torch.arange(n)`` or ``torch.zeros(...)`` is made on the meta device instead, as under
# ``with torch.device("meta")``, whose function mode would add a second dispatch to every op
# — unless it is small (see ``_CONSTANT``).
_FACTORIES = frozenset((
    torch.empty, torch.empty_strided, torch.zeros, torch.ones, torch.full, torch.arange,
    torch.range, torch.linspace, torch.logspace, torch.eye, torch.rand, torch.randn,
    torch.randint, torch.randperm, torch.tensor, torch.as_tensor, torch.asarray,
    torch.scalar_tensor, torch.tril_indices, torch.triu_indices,
))


# A tensor the forward makes from nothing but numbers (iSQRT-COV's
# ``torch.ones(n, n).triu().nonzero()``, an index table, a mask) keeps real values on the meta
# engine while it has at most this many elements: ops that need values (``.nonzero()``,
# ``int(t)``) then work on it, and it joins the traced data on meta where the two meet.
_CONSTANT = 1 << 16


@dataclass(slots=True)
class Call:
    """One traced call: a leaf module or a functional operation."""

    index: int
    name: str
    type: str
    is_op: bool
    call: int
    inputs: list[int]
    input_shapes: list[tuple[int, ...]]
    output_shape: tuple[int, ...]
    attrs: LayerAttrs
    scope: list[str] = field(default_factory=list)
    ran: Ran | None = None  # what a leaf with its own forward ran (ownforward.py)


@dataclass
class Trace:
    calls: list[Call]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    output_producers: list[int]  # the records that made any of the outputs
    engine: str
    total_params: int
    trainable_params: int
    param_bytes: int
    output_shapes: list[tuple[int, ...]] = field(default_factory=list)  # every output tensor
    # Parameters the forward computed with that the model does not register (a module kept
    # in a plain list): the module running, and each parameter's shape.
    stray_parameters: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    # The forward adds the input's channel axis (``x.unsqueeze(1)``): set by ``explain``
    # where it read the size as N×L (channelaxis.py).
    channel_axis_added: bool = False


class _Recorder(TorchFunctionMode):
    """Hooks and a function mode that together write the list of :class:`Call` records."""

    def __init__(self, named_modules: list[tuple[str, nn.Module]], snapshot: Snapshot,
                 empty_batch: bool, own: dict[int, str], on_meta: bool = False) -> None:
        super().__init__()
        # Parameters (id, as this run sees them → qualified name) and the layer that counted
        # each first: a parameter is counted once, in the first layer that uses it.
        self.own = own
        self.counted: dict[int, str] = {}
        self.snapshot = snapshot  # told before the forward writes into a tensor in place
        self.empty_batch = empty_batch
        # On the meta device PyTorch's own leaves stay visible, so that the shape-keeping ops
        # inside them are answered by ``_META_SAME_SHAPE`` instead of PyTorch's meta kernels.
        self.on_meta = on_meta
        self.batch_moved = False  # an op used dim 0 as something else than the batch
        # (name, is a leaf, runs quiet, has its own forward) of every module, by id.
        self.modules: dict[int, tuple[str, bool, bool, bool]] = {}
        self.calls: list[Call] = []
        self.producers: dict[int, tuple[int, ...]] = {}
        self.alive: list[torch.Tensor] = []  # keeps ids unique for the whole trace
        self.scope: list[str] = []
        self.scope_copy: list[str] | None = None  # shared by the records until scope changes
        # Sources and shapes of the running leaf's inputs (leaves do not nest).
        self.leaf_input: tuple[list[int], list[tuple[int, ...]]] = ([], [])
        self.call_counts: dict[tuple[bool, str], int] = {}  # (is_op, name) → calls so far
        self.handles: list[Any] = []
        self.active_leaf: str | None = None
        # While a leaf runs, nothing inside it is recorded: torch-function dispatch is switched
        # off for that call only (modes stay on their stack), which halves the mode's cost.
        self.off = torch._C.DisableTorchFunction()
        self.quiet = False
        self.attrs: dict[tuple[int, bool], LayerAttrs] = {}
        self.failed: FailedOp | None = None  # the functional op that raised, if one did
        # The pads, convs and pools the running own-forward leaf has called (or None).
        self.inner: list[Inner] | None = None
        self.constants: set[int] = set()  # small tensors the forward made (meta engine)
        # Parameters used outside any module the model registers (see Trace), by id.
        self.stray: dict[int, tuple[str, tuple[int, ...]]] = {}
        # Two process-wide module hooks, active only while this recorder is (removed in
        # ``remove``), instead of two handles per module: registering and removing ~850
        # handles cost a resnet152 trace about as much as its own forward. A module with hooks
        # of its own keeps per-module hooks: they run after its other hooks, so they see the
        # arguments and output those hooks may replace, as the rest of the network does. On a
        # torch whose process-wide forward hook cannot be given keyword arguments (before
        # 2.6), every module gets per-module hooks, which can.
        try:
            own_hooks: list[tuple[nn.Module, str, bool, bool]] = []
            for name, module in named_modules:
                # The model itself is a layer only when it is one of PyTorch's own (explain
                # an nn.Conv2d); a model of the user's with no submodules writes its layers
                # with F.conv2d on its own parameters, and those calls are the layers.
                leaf = (not module._modules or all(
                    child is None for child in module._modules.values())) and (
                    bool(name) or torch_forward(type(module)))
                own = leaf and not torch_forward(type(module))
                quiet = leaf and not on_meta and not own
                if module._forward_hooks or module._forward_pre_hooks or not _GLOBAL_KWARGS:
                    own_hooks.append((module, name, leaf, quiet, own))
                else:
                    self.modules[id(module)] = (name, leaf, quiet, own)
            if self.modules:
                self.handles.append(register_module_forward_pre_hook(self._global_pre_hook))
                self.handles.append(
                    register_module_forward_hook(self._global_post_hook, with_kwargs=True))
            for module, name, leaf, quiet, own in own_hooks:
                self.handles.append(module.register_forward_pre_hook(
                    self._pre_hook(name, leaf, quiet, own), with_kwargs=True))
                self.handles.append(module.register_forward_hook(self._post_hook(name, leaf)))
        except BaseException:
            self.remove()
            raise
        finally:  # the trace's own hooks: any others registered from now on are the forward's
            snapshot.own_hooks += len(self.handles)

    # --- tensor bookkeeping ----------------------------------------------------------
    def mark(self, tensor: torch.Tensor, producers: tuple[int, ...]) -> None:
        self.producers[id(tensor)] = producers
        self.alive.append(tensor)

    def sources(self, tensors: list[torch.Tensor]) -> list[int]:
        found: list[int] = []
        for tensor in tensors:
            for producer in self.producers.get(id(tensor), ()):
                if producer not in found:
                    found.append(producer)
        return found

    def _record(self, name: str, type_: str, is_op: bool, inputs: list[int],
                input_shapes: list[tuple[int, ...]], output: Any, attrs: LayerAttrs,
                count: int) -> None:
        """Append the record of call number ``count`` of ``name``; its output tensors now
        come from it."""
        index = len(self.calls)
        if type(output) is torch.Tensor:  # the common case: one tensor out
            self.calls.append(Call(index, name, type_, is_op, count, inputs, input_shapes,
                                   tuple(output.shape), attrs, self._scope()))
            self.producers[id(output)] = (index,)
            self.alive.append(output)
            return
        out = first_tensor(output)
        self.calls.append(Call(index, name, type_, is_op, count, inputs, input_shapes,
                               tuple(out.shape) if out is not None else (), attrs,
                               self._scope()))
        made = tensors_in(output)
        for tensor in made:
            # A container that passes tensors through (torchvision's FPN extra block returns
            # its input maps plus a new one) does not make the ones it was given.
            if len(made) == 1 or not self.producers.get(id(tensor)):
                self.mark(tensor, (index,))

    def _next_count(self, is_op: bool, name: str) -> int:
        """How many calls of ``name`` came before this one (a shared ReLU is called often)."""
        key = (is_op, name)
        count = self.call_counts.get(key, 0)
        self.call_counts[key] = count + 1
        return count

    def _module_attrs(self, module: nn.Module, name: str, repeated: bool) -> LayerAttrs:
        """Attributes read once per module; a repeated call owns no parameters."""
        key = (id(module), repeated)
        attrs = self.attrs.get(key)
        if attrs is None:
            attrs = module_attrs(module)
            if not repeated:  # parameters belong to the module, counted on its first call
                self._count(attrs, name, module._parameters.values())
            self.attrs[key] = attrs
        return attrs

    def _count(self, attrs: LayerAttrs, name: str, tensors: Any) -> None:
        """Give ``attrs`` the parameters among ``tensors`` that no earlier layer owns; name
        the layers that own the others."""
        params = trainable = 0
        shared: list[str] = []
        for tensor in tensors:
            if tensor is None:
                continue
            owner = self.counted.get(id(tensor))
            if owner is None:
                self.counted[id(tensor)] = name
                params += tensor.numel()
                if tensor.requires_grad:
                    trainable += tensor.numel()
            elif owner != name and owner not in shared:
                shared.append(owner)
        attrs.params, attrs.trainable_params = params, trainable
        if shared:
            attrs.shared_with = tuple(shared)

    def _scope(self) -> list[str]:
        """The enclosing module names, one list shared by consecutive records (read-only)."""
        if self.scope_copy is None:
            self.scope_copy = list(self.scope)
        return self.scope_copy

    def where(self) -> list[str]:
        """The modules running now, outermost first, the running leaf included."""
        return [*self.scope, self.active_leaf] if self.active_leaf is not None else \
            list(self.scope)

    # --- module hooks ----------------------------------------------------------------
    # A leaf is not pushed on ``scope``: its record's scope is the modules around it, and
    # consecutive leaves then share one copy of that list.
    def _enter(self, name: str, leaf: bool, quiet: bool, tensors: list[torch.Tensor],
               own: bool = False) -> None:
        """A module of the model starts. ``quiet``: a leaf whose forward is PyTorch's own
        runs with torch-function dispatch off; a leaf written by the user stays visible, so
        its in-place writes are seen. ``own``: a leaf whose class has its own forward, whose
        pads, convs and pools are noted (:func:`what_ran`)."""
        if self.active_leaf is not None:
            return  # a module called inside a leaf's forward: part of that leaf
        if not leaf:
            self.scope.append(name)
            self.scope_copy = None
            return
        # The leaf's inputs are read with dispatch off, so that reading ``.shape`` does not
        # go through the function mode (a quiet leaf stays so for its whole call).
        self.off.__enter__()
        self.active_leaf = name
        if len(tensors) == 1:
            tensor = tensors[0]
            self.leaf_input = (list(self.producers.get(id(tensor), ())), [tuple(tensor.shape)])
        else:
            self.leaf_input = (self.sources(tensors), [tuple(t.shape) for t in tensors])
        self.inner = [] if own else None
        if quiet:
            self.quiet = True
        else:
            self.off.__exit__(None, None, None)

    def _leave(self, module: nn.Module, name: str, leaf: bool, output: Any,
               late: list[torch.Tensor]) -> None:
        """A module of the model returned ``output``; ``late``: tensors it received by
        keyword, which the process-wide pre-hook does not see."""
        if leaf and self.active_leaf == name:
            # Quiet while recording: reading the module (``numel()``) is not traced.
            if not self.quiet:
                self.off.__enter__()
                self.quiet = True
            if (self.on_meta and self.leaf_input[1]
                    and isinstance(module, nn.modules.conv._ConvTransposeNd)):
                _too_small(self.leaf_input[1][0], output)  # raised as by its own kernel
            self.active_leaf = None
            inputs, shapes = self.leaf_input
            if late:
                inputs += [i for i in self.sources(late) if i not in inputs]
                shapes += [tuple(t.shape) for t in late]
            count = self._next_count(False, name)
            self._record(name, type(module).__name__, False, inputs, shapes, output,
                         self._module_attrs(module, name, repeated=count > 0), count)
            if self.inner is not None:
                self.calls[-1].ran = what_ran(shapes, self.calls[-1].output_shape, self.inner)
                self.inner = None
            self.speak()
        elif self.active_leaf is None and self.scope and self.scope[-1] == name:
            self.scope.pop()
            self.scope_copy = None

    def _global_pre_hook(self, module: nn.Module, args: tuple) -> None:
        entry = self.modules.get(id(module))
        if entry is not None:  # not a module of another model, nor one with its own hooks
            name, leaf, quiet, own = entry
            self._enter(name, leaf, quiet, tensors_in(args) if leaf else [], own)

    def _global_post_hook(self, module: nn.Module, args: tuple, kwargs: dict,
                          output: Any) -> None:
        entry = self.modules.get(id(module))
        if entry is not None:
            name, leaf, _, _ = entry
            self._leave(module, name, leaf, output, tensors_in(kwargs) if kwargs else [])

    def _pre_hook(self, name: str, leaf: bool, quiet: bool, own: bool):
        def hook(module: nn.Module, args: tuple, kwargs: dict) -> None:
            self._enter(name, leaf, quiet,
                        tensors_in(args) + tensors_in(kwargs) if leaf else [], own)

        return hook

    def _post_hook(self, name: str, leaf: bool):
        def hook(module: nn.Module, args: tuple, output: Any) -> None:
            self._leave(module, name, leaf, output, [])

        return hook

    # --- functional operations -------------------------------------------------------
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        fname = getattr(func, "__name__", "")
        run = func  # what computes the result: the op itself, or the meta engine's constants
        if self.on_meta:
            if self.active_leaf is not None and fname in _META_SAME_SHAPE:
                result = _META_SAME_SHAPE[fname](*args, **kwargs)
                if result is not None:
                    return result
            elif func in _FACTORIES and kwargs.get("device") is None:
                run = functools.partial(self._made, func)
            elif self.constants:
                args, kwargs, constant = self._meet_constants(args, kwargs)
                if constant:
                    run = functools.partial(self._on_constants, func)
        if _writes(fname, kwargs):
            target = written_tensor(args, kwargs)
            if target is not None and not self.producers.get(id(target)):
                self.snapshot.before_write(target)  # perhaps the model's own tensor
        if self.empty_batch and not self.batch_moved and moves_batch(fname, args, kwargs):
            self.batch_moved = True
        try:
            result = run(*args, **kwargs)
            if self.on_meta and fname.startswith("conv_transpose") and args:
                _too_small(tuple(args[0].shape), result)
        except Exception as error:
            if self.failed is None:
                self._failed(func, args, kwargs, error)
            raise
        if self.active_leaf is not None:  # a leaf of the user's, whose ops stay visible
            if self.inner is not None and _OP_NAMES.get(fname) in INNER_OPS:
                self.inner.append(inner_call(_OP_NAMES[fname], args, kwargs, result))
            self._stray(tensors_in(args) + tensors_in(kwargs), self.active_leaf)
            return result
        outputs = tensors_in(result)
        if not outputs:
            return result
        inputs = tensors_in(args) + tensors_in(kwargs)
        sources = self.sources(inputs)
        op = _OP_NAMES.get(fname)
        traced_inputs = [t for t in inputs if id(t) in self.producers]
        # An op that uses a parameter nobody has counted yet (F.conv2d on the root's own
        # weight, timm's BatchNormAct2d running F.batch_norm itself) is a layer that owns it.
        weights = [t for t in inputs if id(t) in self.own]
        if len(weights) < len(inputs):
            self._stray(inputs, self.scope[-1] if self.scope else "")
        owns = sources and any(id(t) not in self.counted for t in weights)
        if not owns and (op is None or (op in _MERGES and len(traced_inputs) < 2)
                         or not sources):
            # Not structural (a slice, .contiguous(), a scalar add …): the output simply
            # carries the data of its inputs, so later layers connect through it.
            for tensor in outputs:
                self.mark(tensor, tuple(sources))
            return result
        op = op or fname.strip("_")
        if weights:  # named after its weight, as a module would be: "w1", "layer1.0.bn1"
            name = self.own[id(weights[0])].removesuffix(".weight")
        else:
            scope = self.scope[-1] if self.scope else ""
            name = f"{scope}.{op}" if scope else op
        shapes = [tuple(t.shape) for t in traced_inputs]
        attrs = functional_attrs(op, args, kwargs)
        if weights:
            self._count(attrs, name, weights)
        self._record(name, op, True, sources, shapes, result, attrs,
                     self._next_count(True, name))
        return result

    def _stray(self, inputs: list[torch.Tensor], where: str) -> None:
        """Note the parameters among ``inputs`` that the model does not register (a layer
        kept in a plain list), with the module running (see :class:`Trace`)."""
        for tensor in inputs:
            if isinstance(tensor, nn.Parameter) and id(tensor) not in self.own:
                self.stray.setdefault(id(tensor), (where, tuple(tensor.shape)))

    # --- the meta engine's small constants (see _CONSTANT) ----------------------------
    def _made(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """A factory call of the forward's: on meta, like the activations it will meet, or
        with its values on the default device when it is small."""
        made = func(*args, **{**kwargs, "device": "meta"})
        if isinstance(made, torch.Tensor) and made.numel() <= _CONSTANT:
            real = func(*args, **kwargs)
            if isinstance(real, torch.Tensor) and real.device.type != "meta":
                self._keep(real)
                return real
        return made

    def _meet_constants(self, args: tuple, kwargs: dict) -> tuple[tuple, dict, bool]:
        """The arguments, and whether every tensor among them is a constant. Where a
        constant meets traced (meta) data it is replaced by a meta copy."""
        tensors = tensors_in(args) + tensors_in(kwargs)
        mine = [t for t in tensors if id(t) in self.constants]
        if not mine:
            return args, kwargs, False
        if len(mine) == len(tensors):
            return args, kwargs, True

        def to_meta(value: Any) -> Any:
            if isinstance(value, torch.Tensor) and id(value) in self.constants:
                copy = value.to("meta")  # traced like the constant it stands for
                self.mark(copy, self.producers.get(id(value), ()))
                return copy
            return value

        args, kwargs = tree_map(to_meta, (args, kwargs))
        return args, kwargs, False

    def _on_constants(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """An op on constants only: run for real when its result is small (or when it
        needs values, which meta cannot give), else on meta."""
        def to_meta(value: Any) -> Any:
            return value.to("meta") if isinstance(value, torch.Tensor) else value

        try:
            probe = func(*tree_map(to_meta, args), **tree_map(to_meta, kwargs))
        except Exception:  # needs values (nonzero, item): small inputs, small result
            probe = None
        if probe is not None and any(t.numel() > _CONSTANT for t in tensors_in(probe)):
            return probe
        result = func(*args, **kwargs)
        for tensor in tensors_in(result):
            if tensor.device.type != "meta":
                self._keep(tensor)
        return result

    def _keep(self, tensor: torch.Tensor) -> None:
        self.constants.add(id(tensor))
        self.alive.append(tensor)  # its id stays its own for the whole trace

    def _failed(self, func: Any, args: tuple, kwargs: dict, error: Exception) -> None:
        """Keep what the error message needs: the op, its operands and who made them."""
        name = getattr(func, "__name__", str(func))
        operands = tensors_in(args) + tensors_in(kwargs)
        self.failed = FailedOp(
            op=_OP_NAMES.get(name, name.strip("_")), scope=self.where(),
            shapes=[tuple(t.shape) for t in operands],
            producers=[self.producers.get(id(t), ()) for t in operands], error=error,
            call=(func, args, kwargs))

    def speak(self) -> None:
        """End the quiet period of the leaf that just ran (or of one that raised)."""
        if self.quiet:
            self.quiet = False
            self.off.__exit__(None, None, None)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        # torch's handle for a global hook registered with_kwargs leaves its id in
        # ``_global_forward_hooks_with_kwargs`` (one stale entry per trace): take it out.
        flags = getattr(torch.nn.modules.module, "_global_forward_hooks_with_kwargs", None)
        if flags:
            for handle in self.handles:
                flags.pop(handle.id, None)
        self.handles.clear()


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
         swap_to_meta: bool, snapshot: Snapshot) -> tuple[_Recorder, Any, Exception | None]:
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
    recorder = _Recorder(named_modules, snapshot, empty_batch=x.shape[0] == 0, own=own,
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


def trace(model: nn.Module, input_shape: tuple[int, ...]) -> Trace:
    """Trace ``model`` on an input of ``input_shape`` (batch first) without real computation."""
    named_modules = list(model.named_modules())
    params, buffers = _own_tensors(named_modules)
    state = {**params, **buffers}
    _refuse(named_modules, state, input_shape)
    _refuse_inputs(model)
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
            if error is None and (batch != 0 or _batch_independent(recorder)):
                return _finish(list(params.values()), recorder, output, input_shape, engine,
                               batch == 0)
            if error is None:
                continue  # an empty batch hid something; the meta engine will show it
            context, progress, words = _failure_context(error, recorder, named_modules, x,
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


def _refuse(named_modules: list[tuple[str, nn.Module]], state: dict[str, torch.Tensor],
            input_shape: tuple[int, ...]) -> None:
    """Models the tracer must not run: TorchScript (hooks and function modes do not reach
    inside it), quantized layers (their weights are packed outside the parameters, so every
    count and the depth would leave them out) and lazy modules whose parameters have no shape
    yet (running them would materialise the user's model)."""
    quantized = _quantized_layer_type()
    for name, module in named_modules:
        if quantized is not None and isinstance(module, quantized):
            kind = type(module)
            raise CannotTrace(
                f"{name or 'the model'} is a quantized layer ({kind.__module__}."
                f"{kind.__name__}), whose weights are packed outside the parameters: the "
                "counts and the depth would leave them out",
                "Explain the float model before quantization (its architecture is the same)")
        if isinstance(module, torch.jit.ScriptModule):
            where = f"its submodule {name!r}" if name else "the model"
            raise CannotTrace(
                f"{where} is TorchScript ({type(module).__name__}), which cannot be traced "
                "layer by layer",
                "Explain the nn.Module it was scripted or traced from (before torch.jit.script)")
    missing = [name for name, tensor in state.items()
               if isinstance(tensor, UninitializedTensorMixin)]
    if missing:
        raise NotInitialised(
            f"the model has lazy modules that are not initialised yet ({missing[0]} has no "
            "shape)",
            "Run one real batch through it first, e.g. "
            f"model(torch.randn({', '.join(map(str, input_shape))})), "
            "so that PyTorch fixes their shapes; the tool does not initialise your model",
            names=missing)


def _quantized_layer_type() -> type | None:
    """The base class of PyTorch's quantized conv and linear layers (eager-mode
    quantization), if torch still has it (it is loaded with torch)."""
    utils = sys.modules.get("torch.ao.nn.quantized.modules.utils")
    return getattr(utils, "WeightedQuantizedModule", None)


def _refuse_inputs(model: nn.Module) -> None:
    """A forward that needs more than the image batch (``forward(self, x, mask)``) is told
    so before it runs: the trace gives it one tensor."""
    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return  # no signature to read (a builtin): let the forward say
    required = [p.name for p in parameters
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                       p.KEYWORD_ONLY)]
    if len(required) > 1:
        name = type(model).__name__
        others = " and ".join(required[1:])
        needs = f"{', '.join(required[:-1])} and {required[-1]}"
        raise CannotTrace(
            f"{name}.forward needs {needs}, but the tool gives it one image batch",
            f"Give {others} a default in forward, or explain a wrapper whose forward(x) calls "
            f"the model with {others}")


def _input(shape: tuple[int, ...], asked: tuple[int, ...], dtype: torch.dtype,
           device: Any) -> torch.Tensor:
    """The traced input, or a one-line error for a size PyTorch cannot even describe."""
    try:
        return torch.empty(shape, dtype=dtype, device=device)
    except (RuntimeError, OverflowError, ValueError) as error:
        size = "x".join(map(str, asked))
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        spatial = min(max(len(asked) - 2, 0), 3)  # the example in the layout asked for
        raise BadInputSize(f"PyTorch cannot make a tensor of size {size} ({reason})",
                           "Give a size whose elements fit in memory addresses, "
                           f"e.g. {example_size(spatial)}") from None


def _batch_independent(recorder: _Recorder) -> bool:
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
        if 0 in shape_out[1:]:
            return False  # a size PyTorch rejects with a real batch (a conv's output of 0)
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


def _failure_context(error: Exception, recorder: _Recorder,
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
        if empty and failed.call is not None and not reshape and not _writes(
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


def _finish(params: list[torch.Tensor], recorder: _Recorder, output: Any,
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
