"""Turn a model spec into an ``nn.Module``.

A spec is a zoo name, ``pkg.module:callable``, ``path/to/file.py:callable``, or a weights
file (``model.pth``) whose tensors are those of exactly one zoo model
(:mod:`resnet_explain.source.weightsfile`).

The callable is called with no arguments, unless the spec gives literal arguments:
``net.py:resnet_50(224)`` or ``mypkg.models:build(depth=50)``. It may also name an
``nn.Module`` instance directly. Nothing in the user's files is changed.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ModelNotFound, NotAModule, TraceFailure, UserError, user_location
from ..findings import Finding
from ..words import a_or_an
from .hfconfig import cached_folder, from_folder, is_hub_id, is_model_folder
from .weightsfile import WEIGHT_SUFFIXES, the_fit
from .weightsfile import read as read_weights


@dataclass
class Resolved:
    module: Any  # torch.nn.Module
    name: str
    default_input: tuple[int, ...] | None  # (C, H, W) of a zoo model
    zoo_name: str | None = None  # set for a zoo model: its paper figures can be shown
    notes: list[Finding] = field(default_factory=list)  # said under the summary


def resolve(spec: str, shortcut: str | None = None, num_classes: int | None = None,
            ) -> Resolved:
    """The model ``spec`` names. ``shortcut`` and ``num_classes`` build a zoo model with that
    shortcut option or that many outputs; any other spec is refused with them."""
    from .. import zoo

    if spec not in zoo.MODEL_NAMES and is_model_folder(Path(spec)):
        return _from_config(Path(spec), shortcut, num_classes)
    if spec not in zoo.MODEL_NAMES and _is_weights(spec):
        return _from_weights(spec, shortcut, num_classes)
    if ":" not in spec:
        if _is_file(spec) and Path(spec).is_file():
            with _on_path(_folders(spec)):
                namespace = _load(spec)
            raise ModelNotFound(f"{spec} is a file, not the callable that builds the model",
                                f"Write {spec}:callable. {_available(namespace)}")
        if spec in zoo.MODEL_NAMES:
            return _zoo(spec, shortcut, num_classes)[0]
        if Path(spec).is_dir():
            raise ModelNotFound(f"{spec} is a folder", _in_folder(Path(spec)))
        if is_hub_id(spec):  # microsoft/resnet-50, if the Hugging Face cache has it
            folder = cached_folder(spec)
            if folder is not None:
                return _from_config(folder, shortcut, num_classes, label=spec)
            raise ModelNotFound(
                f"no such file or folder: {spec}, nor a Hugging Face model of that name in "
                "the local cache", f"Download it first (huggingface-cli download {spec}): "
                "the tool downloads nothing. Or check the path")
        if _is_file(spec):
            raise ModelNotFound(f"no such file: {spec}",
                                "Check the path (relative to the current directory)")
        near = zoo.nearest(spec) or _with_colon(spec)
        hint = f"Did you mean {near!r}? " if near else ""
        raise ModelNotFound(
            f"unknown model {spec!r}",
            f"{hint}Run 'resnet-explain list' for the zoo, or give pkg.module:callable, "
            "path/to/file.py:callable or a weights file",
        )
    zoo_only(shortcut, num_classes, "a {what} applies to zoo models only",
             "Drop {option}, or name a zoo model such as resnet50")
    where, _, target = spec.rpartition(":")
    func_name, args, kwargs = _parse_call(target, spec)
    # The user's code is imported and run as ``python -m`` would: with the current folder on
    # the path (the console script does not put it there), and a file's own folder, so that
    # it imports its neighbours — also lazily, while the builder runs.
    with _on_path(_folders(where)):
        return _build(spec, where, func_name, args, kwargs)


def _in_folder(folder: Path) -> str:
    """What to give instead of a folder (a Hugging Face download, a training run's output):
    the weights files and Python files in it, by name."""
    files = sorted((path.suffix == ".py", path.name) for path in folder.iterdir()
                   if path.is_file() and path.name.lower().endswith((*WEIGHT_SUFFIXES, ".py")))
    named = ", ".join(str(folder / name) + (":callable" if code else "")
                      for code, name in files[:3])
    more = f" (or one of {len(files) - 3} more)" if len(files) > 3 else ""
    return (f"Give a file in it: {named}{more}" if files else
            "Give a weights file (.pth, .bin, .safetensors) or file.py:callable")


def _from_config(path: Path, shortcut: str | None, num_classes: int | None,
                 label: str | None = None) -> Resolved:
    """A Hugging Face model folder, built from its config
    (:mod:`resnet_explain.source.hfconfig`)."""
    zoo_only(shortcut, num_classes, "a {what} applies to zoo models only: the folder's "
             "config decides it", "Drop {option}")
    module, name, default, note = from_folder(path, label)
    return Resolved(module, name, default, notes=[note])


def _is_weights(spec: str) -> bool:
    """A file that is not Python (``model.pth``, ``ckpt/last.ckpt``), or a missing file named
    like weights (told apart here so that its message is "no such file")."""
    path = Path(spec)
    if path.is_file():
        return path.suffix != ".py"
    if path.is_dir() and spec.lower().endswith(WEIGHT_SUFFIXES):
        raise ModelNotFound(f"{spec} is a folder, not a weights file",
                            _in_folder(path))
    if spec.lower().endswith(WEIGHT_SUFFIXES):
        raise ModelNotFound(f"no such file: {spec}",
                            "Check the path (relative to the current directory)")
    return False


def _from_weights(spec: str, shortcut: str | None, num_classes: int | None) -> Resolved:
    """The zoo model whose tensors are the file's (:mod:`resnet_explain.source.weightsfile`)."""
    from .. import zoo

    zoo_only(shortcut, num_classes, "a weights file decides its {what} itself",
             "Drop {option}")
    weights = read_weights(spec)
    fit = the_fit(weights)
    # The shortcut option is said only where it is not the model's own.
    own = zoo.describe(fit.name).shortcut
    resolved, options = _zoo(fit.name, fit.shortcut if fit.shortcut != own else None,
                             fit.classes)
    note = Finding("built_from_weights", {
        "tensors": len(weights.shapes), "file": spec, "where": weights.where,
        "prefix": weights.prefix, "model": fit.name, "options": options})
    return replace(resolved, name=f"{spec} ({', '.join([fit.name, *options])})",
                   notes=[note])


def _zoo(name: str, shortcut: str | None, num_classes: int | None,
         ) -> tuple[Resolved, list[str]]:
    """The zoo model ``name`` built with the options given, labelled with them
    (``resnet56 (shortcut A, 100 classes)``), and those options in words. The paper's figures
    are set beside it only with its own class count: they are that network's."""
    from .. import zoo

    info = zoo.describe(name)
    if info.plain and shortcut is not None:
        residual = "resnet" + name[len("plain"):]
        raise UserError(f"{name} is a plain network: it has no shortcuts, so a shortcut "
                        "option does not apply",
                        f"Leave {{shortcut}} out, or explain {residual}: the same layers with "
                        "shortcuts")
    classes = info.num_classes if num_classes is None else num_classes
    options = [f"shortcut {shortcut}"] if shortcut else []
    if classes != info.num_classes:
        options.append(f"{classes} classes")
    model = zoo.build(name, shortcut=shortcut, num_classes=classes)
    label = f"{name} ({', '.join(options)})" if options else name
    return Resolved(model, label, info.input_size,
                    zoo_name=name if classes == info.num_classes else None), options


def _build(spec: str, where: str, func_name: str, args: tuple, kwargs: dict) -> Resolved:
    from torch import nn

    namespace = _load(where)
    if not hasattr(namespace, func_name):
        raise ModelNotFound(f"{where} has no attribute {func_name!r}",
                            _available(namespace))
    obj = getattr(namespace, func_name)
    if isinstance(obj, nn.Module):
        return Resolved(obj, spec, None)
    if not callable(obj):
        raise NotAModule(f"{spec} is {a_or_an(type(obj).__name__)}, not a callable",
                         "Point the spec at a function or class that returns an nn.Module")
    try:
        inspect.signature(obj).bind(*args, **kwargs)
    except TypeError as error:
        signature = _signature(obj)
        raise UserError(f"{func_name}{signature} cannot be called with these arguments "
                        f"({error})",
                        f"Give its arguments in the spec, e.g. '{where}:{func_name}(...)'"
                        ) from None
    except ValueError:
        pass  # no signature to check (a builtin); just call it
    try:
        model = obj(*args, **kwargs)
    except SystemExit as stop:
        raise _exited(f"the builder {where}:{func_name}", stop) from None
    except Exception as error:
        raise TraceFailure.from_exception(
            error, user_location(error), during=f"the builder {where}:{func_name}",
            fix="Fix the builder at that line, or give it other arguments in the spec") \
            from error
    if not isinstance(model, nn.Module):
        raise NotAModule(f"{spec} returned an object of type {type(model).__name__}, "
                         "not an nn.Module",
                         "The callable must build and return the model")
    return Resolved(model, spec, None)


def _available(namespace: Any) -> str:
    """The callables a module defines itself (not the ones it imported)."""
    from torch import nn

    own = sorted(
        name for name, value in vars(namespace).items()
        if not name.startswith("_") and callable(value)
        and (getattr(value, "__module__", None) == namespace.__name__
             or isinstance(value, nn.Module))  # a model built at import: net = Net()
    )
    if not own:
        return "It defines no public callable; check the spec"
    return f"Name one of the callables it defines: {', '.join(own[:10])}"


def zoo_only(shortcut: str | None, num_classes: int | None, problem: str, fix: str) -> None:
    """Refuse the options that build a zoo model (``shortcut``, ``num_classes``) where they
    were given for another model: ``problem`` names the option as ``{what}``, ``fix`` as
    ``{option}`` (said the API's or the CLI's way, :data:`errors.WORDS`)."""
    for given, option, what in ((shortcut, "{shortcut}", "shortcut option"),
                                (num_classes, "{classes}", "class count")):
        if given is not None:
            raise UserError(problem.format(what=what), fix.format(option=option))


def _signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


# ``torchvision.models.resnet50`` as Python spells the path: module, a dot, callable.
_DOTTED = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.([A-Za-z_]\w*(?:\(.*\))?)")


def _with_colon(spec: str) -> str | None:
    """A dotted Python path written as a spec: the module and its callable, a colon between
    them (``torchvision.models:resnet50``)."""
    match = _DOTTED.fullmatch(spec)
    return f"{match[1]}:{match[2]}" if match else None


def _is_file(where: str) -> bool:
    return where.endswith(".py") or "/" in where or "\\" in where


def _folders(where: str) -> list[str]:
    """What ``python -m`` / ``python file.py`` would put on the path: the current folder,
    and for a file, the file's own folder."""
    folders = [os.getcwd()]
    if _is_file(where) and Path(where).is_file():
        folders.insert(0, str(Path(where).resolve().parent))
    return folders


@contextlib.contextmanager
def _on_path(folders: list[str]) -> Iterator[None]:
    """Put ``folders`` first on ``sys.path`` (those not there yet) for the duration."""
    present = {os.path.abspath(entry or os.curdir) for entry in sys.path}
    added = [folder for folder in folders if folder not in present]
    sys.path[:0] = added
    try:
        yield
    finally:
        for folder in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)


