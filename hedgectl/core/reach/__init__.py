"""Reachability decisions: which probes to run, what an observation means, when state changes.

Modules: model (verdicts, levels, targets, observations, results), plan (which probes to run,
from hedge.toml plus the catalog), verdicts (what an observation means), history (debounced
up/down state and its transitions), config (hedge.toml [providers], [regions], [reach]). This
package re-exports the public names of the first four.

Pure data in, data out. The prober (adapters/http.py) turns a Target into an Observation by doing
the network steps; this module plans Targets from hedge.toml plus the catalog, classifies each
Observation into one Verdict from a bounded set, and debounces verdicts into up/down states.
"""

from hedgectl.core.reach.history import (
    State,
    Track,
    Transition,
    is_failing,
    notify_text,
    notify_worthy,
    step,
)
from hedgectl.core.reach.model import (
    FAIL_ON_CHOICES,
    LEVEL,
    SCHEMA,
    Failure,
    Level,
    Observation,
    ProbeKind,
    Proxy,
    Result,
    Target,
    Timings,
    Verdict,
    fail_threshold,
    parse_proxy,
)
from hedgectl.core.reach.plan import Plan, ProviderDef, build_plan, provider_defs
from hedgectl.core.reach.verdicts import (
    PaidRecord,
    apply_controls,
    carry_paid,
    classify,
    error_code,
    exit_level,
    match_signature,
    refine_region_keys,
    sort_results,
)

__all__ = [
    "FAIL_ON_CHOICES",
    "LEVEL",
    "SCHEMA",
    "Failure",
    "Level",
    "Observation",
    "PaidRecord",
    "Plan",
    "ProbeKind",
    "ProviderDef",
    "Proxy",
    "Result",
    "State",
    "Target",
    "Timings",
    "Track",
    "Transition",
    "Verdict",
    "apply_controls",
    "build_plan",
    "carry_paid",
    "classify",
    "error_code",
    "exit_level",
    "fail_threshold",
    "is_failing",
    "match_signature",
    "notify_text",
    "notify_worthy",
    "parse_proxy",
    "provider_defs",
    "refine_region_keys",
    "sort_results",
    "step",
]
