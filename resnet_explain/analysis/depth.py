"""The depth formula as its terms: the stem, each stage's blocks × weighted layers, the
head."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from ..architecture import (
    Block,
    DepthFormula,
    Stage,
)


def depth_terms(depth: int, blocks: list[Block], stages: list[Stage], stem_group: Stage | None,
                head_group: Stage | None, transitions: Sequence[Stage] = ()) -> DepthFormula:
    """``34 = 1 + 2×(3+4+6+3) + 1``: stem + per-block depth × blocks per stage + head.

    Blocks of different depths are written stage by stage, a run of equal blocks as depth ×
    count: Res2Net-50's ``(3 + 5×2) + (3 + 5×3) + …`` (each stage's first block does not
    chain its 3×3 splits); blocks that sit in no stage make one group, block by block. A
    transition (``transitions``: groups named after the stage they start) is a term of its
    own before its stage: ``7 = 1 + (2) + 1 + (2) + 1``."""
    if not blocks:
        return DepthFormula(depth)
    stem = stem_group.weighted_on_path if stem_group is not None else 0
    head = head_group.weighted_on_path if head_group is not None else 0
    between = {group.name: group.weighted_on_path for group in transitions}
    total = stem + sum(b.main_weighted for b in blocks) + sum(between.values()) + head
    block_stages = [stage for stage in stages if stage.kind == "blocks"]
    terms = tuple(between.get(stage.name, 0) for stage in block_stages) \
        if any(between.values()) else ()
    if len({b.main_weighted for b in blocks}) == 1:
        per_block = blocks[0].main_weighted
        runs = tuple(((per_block, len(stage.blocks)),) for stage in block_stages)
        return DepthFormula(depth, stem, runs, head, total, terms)
    by_name = {block.name: block for block in blocks}
    groups = [[by_name[name].main_weighted for name in stage.blocks if name in by_name]
              for stage in block_stages]
    if sum(map(len, groups)) != len(blocks):
        groups = [[block.main_weighted for block in blocks]]
        runs = (tuple((d, 1) for d in groups[0]),)
        terms = (sum(between.values()),) if terms else ()  # one group: its transitions first
    else:
        kept = [number for number, depths in enumerate(groups) if depths]
        runs = tuple(tuple((d, len(list(run))) for d, run in groupby(groups[number]))
                     for number in kept)
        terms = tuple(terms[number] for number in kept) if terms else ()
    return DepthFormula(depth, stem, runs, head, total, terms)
