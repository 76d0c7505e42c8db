"""Render the second pirate storefront "书屋电子书铺" (site ``shuwu``; flaggable:
unlicensed_publication). The same seller as ``ziliaopu``: it shows the same
WeChat id (written as "V信", full-width digits) and the same 支付宝 account, so
``patrol.cases`` links the two sites into one case."""

from __future__ import annotations

from patrol.demo.sitegen.common import Writer, esc, paras

SHOP = "书屋电子书铺"
# Shared with ziliaopu (one seller behind both).
WECHAT = "ｘｂｚｌ２０２５"            # full-width: normalised to the same id as ziliaopu's xbzl2025
ALIPAY = "xbzl2025@163.com"
GOODS = [  # id, title, price, paragraphs
    ("201", "2025秋 六年级上册 语数英 全套教辅 电子版PDF 网盘秒发", "8.8",
     ["同步练习册、单元卷、期末卷全套扫描版PDF，可直接打印。", "付款后自动发送网盘链接和提取码，资料永久有效。"]),
    ("202", "初中物理 化学 全套名师讲义 PDF 网盘", "12.0",
     ["名校名师讲义电子版，正版书高清扫描，含全部习题答案。"]),
    ("203", "热门网络小说 全本 txt epub 打包 网盘下载", "4.9",
     ["近千本热门小说全本电子书打包，手机阅读器直接导入。", "网盘发货，链接失效联系客服补发。"]),
]


def shell(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)}_{SHOP}</title>
</head>
<body>
<div class="topbar"><b class="shop-name">{SHOP}</b> <span class="slogan">海量电子书 教辅资料 网盘自动发货</span>
<a href="/">首页</a> <a href="/shuoming.html">购买说明</a></div>
{body}
<div class="footer">
<p class="seller">客服 V信：{WECHAT}（同一客服，加好友备注“书屋”） 付款支付宝：{ALIPAY}</p>
<p>资料来源于网络，仅供个人学习使用。</p>
</div>
</body>
</html>
"""


def build(w: Writer) -> None:
    items = "".join(f"""<li class="goods">
<a class="goods-link" href="/goods/{gid}.html"><span class="goods-title">{esc(title)}</span></a>
<em class="goods-price">￥{price}</em>
</li>
""" for gid, title, price, _ in GOODS)
    w.add("/", shell("首页", f"""<div class="notice-bar">全场电子版资料，拍下即发网盘链接，详见<a href="/shuoming.html">购买说明</a></div>
<ul class="goods-list">
{items}</ul>
"""))
    for gid, title, price, desc in GOODS:
        w.add(f"/goods/{gid}.html", shell(title, f"""<div class="goods-detail">
<h1 class="goods-title">{esc(title)}</h1>
<p>价格：<em class="goods-price">￥{price}</em></p>
<p class="delivery">发货方式：百度网盘链接 自动发货</p>
<div class="goods-desc">
{paras(desc)}</div>
</div>
"""))
    w.add("/shuoming.html", shell("购买说明", f"""<div class="shop-notice">
<h1>购买说明</h1>
<ol>
<li>本店全部为电子版资料（PDF、epub、txt），不发实体书，付款后发送网盘链接和提取码。</li>
<li>大额订单可直接转支付宝 {ALIPAY}，转账后加客服 V信 {WECHAT} 发送截图领取资料。</li>
<li>虚拟商品售出不退，链接失效免费补发。</li>
</ol>
</div>
"""))
    w.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
