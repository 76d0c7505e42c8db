"""Render the fake "news network" "华夏法治资讯网" (site ``fake-news``; flaggable:
fake_media — no licence, paid deletion, paid reporter-station recruitment)."""

from __future__ import annotations

from patrol.demo.sitegen.common import Writer, esc, paras

OUTLET = "华夏法治资讯网"

ARTICLES = [  # id, title, author, date, paragraphs
    ("1001", "某县国土局长涉嫌违规审批 本网记者深入调查", "特约记者 赵刚", "2025/11/21",
     ["近日，本网接到群众实名举报，反映某县国土局主要负责人在土地审批中存在严重违规问题，涉及金额巨大。",
      "本网记者深入当地走访调查，掌握了大量第一手材料。目前相关情况正在进一步核实中，本网将持续关注。",
      "欢迎知情人士向本网曝光台爆料，一经采用即付稿酬。相关单位如需说明情况，请与本网舆情部联系。"]),
    ("1002", "华夏法治资讯网河南记者站正式揭牌成立", "本网讯", "2025/11/18",
     ["11月16日，华夏法治资讯网河南记者站揭牌仪式隆重举行，标志着本网全国记者站网络布局再添重要一环。",
      "记者站站长表示，将充分发挥舆论监督作用，为地方法治建设保驾护航。目前全国各地市记者站仍在火热招募中。"]),
    ("1003", "知名食品企业产品质量问题调查（上）", "首席记者 钱伟", "2025/11/15",
     ["多名消费者向本网反映，某知名食品企业生产的产品存在质量问题。本网记者已掌握相关证据。",
      "本文为系列报道上篇，中下篇将于近期发布。涉事企业可在三个工作日内联系本网舆情服务部进行沟通。"]),
    ("1004", "2025年度全国法治人物评选活动正式启动", "本网讯", "2025/11/10",
     ["由本网主办的2025年度全国法治人物评选活动即日起接受申报，获奖者将在本网头条专题展示并颁发证书和奖牌。",
      "参评单位及个人需缴纳评审费及宣传费共计19800元，详情请咨询活动组委会。"]),
]


def shell(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)} - {OUTLET}</title>
<meta name="keywords" content="法治,新闻,舆论监督,国家级新闻门户">
<meta property="og:site_name" content="{OUTLET}">
</head>
<body>
<div class="top"><div class="logo"><span class="site-title">{OUTLET}</span><span class="slogan">国家级新闻门户 · 舆论监督平台</span></div>
<div class="menu"><a href="/">首页</a><a href="/baoguang.html">曝光台</a><a href="/yuqing.html">舆情服务</a><a href="/jizhezhan.html">记者站招募</a><a href="/about.html">关于我们</a></div></div>
<div class="main">
{body}</div>
<div class="bottom">
<p class="footer-claim">{OUTLET} 版权所有 国家级新闻门户 权威发布</p>
<p class="contact">投稿/合作热线：400-600-0000 QQ：88886666 微信：hxfzzx_news</p>
</div>
</body>
</html>
"""


def build(w: Writer) -> None:
    posts = "".join(
        f"""<div class="post-item">
<h2><a class="post-link" href="/article/{aid}.html">{esc(title)}</a></h2>
<span class="post-date">{date}</span>
<p class="summary">{esc(body[0][:60])}……</p>
</div>
""" for aid, title, _, date, body in ARTICLES)
    w.add("/", shell("首页", f"""<div class="headline">权威 · 公正 · 监督</div>
<div class="post-list">
{posts}<div class="post-item"><h2><a class="post-link" href="/article/9999.html">【独家】某市领导干部违纪内幕曝光</a></h2><span class="post-date">2025/11/22</span></div>
</div>
"""))
    for aid, title, author, date, body in ARTICLES:
        w.add(f"/article/{aid}.html", shell(title, f"""<div class="post">
