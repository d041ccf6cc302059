"""Map templates. ``software-delivery`` builds the stages and bindings of DESIGN §4."""

from __future__ import annotations

from collections.abc import Callable

from .durations import CALENDAR_DAY_S
from .model import (
    Estimates,
    Flow,
    FlowKind,
    MapSettings,
    Segment,
    SegmentKind,
    Stage,
    ValueStreamMap,
)

W, A = SegmentKind.WAIT, SegmentKind.ACTIVE

#: stage name → its default segments (DESIGN §4)
SOFTWARE_DELIVERY_BINDINGS: dict[str, list[Segment]] = {
    "Coding": [Segment("first_commit", "pr_opened", A)],
    "Review": [Segment("pr_opened", "first_review", W), Segment("first_review", "approved", A)],
    "Merge": [Segment("approved", "merged", W)],
    "CI": [Segment("ci_queued", "ci_started", W), Segment("ci_started", "ci_finished", A)],
    "Release": [Segment("merged", "deploy_started", W),
                Segment("deploy_started", "deployed", A)],
}

H = 3600.0


def software_delivery(name: str = "Current state") -> ValueStreamMap:
    """Coding → Review → Merge → CI → Release, with typical workshop estimates."""
    m = ValueStreamMap(name, settings=MapSettings(demand_per_day=None,
                                                  available_time_per_day_s=None,
                                                  day_length_s=CALENDAR_DAY_S))
    estimates = {
        "Coding": Estimates(process_time_s=6 * H, wait_time_s=4 * H, pca=0.9),
        "Review": Estimates(process_time_s=1 * H, wait_time_s=8 * H, pca=0.8),
        "Merge": Estimates(process_time_s=0.25 * H, wait_time_s=2 * H, pca=0.95),
        "CI": Estimates(process_time_s=0.5 * H, wait_time_s=0.25 * H, pca=0.85),
        "Release": Estimates(process_time_s=0.5 * H, wait_time_s=48 * H, pca=0.97),
    }
    prev: Stage | None = None
    for i, (stage_name, segs) in enumerate(SOFTWARE_DELIVERY_BINDINGS.items()):
        st = Stage(stage_name, estimates=estimates[stage_name], segments=list(segs),
                   x=i * 240.0, y=0.0, people=None)
        m.add_stage(st)
        if prev is not None:
            m.add_flow(Flow(prev.id, st.id, FlowKind.PUSH))
        prev = st
    return m


TEMPLATES: dict[str, Callable[[], ValueStreamMap]] = {
    "software-delivery": software_delivery,
}
