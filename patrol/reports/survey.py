"""The survey of apps and websites popular with minors (摸排表).

One row per app (keyset pages of ``iter_apps``, their flags counted by one
grouped query per page: ``flag_counts_for_urls``) and one row per website
source (``item_figures`` and ``flag_figures`` of the period)."""

from __future__ import annotations

import datetime as _dt
import io
from typing import Iterator

from patrol.reports.period import Period

# (key, header) of the XLSX and of the printable page.
COLUMNS: list[tuple[str, str]] = [
    ("type", "类型"), ("name", "名称"), ("developer", "开发者/运营者"), ("category", "分类"),
    ("age_rating", "适用年龄"), ("downloads", "下载量"), ("audience", "受众估计"),
    ("reasons", "判断依据"), ("youth_mode", "青少年模式"), ("open_flags", "待处理线索"),
    ("confirmed_flags", "已确认线索"), ("first_seen", "首次发现"), ("last_seen", "最近发现"),
    ("source", "来源"), ("url", "页面地址"),
]
YOUTH_WORD = "青少年模式"


def youth_mode(app: dict) -> str:
    """Whether the listing itself says the app has a 青少年模式 (never guessed)."""
    if app.get("youth_mode") is True:
        return "有（页面注明）"
    text = " ".join(str(app.get(k) or "") for k in ("description", "text", "name"))
    return "有（页面注明）" if YOUTH_WORD in text else "页面未注明"


def audience(app: dict) -> str:
    if app.get("minor_relevant"):
        return f"未成年人常用（相关度 {float(app.get('minor_score') or 0):.2f}）"
    return f"一般用户（相关度 {float(app.get('minor_score') or 0):.2f}）"


def _day(value, tz) -> str:
    if isinstance(value, _dt.datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d")
    return ""


def app_rows(store, period: Period, *, minor_only: bool = True, batch: int = 1000) -> Iterator[dict]:
    page: list[dict] = []

    def flush():
        counts = store.flag_counts_for_urls([a["url"] for a in page if a.get("url")])
        for app in page:
            k = counts.get(app.get("url") or "", {})
            yield {
                "type": "应用", "name": app.get("name") or app.get("app_id"),
                "developer": app.get("developer") or "", "category": app.get("category") or "",
                "age_rating": app.get("age_rating") or "", "downloads": app.get("downloads"),
                "audience": audience(app), "reasons": "；".join(app.get("minor_reasons") or []),
                "youth_mode": youth_mode(app),
                "open_flags": k.get("open", 0) + k.get("escalated", 0),
                "confirmed_flags": k.get("confirmed", 0),
                "first_seen": _day(app.get("first_seen"), period.tz),
                "last_seen": _day(app.get("last_seen"), period.tz),
                "source": app.get("store") or "", "url": app.get("url") or "",
            }

    for app in store.iter_apps(minor_only=minor_only, since=period.since, until=period.until,
                               batch=batch):
        page.append(app)
        if len(page) >= batch:
            yield from flush()
            page = []
    if page:
        yield from flush()


def site_rows(store, period: Period) -> Iterator[dict]:
    """One row per source of web pages (not app listings) seen in the period."""
    by_kind = store.item_figures(since=period.since, until=period.until)["by_source_kind"]
    flags = store.flag_figures(since=period.since, until=period.until)["by_source_status"]
    pages = {s: sum(n for k, n in kinds.items() if k != "app") for s, kinds in by_kind.items()}
    for source in sorted(s for s, n in pages.items() if n):
        st = flags.get(source, {})
        yield {"type": "网站", "name": source, "developer": "", "category": "",
               "age_rating": "", "downloads": None, "audience": "", "reasons": "",
               "youth_mode": "", "open_flags": st.get("pending", 0) + st.get("in_review", 0)
               + st.get("escalated", 0), "confirmed_flags": st.get("confirmed", 0),
               "first_seen": "", "last_seen": "", "source": f"{pages[source]} 个页面",
               "url": ""}


def rows(store, period: Period, *, minor_only: bool = True, sites: bool = True) -> Iterator[dict]:
    yield from app_rows(store, period, minor_only=minor_only)
    if sites:
        yield from site_rows(store, period)


def xlsx(store, period: Period, *, minor_only: bool = True) -> bytes:
    """The survey as an XLSX workbook with Chinese headers (write-only: the
    rows stream through, nothing holds the whole survey)."""
    from openpyxl import Workbook

    from patrol.export import guard_text
    wb = Workbook(write_only=True)
    wb.properties.title = f"未成年人常用应用和网站摸排表（{period.label()}）"
    ws = wb.create_sheet("摸排表")
    ws.append([title for _, title in COLUMNS])
    for row in rows(store, period, minor_only=minor_only):
        ws.append([guard_text(row.get(key)) if row.get(key) is not None else ""
                   for key, _ in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
