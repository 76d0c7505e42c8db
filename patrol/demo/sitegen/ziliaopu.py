"""Render the pirate e-book shop "学霸资料铺" (site ``ziliaopu``; flaggable:
unlicensed_publication). Two pages are GBK bytes, one page declares no charset."""

from __future__ import annotations

from patrol.demo.sitegen.common import Writer, esc, paras

SHOP = "学霸资料铺"
GOODS = [  # id, title, price, sold, description paragraphs
    ("1001", "2025新版 五年级上册 全套教辅 PDF 网盘链接 自动发货", "9.9", "3256",
     ["含语数英全套同步练习、单元测试卷及答案，高清扫描PDF。", "拍下后自动发送百度网盘链接和提取码，永久有效，不退不换。"]),
    ("1002", "人教版 小学1-6年级 电子课本 全套 高清PDF 百度网盘", "5.8", "8810",
     ["全部年级全部科目电子课本，打印清晰，可直接打印成册使用。"]),
    ("1003", "2025 五年高考三年模拟 全科 电子版 扫描PDF 含答案", "19.9", "1422",
     ["正版书扫描，语数英物化生政史地全科，答案解析完整。", "网盘发货，链接失效免费补发，付款后联系客服领取。"]),
    ("1004", "王后雄学案 初中全套 网盘 永久有效", "12.8", "967",
     ["七八九年级全套学案电子版，word+PDF双格式，可编辑打印。"]),
    ("1005", "新概念英语 全四册 电子书+音频 网盘", "3.9", "5120",
     ["教材PDF加全套MP3音频，一次购买永久更新。"]),
    ("1006", "考研政治 全程班讲义 PDF 合集 2026", "29.9", "733",
     ["名师全程班讲义、背诵手册、冲刺四套卷电子版合集。"]),
    ("1007", "小学奥数 举一反三 1-6年级 全套 电子版", "6.6", "2048",
     ["A版B版全套，含详细解答，家长辅导必备。"]),
    ("1008", "热门畅销小说 1000本 epub mobi 打包下载", "8.8", "4390",
     ["近年畅销书电子版打包，支持Kindle和手机阅读，网盘秒发。"]),
]
PER_PAGE = 5
GBK_PAGES = {"/goods/1003.html": "header+meta", "/notice.html": "meta"}
NO_CHARSET_PAGE = "/goods/1004.html"


def head(charset: str) -> str:
    if charset == "header+meta":
        return '<meta charset="gbk">\n'
    if charset == "meta":
        return '<meta http-equiv="Content-Type" content="text/html; charset=gbk">\n'
    if charset == "none":
        return ""
    return '<meta charset="utf-8">\n'


def shell(title: str, body: str, charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
{head(charset)}<title>{esc(title)}-{SHOP}</title>
<meta name="keywords" content="教辅PDF,电子课本,网盘资料,学习资料">
</head>
<body>
<table class="header" width="100%"><tr>
<td><b class="shop-name">{SHOP}</b> <span class="slogan">全网最全学习资料 自动发货</span></td>
<td align="right"><a href="/">首页</a> | <a href="/notice.html">本店公告</a> | <a href="/admin/">卖家中心</a></td>
</tr></table>
{body}
<div class="foot">
<p class="seller">店主：学霸君 微信：xbzl2025（备注“资料”） QQ群：123456789</p>
<p>本店资料均来源于网络，仅供学习交流，如有侵权请联系删除。</p>
</div>
</body>
</html>
"""


def goods_li(g) -> str:
    gid, title, price, sold, _ = g
    return f"""<li class="goods">
<a class="goods-link" href="/goods/{gid}.html"><span class="goods-title">{esc(title)}</span></a>
<em class="goods-price">￥{price}</em> <span class="sales">已售 {sold}</span>
</li>
"""


def build(w: Writer) -> None:
    pages = [GOODS[i:i + PER_PAGE] for i in range(0, len(GOODS), PER_PAGE)]
    for n, chunk in enumerate(pages, start=1):
        path = "/" if n == 1 else f"/list-{n}.html"
        extra = ""
        if n == len(pages):
            extra = ('<li class="goods sold-out"><a class="goods-link" href="/goods/1099.html">'
                     '<span class="goods-title">【已下架】2024 初中全科 网课视频 网盘</span></a>'
                     ' <em class="goods-price">￥15.0</em></li>\n')
        nxt = f'<a class="next" href="/list-{n + 1}.html">下一页</a>' if n < len(pages) else ""
        w.add(path, shell("首页" if n == 1 else f"第{n}页", f"""<div class="notice-bar">拍下自动发货，网盘链接永久有效！详见<a href="/notice.html">本店公告</a></div>
<ul class="goods-list">
{''.join(goods_li(g) for g in chunk)}{extra}</ul>
<div class="page">第{n}页 {nxt}</div>
"""))
    for gid, title, price, sold, desc in GOODS:
        path = f"/goods/{gid}.html"
        charset = GBK_PAGES.get(path) or ("none" if path == NO_CHARSET_PAGE else "utf-8")
        page = shell(title, f"""<div class="goods-detail">
<h1 class="goods-title">{esc(title)}</h1>
<p>价格：<em class="goods-price">￥{price}</em> 月销：<span class="sales">{sold}</span></p>
<p class="delivery">发货方式：网盘链接 自动发货</p>
<div class="goods-desc">
{paras(desc)}</div>
<a class="buy" href="/admin/order?goods={gid}">立即购买</a>
</div>
""", charset)
        w.add(path, page, "gbk" if path in GBK_PAGES else "utf-8")
    w.add("/notice.html", shell("本店公告", """<div class="shop-notice">
<h1>本店公告</h1>
<ol>
<li>本店所有资料均为电子版，不发实体书，拍下后系统自动发送网盘链接和提取码。</li>
<li>虚拟商品一经发出概不退换，链接失效请联系客服免费补发。</li>
<li>因平台审核，商品标题中的“电子版”可能显示为“学习笔记”，请放心购买。</li>
<li>批量代理请加微信 xbzl2025，教辅全套资源一手货源，价格从优。</li>
<li>大额订单可直接转支付宝 xbzl2025@163.com，转账后截图发客服。</li>
</ol>
</div>
""", "meta"), "gbk")
    w.add("/admin/", shell("卖家中心", "<h1>卖家中心</h1><p>请先登录。</p>\n"))
    w.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
