"""``resnet-explain``: the command line — every subcommand, and the one writer they share.

Starting it must be fast: this module imports neither torch, the tracer nor graphviz at
import time; each command imports what it needs when it runs. ``--help`` and ``list`` never
import torch.

Every mistake the user can make ends in one line ``error: <problem>. <fix>`` and exit status 2.

Output (:func:`write_output`, used by every subcommand):

* without ``-o`` the result goes to standard output (text, or a diagram's DOT source);
* with ``-o FILE`` the format comes from the suffix (``.json``, ``.md``, ``.html``, ``.csv``,
  ``.txt`` for ``summary``; ``.svg``, ``.png``, ``.pdf``, ``.dot`` for ``diagram``) unless
  ``--format`` says otherwise;
* the file is written atomically (a temporary file beside it, then :func:`os.replace`), so an
  interrupted run never leaves half a file, and nothing is written when anything failed;
* it never overwrites the file the model came from (``net.py`` in ``net.py:Net``, or the
  module of ``pkg.module:build``): that is refused with a one-line error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from .comparecli import add_compare_commands
from .diagram import LEVELS
from .diagram.style import FITS, RANKDIRS  # imports nothing
from .errors import UserError
from .files import write_atomically
from .viewcli import add_view_commands

FORMATS = ("text", "markdown", "html", "json", "csv")
DEPTHS = ("stage", "block", "layer")

#: ``summary -o FILE``: the format a suffix names (any other suffix: text).
SUMMARY_SUFFIXES = {".json": "json", ".md": "markdown", ".markdown": "markdown",
                    ".html": "html", ".htm": "html", ".csv": "csv", ".txt": "text"}

DIAGRAM_DESCRIPTION = """\
Draw a traced model with Graphviz. Without -o the DOT source goes to standard output;
with -o the suffix picks the format (.svg, .png, .pdf, .dot). Rendering uses graphviz-pure
(installed with resnet-explain), else pygraphviz, else a system 'dot'; PDF needs one of the
last two.

examples:
  resnet-explain diagram resnet50 -o resnet50.svg
  resnet-explain diagram resnet50 --level layer -o layers.svg      (identical blocks "× n")
  resnet-explain diagram resnet50 --block conv3_1 -o conv3_1.svg   (or --block layer2.0)
  resnet-explain diagram resnet50-v1 --compare resnet50 --block conv3_1 -o v1_vs_v15.svg
