"""Map templates. ``software-delivery`` builds the stages and bindings of DESIGN §4; the
others (trunk-based, PR-based with release trains, regulated with a change approval board)
bind their stages to the same DESIGN §3 events."""

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


#: trunk-based development: short-lived branches land on trunk without a review stage
TRUNK_BASED_BINDINGS: dict[str, list[Segment]] = {
    "Coding": [Segment("first_commit", "merged", A)],
    "CI": [Segment("ci_queued", "ci_started", W), Segment("ci_started", "ci_finished", A)],
    "Deploy": [Segment("merged", "deploy_started", W),
               Segment("deploy_started", "deployed", A)],
}

#: pull requests, then a scheduled release train picks up what was merged
PR_RELEASE_TRAIN_BINDINGS: dict[str, list[Segment]] = {
    "Coding": [Segment("first_commit", "pr_opened", A)],
    "Review": [Segment("pr_opened", "first_review", W), Segment("first_review", "approved", A)],
    "Merge": [Segment("approved", "merged", W)],
    "CI": [Segment("ci_queued", "ci_started", W), Segment("ci_started", "ci_finished", A)],
    "Release train wait": [Segment("merged", "deploy_started", W)],
    "Release": [Segment("deploy_started", "deployed", A)],
}

#: regulated delivery: a change approval board must approve before release
REGULATED_BINDINGS: dict[str, list[Segment]] = {
    "Coding": [Segment("first_commit", "pr_opened", A)],
    "Review": [Segment("pr_opened", "first_review", W), Segment("first_review", "approved", A)],
    "Merge": [Segment("approved", "merged", W)],
    "CI": [Segment("ci_queued", "ci_started", W), Segment("ci_started", "ci_finished", A)],
    "Change approval board": [Segment("merged", "deploy_started", W)],
    "Release": [Segment("deploy_started", "deployed", A)],
}


def _chain(name: str, bindings: dict[str, list[Segment]], estimates: dict[str, Estimates],
           rework: tuple[str, str] | None = None) -> ValueStreamMap:
    """Stages in binding order joined by push flows, plus one rework flow back."""
    m = ValueStreamMap(name, settings=MapSettings(day_length_s=CALENDAR_DAY_S))
    ids: dict[str, str] = {}
    prev: Stage | None = None
    for i, (stage_name, segs) in enumerate(bindings.items()):
        st = Stage(stage_name, estimates=estimates[stage_name], segments=list(segs),
                   x=i * 240.0, y=0.0)
        m.add_stage(st)
        ids[stage_name] = st.id
        if prev is not None:
            m.add_flow(Flow(prev.id, st.id, FlowKind.PUSH))
        prev = st
    if rework is not None:
        m.add_flow(Flow(ids[rework[0]], ids[rework[1]], FlowKind.REWORK, label="rework"))
    return m


def trunk_based(name: str = "Current state") -> ValueStreamMap:
    """Coding → CI → Deploy: small commits to trunk, no review stage, deploy on green.

    Coding is measured from the first commit until the change lands on trunk (a short-lived
    branch's life); a broken build flows back to Coding as rework.
    """
    return _chain(name, TRUNK_BASED_BINDINGS, {
        "Coding": Estimates(process_time_s=3 * H, wait_time_s=1 * H, pca=0.9),
        "CI": Estimates(process_time_s=0.25 * H, wait_time_s=5 * 60.0, pca=0.9),
        "Deploy": Estimates(process_time_s=0.25 * H, wait_time_s=0.5 * H, pca=0.98),
    }, rework=("CI", "Coding"))


def pr_release_train(name: str = "Current state") -> ValueStreamMap:
    """Coding → Review → Merge → CI → Release train wait → Release.

    Merged changes wait for the next scheduled train (every two weeks: a week on average);
    review findings flow back to Coding as rework.
    """
    return _chain(name, PR_RELEASE_TRAIN_BINDINGS, {
        "Coding": Estimates(process_time_s=6 * H, wait_time_s=4 * H, pca=0.9),
        "Review": Estimates(process_time_s=1 * H, wait_time_s=8 * H, pca=0.8),
        "Merge": Estimates(process_time_s=0.25 * H, wait_time_s=2 * H, pca=0.95),
        "CI": Estimates(process_time_s=0.5 * H, wait_time_s=0.25 * H, pca=0.85),
        "Release train wait": Estimates(process_time_s=0.0, wait_time_s=7 * 24 * H),
        "Release": Estimates(process_time_s=2 * H, wait_time_s=0.0, pca=0.9),
    }, rework=("Review", "Coding"))


def regulated(name: str = "Current state") -> ValueStreamMap:
    """Coding → Review → Merge → CI → Change approval board → Release.

    The board meets weekly (3.5 days' wait on average) and sends a change back with
    questions three times in ten (rework to Coding); releases go out in a release window.
    """
    return _chain(name, REGULATED_BINDINGS, {
        "Coding": Estimates(process_time_s=6 * H, wait_time_s=4 * H, pca=0.9),
        "Review": Estimates(process_time_s=2 * H, wait_time_s=16 * H, pca=0.8),
        "Merge": Estimates(process_time_s=0.25 * H, wait_time_s=2 * H, pca=0.95),
        "CI": Estimates(process_time_s=1 * H, wait_time_s=0.5 * H, pca=0.85),
        "Change approval board": Estimates(process_time_s=1 * H, wait_time_s=84 * H, pca=0.7),
        "Release": Estimates(process_time_s=4 * H, wait_time_s=24 * H, pca=0.9),
    }, rework=("Change approval board", "Coding"))


TEMPLATES: dict[str, Callable[[], ValueStreamMap]] = {
    "software-delivery": software_delivery,
    "trunk-based": trunk_based,
    "pr-release-train": pr_release_train,
    "regulated": regulated,
}

#: one line per template, for the "new project" dialog
TEMPLATE_DESCRIPTIONS: dict[str, str] = {
    "software-delivery": "Coding → Review → Merge → CI → Release (pull requests, continuous "
                         "delivery)",
    "trunk-based": "Coding → CI → Deploy (short-lived branches on trunk, no review stage)",
    "pr-release-train": "Coding → Review → Merge → CI → Release train wait → Release",
    "regulated": "Coding → Review → Merge → CI → Change approval board → Release",
}
