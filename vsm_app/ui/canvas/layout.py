"""Left-to-right auto-layout from the map's graph (networkx), free of Qt.

Stages are placed in columns by their longest distance from a start stage along push/pull
flows (rework flows ignored); loops are collapsed first so any map gets a layout. Within a
column stages are ordered by the mean row of their predecessors, which keeps a straight
main line straight and branches beside it.
"""

from __future__ import annotations

import networkx as nx

from ...domain.model import ValueStreamMap

COLUMN_STEP = 240.0
ROW_STEP = 260.0


def auto_layout(vsm_map: ValueStreamMap, origin: tuple[float, float] | None = None,
                column_step: float = COLUMN_STEP,
                row_step: float = ROW_STEP) -> dict[str, tuple[float, float]]:
    """New top-left positions of every stage: stage id → (x, y)."""
    stages = vsm_map.stages
    if not stages:
        return {}
    if origin is None:
        origin = (min(s.x for s in stages), min(s.y for s in stages))
    order = {s.id: i for i, s in enumerate(stages)}
    g = vsm_map.graph(include_rework=False)
    cond = nx.condensation(g)
    members: dict[int, list[str]] = {
        n: sorted(cond.nodes[n]["members"], key=order.__getitem__) for n in cond.nodes}
    column: dict[int, int] = {}
    for n in nx.topological_sort(cond):
        preds = list(cond.predecessors(n))
        column[n] = 1 + max(column[p] for p in preds) if preds else 0
    by_column: dict[int, list[str]] = {}
    for n in sorted(cond.nodes, key=lambda n: min(order[m] for m in members[n])):
        by_column.setdefault(column[n], []).extend(members[n])
    rows: dict[str, float] = {}
    out: dict[str, tuple[float, float]] = {}
    x0, y0 = origin
    for col in sorted(by_column):
        ids = by_column[col]

        def key(sid: str) -> tuple[float, int]:
            preds = [rows[p] for p in g.predecessors(sid) if p in rows]
            return (sum(preds) / len(preds) if preds else float("inf"), order[sid])

        ids.sort(key=key)
        used: set[int] = set()
        for sid in ids:
            want = key(sid)[0]
            row = 0 if want == float("inf") else round(want)
            while row in used:
                row += 1
            used.add(row)
            rows[sid] = float(row)
            out[sid] = (x0 + col * column_step, y0 + row * row_step)
    return out
