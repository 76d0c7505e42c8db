"""Minor relevance of an app: is it used by (or aimed at) minors, and why.

The office's survey asks which apps minors use, learning apps above all. The
score adds up readable reasons from the listing: the store category, the age
rating, terms in the name and description, and in-app ads or pop-ups.
"""

from __future__ import annotations

import re

# (terms, weight, reason label) — the category a store gives the app.
CATEGORY_SIGNALS = [
    (("教育", "学习", "早教", "启蒙", "作业", "题库", "学堂", "课堂"), 0.5, "education/learning category"),
    (("儿童", "亲子", "少儿", "幼儿", "宝宝", "童"), 0.5, "children category"),
    (("漫画", "动漫", "小说", "阅读"), 0.3, "comics/novels category"),
    (("游戏", "休闲", "益智"), 0.3, "games category"),
]
TEXT_TERMS = {
    "小学": 0.3, "初中": 0.3, "中学": 0.3, "高中": 0.2, "作业": 0.3, "儿童": 0.3, "孩子": 0.2,
    "学生": 0.3, "家长": 0.2, "口算": 0.3, "拼音": 0.3, "幼儿": 0.3, "青少年": 0.3,
    "课本": 0.2, "同步": 0.1, "年级": 0.3, "绘本": 0.3, "识字": 0.3, "早教": 0.3,
    "k12": 0.3, "寒假": 0.1, "暑假": 0.1, "中考": 0.2, "高考": 0.1,
}
AD_TERMS = ("弹窗", "广告", "弹出")
_AGE = re.compile(r"(\d{1,2})\s*(?:\+|岁)")


def minor_relevance(app: dict) -> tuple[bool, float, list[str]]:
    """(relevant, score in [0, 1], reasons) for an app item."""
    reasons: list[str] = []
    score = 0.0
    category = str(app.get("category") or "")
    for terms, weight, label in CATEGORY_SIGNALS:
        hit = next((t for t in terms if t in category), None)
        if hit:
            score += weight
            reasons.append(f"{label}: {category}")
            break
    age = str(app.get("age_rating") or "")
    m = _AGE.search(age)
    if m:
        years = int(m.group(1))
        if years <= 12:
            score += 0.3
            reasons.append(f"age rating {age.strip()} admits children")
        elif years < 18:
            score += 0.15
            reasons.append(f"age rating {age.strip()} admits teenagers")
    text = " ".join(str(app.get(k) or "") for k in ("name", "description", "text")).lower()
    found = [t for t in TEXT_TERMS if t in text]
    if found:
        score += min(0.6, sum(TEXT_TERMS[t] for t in found))
        reasons.append("description mentions " + "、".join(found[:8]))
    ads = [t for t in AD_TERMS if t in text]
    if ads and (found or score > 0):
        reasons.append("in-app ads or pop-ups mentioned: " + "、".join(ads))
    score = round(min(1.0, score), 3)
    return score >= 0.5, score, reasons
