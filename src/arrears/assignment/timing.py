"""The assignment trigger from the natural-cure curve: `from_dpd: knee` steps start at the
knee that `arrears suggest-timing` found for their segment.

Collectors start just before the curve flattens: before the knee most accounts pay by
themselves and calls are wasted; after it, few do. A step without a suggestion for its segment
(no knee found, or the segment is not in the file) keeps its default start, and the manifest
says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from arrears.strategy.model import Strategy


def with_suggested_timing(
    strategy: Strategy, suggestions: Mapping[str, Any]
) -> tuple[Strategy, dict[str, Any]]:
    """`strategy` with each `from_dpd: knee` step's start set from `suggestions` (the
    document `suggest-timing` writes), and what was applied, for the manifest."""
    suggested: dict[str, int | None] = {}
    for item in suggestions.get("suggestions", []):
        value = item.get("from_dpd")
        suggested[str(item.get("segment"))] = int(value) if value is not None else None
    applied: dict[str, Any] = {}
    segments = []
    for segment in strategy.segments:
        assigns = []
        for a in segment.assignments:
            if a.from_knee:
                knee = suggested.get(a.segment)
                applied[a.step] = {
                    "segment": a.segment,
                    "from_dpd": knee if knee is not None else a.from_dpd,
                    "source": "knee" if knee is not None else "default (no knee suggested)",
                }
                if knee is not None:
                    a = replace(a, from_dpd=knee)
            assigns.append(a)
        segments.append(replace(segment, assignments=tuple(assigns)))
    return replace(strategy, segments=tuple(segments)), {
        "as_of": suggestions.get("as_of"),
        "share": suggestions.get("share"),
        "steps": applied,
    }
