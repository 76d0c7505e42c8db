"""Dates and times as shown on Chinese pages → ISO 8601 in the office time zone.

``2025年2月27日`` → ``2025-02-27``; ``发布时间：2025-03-10 15:20`` →
``2025-03-10T15:20:00+08:00``; ``3小时前`` / ``昨天 09:12`` against the fetch
time; ISO strings with an offset are converted to the office zone. A date
alone stays a date (no invented midnight). Hand-written rather than
dateparser: dateparser reads ``2025/01/09`` month-first by locale and knows
neither 前天 nor 年月日 with a time glued on; these few forms are the ones
Chinese sites print.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from patrol import config

_FULL = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[-/.]|年|\s(?=\s*\d{1,2}\s*[-/.月]))\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?)?"
    r"(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?")
_NO_YEAR = re.compile(r"(?<![\d/.-])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})(?!\d)\s*日?"
                      r"(?:\s*(\d{1,2}):(\d{2}))?")
_AGO = re.compile(r"(\d+)\s*(秒|分钟|分|小时|个小时|天|日|周|星期|个月|月)\s*前")
_DAY_WORD = re.compile(r"(刚刚|今天|今日|昨天|昨日|前天)(?:\s*(\d{1,2}):(\d{2}))?")
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
# English pages of Chinese outlets: 'Mar 10, 2025 09:12 PM', '10 March 2025 21:12'
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_TIME_EN = r"(?:,?\s*(?:at\s+)?(\d{1,2}):(\d{2})(?::\d{2})?\s*([ap]\.?m\.?)?)?"
_ENGLISH = (re.compile(r"(?<![a-z])" + _MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME_EN, re.I),
            re.compile(r"(?<!\d)(\d{1,2})\s+" + _MON + r",?\s+(\d{4})" + _TIME_EN, re.I))


def office_tz() -> ZoneInfo:
    return ZoneInfo(config.get("PATROL_TIMEZONE") or "Asia/Shanghai")


def _iso(when: dt.datetime) -> str:
    return when.replace(microsecond=0).isoformat()


def _valid(y: int, mo: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, mo, d) if 1990 <= y <= 2100 else None
    except ValueError:
        return None


def date_text(text: str) -> str | None:
    """The first date as displayed in a longer text ('2025-03-10 15:20' of
    '发布时间：2025-03-10 15:20 来源：…'), None when there is none."""
    if not text:
        return None
    for pattern in (_FULL, *_ENGLISH, _AGO, _DAY_WORD, _NO_YEAR):
        m = pattern.search(text)
        if m and pattern is _DAY_WORD and m.group(2) is None and len(text.strip()) > len(m.group(0)) + 6:
            continue  # '今天下午，大桥合龙' in a sentence is no date line; '今天 09:12' is
        if m and normalise_date(m.group(0).strip()):
            return m.group(0).strip()
    return None


def normalise_date(value, fetched_at: dt.datetime | None = None) -> str | None:
    """The displayed date/time as ISO 8601 (date, or datetime with the office
    offset), ``None`` when there is no date in it."""
    if value is None or value == "":
        return None
    tz = office_tz()
    now = (fetched_at or dt.datetime.now(dt.timezone.utc)).astimezone(tz)
    if isinstance(value, dt.datetime):
        return _iso(value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz))
    if isinstance(value, (int, float)) or _EPOCH.match(str(value).strip()):
        seconds = float(value) / (1000 if len(str(int(float(value)))) == 13 else 1)
        return _iso(dt.datetime.fromtimestamp(seconds, tz))
    text = str(value)
    m = _FULL.search(text)
    if m:
        y, mo, d, hh, mm, ss, offset = m.groups()
        day = _valid(int(y), int(mo), int(d))
        if day is None:
            return None
        if hh is None:
            return day.isoformat()
        if int(hh) > 23 or int(mm) > 59:
            return day.isoformat()
        when = dt.datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0))
        if offset:
            off = dt.timezone.utc if offset == "Z" else dt.timezone(
                (1 if offset[0] == "+" else -1) * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[-2:])))
            return _iso(when.replace(tzinfo=off).astimezone(tz))
        return _iso(when.replace(tzinfo=tz))
    english = _english(text, tz)
    if english:
        return english
    m = _AGO.search(text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"秒": dt.timedelta(seconds=n), "分钟": dt.timedelta(minutes=n), "分": dt.timedelta(minutes=n),
                 "小时": dt.timedelta(hours=n), "个小时": dt.timedelta(hours=n), "天": dt.timedelta(days=n),
                 "日": dt.timedelta(days=n), "周": dt.timedelta(weeks=n), "星期": dt.timedelta(weeks=n),
                 "个月": dt.timedelta(days=30 * n), "月": dt.timedelta(days=30 * n)}[unit]
        when = now - delta
        # hours and minutes ago give a time; days and more only a date
        return _iso(when) if unit in ("秒", "分钟", "分", "小时", "个小时") else when.date().isoformat()
    m = _DAY_WORD.search(text)
    if m:
        word, hh, mm = m.groups()
        if word == "刚刚":
            return _iso(now)
        day = now.date() - dt.timedelta(days={"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}[word])
        if hh is None:
            return day.isoformat()
        return _iso(dt.datetime(day.year, day.month, day.day, int(hh), int(mm), tzinfo=tz))
    m = _NO_YEAR.search(text)
    if m:
        mo, d, hh, mm = m.groups()
        year = now.year
        day = _valid(year, int(mo), int(d))
        if day and day > now.date():  # "12-30" seen in January is last year's
            day = _valid(year - 1, int(mo), int(d))
        if day is None:
            return None
        if hh is None:
            return day.isoformat()
        return _iso(dt.datetime(day.year, day.month, day.day, int(hh), int(mm), tzinfo=tz))
    return None


def _english(text: str, tz: ZoneInfo) -> str | None:
    for i, pattern in enumerate(_ENGLISH):
        m = pattern.search(text)
        if not m:
            continue
        if i == 0:
            mon, d, y, hh, mm, ampm = m.groups()
        else:
            d, mon, y, hh, mm, ampm = m.groups()
        day = _valid(int(y), _MONTHS[mon[:3].lower()], int(d))
        if day is None:
            return None
        if hh is None:
            return day.isoformat()
        hour = int(hh) % 12 + (12 if ampm and ampm[0].lower() == "p" else 0) if ampm else int(hh)
        if hour > 23 or int(mm) > 59:
            return day.isoformat()
        return _iso(dt.datetime(day.year, day.month, day.day, hour, int(mm), tzinfo=tz))
    return None
