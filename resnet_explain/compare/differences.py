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
from ..i18n import N_, _, join, translated
from ..words import count
from . import lessons

#: What can differ, the fixed vocabulary of ``Difference.what`` (and of ``--allow``).
WHAT: tuple[str, ...] = DIFFERENCES

#: The kinds of difference, marked for the catalog: the views name them in the current
#: language (English shows the vocabulary's own word; the data and ``--allow`` keep it).
WHAT_WORDS = (
    N_("blocks"), N_("missing_layer"), N_("extra_layer"), N_("kernel"), N_("stride"),
    N_("padding"), N_("dilation"), N_("groups"), N_("channels"), N_("bias"), N_("norm"),
    N_("activation"), N_("shortcut"), N_("pooling"), N_("head"), N_("input_channels"),
    N_("classes"),
)

#: What a record's ``detail`` and its values say, as the views show them (the record keeps
#: the English words; JSON shows them as they are).
SHOWN_WORDS = (
    N_("pool"), N_("fc in_features"), N_("fc out_features"), N_("the block's stride"),
    N_("stride position"), N_("kind"), N_("projection kernel"), N_("projection stride"),
    N_("max or average"), N_("after the stem's BatchNorm"), N_("on the shortcut"),
    N_("before the add"), N_("after the add"), N_("in the stem"), N_("in the main"),
    N_("in the head"), N_("max"), N_("avg"), N_("identity"), N_("projection"), N_("padded"),
)


def what_word(what: str) -> str:
    """A kind of difference as the views name it, in the current language (English: the
    vocabulary's word, ``missing_layer``)."""
    return translated(what)


def shown(value: Any) -> str:
    """A record's value (or detail) as the views show it: ``none`` for a side that has
    nothing, a word of :data:`SHOWN_WORDS` in the current language, anything else as it is."""
    if value is None:
        return _("none")
    return translated(value) if isinstance(value, str) and value else str(value)


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
        return join(names)

    @property
    def title(self) -> str:
        """``padding of maxpool (conv2_x): 0, the reference 1``."""
        return _("{subject} at {where} ({places}): {yours}, the reference {reference}",
                 subject=self.subject, where=self.where_words, places=self.place_names,
                 yours=shown(self.yours), reference=shown(self.reference))

    @property
    def subject(self) -> str:
        """``norm (after the add)``: the kind of difference and its detail, in words."""
        what = what_word(self.what).replace("_", " ")
        return _("{what} ({detail})", what=what, detail=shown(self.detail)) if self.detail \
            else what

    @property
    def where_words(self) -> str:
        """``layer1.0.conv1`` or ``layer1.0.conv1 and 15 more places``."""
        if len(self.places) == 1:
            return self.where
        return _("{where} and {more}", where=self.where,
                 more=count(len(self.places) - 1, "more place"))

    @property
    def consequence(self) -> str:
        """What the difference changes, in numbers (made from the record's numbers)."""
        parts = []
        if self.params_delta:
            parts.append(_("{delta} parameters", delta=_signed(self.params_delta)))
        if self.macs_delta:
            parts.append(_("{delta} multiply-adds per image", delta=_signed(self.macs_delta)))
        if self.map_yours is not None and self.map_reference is not None:
            if self.map_until:
                parts.append(_("{yours} instead of {reference} until {place}, where the maps "
                               "agree again", yours=self.map_yours,
                               reference=self.map_reference, place=self.map_until))
            else:
                parts.append(_("{yours} instead of {reference} from here to the head",
                               yours=self.map_yours, reference=self.map_reference))
        if len(self.places) > 1:
            parts.append(_("in {places}", places=count(len(self.places), "place")))
        return _("; ").join(parts) if parts else \
            _("no change in parameters, multiply-adds or maps")

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