"""


# --- arguments --------------------------------------------------------------------------
def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec",
        help="a zoo name (resnet50, see 'list'), pkg.module:callable, path/to/file.py:callable, "
             "a weights file of a zoo model (model.pth), or a Hugging Face model folder or "
             "Hub id already in the local cache (microsoft/resnet-50; needs transformers or "
             "timm)",
    )
    parser.add_argument(
        "--input", "-i", metavar="SIZE", default=None,
        help="input size C×H×W or N×C×H×W, e.g. 3x224x224 (default: the zoo model's own, "
             "else 3x224x224); C×L for a model of Conv1d layers, C×D×H×W for Conv3d, F for "
             "one without convolutions; N×L where the forward adds the channel axis itself",
    )
    parser.add_argument(
        "--shortcut", choices=("A", "B", "C"), default=None,
        help="zoo models only: A zero-padded identity, B projection where shapes change "
             "(ImageNet default), C projection on every block",
    )
    parser.add_argument(
        "--classes", metavar="N", type=_class_count, default=None, dest="num_classes",
        help="zoo models only: the fc's outputs, e.g. 100 for CIFAR-100 (default: 1000 for "
             "ImageNet, 10 for CIFAR)",
    )


#: ``--width``'s help, the same on every command that prints a text table.
WIDTH_HELP = ("lay the text out in N columns (at least 40): columns fold under their row, "
              "notes wrap (default: the terminal's width, else $COLUMNS, else no limit; "
              "a file named by -o only with --width)")


def add_width_argument(parser: argparse.ArgumentParser) -> None:
    """``--width N`` (see :func:`resnet_explain.render.width.output_width`)."""
    parser.add_argument("--width", metavar="N", type=_columns, default=None,
                        help=WIDTH_HELP)


def _columns(text: str) -> int:
    from .render.width import parse_width  # only when --width is given: --help stays light

    try:
        return parse_width(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _class_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _add_summary_command(commands: argparse._SubParsersAction) -> None:
    summary = commands.add_parser(
        "summary", help="trace a model and print its layer table, totals and depth formula",
        description="Trace a model and print its layer table, totals and depth formula.",
    )
    _add_model_arguments(summary)
    summary.add_argument("--format", "-f", choices=FORMATS, default=None,
                         help="text, markdown, html, json or csv (default: from the suffix "
                              "of --output, else text)")
    summary.add_argument("--depth", "-d", choices=DEPTHS, default="layer",
                         help="rows per stage, per block or per layer (default: layer)")
    summary.add_argument("--output", "-o", metavar="FILE", default=None,
                         help="write to FILE instead of standard output (.json, .md, .html, "
                              ".csv or .txt picks the format)")
    add_width_argument(summary)


def _add_diagram_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "diagram", help="draw a model's stages, blocks or layers, or one block (Graphviz)",
        description=DIAGRAM_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model_arguments(parser)
    parser.add_argument("--level", "-l", choices=LEVELS, default="stage",
                        help="one node per stage, per block or per layer (default: stage)")
    parser.add_argument("--block", "-b", metavar="NAME", default=None,
                        help="draw this one residual block instead: a module name (layer3.0) "
                             "or the paper's name (conv4_1)")
    parser.add_argument("--compare", metavar="OTHER", default=None,
                        help="a second model spec, drawn beside the first")
    parser.add_argument("--compare-shortcut", choices=("A", "B", "C"), default=None,
                        help="shortcut option of the --compare zoo model")
    parser.add_argument("--collapse", action=argparse.BooleanOptionalAction, default=None,
                        help="fold runs of identical consecutive blocks into one '× n' node "
                             "(default: on at layer level, off at block level)")
    parser.add_argument("--no-names", dest="names", action="store_false",
                        help="leave module names out of the layer labels")
    parser.add_argument("--rankdir", choices=RANKDIRS, default="TB",
                        help="lay the data flow out top to bottom (TB, default) or left to "
                             "right (LR)")
    parser.add_argument("--columns", action="store_true",
                        help="block level: one column per stage, side by side (for slides)")
    parser.add_argument("--fit", choices=FITS, default="notebook",
                        help="scale a larger drawing down to a 1000-px notebook width "
                             "(default), a 1280x720 slide, or not at all (none)")
    parser.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="write FILE (.svg, .png, .pdf or .dot) instead of printing DOT")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resnet-explain",
        description="Trace a ResNet, check every shape against the output-size formula, "
                    "count its depth the way the paper does, and show it as tables or diagrams.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("list", help="list the reference zoo")
    _add_summary_command(commands)
    _add_diagram_command(commands)
    add_view_commands(commands, _add_model_arguments)
    add_compare_commands(commands, _add_model_arguments)
    return parser


# --- the one writer ---------------------------------------------------------------------
def model_sources(spec: str) -> list[Path]:
    """The files a spec's model came from: ``net.py`` of ``net.py:Net``, the module file of
    ``pkg.module:build`` (once it has been imported), a weights file itself. A zoo name has
    none."""
    if ":" not in spec:
        return [Path(spec)] if Path(spec).is_file() else []
    where = spec.rpartition(":")[0]
    if where.endswith(".py"):
        return [Path(where)]
    module = sys.modules.get(where)
    source = getattr(module, "__file__", None)
    return [Path(source)] if source else []


def refuse_sources(output: str, protected: Sequence[Path]) -> None:
    """A UserError when ``output`` is one of the ``protected`` files (the model's source)."""
    for source in protected:
        if _same_file(Path(output), source):
            raise UserError(f"refusing to overwrite {output}: it is the model's own source file",
                            "Choose another file for --output")


def loaded_from(target: Path) -> str | None:
    """The name of a module this process loaded from ``target`` (its ``.py`` source or its
    compiled file), or ``None``: a model's import may load a file beside it (``blocks.py``)
    that ``-o blocks.py`` must not replace. Only modules whose file has the target's name are
    compared, so this costs a few ``stat`` calls, not one per module."""
    name = target.name
    if not name or not target.exists():
        return None
    for module_name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None)
        if isinstance(source, str) and os.path.basename(source) == name \
                and _same_file(target, Path(source)):
            return module_name
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_output(data: str | bytes, output: str | None, *,
                 protected: Sequence[Path] = ()) -> None:
    """Write a command's result: to standard output, or atomically to ``output``.

    Text gets a final newline. ``protected`` are files that must never be overwritten (the
    model's own source); naming one as ``output`` is a UserError and nothing is written.
    """
    if isinstance(data, str) and not data.endswith("\n"):
        data += "\n"
    if output is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    target = Path(output)
    refuse_sources(output, protected)
    module = loaded_from(target)
    if module is not None:  # a module the model's file imports (its blocks.py)
        raise UserError(f"refusing to overwrite {output}: it is the source of the module "
                        f"{module!r}, which this run imported", "Choose another file for --output")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        write_atomically(target, payload)
    except OSError as error:
        raise UserError(f"cannot write {output}: {error.strerror or error}",
                        "Choose a writable path for --output") from None


@contextlib.contextmanager
def prints_to_stderr() -> Iterator[None]:
    """Run the user's code (the spec's module, its builder, the model's forward) with what it
    prints sent to standard error: standard output is the command's result — a table, JSON,
    DOT, an image — which a pipe or ``> file`` must get whole. (A ``print(x.shape)`` in a
    forward would otherwise land in the middle of ``--format json``.)"""
    with contextlib.redirect_stdout(sys.stderr):
        yield


