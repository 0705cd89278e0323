"""``resnet-explain``'s parser, and the ``summary``, ``diagram`` and ``list`` commands.

Starting it must be fast: this module imports neither torch, the tracer nor graphviz at
import time; each command imports what it needs when it runs. ``--help`` and ``list`` never
import torch.

Every mistake the user can make ends in one line ``error: <problem>. <fix>`` and exit status 2.

What a command writes, and where, is :mod:`.output`'s.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..choices import DEPTHS
from ..choices import TABLE_FORMATS as FORMATS
from ..diagram import LEVELS
from ..diagram.style import FITS, RANKDIRS  # imports nothing
from ..errors import UserError
from ..i18n import ENV, LANGUAGES, check_language, language, speaking  # imports only gettext
from ..notation import typed
from .arguments import add_model_arguments, add_width_argument, settle_imports
from .compare import add_compare_commands
from .output import TEXT_SUFFIXES, model_sources, prints_to_stderr, refuse_sources, write_output
from .views import add_view_commands

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


def _add_summary_command(commands: argparse._SubParsersAction) -> None:
    summary = commands.add_parser(
        "summary", help="trace a model and print its layer table, totals and depth formula",
        description="Trace a model and print its layer table, totals and depth formula.",
    )
    add_model_arguments(summary)
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
    add_model_arguments(parser)
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
    add_view_commands(commands)
    add_compare_commands(commands)
    # Every command takes --lang, before or after its name (the latter does not overwrite
    # the former with a default).
    parser.add_argument("--lang", metavar="LANG", default=None, help=LANG_HELP)
    for command in commands.choices.values():
        command.add_argument("--lang", metavar="LANG", default=argparse.SUPPRESS,
                             help=LANG_HELP)
    return parser


LANG_HELP = (f"the language of the output: {', '.join(LANGUAGES)} (default: "
             f"${ENV}, else en)")


# --- the commands -----------------------------------------------------------------------
def _list() -> str:
    from ..zoo.registry import MODEL_NAMES, describe

    width = max(len(name) for name in MODEL_NAMES)
    lines = []
    for name in MODEL_NAMES:
        info = describe(name)
        size = typed(info.input_size)
        lines.append(f"{name:<{width}}  {size:<9}  {info.description}")
    return "\n".join(lines)


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


def _summary(args: argparse.Namespace) -> None:
    if args.output is not None:  # the model's own file is the first thing to protect
        refuse_sources(args.output, model_sources(args.spec))
    format = summary_format(args.format, args.output)  # a wrong suffix fails before tracing
    settle_imports(args.as_program)
    from ..api import explain

    with prints_to_stderr():
        arch = explain(args.spec, args.input, shortcut=args.shortcut,
                       num_classes=args.num_classes)
    from ..render.width import output_width

    text = arch.table(format=format, depth=args.depth,
                      width=output_width(args.width, args.output))
    write_output(text, args.output, protected=model_sources(args.spec))


def _diagram(args: argparse.Namespace) -> None:
    """Trace, draw, and print the DOT source or write the file ``args.output`` names."""
    settle_imports(args.as_program)
    from ..diagram import output as render

    format = None
    if args.output is not None:  # fail before tracing: unknown suffix, nothing to render with
        format = render.format_for(args.output)
        if format != "dot" and render.available_renderer(format) is None:
            raise render.no_renderer(f"no Graphviz renderer is available to draw {args.output}",
                                     format)

    from ..api import explain
    from ..diagram import diagram

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
        from .. import __version__

        print(f"resnet-explain {__version__}")
        return 0
    try:
        lang = check_language(args.lang) if args.lang is not None else None
        with speaking(lang):
            language()  # a bad $RESNET_EXPLAIN_LANG is told before any work
            return _run(parser, args)
    except UserError as error:
        print(f"error: {error.message(cli=True)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the command ``args`` names (in the language :func:`main` chose)."""
    try:
        if args.command == "list":
            write_output(_list(), None)
        elif args.command == "summary":
            _summary(args)
        elif args.command == "diagram":
            _diagram(args)
        elif hasattr(args, "run"):  # table1, plot, report, exercises (views.py); compare, check
            code = args.run(args)
            if code:  # check: 1 when the model differs from its reference
                return code
        else:
            parser.print_help()
            return 2
    except UserError as error:
        # Said in the language chosen, while it is still in force.
        print(f"error: {error.message(cli=True)}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
