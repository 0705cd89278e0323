"""The teaching views' subcommands — ``table1`` (and the plot and report commands) —
registered on the main parser by :func:`add_view_commands`.

Importing this module imports neither torch nor matplotlib: each command imports what it
needs when it runs, and writes through the CLI's one writer (:func:`cli.write_output`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .errors import UserError

TABLE1_FORMATS = ("text", "markdown", "html", "latex", "json")
TABLE1_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html",
                   ".htm": "html", ".tex": "latex", ".json": "json", ".txt": "text"}

TABLE1_DESCRIPTION = """\
Print Table 1 of He et al. 2015 rebuilt from traces: one column per model, the paper's
bracket notation for each stage, the output sizes, and the FLOPs (multiply-adds) beside the
paper's figures. Without models: the paper's five ImageNet networks in its own layout
(resnet18, resnet34, resnet50-v1, resnet101-v1, resnet152-v1); --cifar: its CIFAR-10 nets.

examples:
  resnet-explain table1
  resnet-explain table1 resnet50 resnet50-v1 mypkg.models:build
  resnet-explain table1 --cifar --format markdown
  resnet-explain table1 -o table1.tex          (booktabs LaTeX, from the suffix)
"""


def add_view_commands(commands: argparse._SubParsersAction,
                      add_model_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``table1`` to ``commands``; each sets ``run`` to the function that executes it."""
    table1 = commands.add_parser(
        "table1", help="the paper's Table 1 rebuilt from traces, one column per model",
        description=TABLE1_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    table1.add_argument("models", nargs="*", metavar="SPEC",
                        help="zoo names or specs (default: the paper's five networks)")
    table1.add_argument("--cifar", action="store_true",
                        help="the CIFAR-10 nets of section 4.2 (resnet20 … resnet1202)")
    table1.add_argument("--input", "-i", metavar="SIZE", default=None,
                        help="input size for every model, e.g. 3x224x224 (default: each "
                             "model's own)")
    table1.add_argument("--format", "-f", choices=TABLE1_FORMATS, default=None,
                        help="text, markdown, html, latex or json (default: from the suffix "
                             "of --output, else text)")
    table1.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="write to FILE (.tex, .md, .html, .json or .txt picks the format)")
    table1.set_defaults(run=_table1)


def _table1(args: argparse.Namespace) -> None:
    from .cli import model_sources, write_output
    from .paper import table1

    if args.cifar and args.models:
        raise UserError("--cifar chooses the models itself",
                        "Name the models or give --cifar, not both")
    format = args.format
    if format is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        format = TABLE1_SUFFIXES.get(suffix, "text")
    table = table1(args.models or None, cifar=args.cifar, input_size=args.input)
    protected = [path for spec in args.models for path in model_sources(spec)]
    write_output(table.render(format), args.output, protected=protected)
