"""Flow analytics that look ahead (issue 19): aging work, cycle-time scatter, cumulative flow,
WIP limits and Monte Carlo forecasts. Qt-free; the charts draw what these functions return.

The unit of flow is a parameter: every function takes a :class:`FlowUnits` (a units frame,
per-unit stage times and stage occupancy). :func:`change_units` builds it from the engine's
prepared changes; work items from a tracker will build the same shape. Every definition is
in docs/metrics.md §14.

==========================  ===============================================================
:func:`cycle_time_scatter`  one point per finished unit, p50/p85/p95 lines, the SLE check
:func:`aging_wip`           units in progress at *now*, their stage and ages, against history
:func:`cumulative_flow`     daily stage bands, arrival/departure rates, WIP and cycle time
:func:`check_wip_limits`    daily stage WIP against ``Stage.wip_limit``, linked to the
                            constraint
:func:`throughput_sample`,  Monte Carlo "when will N be done" / "how many by DATE"
:func:`forecast_when`,
:func:`forecast_how_many`
==========================  ===============================================================
"""

from __future__ import annotations

from .aging import AgingWip, aging_wip
from .cfd import DONE, CumulativeFlow, cumulative_flow
from .forecast import (
    DEFAULT_SAMPLE_DAYS,
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    SHARES,
    Forecast,
    NoThroughput,
    ThroughputSample,
    forecast_how_many,
    forecast_when,
    throughput_sample,
)
from .scatter import CycleTimeScatter, ServiceLevel, SleCheck, cycle_time_scatter
from .units import (
    NO_STAGE,
    FlowUnits,
    change_units,
    occupancy_from_segments,
    percentiles,
    stage_stays,
)
from .wip_limits import WipLimitCheck, check_wip_limits, measured_stages, wip_limits_of

__all__ = [
    "DEFAULT_SAMPLE_DAYS", "DEFAULT_SEED", "DEFAULT_TRIALS", "DONE", "NO_STAGE", "SHARES",
    "AgingWip", "CumulativeFlow", "CycleTimeScatter", "FlowUnits", "Forecast", "NoThroughput", "ServiceLevel",
    "SleCheck", "ThroughputSample", "WipLimitCheck", "aging_wip", "change_units",
    "check_wip_limits", "cumulative_flow", "cycle_time_scatter", "forecast_how_many",
    "forecast_when", "measured_stages", "occupancy_from_segments", "percentiles", "stage_stays", "throughput_sample",
    "wip_limits_of",
]
