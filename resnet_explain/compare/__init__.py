"""Is my ResNet right? Compare a model with the ResNet it means to be.

``compare(arch, "resnet18")`` (or ``arch.compare("resnet18")``) aligns the two by structure
(:mod:`.align`), records each difference with its consequence in numbers and its lesson
(:mod:`.differences`, :mod:`.lessons`), and without a reference chooses the nearest zoo model
(:mod:`.reference`). The views are in :mod:`.views`.
"""

from __future__ import annotations

from .differences import WHAT, Difference
from .engine import SCHEMA_VERSION, Comparison, check_allow, compare, compare_specs
from .reference import Choice, nearest_reference

__all__ = ["SCHEMA_VERSION", "WHAT", "Choice", "Comparison", "Difference", "check_allow",
           "compare", "compare_specs", "nearest_reference"]
