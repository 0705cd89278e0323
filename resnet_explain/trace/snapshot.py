"""Give the user's model back exactly as it came, also when its forward changes itself.

A forward may change the model's state: a data-dependent initialisation (ActNorm's
``if not self.initialized: self.bias.data.copy_(…)``), an EMA or running-mean buffer written
with ``mul_``/``add_``, a step counter (``self.step += 1``), a plain Python attribute
(``self.calls += 1``), a buffer or parameter replaced by a new tensor. Run on an empty batch,
such writes would leave NaNs and moved counters behind — permanently.

What is kept, and how, at a cost that grows with the number of modules, never with the data:

- **Attributes** — each module's ``__dict__`` and its ``_parameters``, ``_buffers`` and
  ``_modules`` dicts are copied shallowly before the trace; a dict that no longer holds the
  same objects afterwards gets its old entries back. This also puts back every ``training``
  flag.
- **Hooks** — every hook handle PyTorch hands out takes the next id of one counter
  (``RemovableHandle.next_id``). The counter is read before the trace; where it moved by more
  than the trace's own hooks, the forward registered hooks of its own (a model that hooks
  itself on its first call), and every registry entry with a newer id is taken out. A trace
  whose forward registers nothing pays one comparison.
- **Containers and plain objects** — what a module whose forward is the user's own holds
  beyond tensors and modules is copied shallowly too, and put back in place if it changed:
  a list, dict or set (``self.seen.append(x.shape)``, ``self.stats["calls"] += 1``), the
  attributes of a plain Python object (``self.meter.update(…)`` on an ``AverageMeter``), and
  so on inside them (``self.history["shapes"].append(…)``), down to :data:`_DEPTH` levels
  and into containers of at most :data:`_WIDE` items. Each object keeps its identity; only
  its contents are put back. PyTorch's own layers keep none that a forward changes.
- **Tensor values** — copy-on-write: the trace's function mode sees every in-place op
  (``add_``, ``copy_``, ``fill_``, ``x[i] = …``, ``out=``, ``.data = …``) outside PyTorch's own
  layers, and :meth:`Snapshot.before_write` copies a parameter or buffer the first time one is
  about to be written. Only written tensors are copied. PyTorch's own layers run in eval mode,
  where none of them writes to its state.
- **The global RNG** — the CPU generator's state (and the model's CUDA device's) is put back.
"""

from __future__ import annotations

import copy
import functools
import types
from collections.abc import Iterable
from itertools import filterfalse, repeat
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from .layerinfo import torch_forward

_INNER = ("_parameters", "_buffers", "_modules")

#: A module's hook registries, keyed by the ids of the handles that registered them.
_HOOKS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
          "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_backward_hooks",
          "_backward_pre_hooks", "_state_dict_hooks", "_state_dict_pre_hooks",
          "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


class Snapshot:
    """The restorable state of ``modules`` and of the RNG, taken at construction."""

    def __init__(self, modules: Iterable[nn.Module], tensors: Iterable[torch.Tensor],
                 device: torch.device) -> None:
        # Whole lists at a time (``map`` and list comparison run in C), not a Python loop
        # per dict: resnet152's snapshot is ~2,000 dicts.
        modules = list(modules)
        attributes = [module.__dict__ for module in modules]
        inner = [registry for key in _INNER for registry in map(dict.get, attributes,
                                                                repeat(key))
                 if registry is not None]
        # Registries with nothing in them (a leaf's ``_modules``) are only emptied again.
        self.current: list[dict] = [*attributes, *filter(None, inner)]
        self.saved: list[dict] = list(map(dict.copy, self.current))
        self.empty: list[dict] = list(filterfalse(None, inner))
        self.containers = _held_state([module for module in modules
                                       if not torch_forward(type(module))])
        self.tensors = list(tensors)
        self.by_id = {id(t): t for t in self.tensors}
        self.by_storage: dict[int, torch.Tensor] | None = None  # built at the first write
        self.written: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.modules = modules
        self.next_id = RemovableHandle.next_id  # hooks registered from here on are new
        self.own_hooks = 0  # how many of them the trace registered itself (and removes)
        self.rng = torch.get_rng_state()
        self.cuda = device if device.type == "cuda" else None
        self.cuda_rng = torch.cuda.get_rng_state(device) if self.cuda is not None else None

    def before_write(self, target: torch.Tensor) -> None:
        """``target`` is about to be written in place: if it is (a view of) the model's own
        parameter or buffer, copy that tensor's values first, once."""
        own = self.by_id.get(id(target))
        if own is None:
            if self.by_storage is None:
                self.by_storage = {}
                for tensor in self.tensors:
                    pointer = _storage(tensor)
                    if pointer:
                        self.by_storage[pointer] = tensor
            own = self.by_storage.get(_storage(target) or -1)
        if own is not None and id(own) not in self.written:
            with torch.no_grad():
                self.written[id(own)] = (own, own.detach().clone())

    def restore(self) -> None:
        """Put back every attribute, tensor value and RNG state that differs."""
        if not _same(self.current, self.saved):  # some dict no longer holds its entries
            for current, saved in zip(self.current, self.saved):
                if not _same(current, saved):
                    current.clear()
                    current.update(saved)
        if any(self.empty):
            for current in self.empty:
                current.clear()
        if RemovableHandle.next_id - self.next_id > self.own_hooks:  # the forward hooked
            _unhook(self.modules, self.next_id)
        for container, saved in self.containers:
            if not _same(container, saved):
                _refill(container, saved)
        with torch.no_grad():
            for tensor, values in self.written.values():
                if tensor.shape == values.shape and tensor.dtype == values.dtype and \
                        tensor.device == values.device:
                    tensor.copy_(values)
                else:  # ``.data`` was replaced by a tensor of another shape
                    tensor.data = values
        self.written.clear()
        torch.set_rng_state(self.rng)
        if self.cuda is not None:
            torch.cuda.set_rng_state(self.cuda_rng, self.cuda)


