"""The audience estimate reads the app's own listing and discriminates."""

from classifiers.audience import estimate

KIDS = {"category": "教育学习", "age_rating": "4+", "name": "口算小达人", "downloads": 350_000,
        "description": "小学一到六年级口算练习，家长可查看孩子作业完成情况"}
DRIVING = {"category": "出行", "age_rating": "18+", "name": "驾考通关宝典", "downloads": 2_300_000,
           "description": "驾考科目一、科目四全真模拟考试，题库同步交管局最新版本。错题自动收藏。"}
LIVE = {"category": "社交直播", "age_rating": "12+", "name": "甜心直播", "downloads": 50_000_000,
        "description": "同城交友，一对一私密视频聊天，美女主播在线陪聊。"}
TOOL = {"category": "系统工具", "name": "清理大师", "description": "一键清理手机垃圾，加速内存。", "downloads": 9_000_000}
TEEN_GAME = {"category": "角色扮演", "age_rating": "12+", "name": "荒野之旅", "description": "3D开放世界冒险。",
             "downloads": 1_000_000}


def test_audiences_are_told_apart_with_graded_scores():
    kids, driving, live, tool, game = map(estimate, (KIDS, DRIVING, LIVE, TOOL, TEEN_GAME))
    assert kids["audience"] == "pupils" and kids["score"] >= 0.8
    assert game["audience"] == "teens" and 0.5 <= game["score"] < kids["score"]
    assert driving["audience"] == "general" and driving["score"] < 0.3
    assert tool["audience"] == "general" and tool["score"] < 0.3
    assert live["audience"] == "adult" and live["score"] < 0.3


def test_reasons_quote_the_listing():
    reasons = " ".join(estimate(KIDS)["reasons"])
    assert "「教育学习」" in reasons and "「4+」" in reasons and "「口算」" in reasons
    assert any("「私密」" in r for r in estimate(LIVE)["reasons"])


def test_only_the_listing_counts_never_text_or_chrome():
    tool = dict(TOOL, text="作业 家长 小学 儿童", chrome="相关应用 作业帮手 小学英语同步 家长必备")
    assert estimate(tool)["audience"] == "general" and estimate(tool)["score"] == estimate(TOOL)["score"]


def test_reach_is_audience_weight_times_downloads():
    kids, live = estimate(KIDS), estimate(LIVE)
    assert kids["reach"] == 350_000
    assert live["reach"] == int(0.05 * 50_000_000)
    # a big adult app does not outrank a children's app by downloads alone
    assert estimate(dict(KIDS, downloads=3_000_000))["reach"] > live["reach"]
