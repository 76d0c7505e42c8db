"""Tables the office reports upward, written as CSV or XLSX.

Cells that come from crawled pages are hostile: a cell starting with ``=``,
``+``, ``-``, ``@`` (or a tab / carriage return) would run as a formula in a
spreadsheet, so it is written with a leading apostrophe (OWASP's advice for
CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from classifiers.audience import estimate
from patrol.errors import PatrolError

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# (key, column title) of the survey of apps used by minors.
APP_COLUMNS: list[tuple[str, str]] = [
    ("name", "应用名称"), ("store", "应用商店"), ("app_id", "应用ID"), ("developer", "开发者"),
    ("category", "分类"), ("age_rating", "适用年龄"), ("downloads", "下载量"), ("rating", "评分"),
    ("version", "版本"), ("updated", "更新日期"), ("audience", "估计用户群"),
    ("minor_score", "未成年人相关度"), ("reach", "未成年人估计触达（权重×下载量）"),
    ("minor_reasons", "相关原因"), ("open_flags", "待审线索"), ("confirmed_flags", "已确认线索"),
    ("flag_categories", "线索类别"), ("url", "页面地址"), ("first_seen", "首次发现"),
    ("last_seen", "最近抓取"),
]


def guard_text(value: Any) -> Any:
    """A crawled string fit for a spreadsheet cell: control characters that
    XLSX cannot hold are dropped, and a leading = + - @ (tab, CR) is escaped."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def safe_cell(value: Any) -> Any:
    """A value fit for a spreadsheet cell; strings cannot start a formula."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        value = "；".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        # Office time (PATROL_TIMEZONE), its UTC offset written with it so the
        # cell stays unambiguous on its own (issue 17: 首次发现 read "… UTC").
        from patrol.store.common import _office_zone
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        local = value.astimezone(_office_zone())
        return local.strftime("%Y-%m-%d %H:%M:%S ") + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    if isinstance(value, dict):
        value = "; ".join(f"{k}={v}" for k, v in value.items())
    return guard_text(value)


def write_table(rows: Iterable[dict], columns: Sequence[tuple[str, str]], fmt: str,
                path: str | Path, sheet: str = "Sheet1") -> int:
    """Write rows (dicts) with the given (key, title) columns; returns the row count."""
    if fmt not in FORMATS:
        raise PatrolError(f"--format: unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    titles = [title for _, title in columns]
    n = 0
    if fmt == "csv":
        # utf-8-sig: Excel on Chinese Windows opens it without mojibake.
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(titles)
            for row in rows:
                writer.writerow([safe_cell(row.get(key)) for key, _ in columns])
                n += 1
        return n
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(titles)
    for row in rows:
        ws.append([safe_cell(row.get(key)) for key, _ in columns])
        n += 1
    wb.save(path)
    return n


def app_survey_rows(store, *, minor_only: bool = True, batch: int = 1000) -> list[dict]:
    """The survey of apps used by minors with their open and confirmed flags,
    ordered by estimated reach among minors (audience weight × downloads,
    classifiers.audience), then minor relevance. Apps are read in keyset pages
    (``iter_apps``) and each page's flags counted by one grouped query
    (``flag_counts_for_urls``), not one ``list_flags`` per app (issue 18)."""
    rows, page = [], []

    def flush():
        counts = store.flag_counts_for_urls([a["url"] for a in page if a.get("url")])
        for app in page:
            k = counts.get(app.get("url") or "", {})
            row = dict(app)
            found = estimate(app)  # from the listing's own fields, as stored
            row["audience"], row["reach"] = found["audience"], found["reach"]
            row["open_flags"] = k.get("open", 0) + k.get("escalated", 0)
            row["confirmed_flags"] = k.get("confirmed", 0)
            row["flag_categories"] = k.get("categories", [])
            rows.append(row)

    for app in store.iter_apps(minor_only=minor_only, batch=batch):
        page.append(app)
        if len(page) >= batch:
            flush()
            page = []
    if page:
        flush()
    rows.sort(key=lambda r: (-(r.get("reach") or 0), -(r.get("minor_score") or 0), -(r.get("downloads") or 0)))
    return rows
