"""A profile's ``schedule`` (a standard cron line) as an APScheduler trigger.

Hand-written instead of ``CronTrigger.from_crontab`` because APScheduler 3
numbers weekdays from Monday = 0 (its issue 286, fixed only in 4.x) while
profiles are validated by croniter with standard cron meaning (0 and 7 =
Sunday): a profile saying ``0 2 * * 1`` (Mondays) would run on Tuesdays.
croniter expands the line (macros such as ``@daily``, names, ranges, steps)
into explicit values, and weekdays are handed to APScheduler by name.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger
from croniter import croniter

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # croniter: 0 = Sunday


def _values(values: list) -> str:
    if values == ["*"]:
        return "*"
    return ",".join("last" if v == "l" else str(v) for v in values)


def cron_trigger(expr: str, tz: tzinfo) -> CronTrigger:
    """The trigger for cron line ``expr`` in ``tz``; ValueError says what is wrong."""
    try:
        fields, nth_weekday = croniter.expand(expr)
    except Exception as exc:  # croniter raises several types for a bad line
        raise ValueError(f"not a cron line: {exc}") from None
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    if nth_weekday:
        raise ValueError("'#' (the nth weekday of a month) is not supported")
    minute, hour, day, month, weekday = fields
    if day != ["*"] and weekday != ["*"]:
        # cron runs when either matches, APScheduler only when both do.
        raise ValueError("give a day of the month or a day of the week, not both")
    if weekday != ["*"] and not all(isinstance(v, int) and 0 <= v <= 6 for v in weekday):
        raise ValueError(f"unsupported day of the week {expr.split()[4]!r}")
    days = "*" if weekday == ["*"] else ",".join(WEEKDAYS[v] for v in weekday)
    return CronTrigger(minute=_values(minute), hour=_values(hour), day=_values(day),
                       month=_values(month), day_of_week=days, timezone=tz)
