"""``resnet-explain diagram``: draw a model (or one of its blocks) as DOT, SVG, PNG or PDF.

Importing this module is cheap: torch, graphviz and pygraphviz are imported when the command
runs, so ``resnet-explain --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from . import LEVELS
from .style import FITS, RANKDIRS  # imports nothing

DESCRIPTION = """\
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


def add_diagram_command(commands: Any,
                        add_model_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the ``diagram`` subcommand to ``commands`` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "diagram", help="draw a model's stages, blocks or layers, or one block (Graphviz)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
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
    parser.add_argument("--fit", choices=FITS, default="notebook",
                        help="scale a larger drawing down to a 1000-px notebook width "
                             "(default), a 1280x720 slide, or not at all (none)")
    parser.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="write FILE (.svg, .png, .pdf or .dot) instead of printing DOT")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Trace, draw, and print the DOT source or write the file ``args.output`` names."""
    from . import render

    if args.output is not None:  # fail before tracing: unknown suffix, nothing to render with
        format = render.format_for(args.output)
        if format != "dot" and render.available_renderer(format) is None:
            raise render.no_renderer(f"no Graphviz renderer is available to draw {args.output}",
                                     format)

    from ..api import explain
    from . import diagram

    arch = explain(args.spec, args.input, shortcut=args.shortcut)
    other = None
    if args.compare is not None:
        other = explain(args.compare, args.input, shortcut=args.compare_shortcut)
    drawing = diagram(arch, args.level, block=args.block, compare=other, collapse=args.collapse,
                      names=args.names, rankdir=args.rankdir, fit=args.fit)
    if args.output is None:
        sys.stdout.write(drawing.source)
        return
    render.write(drawing.source, args.output)
