"""The Python entry point: ``explain("resnet50")`` or ``explain(model, input_size=...)``."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .architecture import Architecture
from .errors import BadInputSize, NotInitialised, TraceFailure
from .gcpause import collector_paused
from .i18n import _
from .notation import typed
from .source.inputsize import (
    LayoutMisfit,
    example_size,
    layout,
    numbers_given,
    parse_input_size,
)
from .trace.prints import noting_prints, printed_note

if TYPE_CHECKING:
    import torch

    from .findings import Finding

DEFAULT_INPUT = (3, 224, 224)


def explain(model: Any, input_size: str | Sequence[int] | torch.Tensor | None = None, *,
            shortcut: str | None = None, num_classes: int | None = None,
            name: str | None = None, lang: str | None = None) -> Architecture:
    """Trace ``model`` and return its :class:`Architecture`.

    ``model`` is a zoo name (``"resnet50"``), a spec (``"pkg.module:build"``,
    ``"path/net.py:Net"``), a weights file of a zoo model (``"model.pth"``, see
    :mod:`resnet_explain.source.weightsfile`) or an ``nn.Module``. ``input_size`` is
    ``(C, H, W)`` or ``(N, C, H, W)`` (or ``"3x224x224"``, or a tensor, which stands for its
    shape: its values are not read); it defaults to the zoo model's own size, else 3×224×224.
    The model is traced without real computation and comes back untouched.

    ``shortcut`` (the paper's option ``"A"``, ``"B"`` or ``"C"``) and ``num_classes`` (the
    fc's outputs: 100 for a CIFAR-100 ResNet-56) build a zoo model that way.

    ``lang`` (``"en"``, ``"zh"``) is the language of everything the Architecture says — its
    tables, notes, diagrams, plots, comparisons — and of the errors raised here; ``None``
    follows :func:`resnet_explain.set_language`, else ``RESNET_EXPLAIN_LANG``, else English
    (see :mod:`resnet_explain.i18n`).
    """
    if lang is not None:
        from .i18n import check_language, speaking

        lang = check_language(lang)
        with speaking(lang):
            arch = explain(model, input_size, shortcut=shortcut, num_classes=num_classes,
                           name=name)
        arch.language = lang
        return arch
    from ._compat import require_numpy_1, require_torch

    require_numpy_1()  # before torch's import prints a page about NumPy
    import torch
    from torch import nn

    require_torch(torch)  # one line naming the version needed, not a traceback further on
    from .analysis import analyse
    from .source.spec import resolve, zoo_only
    from .trace.channelaxis import other_reading
    from .trace.channelaxis import reading_note as channel_axis_note

    zoo_name, notes = None, []
    if isinstance(model, os.PathLike):  # a weights file or a .py file, as a Path
        model = os.fspath(model)
    if isinstance(model, nn.Module):
        zoo_only(shortcut, num_classes, "a {what} applies to zoo models only, not to a model "
                 "already built", "Drop {option}, or name a zoo model such as "
                 "explain('resnet20', shortcut='A', num_classes=100)")
        module = uncompiled(model)
        label, default = name or type(module).__name__, None
    elif isinstance(model, str):
        resolved = resolve(model, shortcut=shortcut, num_classes=num_classes)
        module, label, default = (uncompiled(resolved.module), name or resolved.name,
                                  resolved.default_input)
        zoo_name, notes = resolved.zoo_name, resolved.notes
    else:
        raise TypeError(_not_a_model(model))
    from .trace.engine import TRACING

    spatial = 2 if default is not None else _layout(module)  # a zoo model reads images
    # A message's example size takes the first layer's width where it is not an image's 3.
    width = _first_width(module, spatial) if spatial != 2 else None
    misfit: LayoutMisfit | None = None
    # One sample without its batch axis (an image ``transform(pil)`` gives as C×H×W): traced
    # as the model would receive it, and, where the model refuses it, said so.
    unbatched = isinstance(input_size, torch.Tensor) and input_size.numel() \
        and input_size.dim() == spatial + 1
    if isinstance(input_size, torch.Tensor) and input_size.numel():
        # A batch in hand: its shape exactly, as the model would receive it; no other
        # reading of it is tried.
        shape, input_size = tuple(input_size.shape), None
    else:
        if isinstance(input_size, torch.Tensor):  # no elements: the size words the error
            input_size = tuple(input_size.shape)
        if input_size is None and default is None and spatial in (1, 3):
            raise BadInputSize(
                f"{label} is a {spatial}-D model (its convolutions are Conv{spatial}d): there "
                "is no default size for it",
                f"Give {layout(spatial)}, e.g. {example_size(spatial, width)}")
        try:
            shape = parse_input_size(
                input_size if input_size is not None else default or DEFAULT_INPUT, spatial,
                width)
        except LayoutMisfit as refused:
            # The layout is only guessed from the layers' classes (a Conv1d model may flatten
            # a 4-D input itself): the size is traced as given, the batch first, and the
            # guess only words the error if the forward refuses it too.
            misfit, shape = refused, refused.as_given
    reading_note = None
    # One trace at a time (see TRACING): the collector, sys.stdout and everything the trace
    # changes process-wide are changed under the lock, and put back in reverse order.
    with TRACING, collector_paused():
        with noting_prints() as printed:
            try:
                traced, lazy_note = _traced(module, shape)
            except (TraceFailure, NotInitialised) as failure:  # the latter: a lazy copy's
                if misfit is not None:
                    raise misfit.refused_too(failure) from failure
                if unbatched:
                    failure.fix = _(
                        "The tensor went to the model as it is, {shape}: one sample without "
                        "its batch axis? Give x.unsqueeze(0) (a batch of one), or its size "
                        "{size}", shape=typed(shape), size=tuple(shape))
                # The size read without a channel axis (channelaxis.py), if it has one
                # number fewer than a batched input.
                reread = other_reading(numbers_given(input_size), spatial) \
                    if input_size is not None else None
                if reread is None:
                    raise
                traced, lazy_note = _reread(module, reread, spatial, failure)
                reading_note = channel_axis_note(reread, spatial, traced.calls, failure)
        arch = analyse(traced, label)
    if reading_note is not None:
        arch.findings.append(reading_note)
    if printed is not None and printed.wrote:  # a print(x.shape) in the forward
        arch.findings.append(printed_note(arch.engine, arch.input_shape[0]))
    if lazy_note is not None:
        arch.findings.append(lazy_note)
    arch.findings.extend(notes)
    if zoo_name is not None:  # set the paper's figures beside the computed ones
        from .analysis.against_paper import paper_findings

        arch.findings.extend(paper_findings(arch, zoo_name))
    from .compare.note import nearest_reference_finding  # "nearest reference: resnet18 — …"

    nearest = nearest_reference_finding(arch, model if isinstance(model, str) else None,
                                        zoo_name)
    if nearest is not None:
        arch.findings.append(nearest)
    return arch


def _traced(module: Any, shape: tuple[int, ...]) -> tuple[Any, Finding | None]:
    """The trace of ``module``, and a note when it had to run on an initialised copy: a
    model with lazy modules that nothing has run yet (d2l's ResNet)."""
    from .source.lazy import initialised_copy
    from .source.lazy import note as lazy_modules_note
    from .trace import trace

    try:
        return trace(module, shape), None
    except NotInitialised as refused:
        return trace(initialised_copy(module, shape, refused), shape), \
            lazy_modules_note(refused)


def _reread(module: Any, shape: tuple[int, ...], spatial: int,
            failure: TraceFailure | NotInitialised) -> tuple[Any, Finding | None]:
    """The trace on ``shape``, the size read without a channel axis, if the forward adds
    that axis itself; else the usual reading's ``failure`` stands. Where that failure shows
    the forward adding the axis, the new reading's own failure is the one to tell (an input
    too small, say)."""
    from .trace.channelaxis import adds_channel_axis

    try:
        traced = _traced(module, shape)
    except (TraceFailure, NotInitialised) as second:
        if isinstance(failure, TraceFailure) and failure.adds_axis:
            raise second from second.__cause__
        raise failure from failure.__cause__
    if not adds_channel_axis(traced[0], spatial):
        raise failure
    traced[0].channel_axis_added = True
    return traced


def _layout(module: Any) -> int:
    """How many spatial dimensions ``module`` reads — 1 where its convolutions are all 1-D
    (an audio or ECG ResNet), 3 where all are 3-D (a video ResNet), 0 where it has linear
    layers and no convolution (a ResNet for tabular data, or an MLP that flattens an image:
    it takes a vector or an image), else 2. Read from the classes of its modules (a walk
    over each module once, about a quarter of ``model.modules()``'s cost)."""
    kinds: set[type] = set()
    seen: set[int] = set()
    stack = [module]
    while stack:
        layer = stack.pop()
        if layer is None or id(layer) in seen:  # an empty slot; a module met before
            continue
        seen.add(id(layer))
        kinds.add(type(layer))
        if layer._modules:
            stack.extend(layer._modules.values())
    ranks = {_rank(kind) for kind in kinds} - {None}
    convolutions = ranks - {0}
    if not convolutions:
        return 0 if 0 in ranks else 2
    return convolutions.pop() if len(convolutions) == 1 else 2


def _first_width(module: Any, spatial: int) -> int | None:
    """What the model's first convolution (or, without one, its first linear layer) takes:
    channels or features, for the example in a message (``None`` if unknown)."""
    from .trace.nesting import named_modules  # no recursion: a model may nest 5,000 deep

    for _name, layer in named_modules(module)[0]:
        rank = _rank(type(layer))
        if rank == spatial:
            return (layer.in_features if rank == 0 else layer.in_channels) or None
    return None


@functools.cache
def _rank(kind: type) -> int | None:
    """The spatial dimensions a layer class convolves (1, 2, 3), 0 for a linear layer, None
    for any other class; read once per class."""
    from torch import nn

    for rank, kinds in ((1, (nn.Conv1d, nn.ConvTranspose1d)),
                        (2, (nn.Conv2d, nn.ConvTranspose2d)),
                        (3, (nn.Conv3d, nn.ConvTranspose3d)), (0, (nn.Linear,))):
        if issubclass(kind, kinds):
            return rank
    return None


def _not_a_model(model: Any) -> str:
    """What ``explain()`` was given instead of a model, and how to give one."""
    from torch import nn

    what = type(model).__name__
    if isinstance(model, type) and issubclass(model, nn.Module):
        return (f"explain() takes a built model, not the class {model.__name__}: "
                f"explain({model.__name__}(...))")
    exported = getattr(sys.modules.get("torch.export"), "ExportedProgram", None)
    if exported is not None and isinstance(model, exported):
        return ("explain() takes an nn.Module, not a torch.export ExportedProgram (a graph of "
                "aten ops, without the modules it was exported from): explain the nn.Module you "
                "gave torch.export.export")
    if callable(model):
        label = getattr(model, "__name__", "")
        label = label if label.isidentifier() else "build"
        return (f"explain() takes a built model, not a function: call it first, "
                f"explain({label}())")
    return f"explain() takes a model name, a spec or an nn.Module, not {what}"


def uncompiled(model: Any) -> Any:
    """The module that ``torch.compile(model)`` wrapped: its layers are the model's, under
    their own names (the wrapper adds ``_orig_mod.`` to each). The wrapper's class is looked
    up only where the compiler is loaded: no model can be compiled otherwise."""
    eval_frame = sys.modules.get("torch._dynamo.eval_frame")
    wrapper = getattr(eval_frame, "OptimizedModule", None)
    while wrapper is not None and isinstance(model, wrapper):
        model = model._orig_mod
    return model
