"""Render the licensed local outlet "城南日报" (site ``chengnan-daily``; clean,
with one hard negative: a report on the crackdown itself)."""

from __future__ import annotations

from patrol.demo.sitegen.common import Writer, esc, paras

OUTLET = "城南日报"
LICENCE = "互联网新闻信息服务许可证编号：11120180003"

ARTICLES = [  # slug (mmdd-name), title, byline, published, paragraphs
    ("1103-metro", "地铁9号线南延段今日开通试运营", "本报记者 王敏", "2025-11-03 08:30",
     ["记者从区交通委获悉，地铁9号线南延段今日6时起开通试运营，新增车站4座，城南片区居民进城通勤时间将缩短约20分钟。",
      "试运营期间，首班车6:00发车，末班车22:30发车，高峰时段行车间隔约4分钟。",
      "区交通委提醒，新开通车站周边公交线路同步调整，市民可通过“城南出行”公众号查询。"]),
    ("1105-jingwang", "区“净网”专项行动通报：查处低俗直播、盗版教辅和假冒记者案件", "本报记者 李想 通讯员 陈静", "2025-11-05 10:00",
     ["今年以来，区网信办会同文化市场综合执法大队、公安分局开展“净网”专项行动，共清理低俗色情信息1.2万条，关停违规直播账号36个。",
      "行动中查处一起网店销售盗版教辅案件：当事人通过“网盘链接 自动发货”方式销售盗版电子教辅，执法部门依法没收违法所得并处罚款。",
      "公安机关还打掉一个冒充“法治资讯网”记者、以“有偿删帖”“负面曝光”为名敲诈企业的团伙，抓获犯罪嫌疑人5名。",
      "区网信办提醒，合法新闻单位持有互联网新闻信息服务许可证，招聘记者不收取任何费用；遇到索要“办证费”“删帖费”的情况，请拨打12377举报。"]),
    ("1108-xiaoxue", "城南实验小学新校区投入使用", "本报记者 周晓", "2025-11-08 09:15",
     ["城南实验小学新校区本周一正式启用，新增学位1080个，配有室内体育馆、科学实验室和200米标准跑道。",
      "校长介绍，新校区图书馆藏书3万册，课后服务开设编程、合唱、围棋等28门兴趣课程。"]),
    ("1110-caichang", "老菜场变身“口袋市集” 居民买菜更方便", "本报记者 孙悦", "2025-11-10 07:45",
     ["经过半年改造，南门老菜场以“口袋市集”的新面貌重新开业，摊位统一规划，实行明码标价和电子溯源。",
      "市集二楼开设社区食堂和便民维修点，周边三个社区的老人步行十分钟即可到达。"]),
    ("1112-shitang", "社区老年食堂覆盖全部街道", "本报记者 王敏", "2025-11-12 11:20",
     ["截至10月底，全区已建成社区老年食堂42家，实现街道全覆盖，80岁以上老人用餐享受补贴。",
      "民政局表示，下一步将推出送餐上门服务，优先保障独居和失能老人。"]),
    ("1115-hedao", "城南河综合治理二期完工 沿河绿道全线贯通", "本报记者 赵琳", "2025-11-15 16:00",
     ["城南河综合治理二期工程日前完工，河道水质稳定达到地表水Ⅳ类标准。",
      "沿河12公里绿道全线贯通，新增口袋公园6处，市民可骑行从北湖一直到南郊湿地。"]),
    ("1118-tushuguan", "区图书馆延长开放时间至晚上九点", "实习生 刘畅 本报记者 周晓", "2025-11-18 14:30",
     ["为方便上班族和学生，区图书馆自本月起周一至周五开放时间延长至21:00。",
      "图书馆同步上线少儿阅读推荐书单，家长可凭读者证免费借阅正版电子书。"]),
    ("1121-gongnuan", "今冬供暖季启动 热线24小时受理报修", "本报记者 孙悦", "2025-11-21 18:10",
     ["全区供暖季于11月15日正式启动，供热企业已完成管网检修。", "居民室温不达标可拨打供热服务热线，维修人员接单后两小时内上门。"]),
]
PER_PAGE = 5


