"""Minor relevance of an app: is it used by (or aimed at) minors, and why.

The office's survey asks which apps minors use, learning apps above all. The
estimate is ``classifiers.audience``: an audience (pupils, teens, general,
adult) and a graded score from the app's OWN listing (category, age rating,
name, description), never the page's text or chrome, each reason quoting
the words it rests on. An app is minor-relevant when its audience is pupils
or teens.
"""

from __future__ import annotations

from classifiers.audience import estimate

MINOR_AUDIENCES = ("pupils", "teens")


def minor_relevance(app: dict) -> tuple[bool, float, list[str]]:
    """(relevant, score in [0, 1], reasons) for an app item."""
    found = estimate(app)
    return found["audience"] in MINOR_AUDIENCES, found["score"], found["reasons"]
