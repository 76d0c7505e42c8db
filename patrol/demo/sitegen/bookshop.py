"""Render the licensed bookseller "新华书香网上书店" (site ``bookshop``; clean)."""

from __future__ import annotations

from patrol.demo.sitegen.common import Writer, esc, paras

SHOP = "新华书香网上书店"
LICENCE = "出版物经营许可证：新出发京零字第东150042号"
COMPANY = "北京新华书香图书发行有限公司"

BOOKS = [  # isbn12 (check digit computed), title, author, publisher, price, intro
    ("978752250163", "小学数学同步练习册 五年级上册", "本书编写组", "北京教育出版社", "18.50",
     ["紧扣新课标教材编排，每课配基础练习、能力提升和单元测试。", "附参考答案与解析，便于家长辅导。"]),
    ("978751359876", "英语分级阅读 第三级（全8册）", "外研社少儿英语编写组", "外语教学与研究出版社", "96.00",
     ["为小学中高年级学生设计的分级读物，每册附词汇表与阅读理解练习。"]),
    ("978702011483", "城南旧事", "林海音 著", "人民文学出版社", "25.00",
     ["以英子的童年视角，描写二十年代老北京城南的人和事，入选语文教材推荐阅读书目。"]),
    ("978755604321", "十万个为什么（少儿彩图版）", "少儿科普编委会", "少年儿童出版社", "39.80",
     ["天文地理、动物植物、人体奥秘，一千个孩子最爱问的问题，全彩插图。"]),
    ("978753039955", "初中物理实验探究手册", "王建国 主编", "江苏凤凰科学技术出版社", "32.00",
     ["收录初中阶段48个必做实验，含器材清单、步骤图解与安全提示。"]),
    ("978710113502", "中华古诗词诵读本（小学卷）", "中华诵读工程组", "中华书局", "28.00",
     ["精选小学阶段古诗词，注音、注释、译文齐全，附名家朗诵音频二维码。"]),
    ("978754723109", "小学生必备成语词典（彩图版）", "辞书编写组", "商务印书馆", "29.90",
     ["收录常用成语4000余条，释义准确，例句贴近生活。"]),
    ("978753436678", "高考数学真题分类详解 2025", "高考命题研究组", "北京师范大学出版社", "59.00",
     ["近十年高考数学真题按考点分类，逐题详解，正版图书附防伪标识。"]),
]
PER_PAGE = 5


def isbn13(prefix12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(prefix12))
    return prefix12 + str((10 - total % 10) % 10)


def shell(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)} | {SHOP}</title>
<meta name="description" content="{SHOP}：正版图书、教辅、少儿读物网上销售，全国包邮。">
<meta property="og:site_name" content="{SHOP}">
</head>
<body>
<div id="top" class="topbar"><span class="shop-name">{SHOP}</span>
<a href="/">首页</a> <a href="/books/">全部图书</a> <a href="/zizhi.html">经营资质</a> <a href="/cart/">购物车</a></div>
<div id="content">
{body}</div>
<div id="footer" class="footer">
<p class="footer-licence">{LICENCE} <a href="/zizhi.html">查看资质</a></p>
<p>{COMPANY} 京ICP备2019001234号 客服热线：400-810-0000</p>
</div>
</body>
</html>
"""


def item(isbn: str, title: str, price: str) -> str:
    return f"""<div class="book-item">
<a class="book-link" href="/book/{isbn}.html"><h3 class="book-title">{esc(title)}</h3></a>
<span class="book-price">¥{price}</span>
</div>
"""


def build(w: Writer) -> None:
    books = [(isbn13(b[0]),) + b[1:] for b in BOOKS]
    w.add("/", shell("首页", f"""<h1>正版好书 送到家</h1>
<p class="intro">{SHOP}是新华书店系统授权的网上书店，所售图书均为出版社正版。</p>
<div class="book-grid">
{''.join(item(b[0], b[1], b[4]) for b in books[:4])}</div>
<p><a class="more" href="/books/">查看全部图书</a></p>
"""))
    pages = [books[i:i + PER_PAGE] for i in range(0, len(books), PER_PAGE)]
    for n, chunk in enumerate(pages, start=1):
        path = "/books/" if n == 1 else f"/books/page-{n}.html"
        nxt = f'<a class="next" href="/books/page-{n + 1}.html">下一页</a>' if n < len(pages) else ""
        prev = '<a class="prev" href="/books/">上一页</a>' if n > 1 else ""
        w.add(path, shell(f"全部图书 第{n}页", f"""<h1>全部图书</h1>
<div class="book-grid">
{''.join(item(b[0], b[1], b[4]) for b in chunk)}</div>
<div class="pagination">{prev} <span>第{n}页</span> {nxt}</div>
"""))
    for isbn, title, author, publisher, price, intro in books:
        w.add(f"/book/{isbn}.html", shell(title, f"""<div class="product">
<h1 class="book-title">{esc(title)}</h1>
<ul class="book-props">
<li>作者：<span class="book-author">{esc(author)}</span></li>
<li>出版社：<span class="book-publisher">{esc(publisher)}</span></li>
<li>ISBN：<span class="book-isbn">{isbn}</span></li>
</ul>
<p class="price-line">售价：<span class="book-price">¥{price}</span></p>
<a class="buy" href="/cart/">加入购物车</a>
<div class="book-intro">
<h2>内容简介</h2>
{paras(intro)}</div>
</div>
"""))
    w.add("/zizhi.html", shell("经营资质", f"""<h1>经营资质</h1>
<div class="licence-info">
<p class="licence">{LICENCE}</p>
<p>发证机关：北京市东城区文化和旅游局 有效期至：2028年12月31日</p>
<p class="company-name">{COMPANY}</p>
<p>统一社会信用代码：91110101MA01ABCD2X</p>
<p>经营范围：图书、报纸、期刊、电子出版物零售；音像制品零售。</p>
<p class="contact">地址：北京市东城区东直门南大街5号 电话：010-6400-0000</p>
</div>
"""))
    w.add("/cart/", shell("购物车", "<h1>购物车</h1><p>购物车是空的。</p>\n"))
    w.add("/robots.txt", "User-agent: *\nDisallow: /cart/\n")
