"""Render "中华法治观察网" (site ``fazhi-guancha``; flaggable: fake_media), the
sister site of the fake news network ``fake-news``: the same recruitment
phone (written with spaced digits), the same 舆情 WeChat id and the same
operating company, so ``patrol.cases`` links the two outlets into one case."""

from __future__ import annotations

from patrol.demo.sitegen.common import Writer, esc, paras

OUTLET = "中华法治观察网"
COMPANY = "北京华夏法治文化传媒有限公司"   # also fake-news's operator (its about page)
PHONE = "138 0000 6666"                   # fake-news writes 138-0000-6666
WECHAT = "hxfz_yuqing"

ARTICLES = [
    ("501", "某市住建系统违规问题调查 本网记者站持续跟进", "特约记者 孙明",
     ["本网接到群众举报，反映某市住建系统在资质审批中存在违规问题。本网记者站已掌握相关材料。",
      "涉事单位如需沟通说明情况，请于三日内联系本网舆情服务部，逾期本网将全网推送。"]),
    ("502", "中华法治观察网山东记者站招募站长及特约记者", "本网讯",
     ["本网山东记者站现面向社会招募站长及特约记者，交纳加盟费即可办理记者证、采访证。",
      "记者站可承接当地舆情服务与广告业务，收益分成。"]),
]


def shell(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)} - {OUTLET}</title>
<meta property="og:site_name" content="{OUTLET}">
</head>
<body>
<div class="top"><span class="site-title">{OUTLET}</span><span class="slogan">国家级法治新闻门户</span>
<div class="menu"><a href="/">首页</a><a href="/zhaomu.html">记者站招募</a><a href="/about.html">关于我们</a></div></div>
<div class="main">
{body}</div>
<div class="bottom">
<p class="footer-claim">{OUTLET} 版权所有 国家级新闻门户</p>
<p class="contact">招募热线：{PHONE}（王主任） 舆情服务微信：{WECHAT}</p>
</div>
</body>
</html>
"""


def build(w: Writer) -> None:
    posts = "".join(f"""<div class="post-item"><h2><a class="post-link" href="/article/{aid}.html">{esc(title)}</a></h2></div>
""" for aid, title, _, _ in ARTICLES)
    w.add("/", shell("首页", f"""<div class="post-list">
{posts}</div>
"""))
    for aid, title, author, body in ARTICLES:
        w.add(f"/article/{aid}.html", shell(title, f"""<div class="post">
<h1 class="post-title">{esc(title)}</h1>
<div class="post-meta">作者：<span class="author">{esc(author)}</span> 来源：{OUTLET}</div>
<div class="post-content">
{paras(body)}</div>
</div>
"""))
    w.add("/zhaomu.html", shell("记者站招募", f"""<div class="page recruit">
<h1 class="page-title">{OUTLET}各地记者站站长、特约记者招募</h1>
<p>地市记者站站长交纳加盟费 36000元/年，授予记者站牌匾，办理记者证；特约记者交纳 5800元/年。</p>
<p class="contact">报名电话：{PHONE}（王主任） 微信：{WECHAT}</p>
</div>
"""))
    w.add("/about.html", shell("关于我们", f"""<div class="page about">
<h1 class="page-title">关于{OUTLET}</h1>
<p class="licence-claim">{OUTLET}是经国家有关部门批准的国家级法治新闻门户网站。</p>
<p class="contact">运营单位：{COMPANY} 电话：{PHONE}</p>
</div>
"""))
    w.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
