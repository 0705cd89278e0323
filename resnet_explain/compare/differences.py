"""One difference between a model and its reference: a record of numbers, and the two
sentences (its consequence, the lesson) made from them.

Conventions
-----------
* ``yours`` and ``reference`` are the two values (a kernel ``"3×3"``, a stride ``2``, a
  shortcut kind ``"projection"``, a block count ``1``); ``None`` where one side has nothing.
* ``params_delta`` and ``macs_delta`` are *yours minus the reference's*, per image, for the
  layers or blocks the record concerns (summed over its ``places``).
* ``map_yours``/``map_reference`` are the spatial sizes the record itself changes (the inputs
  agree, the outputs differ); ``map_until`` names where the two maps agree again (``None``:
  they differ from there to the head).
* A record holds every place where the same difference (same ``what``, same two values)
  occurs: ``where`` and ``paper_name`` are the first, ``places`` all of them.
* ``follows`` holds the differences that only follow from this one (a projection that a
  wrong stride made necessary, an fc width that a missing global pool made necessary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..choices import DIFFERENCES
from ..words import count
from . import lessons

#: What can differ, the fixed vocabulary of ``Difference.what`` (and of ``--allow``).
WHAT: tuple[str, ...] = DIFFERENCES


@dataclass
class Difference:
    """One way in which a model differs from its reference (see the module's conventions)."""

    what: str
    where: str
    paper_name: str
    yours: Any
    reference: Any
    #: What the values describe where ``what`` alone does not say it: "the shortcut's
    #: projection kernel", "the ReLU after the stem's BatchNorm", "stride position".
    detail: str = ""
    #: The key of the lesson (:mod:`.lessons`) and the numbers it is made from.
    lesson: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    params_delta: int = 0
    macs_delta: int = 0
    map_yours: str | None = None
    map_reference: str | None = None
    map_until: str | None = None
    places: list[tuple[str, str]] = field(default_factory=list)
    follows: list[Difference] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.what not in WHAT:  # a bug of ours, never the user's
            raise ValueError(f"unknown difference {self.what!r}; known: {', '.join(WHAT)}")
        if not self.places:
            self.places = [(self.where, self.paper_name)]

    @property
    def key(self) -> tuple:
        """Equal keys are the same difference in other places (merged into one record); a
        stage's count of blocks is its own."""
        stage = self.paper_name if self.what == "blocks" else ""
        return (self.what, self.detail, self.lesson, repr(self.yours), repr(self.reference),
                stage)

    @property
    def place_names(self) -> str:
        """``conv3_1`` or ``conv3_1, conv4_1 and conv5_1`` (the paper's names, each once)."""
        names = list(dict.fromkeys(paper or where for where, paper in self.places))
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def title(self) -> str:
        """``padding of maxpool (conv2_x): 0, the reference 1``."""
        what = self.what.replace("_", " ")
        subject = f"{what} ({self.detail})" if self.detail else what
        where = self.where if len(self.places) == 1 else \
            f"{self.where} and {count(len(self.places) - 1, 'more place')}"
        return f"{subject} at {where} ({self.place_names}): {_value(self.yours)}, " \
               f"the reference {_value(self.reference)}"

    @property
    def consequence(self) -> str:
        """What the difference changes, in numbers (made from the record's numbers)."""
        parts = []
        if self.params_delta:
            parts.append(f"{_signed(self.params_delta)} parameters")
        if self.macs_delta:
            parts.append(f"{_signed(self.macs_delta)} multiply-adds per image")
        if self.map_yours is not None and self.map_reference is not None:
            until = f" until {self.map_until}, where the maps agree again" \
                if self.map_until else " from here to the head"
            parts.append(f"{self.map_yours} instead of {self.map_reference}{until}")
        if len(self.places) > 1:
            parts.append(f"in {count(len(self.places), 'place')}")
        return "; ".join(parts) if parts else "no change in parameters, multiply-adds or maps"

    @property
    def why(self) -> str:
        """The lesson in one sentence: why the reference does it its way."""
        return lessons.lesson(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record (see the README's contract)."""
        return {
            "what": self.what, "where": self.where, "paper_name": self.paper_name,
            "detail": self.detail, "yours": self.yours, "reference": self.reference,
            "places": [{"where": w, "paper_name": p} for w, p in self.places],
            "params_delta": self.params_delta, "macs_delta": self.macs_delta,
            "map": None if self.map_yours is None else
            {"yours": self.map_yours, "reference": self.map_reference,
             "agree_again_at": self.map_until},
            "consequence": self.consequence, "why": self.why,
            "follows": [d.to_dict() for d in self.follows],
        }


def _signed(value: int) -> str:
    return f"{value:+,}".replace("-", "−")


def _value(value: Any) -> str:
    return "none" if value is None else str(value)
