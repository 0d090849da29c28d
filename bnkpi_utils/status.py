"""Target statuses: their order, their words in Vietnamese and English, and their colours, defined once.

The Vietnamese labels are the administration's own terms (as in the province's progress reports), not calques
of Eurostat's. Charts and the brief import them from here. Every colour carries white text at a contrast of at
least 4.5:1 (WCAG AA for 12-px text).
"""

from __future__ import annotations

# The contract's status set (docs/contracts.md), in the order a reader scans it: good, lagging, missed, unjudgeable.
STATUSES = ("achieved", "on_track", "at_risk", "off_track", "not_achieved", "not_comparable", "insufficient_data")

LABELS = {
    "vi": {
        "achieved": "Đã đạt",
        "on_track": "Đúng tiến độ",
        "at_risk": "Có nguy cơ không đạt",
        "off_track": "Chậm tiến độ",
        "not_achieved": "Không đạt",
        "not_comparable": "Không so sánh được",
        "insufficient_data": "Chưa đủ số liệu",
    },
    "en": {
        "achieved": "Achieved",
        "on_track": "On track",
        "at_risk": "At risk of missing",
        "off_track": "Off track",
        "not_achieved": "Not achieved",
        "not_comparable": "Not comparable",
        "insufficient_data": "Insufficient data",
    },
}

COLOURS = {
    "achieved": "#1b5e20",
    "on_track": "#00695c",
    "at_risk": "#9a4a00",
    "off_track": "#c62828",
    "not_achieved": "#7f0000",
    "not_comparable": "#5e35b1",
    "insufficient_data": "#546e7a",
}

# Statuses that are a verdict on the target, and those that are not.
JUDGED = ("achieved", "on_track", "at_risk", "off_track", "not_achieved")
GOOD = ("achieved", "on_track")
LAGGING = ("at_risk", "off_track", "not_achieved")
UNJUDGEABLE = ("not_comparable", "insufficient_data")


def label(status: str, lang: str = "vi") -> str:
    """The word for a status; an unknown status is an error, never shown raw to a leader."""
    try:
        return LABELS[lang][status]
    except KeyError:
        raise ValueError(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})") from None


def colour(status: str) -> str:
    label(status)
    return COLOURS[status]