# --- the commands -----------------------------------------------------------------------
def _list() -> str:
    from .zoo.registry import MODEL_NAMES, describe

    width = max(len(name) for name in MODEL_NAMES)
    lines = []
    for name in MODEL_NAMES:
        info = describe(name)
        size = "x".join(map(str, info.input_size))
        lines.append(f"{name:<{width}}  {size:<9}  {info.description}")
    return "\n".join(lines)


#: Suffixes of a plain text file: ``summary -o`` writes the text table into them.
TEXT_SUFFIXES = ("", ".text", ".log", ".out")


def summary_format(format: str | None, output: str | None) -> str:
    """``--format`` when given, else the one the output file's suffix names, else text; a
    suffix of another kind of file (``.png``, ``.xlsx``) is refused, before any tracing."""
    if format is not None:
        return format
    if output is None:
        return "text"
    suffix = Path(output).suffix.lower()
    if suffix not in SUMMARY_SUFFIXES and suffix not in TEXT_SUFFIXES:
        picture = " (a picture of the model: resnet-explain diagram SPEC -o " \
            f"{output})" if suffix in (".svg", ".png", ".pdf", ".jpg", ".jpeg") else ""
        raise UserError(f"summary writes a table (text, Markdown, HTML, JSON or CSV), not a "
                        f"{suffix} file", "Name the file .txt, .md, .html, .json or .csv, or "
                        f"give --format{picture}")
    return SUMMARY_SUFFIXES.get(suffix, "text")


def _settle_imports(as_program: bool) -> None:
    """Import torch and, when this process is the command, take everything imported so far
    out of the cyclic collector's view.

    A command runs once and exits. The objects that ``import torch`` creates (hundreds of
    thousands) live until then anyway, but every full collection on the way — a model build
    and a trace allocate enough to trigger several — would walk all of them: about a quarter
    of a cold ``summary resnet152`` beyond ``import torch``. ``gc.freeze`` leaves the
    collector working on what the command itself creates. ``as_program``: ``main()`` read
    ``sys.argv``, so this process is the command; ``main(argv)`` called from Python (tests, a
    notebook) leaves the caller's collector alone.
    """
    import gc

    import torch  # noqa: F401  (what the freeze is for)

    if as_program:
        gc.freeze()


def _summary(args: argparse.Namespace) -> None:
    if args.output is not None:  # the model's own file is the first thing to protect
        refuse_sources(args.output, model_sources(args.spec))
    format = summary_format(args.format, args.output)  # a wrong suffix fails before tracing
    _settle_imports(args.as_program)
    from .api import explain

    with prints_to_stderr():
        arch = explain(args.spec, args.input, shortcut=args.shortcut,
                       num_classes=args.num_classes)
    from .render.width import output_width

    text = arch.table(format=format, depth=args.depth,
                      width=output_width(args.width, args.output))
    write_output(text, args.output, protected=model_sources(args.spec))


def _diagram(args: argparse.Namespace) -> None:
    """Trace, draw, and print the DOT source or write the file ``args.output`` names."""
    _settle_imports(args.as_program)
    from .diagram import render

    format = None
    if args.output is not None:  # fail before tracing: unknown suffix, nothing to render with
        format = render.format_for(args.output)
        if format != "dot" and render.available_renderer(format) is None:
            raise render.no_renderer(f"no Graphviz renderer is available to draw {args.output}",
                                     format)

    from .api import explain
    from .diagram import diagram

    with prints_to_stderr():
        arch = explain(args.spec, args.input, shortcut=args.shortcut,
                       num_classes=args.num_classes)
        other = None
        if args.compare is not None:
            other = explain(args.compare, args.input, shortcut=args.compare_shortcut)
    drawing = diagram(arch, args.level, block=args.block, compare=other, collapse=args.collapse,
                      names=args.names, rankdir=args.rankdir, columns=args.columns,
                      fit=args.fit)
    data: str | bytes = drawing.source
    if format not in (None, "dot"):
        data = render.render(drawing.source, format)
    protected = model_sources(args.spec)
    if args.compare is not None:
        protected += model_sources(args.compare)
    write_output(data, args.output, protected=protected)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.as_program = argv is None
    if args.version:
        from . import __version__

        print(f"resnet-explain {__version__}")
        return 0
    try:
        if args.command == "list":
            write_output(_list(), None)
        elif args.command == "summary":
            _summary(args)
        elif args.command == "diagram":
            _diagram(args)
        elif hasattr(args, "run"):  # table1, plot, report (viewcli.py); compare, check
            code = args.run(args)
            if code:  # check: 1 when the model differs from its reference
                return code
        else:
            parser.print_help()
            return 2
    except UserError as error:
        print(f"error: {error.message(cli=True)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