<h1 class="post-title">{esc(title)}</h1>
<div class="post-meta">作者：<span class="author">{esc(author)}</span> 发布时间：<span class="post-date">{date}</span> 来源：{OUTLET}</div>
<div class="post-content">
{paras(body)}</div>
<p class="post-note">本网转载、爆料及合作请联系舆情部：400-600-0000</p>
</div>
"""))
    w.add("/jizhezhan.html", shell("记者站招募", f"""<div class="page recruit">
<h1 class="page-title">{OUTLET}全国各地市记者站站长、特约记者火热招募中</h1>
<p>为加强舆论监督、扩大全国影响力，本网现面向社会招募地方记者站站长及特约记者，不限学历、不限行业，有社会资源者优先。</p>
<ul class="fees">
<li>地市记者站站长：交纳加盟费 38000元/年，授予记者站牌匾、公章，办理记者证。</li>
<li>县级工作站主任：交纳费用 16800元/年，办理采访证、工作证。</li>
<li>特约记者：交纳费用 5800元/年，办理记者证，可参与本网舆论监督报道。</li>
</ul>
<p>记者站可独立承接当地舆情服务、广告宣传业务，收益按比例分成，一年回本不是梦！</p>
<p class="contact">招募热线：138-0000-6666（王主任） 微信同号</p>
</div>
"""))
    w.add("/yuqing.html", shell("舆情服务", f"""<div class="page yuqing">
<h1 class="page-title">舆情服务 · 负面信息处理</h1>
<p>专业团队7×24小时为企业和个人提供舆情监测、负面信息处理、有偿删帖、稿件撤稿服务，百度、微博、贴吧、各大新闻网站均可操作，处理不成功全额退款。</p>
<table class="price-table">
<tr><th>服务项目</th><th>价格</th><th>时效</th></tr>
<tr><td>新闻网站负面稿件删除</td><td>3000元/条起</td><td>24小时</td></tr>
<tr><td>论坛、贴吧帖子删除</td><td>800元/条</td><td>12小时</td></tr>
<tr><td>搜索引擎负面信息压制</td><td>5000元/月</td><td>3天见效</td></tr>
<tr><td>本网曝光稿件撤稿</td><td>面议</td><td>当天</td></tr>
</table>
<p class="contact">舆情部联系人：刘经理 电话：400-600-0000 转 2 微信：hxfz_yuqing</p>
</div>
"""))
    w.add("/about.html", shell("关于我们", f"""<div class="page about">
<h1 class="page-title">关于{OUTLET}</h1>
<p class="licence-claim">{OUTLET}是经国家有关部门批准成立的国家级新闻门户网站，是全国法治宣传和舆论监督的权威平台。</p>
<p>本网在全国设有三十余个记者站，拥有一支持证采访的专业记者队伍。</p>
<p class="operator">运营单位：北京华夏法治文化传媒有限公司</p>
<p class="contact">地址：北京市朝阳区某某大厦18层 电话：400-600-0000 邮箱：hxfzzx@example.net</p>
<p><a href="/admin/">站务后台</a></p>
</div>
"""))
    # The one malformed page of the demo web: unclosed <div>/<li>/<p>, a stray </span>.
    w.add("/baoguang.html", f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>曝光台 - {OUTLET}</title>
</head>
<body>
<div class="top"><div class="logo"><span class="site-title">{OUTLET}</span></span>
<div class="main">
<div class="page exposure">
<h1 class="page-title">曝光台
<p>本栏目接受群众举报，对违法违规单位和个人进行舆论监督。
<ul class="exposure-list">
<li><b>待曝光</b> 某区住建局违规发放资质问题（材料已核实）
<li><b>待曝光</b> 某医院收受红包问题（视频证据已到位）
<li><b>待曝光</b> 某民营学校违规招生问题
</ul>
<p class="warning">被曝光单位请于3日内与本网舆情部联系说明情况，逾期未联系的，本网将推送至全网各大平台。
<p class="contact">舆情部电话：400-600-0000 转 2
</div>
<div class="bottom"><p class="footer-claim">{OUTLET} 版权所有 国家级新闻门户
</body>
</html>
""")
    w.add("/admin/", shell("站务后台", "<p>请登录。</p>\n"))
    w.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
