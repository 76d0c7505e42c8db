"""The campaign summary (集中行动总结): a draft in Chinese written from the
store's own figures, at most ``MAX_CHARS`` characters.

Every number in the draft is a ``Figure`` whose ``query`` names the store
aggregation it came from (``flag_figures``, ``item_figures``, ``app_figures``,
``page_flags``), so a reader can check it; the analyst edits the wording, not
the numbers. Re-check outcomes (rectified / still online) are counted when the
store offers ``recheck_figures`` (the evidence and re-check issue); until then
the draft says that figure is pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patrol.reports.period import Period

MAX_CHARS = 2000
TOP_CASES = 5
# The campaign's own words (the notice's categories).
CATEGORY_ZH = {"vulgar": "低俗信息", "unlicensed_publication": "非法出版物/无证经营",
               "fake_media": "假媒体假记者/有偿删帖"}
CLOSING = ("五、下一步工作\n"
           "一是保持巡查频次，对已处置线索开展复查，防止问题反弹；二是加强未成年人常用应用和网站的"
           "动态摸排，督促落实青少年模式；三是总结典型案例，完善研判标准，提升线索处置效率。")


@dataclass
class Figure:
    key: str
    label: str
    value: int | float | str
    query: str


@dataclass
class Summary:
    period: Period
    title: str
    text: str
    figures: list[Figure] = field(default_factory=list)

    def figure(self, key: str):
        return next(f.value for f in self.figures if f.key == key)


def _cut(text: str, n: int) -> str:
    """Crawled text fit for the draft: one line, no characters XML cannot hold, at most n."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    text = " ".join(ILLEGAL_CHARACTERS_RE.sub("", str(text or "")).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def build(store, period: Period, *, office: str = "我办") -> Summary:
    since, until = period.since, period.until
    args = f"since={since.isoformat() if since else None}, until={until.isoformat() if until else None}"
    figs: list[Figure] = []

    def fig(key, label, value, query):
        figs.append(Figure(key, label, value, query))
        return value

    flags = store.flag_figures(since=since, until=until)
    items = store.item_figures(since=since, until=until)
    apps = store.app_figures(since=since, until=until)
    q_flags, q_items, q_apps = (f"store.flag_figures({args})", f"store.item_figures({args})",
                                f"store.app_figures({args})")
    by_cs = flags["by_category_status"]

    def status_sum(status, cat=None):
        cats = [cat] if cat else list(by_cs)
        return sum(by_cs.get(c, {}).get(s, 0) for c in cats
                   for s in ((status,) if isinstance(status, str) else status))

    sources = fig("sources", "巡查来源数", len(items["by_source"]), f"len({q_items}['by_source'])")
    pages = fig("pages", "巡查页面数", items["pages"], f"{q_items}['pages']")
    total = fig("flags", "发现线索数", flags["total"], f"{q_flags}['total']")
    confirmed = fig("confirmed", "确认线索数", status_sum("confirmed"),
                    f"sum of {q_flags}['by_category_status'][*]['confirmed']")
    dismissed = fig("dismissed", "排除线索数", status_sum("dismissed"),
                    f"sum of {q_flags}['by_category_status'][*]['dismissed']")
    escalated = fig("escalated", "提请研判数", status_sum("escalated"),
                    f"sum of {q_flags}['by_category_status'][*]['escalated']")
    open_ = fig("open", "待审核线索数", status_sum(("pending", "in_review")),
                f"sum of {q_flags}['by_category_status'][*]['pending'|'in_review']")
    decided = confirmed + dismissed + escalated
    rate = fig("confirm_rate", "确认率(%)", round(100 * confirmed / decided, 1) if decided else 0,
               "confirmed / (confirmed + dismissed + escalated)")

    raised_parts, confirmed_parts = [], []
    for cat, zh in CATEGORY_ZH.items():
        n = fig(f"flags.{cat}", f"{zh}线索数", sum(by_cs.get(cat, {}).values()),
                f"sum of {q_flags}['by_category_status']['{cat}']")
        k = fig(f"confirmed.{cat}", f"{zh}确认数", by_cs.get(cat, {}).get("confirmed", 0),
                f"{q_flags}['by_category_status']['{cat}']['confirmed']")
        raised_parts.append(f"{zh}{n}条")
        confirmed_parts.append(f"{zh}{k}条")

    rechecks = getattr(store, "recheck_figures", None)
    if callable(rechecks):
        rc = rechecks(since=since, until=until)
        removed = fig("rectified", "已整改（复查已下线）", rc.get("removed", 0),
                      f"store.recheck_figures({args})['removed']")
        online = fig("still_online", "复查仍在线", rc.get("still_online", 0),
                     f"store.recheck_figures({args})['still_online']")
        pending = fig("pending_recheck", "待复查", rc.get("pending", 0),
                      f"store.recheck_figures({args})['pending']")
        rectify = (f"经复查，已整改（页面已下线）{removed}条，仍在线{online}条，已督促属地整改"
                   + (f"；另有{pending}条待复查" if pending else "") + "。")
    else:
        fig("rectified", "已整改（复查已下线）", "待统计", "re-checks not in this store yet")
        rectify = "整改复查数据待复查功能上线后自动统计。"

    app_total = fig("apps", "摸排应用数", apps["apps"], f"{q_apps}['apps']")
    app_minor = fig("apps_minor", "未成年人常用应用数", apps["minor"], f"{q_apps}['minor']")
    cats = sorted(apps["by_category"].items(), key=lambda kv: -kv[1]["apps"])[:6]
    for name, d in cats:
        fig(f"apps.{name}", f"{name}类应用数", d["apps"], f"{q_apps}['by_category'][{name!r}]")
    app_cats = "、".join(f"{_cut(name, 8)}类{d['apps']}款（未成年人常用{d['minor']}款）"
                         for name, d in cats)

    top = store.page_flags(status="confirmed", since=since, until=until, sort="-score",
                           limit=TOP_CASES, with_total=False).flags
    cases = []
    for n, f in enumerate(top, 1):
        fig(f"case.{n}", f"典型案例{n}", f["id"],
            f"store.page_flags(status='confirmed', {args}, sort='-score', limit={TOP_CASES})[{n - 1}]")
        cases.append(f"{n}. {_cut(f.get('title') or f.get('url'), 30)}（来源：{_cut(f.get('source'), 20)}；"
                     f"类别：{CATEGORY_ZH.get(f['category'], f['category'])}；"
                     f"模型评分{float(f.get('score') or 0):.2f}；证据编号{f['id']}）")

    title = f"{office}关于{period.label()}网络内容巡查集中行动的总结"
    head = (f"一、总体情况\n{period.label()}，{office}依托内容巡查系统，对{sources}个来源、{pages}个页面"
            f"开展巡查，累计发现疑似问题线索{total}条，其中{'、'.join(raised_parts)}。")
    handled = (f"二、处置情况\n经人工逐条审核，确认问题线索{confirmed}条（确认率{rate}%），排除{dismissed}条，"
               f"提请上级研判{escalated}条，尚在审核{open_}条。分类看，确认{'、'.join(confirmed_parts)}。"
               f"{rectify}")
    survey = (f"三、未成年人常用应用摸排\n共摸排应用{app_total}款，其中未成年人常用{app_minor}款"
              + (f"；按分类，{app_cats}" if app_cats else "") + "。")
    body = [head, handled, survey]
    case_block = "四、典型案例\n" + ("\n".join(cases) if cases else "本期暂无确认案例。")
    text = "\n\n".join(body + [case_block, CLOSING])
    while len(title) + 1 + len(text) > MAX_CHARS and cases:  # keep within the notice's limit
        cases.pop()
        case_block = "四、典型案例\n" + ("\n".join(cases) if cases else "详见线索台账。")
        text = "\n\n".join(body + [case_block, CLOSING])
    if len(title) + 1 + len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - len(title) - 2] + "…"
    return Summary(period, title, text, figs)


def docx(title: str, text: str) -> bytes:
    """The draft as a Word document (python-docx): the title and one paragraph a line."""
    import io

    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(title, level=1)
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx_text(data: bytes) -> str:
    """The text of a DOCX made by ``docx`` (headings and paragraphs)."""
    import io

    from docx import Document
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