def _load(where: str) -> Any:
    if _is_file(where):
        path = Path(where)
        if not path.is_file():
            raise ModelNotFound(f"no such file: {where}",
                                "Check the path (relative to the current directory)")
        return _import_file(path, where)
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError as error:
        if error.name and where.startswith(error.name):
            # The package that is missing (torchvision), not only the module asked for.
            missing = (f"no module named {where!r}" if error.name == where else
                       f"no module named {error.name!r} (to import {where!r})")
            raise ModelNotFound(missing, f"Check the spelling, or install {error.name!r} / run "
                                "from the folder that holds it") from None
        raise TraceFailure(*_import_problem(where, error)) from error
    except SystemExit as stop:
        raise _exited(f"importing {where}", stop) from None
    except Exception as error:
        raise TraceFailure(*_import_problem(where, error)) from error


def _exited(what: str, stop: SystemExit) -> UserError:
    """A module or builder that ends the program (``sys.exit(3)``, ``exit()``, argparse's
    exit on the tool's own arguments) while the tool imports or calls it."""
    return UserError(f"{what} ended the program (sys.exit({stop.code!r})) before a model was "
                     "built", "Put the script part of the file under `if __name__ == "
                     "\"__main__\":`, so that importing it only defines the model")


def _import_file(path: Path, where: str) -> Any:
    """Import a file as Python imports a module: registered in ``sys.modules`` before it
    runs (so ``sys.modules[__name__]``, dataclasses and pickling work), under a name no
    other module has (``_resnet_explain_file_<stem>_<hash of the path>``), without
    writing ``__pycache__`` next to the user's file."""
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    name = f"_resnet_explain_file_{_identifier(path.stem)}_{digest}"
    module_spec = importlib.util.spec_from_file_location(name, resolved)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    writes = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        module_spec.loader.exec_module(module)
    except SystemExit as stop:
        del sys.modules[name]
        raise _exited(f"importing {where}", stop) from None
    except Exception as error:
        del sys.modules[name]
        raise TraceFailure(*_import_problem(where, error)) from error
    finally:
        sys.dont_write_bytecode = writes
    return module


def _identifier(stem: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in stem)


def _import_problem(where: str, error: Exception) -> tuple[str, str]:
    context = user_location(error)
    at = f" (at {context['where']})" if context.get("where") else ""
    return (f"importing {where} raised {type(error).__name__}: {error}{at}",
            "Fix the error in that file")


def _parse_call(target: str, spec: str) -> tuple[str, tuple, dict]:
    """``build`` → no arguments; ``build(50, width=64)`` → literal arguments."""
    target = target.strip()
    if "(" not in target:
        if not target.isidentifier():
            raise ModelNotFound(f"{target!r} in {spec!r} is not a Python name",
                                "Write pkg.module:callable or path/to/file.py:callable")
        return target, (), {}
    try:
        call = ast.parse(target, mode="eval").body
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            raise ValueError
        args = tuple(ast.literal_eval(a) for a in call.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        raise ModelNotFound(f"cannot read the call {target!r} in {spec!r}",
                            "Only literal arguments are allowed, e.g. file.py:build(50)"
                            ) from None
    return call.func.id, args, kwargs