def shell(title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)}_{OUTLET}</title>
<meta property="og:site_name" content="{OUTLET}">
{head}</head>
<body>
<header class="masthead"><a class="outlet" href="/">{OUTLET}</a>
<nav><a href="/">首页</a> <a href="/about.html">关于本报</a> <a href="/zhaopin.html">招聘</a></nav></header>
<div class="container">
{body}</div>
<footer class="footer">
<p class="licence">{LICENCE}</p>
<p>{OUTLET}社主办 新闻热线：010-8888-0000 违法和不良信息举报电话：010-8888-1234 举报邮箱：jubao@chengnan-daily.example</p>
<p>京ICP备2010004567号 京公网安备11010502030000号</p>
</footer>
</body>
</html>
"""


def row(a) -> str:
    slug, title, _, published, _ = a
    return f'<li class="news-item"><a class="article-link" href="/news/2025/{slug}.html">{esc(title)}</a> <span class="date">{published[:10]}</span></li>\n'


def build(w: Writer) -> None:
    newest = list(reversed(ARTICLES))
    pages = [newest[i:i + PER_PAGE] for i in range(0, len(newest), PER_PAGE)]
    for n, chunk in enumerate(pages, start=1):
        path = "/" if n == 1 else f"/list/{n}.html"
        nxt = f'<a class="next" href="/list/{n + 1}.html">下一页</a>' if n < len(pages) else ""
        extra = ""
        if n == 1:
            extra = """<div class="side">
<h2>专题</h2>
<ul>
<li><a href="/news/live.html">“城南发布”新闻发布会图文直播</a></li>
<li><a href="/news/old/1001.html">往期报道：地铁南延段通车</a></li>
</ul>
</div>
"""
        w.add(path, shell("首页" if n == 1 else f"新闻列表 第{n}页", f"""<h1 class="section-title">本地要闻</h1>
<ul class="news-list">
{''.join(row(a) for a in chunk)}</ul>
<div class="pages">{nxt}</div>
{extra}"""))
    for slug, title, byline, published, body in ARTICLES:
        iso = published.replace(" ", "T") + ":00+08:00"
        head = (f'<meta property="og:title" content="{esc(title)}">\n<meta property="og:type" content="article">\n'
                f'<meta property="article:published_time" content="{iso}">\n<meta name="author" content="{esc(byline)}">\n')
        w.add(f"/news/2025/{slug}.html", shell(title, f"""<article class="article">
<h1 class="article-title">{esc(title)}</h1>
<div class="article-meta"><span class="byline">{esc(byline)}</span> <time class="published" datetime="{iso}">{published}</time> <span class="source">来源：{OUTLET}</span></div>
<div class="article-body">
{paras(body)}</div>
<p class="editor">责任编辑：黄海</p>
</article>
""", head))
    w.add("/about.html", shell("关于本报", f"""<div class="about">
<h1>关于{OUTLET}</h1>
<p>{OUTLET}创刊于1952年，是中共城南区委机关报，国内统一连续出版物号CN11-0000。本网站是{OUTLET}唯一官方网站。</p>
<p class="licence-claim">{LICENCE}（采编发布服务）</p>
<p class="contact">地址：北京市城南区文化路18号 邮编：100000 电话：010-8888-0000 邮箱：news@chengnan-daily.example</p>
<p><a href="/preview/">内部稿件预览（仅限编辑部）</a></p>
</div>
"""))
    w.add("/zhaopin.html", shell("招聘", f"""<div class="recruit">
<h1>{OUTLET}社2025年公开招聘采编人员公告</h1>
<p>因工作需要，{OUTLET}社面向社会公开招聘文字记者3名、视频编辑2名。本社持有{LICENCE}。</p>
<p>报名条件：本科及以上学历，新闻传播、中文等相关专业；录用后由本社按规定统一申领新闻记者证。</p>
<p>招聘全程不收取任何费用，凡以本社名义收取报名费、培训费、办证费的均属诈骗。</p>
<p class="contact">报名邮箱：hr@chengnan-daily.example 咨询电话：010-8888-0020（工作日）</p>
</div>
"""))
    w.add("/preview/", shell("稿件预览", "<h1>内部稿件预览</h1><p>请使用采编系统账号登录。</p>\n"))
    w.add("/robots.txt", "User-agent: *\nDisallow: /preview/\n")