def _unhook(modules: list[nn.Module], first: int) -> None:
    """Take out of every module's hook registries the hooks registered at or after handle id
    ``first``: those the forward added to its own model while it was traced."""
    for module in modules:
        attributes = module.__dict__
        for name in _HOOKS:
            registry = attributes.get(name)
            if registry:
                for key in [key for key in registry if isinstance(key, int) and key >= first]:
                    del registry[key]


_CONTAINERS = (list, dict, set)


@functools.cache
def _standard_attributes() -> frozenset[str]:
    """What ``nn.Module.__init__`` sets on every module: its registries and hook dicts."""
    return frozenset(vars(nn.Module()))


#: How deep the walk from a module's attribute goes (the attribute's value is level 1), and
#: the most items a container may have for the walk to look inside it (it is copied anyway).
_DEPTH, _WIDE = 4, 1000


def _held_state(modules: list[nn.Module]) -> list[tuple[Any, Any]]:
    """``(object, shallow copy)`` of every list, dict and set, and the ``__dict__`` of every
    plain object, that the attributes of ``modules`` (those their own classes set) reach."""
    found: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    for module in modules:
        attributes = module.__dict__
        for key in attributes.keys() - _standard_attributes():
            _walk(attributes[key], 1, found, seen)
    return found


def _walk(value: Any, depth: int, found: list[tuple[Any, Any]], seen: set[int]) -> None:
    if isinstance(value, _CONTAINERS):
        state = value
    elif _plain(value):
        state = vars(value)
    else:
        return
    if id(state) in seen:
        return
    seen.add(id(state))
    found.append((state, copy.copy(state)))
    if depth >= _DEPTH or len(state) > _WIDE:
        return
    for item in (state.values() if isinstance(state, dict) else state):
        _walk(item, depth + 1, found, seen)


def _plain(value: Any) -> bool:
    """An instance of a user's Python class with attributes of its own (an ``AverageMeter``,
    a dataclass): not a module, tensor, class, function or imported module, nor an object
    of torch's, numpy's or Python's built-in types."""
    if isinstance(value, _NOT_PLAIN) or type(value).__module__.startswith(_LIBRARIES):
        return False
    try:
        return isinstance(vars(value), dict)
    except Exception:  # no __dict__ (slots, a C type), or an attribute lookup that raises
        return False


_NOT_PLAIN = (nn.Module, torch.Tensor, type, types.ModuleType, types.FunctionType,
              types.MethodType, types.BuiltinFunctionType)
_LIBRARIES = ("torch", "builtins", "numpy")


def _refill(container: Any, saved: Any) -> None:
    """Put ``saved``'s contents back into ``container``, the same object."""
    if isinstance(container, list):
        container[:] = saved
    else:
        container.clear()
        container.update(saved)


def _same(current: Any, saved: Any) -> bool:
    """Whether a container (or each dict of a list of dicts) still holds its old entries.
    ``==`` compares by identity first, in C; a value that is not identical is compared by
    ``==`` and may not answer a bool (a tensor, an array): then it has changed."""
    try:
        return bool(current == saved)
    except Exception:
        return False


def _storage(tensor: torch.Tensor) -> int:
    """Address of a tensor's storage (0 for meta and empty tensors and for tensors without one)."""
    try:
        return tensor.untyped_storage().data_ptr()
    except Exception:
        return 0


def written_tensor(args: tuple, kwargs: dict | None) -> Any:
    """The tensor an in-place op writes to: ``out=``, else its first tensor argument."""
    out = kwargs.get("out") if kwargs else None
    if isinstance(out, torch.Tensor):
        return out
    for value in (*args, *(kwargs or {}).values()):
        if isinstance(value, torch.Tensor):
            return value
    return None
