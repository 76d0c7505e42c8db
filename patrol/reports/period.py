"""Report periods: ``2026-11`` (a month), ``2026-Q4``, ``2026`` or
``2026-09-01..2026-11-30`` (days inclusive), in the office's time zone."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from patrol.errors import PatrolError


@dataclass(frozen=True)
class Period:
    first: _dt.date | None      # first day, inclusive (office time)
    last: _dt.date | None       # last day, inclusive
    tz: ZoneInfo

    @property
    def since(self) -> _dt.datetime | None:
        if self.first is None:
            return None
        return _dt.datetime.combine(self.first, _dt.time(), self.tz).astimezone(_dt.timezone.utc)

    @property
    def until(self) -> _dt.datetime | None:
        if self.last is None:
            return None
        return _dt.datetime.combine(self.last + _dt.timedelta(days=1), _dt.time(),
                                    self.tz).astimezone(_dt.timezone.utc)

    def label(self) -> str:
        """The period in Chinese: 2026年9月1日至2026年11月30日."""
        def day(d):
            return f"{d.year}年{d.month}月{d.day}日"
        if self.first is None and self.last is None:
            return "全部时间"
        if self.first is None:
            return f"截至{day(self.last)}"
        if self.last is None:
            return f"{day(self.first)}以来"
        return f"{day(self.first)}至{day(self.last)}"

    def slug(self) -> str:
        return f"{self.first or 'start'}_{self.last or 'now'}"


def _month_end(year: int, month: int) -> _dt.date:
    nxt = _dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - _dt.timedelta(days=1)


def parse_period(text: str | None, tz: ZoneInfo) -> Period:
    """A period from the forms above; empty means all time. PatrolError names the problem."""
    text = (text or "").strip()
    if not text:
        return Period(None, None, tz)
    try:
        if ".." in text:
            a, b = (s.strip() for s in text.split("..", 1))
            first = _dt.date.fromisoformat(a) if a else None
            last = _dt.date.fromisoformat(b) if b else None
        elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            year, q = int(m.group(1)), int(m.group(2))
            first, last = _dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
        elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m.group(1)), int(m.group(2))
            first, last = _dt.date(year, month, 1), _month_end(year, month)
        elif re.fullmatch(r"\d{4}", text):
            first, last = _dt.date(int(text), 1, 1), _dt.date(int(text), 12, 31)
        else:
            day = _dt.date.fromisoformat(text)
            first = last = day
    except ValueError as exc:
        raise PatrolError(f"period {text[:60]!r}: {exc}; write 2026-11, 2026-Q4, 2026 or "
                          "2026-09-01..2026-11-30") from None
    if first and last and last < first:
        raise PatrolError(f"period {text[:60]!r}: ends before it starts")
    return Period(first, last, tz)


def from_dates(since: _dt.date | None, until: _dt.date | None, tz: ZoneInfo) -> Period:
    if since and until and until < since:
        raise PatrolError("period: ends before it starts")
    return Period(since, until, tz)
