"""Findings: what the analysis has to say about a model, as records, not sentences.

A :class:`Finding` is one warning or note: its ``kind`` (from :data:`KINDS`), the layers and
blocks it concerns, and the ``facts`` it states (numbers, names, shapes). Its sentence is made
from those facts by the kind's function in :mod:`resnet_explain.sentences`, never stored
beside them, so a sentence cannot contradict its numbers, the views can attach a warning to
its layer's row, and a second language needs a second table of sentences, not a second
analysis.

This module imports nothing from torch and no view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._compat import StrEnum


class Severity(StrEnum):
    """A ``warning`` is a problem in the model (a size the formula does not give, a bias
    BatchNorm cancels); a ``note`` is a remark on how to read the numbers (the paper's
    figures beside the computed ones, why the name's depth differs)."""

    WARNING = "warning"
    NOTE = "note"


#: Every kind of finding, with its severity. A new kind needs a sentence in every language
#: table (tests/test_findings.py checks that each kind has one).
KINDS: dict[str, Severity] = {
    # The trace disagrees with the output-size formula.
    "size_formula": Severity.WARNING,
    # Mistakes real implementations make (resnet_explain/checks.py).
    "bias_before_batchnorm": Severity.WARNING,
    "batchnorm_reused": Severity.WARNING,
    "activation_on_shortcut": Severity.WARNING,
    "inexact_downsampling": Severity.WARNING,
    "unpooled_head": Severity.WARNING,
    "no_output": Severity.WARNING,
    "stray_parameters": Severity.WARNING,
    # Remarks on the numbers.
    "tied_weights": Severity.NOTE,
    "depth_name": Severity.NOTE,
    "paper_flops": Severity.NOTE,
    "v1_5_cost": Severity.NOTE,
    "paper_cifar_params": Severity.NOTE,
    "nearest_reference": Severity.NOTE,
    # How the model was read and built.
    "channel_axis_added": Severity.NOTE,
    "printed_while_traced": Severity.NOTE,
    "lazy_modules": Severity.NOTE,
    "built_from_weights": Severity.NOTE,
    "built_from_config": Severity.NOTE,
}


@dataclass(frozen=True)
class Finding:
    """One warning or note. ``layers`` and ``blocks`` are module names (``layer1.0.conv1``,
    ``layer1.0``) as the tables print them; ``facts`` holds every value the sentence states,
    under names the kind's sentence function reads."""

    kind: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    layers: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}; kinds are {', '.join(KINDS)}")

    @property
    def severity(self) -> Severity:
        return KINDS[self.kind]

    @property
    def text(self) -> str:
        """The finding in one English sentence, made from its facts."""
        from .sentences import say

        return say(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: kind, severity, layers, blocks, facts and the sentence."""
        return {"kind": self.kind, "severity": str(self.severity), "layers": list(self.layers),
                "blocks": list(self.blocks), "facts": _plain(self.facts), "text": self.text}

    def __str__(self) -> str:
        return self.text


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists and mappings as dicts: what JSON holds."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
