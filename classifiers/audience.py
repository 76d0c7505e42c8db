"""Who an app is for: an audience estimate from the app's OWN listing.

``estimate(app)`` reads only the listing's own fields: ``category``,
``age_rating``, ``name`` and ``description`` (never ``text``, which may hold
user reviews, and never ``chrome``: a sidebar's "作业帮手" or a footer's
"家长" says nothing about this app). It returns:

- ``audience``: ``pupils`` (primary-school children and younger), ``teens``
  (secondary-school students), ``general`` or ``adult``;
- ``score``: the graded minor relevance in [0, 1] (how much of the evidence
  points at children or teenagers);
- ``weight``: the audience weight for the survey's reach (pupils 1.0, teens
  0.8, general 0.25, adult 0.05): the share of an app's users one may expect
  to be minors, a planning figure, not a measurement;
- ``reach``: ``weight × downloads``, the survey's order;
- ``reasons``: each quoting the words of the listing it rests on.

Hand-written rules rather than a model: there is no labelled set of app
audiences to learn from, and an analyst must be able to read why an app is
in the survey. The vocabularies are those of Chinese app-store listings.
"""

from __future__ import annotations

import re
from typing import Any

AUDIENCES = ("pupils", "teens", "general", "adult")
WEIGHTS = {"pupils": 1.0, "teens": 0.8, "general": 0.25, "adult": 0.05}

# (terms, audience, points, label) for the store's category
CATEGORY_TERMS = [
    (("儿童", "少儿", "幼儿", "早教", "启蒙", "亲子", "宝宝", "童话", "绘本"), "pupils", 2.0, "children category"),
    (("教育", "学习", "题库", "作业", "课堂", "学堂", "教辅", "词典", "外语"), "student", 1.5, "education/learning category"),
    (("动漫", "漫画", "二次元", "小说", "阅读"), "teens", 0.8, "comics/novels category"),
    (("游戏", "休闲", "益智", "角色扮演", "动作", "竞速", "射击", "策略", "模拟"), "teens", 0.7, "games category"),
    (("直播", "交友", "社交", "婚恋", "约会", "聊天"), "adult", 1.5, "social/live-stream category"),
    (("金融", "理财", "借贷", "贷款", "股票", "证券", "彩票", "博彩"), "adult", 2.0, "finance/lottery category"),
    (("出行", "驾考", "汽车", "商务", "办公", "财务", "招聘", "房产", "医疗"), "general", 1.5, "adult-life category"),
    (("工具", "系统", "效率", "浏览器", "清理", "天气", "购物", "新闻", "视频", "音乐", "摄影"), "general", 1.0,
     "general category"),
]
# words of the description (and name) and the audience they point at
DESCRIPTION_TERMS = {
    "pupils": ("小学", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "幼儿", "儿童", "宝宝", "小朋友",
               "拼音", "识字", "口算", "绘本", "早教", "启蒙", "童谣", "儿歌", "动画片", "学前", "幼小衔接", "3-6岁",
               "3～6岁", "小学生"),
    "teens": ("初中", "高中", "中学", "中考", "高考", "青少年", "中学生", "初一", "初二", "初三", "高一", "高二", "高三",
              "同学", "校园", "四六级"),
    "student": ("作业", "学生", "课本", "同步", "教材", "错题", "名师", "家长", "孩子", "寒假", "暑假", "K12", "k12",
                "背单词", "作文"),
    "general": ("驾考", "驾照", "科目一", "科目四", "职场", "办公", "企业", "财务", "发票", "报税", "司机", "车主",
                "求职", "简历", "老年", "中老年", "垃圾清理", "内存"),
    "adult": ("私密", "一对一", "陪聊", "美女主播", "约会", "同城交友", "附近的人", "夜间", "福利", "18禁", "成人",
              "贷款", "借款", "额度", "彩票", "投注", "理财", "婚恋", "单身", "激情"),
}
DESCRIPTION_POINTS = {"pupils": 0.8, "teens": 0.8, "student": 0.5, "general": 0.8, "adult": 1.2}
AD_TERMS = ("弹窗", "广告", "弹出")
MAX_DESCRIPTION_POINTS = 2.4
_AGE = re.compile(r"(\d{1,2})\s*(?:\+|岁|周岁)")


def _age(value: Any) -> int | None:
    m = _AGE.search(str(value or ""))
    return int(m.group(1)) if m else None


def estimate(app: dict) -> dict[str, Any]:
    points = {"pupils": 0.0, "teens": 0.0, "student": 0.0, "general": 0.0, "adult": 0.0}
    reasons: list[str] = []
    category = str(app.get("category") or "").strip()
    for terms, audience, pts, label in CATEGORY_TERMS:
        hit = next((t for t in terms if t in category), None)
        if hit:
            points[audience] += pts
            reasons.append(f"{label}: 「{category}」 (「{hit}」)")
            break
    age = _age(app.get("age_rating"))
    shown_age = str(app.get("age_rating") or "").strip()
    if age is not None:
        if age <= 6:
            points["pupils"] += 1.5
            reasons.append(f"age rating 「{shown_age}」 admits young children")
        elif age <= 11:
            points["pupils"] += 0.8
            points["teens"] += 0.4
            reasons.append(f"age rating 「{shown_age}」 admits children")
        elif age <= 16:
            points["teens"] += 1.0
            reasons.append(f"age rating 「{shown_age}」 admits teenagers")
        else:
            points["adult"] += 1.5
            reasons.append(f"age rating 「{shown_age}」: adults only")
    own = " ".join(str(app.get(k) or "") for k in ("name", "description"))
    for audience, terms in DESCRIPTION_TERMS.items():
        found = [t for t in terms if t in own]
        if found:
            points[audience] += min(MAX_DESCRIPTION_POINTS, DESCRIPTION_POINTS[audience] * len(found))
            quoted = "、".join(f"「{t}」" for t in found[:6])
            reasons.append(f"description mentions {quoted} ({'student' if audience == 'student' else audience})")
    # "student" words (作业, 家长, 孩子) are school-age: they count for pupils and teens alike
    minors_pts = points["pupils"] + points["teens"] + points["student"]
    minor_audience = None
    if minors_pts > 0:
        minor_audience = "pupils" if points["pupils"] >= points["teens"] else "teens"
    adult_pts, general_pts = points["adult"], points["general"]
    total = minors_pts + adult_pts + general_pts
    if total == 0:
        audience = "general"
        reasons.append("the listing names no audience")
    elif minor_audience and minors_pts > adult_pts + general_pts * 0.8 and (age is None or age < 17):
        audience = minor_audience
    elif adult_pts >= general_pts and adult_pts > 0:
        audience = "adult"
    else:
        audience = "general"
    # graded: the share of the evidence pointing at minors, an adults-only rating caps it
    score = minors_pts / (total + 0.5) if total else 0.0
    if age is not None and age >= 17:
        score = min(score, 0.2)
    ads = [t for t in AD_TERMS if t in own]
    if ads and audience in ("pupils", "teens"):
        reasons.append("in-app ads or pop-ups mentioned: " + "、".join(f"「{t}」" for t in ads))
    weight = WEIGHTS[audience]
    downloads = app.get("downloads")
    downloads = downloads if isinstance(downloads, (int, float)) and not isinstance(downloads, bool) else 0
    return {"audience": audience, "score": round(min(1.0, score), 3), "weight": weight,
            "reach": int(weight * downloads), "reasons": [f"audience: {audience} (weight {weight})"] + reasons}
