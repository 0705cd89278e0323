"""The depth formula as its terms: the stem, each stage's blocks × weighted layers, the
head."""

from __future__ import annotations

from itertools import groupby

from ..architecture import (
    Block,
    DepthFormula,
    Stage,
)


def depth_terms(depth: int, blocks: list[Block], stages: list[Stage], stem_group: Stage | None,
                 head_group: Stage | None) -> DepthFormula:
    """``34 = 1 + 2×(3+4+6+3) + 1``: stem + per-block depth × blocks per stage + head.

    Blocks of different depths are written stage by stage, a run of equal blocks as depth ×
    count: Res2Net-50's ``(3 + 5×2) + (3 + 5×3) + …`` (each stage's first block does not
    chain its 3×3 splits); blocks that sit in no stage make one group, block by block."""
    if not blocks:
        return DepthFormula(depth)
    stem = stem_group.weighted_on_path if stem_group is not None else 0
    head = head_group.weighted_on_path if head_group is not None else 0
    total = stem + sum(b.main_weighted for b in blocks) + head
    block_stages = [stage for stage in stages if stage.kind == "blocks"]
    if len({b.main_weighted for b in blocks}) == 1:
        per_block = blocks[0].main_weighted
        runs = tuple(((per_block, len(stage.blocks)),) for stage in block_stages)
        return DepthFormula(depth, stem, runs, head, total)
    by_name = {block.name: block for block in blocks}
    groups = [[by_name[name].main_weighted for name in stage.blocks if name in by_name]
              for stage in block_stages]
    if sum(map(len, groups)) != len(blocks):
        groups = [[block.main_weighted for block in blocks]]
        runs = (tuple((d, 1) for d in groups[0]),)
    else:
        runs = tuple(tuple((d, len(list(run))) for d, run in groupby(depths))
                     for depths in filter(None, groups))
    return DepthFormula(depth, stem, runs, head, total)
