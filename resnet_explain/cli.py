"""``resnet-explain``: the command line.

Starting it must be fast: this module imports neither torch nor the tracer at import time;
each command imports what it needs when it runs. ``--help`` and ``list`` never import torch.
Every mistake the user can make ends in one line ``error: <problem>. <fix>`` and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import UserError

FORMATS = ("text", "markdown", "html", "json", "csv")
DEPTHS = ("stage", "block", "layer")


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec",
        help="a zoo name (resnet50, see 'list'), pkg.module:callable or path/to/file.py:callable",
    )
    parser.add_argument(
        "--input", "-i", metavar="SIZE", default=None,
        help="input size C×H×W or N×C×H×W, e.g. 3x224x224 (default: the zoo model's own, "
             "else 3x224x224)",
    )
    parser.add_argument(
        "--shortcut", choices=("A", "B", "C"), default=None,
        help="zoo models only: A zero-padded identity, B projection where shapes change "
             "(ImageNet default), C projection on every block",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resnet-explain",
        description="Trace a ResNet, check every shape against the output-size formula, "
                    "count its depth the way the paper does, and show it as tables or diagrams.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("list", help="list the reference zoo")

    summary = commands.add_parser(
        "summary", help="trace a model and print its layer table, totals and depth formula",
        description="Trace a model and print its layer table, totals and depth formula.",
    )
    _add_model_arguments(summary)
    summary.add_argument("--format", "-f", choices=FORMATS, default="text")
    summary.add_argument("--depth", "-d", choices=DEPTHS, default="layer",
                         help="rows per stage, per block or per layer (default: layer)")
    summary.add_argument("--output", "-o", metavar="FILE", default=None,
                         help="write to FILE instead of standard output")

    try:
        from .diagram.cli import add_diagram_command
    except ImportError:  # pragma: no cover - the diagram package is optional while building
        pass
    else:
        add_diagram_command(commands, _add_model_arguments)
    return parser


def _list() -> str:
    from .zoo.registry import MODEL_NAMES, describe

    width = max(len(name) for name in MODEL_NAMES)
    lines = []
    for name in MODEL_NAMES:
        info = describe(name)
        size = "x".join(map(str, info.input_size))
        lines.append(f"{name:<{width}}  {size:<9}  {info.description}")
    return "\n".join(lines)


def _summary(args: argparse.Namespace) -> str:
    from .api import explain

    arch = explain(args.spec, args.input, shortcut=args.shortcut)
    return arch.table(format=args.format, depth=args.depth)


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
    except OSError as error:
        raise UserError(f"cannot write {output}: {error.strerror}",
                        "Choose a writable path for --output") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"resnet-explain {__version__}")
        return 0
    try:
        if args.command == "list":
            _write(_list(), None)
        elif args.command == "summary":
            _write(_summary(args), args.output)
        elif args.command == "diagram":
            args.run(args)
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
