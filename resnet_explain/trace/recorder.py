"""The recorder: hooks and a function mode that together write the list of
:class:`~resnet_explain.trace.records.Call` records of one forward."""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_map

from .batchdim import moves_batch
from .diagnose import FailedOp
from .layerinfo import (
    LayerAttrs,
    first_tensor,
    functional_attrs,
    module_attrs,
    tensors_in,
    torch_forward,
    whole_layer,
)
from .ops import (
    CONSTANT,
    FACTORIES,
    MERGES,
    META_SAME_SHAPE,
    OP_NAMES,
    PARTS,
    SIZE_CHECKED,
    on_cpu,
    takes_part,
    writes,
)
from .ownforward import INNER_OPS, Inner, inner_call, what_ran
from .records import Call
from .snapshot import Snapshot, written_tensor

# Whether the process-wide forward hook can be given the module's keyword arguments (torch
# 2.6 and later); without them a tensor passed by keyword would be missed.
_GLOBAL_KWARGS = "with_kwargs" in inspect.signature(register_module_forward_hook).parameters


def _zero_in(shapes: list[tuple[int, ...]]) -> bool:
    """Whether a map among ``shapes`` already has a 0-size dimension after the batch."""
    return any(0 in shape[1:] for shape in shapes)


class Recorder(TorchFunctionMode):
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
        # inside them are answered by ``META_SAME_SHAPE`` instead of PyTorch's meta kernels.
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
        # The function mode is thread-local, the process-wide hooks are not: a module of the
        # model called on another thread (a forward that hands ``layer1`` to a worker
        # thread, or another thread using the same model) is not recorded, only named here.
        self.thread = threading.get_ident()
        self.elsewhere: set[str] = set()
        # Calls of the empty-batch engine that made a map with a 0-size dimension from one
        # without: ``(record index, callable, args, kwargs)``, asked again with the real batch
        # (:func:`~resnet_explain.trace.engine._zero_sized`) — PyTorch refuses some of them
        # only when there is a batch.
        self.zero_sized: list[tuple[int, Any, tuple, dict]] = []
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
                leaf = ((not module._modules or all(
                    child is None for child in module._modules.values())) and (
                    bool(name) or torch_forward(type(module)))) or (
                    bool(name) and whole_layer(type(module)))
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
                # (a conv with submodules counts theirs too: they are parts of its one call)
                self._count(attrs, name, module._parameters.values() if not module._modules
                            else module.parameters())
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
            made = self.calls[-1].output_shape
            if self.empty_batch and 0 in made[1:] and not _zero_in(shapes):
                out = first_tensor(output)
                self.zero_sized.append((len(self.calls) - 1, module, tuple(
                    torch.empty((), dtype=out.dtype, device=out.device).expand(shape)
                    for shape in shapes), {}))
            self.speak()
        elif self.active_leaf is None and self.scope and self.scope[-1] == name:
            self.scope.pop()
            self.scope_copy = None

    def _global_pre_hook(self, module: nn.Module, args: tuple) -> None:
        entry = self.modules.get(id(module))
        if entry is not None:  # not a module of another model, nor one with its own hooks
            name, leaf, quiet, own = entry
            if threading.get_ident() != self.thread:
                self.elsewhere.add(name)
                return
            self._enter(name, leaf, quiet, tensors_in(args) if leaf else [], own)

    def _global_post_hook(self, module: nn.Module, args: tuple, *rest: Any) -> None:
        """``rest`` is ``(kwargs, output)``, as registered; another thread that runs a forward
        while the hook is being registered or removed may call it as ``(output,)``: torch
        writes the hook and its ``with_kwargs`` flag in two steps, and such a call is not the
        trace's to record anyway."""
        if len(rest) != 2 or threading.get_ident() != self.thread:
            return
        entry = self.modules.get(id(module))
        if entry is not None:
            kwargs, output = rest
            name, leaf, _, _ = entry
            self._leave(module, name, leaf, output, tensors_in(kwargs) if kwargs else [])

    def _pre_hook(self, name: str, leaf: bool, quiet: bool, own: bool):
        def hook(module: nn.Module, args: tuple, kwargs: dict) -> None:
            if threading.get_ident() != self.thread:
                self.elsewhere.add(name)
                return
            self._enter(name, leaf, quiet,
                        tensors_in(args) + tensors_in(kwargs) if leaf else [], own)

        return hook

    def _post_hook(self, name: str, leaf: bool):
        def hook(module: nn.Module, args: tuple, output: Any) -> None:
            if threading.get_ident() != self.thread:
                return
            self._leave(module, name, leaf, output, [])

        return hook

    # --- functional operations -------------------------------------------------------
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        fname = getattr(func, "__name__", "")
        run = func  # what computes the result: the op itself, or the meta engine's constants
        if self.on_meta:
            if self.active_leaf is not None and fname in META_SAME_SHAPE:
                result = META_SAME_SHAPE[fname](*args, **kwargs)
                if result is not None:
                    return result
            elif func in FACTORIES and kwargs.get("device") is None:
                run = functools.partial(self._made, func)
            elif self.constants:
                args, kwargs, constant = self._meet_constants(args, kwargs)
                if constant:
                    run = functools.partial(self._on_constants, func)
        if writes(fname, kwargs):
            target = written_tensor(args, kwargs)
            if target is not None and not self.producers.get(id(target)):
                self.snapshot.before_write(target)  # perhaps the model's own tensor
        if self.empty_batch and not self.batch_moved and moves_batch(fname, args, kwargs):
            self.batch_moved = True
        try:
            if self.on_meta and fname in SIZE_CHECKED:
                result = on_cpu(run, func, args, kwargs)
            else:
                result = run(*args, **kwargs)
        except Exception as error:
            if self.failed is None:
                self._failed(func, args, kwargs, error)
            raise
        if self.active_leaf is not None:  # a leaf of the user's, whose ops stay visible
            if self.inner is not None and OP_NAMES.get(fname) in INNER_OPS:
                self.inner.append(inner_call(OP_NAMES[fname], args, kwargs, result))
            self._stray(tensors_in(args) + tensors_in(kwargs), self.active_leaf)
            return result
        outputs = tensors_in(result)
        if not outputs:
            return result
        inputs = tensors_in(args) + tensors_in(kwargs)
        sources = self.sources(inputs)
        op = OP_NAMES.get(fname)
        if fname in PARTS and sources and takes_part(fname, args, result):
            self._parts(PARTS[fname], sources, tuple(inputs[0].shape), outputs)
            return result
        traced_inputs = [t for t in inputs if id(t) in self.producers]
        # An op that uses a parameter nobody has counted yet (F.conv2d on the root's own
        # weight, timm's BatchNormAct2d running F.batch_norm itself) is a layer that owns it.
        weights = [t for t in inputs if id(t) in self.own]
        if len(weights) < len(inputs):
            self._stray(inputs, self.scope[-1] if self.scope else "")
        owns = sources and any(id(t) not in self.counted for t in weights)
        if not owns and (op is None or (op in MERGES and len(traced_inputs) < 2)
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
        if self.empty_batch and 0 in self.calls[-1].output_shape[1:] and not _zero_in(shapes):
            self.zero_sized.append((len(self.calls) - 1, func, args, kwargs))
        return result

    def _parts(self, op: str, sources: list[int], shape: tuple[int, ...],
               parts: list[torch.Tensor]) -> None:
        """One record per part a split, chunk or slice took of a traced tensor of ``shape``
        (see :data:`~resnet_explain.trace.ops.PARTS`): each part is a tensor of its own in the
        graph, with its own shape."""
        scope = self.scope[-1] if self.scope else ""
        name = f"{scope}.{op}" if scope else op
        attrs = LayerAttrs()
        for part in parts:
            self._record(name, op, True, sources, [shape], part, attrs,
                         self._next_count(True, name))

    def _stray(self, inputs: list[torch.Tensor], where: str) -> None:
        """Note the parameters among ``inputs`` that the model does not register (a layer
        kept in a plain list), with the module running (see :class:`Trace`)."""
        for tensor in inputs:
            if isinstance(tensor, nn.Parameter) and id(tensor) not in self.own:
                self.stray.setdefault(id(tensor), (where, tuple(tensor.shape)))

    # --- the meta engine's small constants (see CONSTANT) ----------------------------
    def _made(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """A factory call of the forward's: on meta, like the activations it will meet, or
        with its values on the default device when it is small."""
        made = func(*args, **{**kwargs, "device": "meta"})
        if isinstance(made, torch.Tensor) and made.numel() <= CONSTANT:
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
        if probe is not None and any(t.numel() > CONSTANT for t in tensors_in(probe)):
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
            op=OP_NAMES.get(name, name.strip("_")), scope=self.where(),
            shapes=[tuple(t.shape) for t in operands],
            producers=[self.producers.get(id(t), ()) for t in operands], error=error,
            call=(func, args, kwargs))

    def speak(self) -> None:
        """End the quiet period of the leaf that just ran (or of one that raised)."""
        if self.quiet:
            self.quiet = False
            self.off.__exit__(None, None, None)

    def unseen(self) -> list[str]:
        """The modules that ran only on another thread during the trace: their layers are
        missing from the records (empty when every module ran on the tracing thread)."""
        if not self.elsewhere:
            return []
        here = {call.name for call in self.calls if not call.is_op}
        for call in self.calls:
            here.update(call.scope)
        missing = self.elsewhere - here
        return sorted(name for name in missing  # the outermost: "layer1", not its layers
                      if not any(name.startswith(f"{other}.") for other in missing))

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
