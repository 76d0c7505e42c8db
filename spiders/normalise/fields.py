"""Normalisers of the typed fields other than dates (see __init__)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

# -- downloads -----------------------------------------------------------------
_UNITS = {"千万": 10_000_000, "百万": 1_000_000, "亿": 100_000_000, "万": 10_000, "千": 1_000,
          "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
# A number with its magnitude word; a size (MB, GB, KB, M alone after a size label) is never a count.
_COUNT = re.compile(r"(?<![\d.])((?>\d[\d,，]*(?:\.\d+)?))\s*(千万|百万|亿|万|千|[kKmMbB](?![a-zA-Z]))?\s*(\+|多|余|以上)?"
                    r"(?!\s*(?:[MGKT]i?B|[MGKT]\b|兆|字节|岁|分|星|元|个月|天|小时))", re.I)
_SIZE_BEFORE = re.compile(r"(?:大小|体积|安装包|包大小)\s*[:：]?\s*$")


def normalise_downloads(value: Any) -> int | None:
    """The displayed download count's lower bound: '1.2亿次' → 120000000, '35万+' → 350000,
    '10,000+' → 10000, '1,234 万' → 12340000; '64.0MB' → None (a size, never a count)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = re.sub(r"\s+", " ", str(value))
    for m in _COUNT.finditer(text):
        if _SIZE_BEFORE.search(text[:m.start()]):
            continue
        unit = (m.group(2) or "").lower()
        if unit == "m" and re.match(r"\s*(?:b|字节)", text[m.end(2):], re.I):
            continue
        try:
            number = Decimal(m.group(1).replace(",", "").replace("，", ""))
        except InvalidOperation:
            continue
        return int(number * _UNITS.get(unit, 1))
    return None


def normalise_rating(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.search(r"(\d+(?:\.\d+)?)", str(value))
    if not m:
        return None
    rating = float(m.group(1))
    return rating if rating <= 10 else None


# -- version, age rating -----------------------------------------------------------
_VERSION = re.compile(r"(?<![\d.])[vV]?\s*(\d+(?:\.\d+){0,4}(?:[-_.]?(?:beta|alpha|rc|build)\d*)?)(?![\d.]*\s*(?:MB|M\b|GB|KB|岁))", re.I)


def normalise_version(value: Any) -> str | None:
    """'V1.0.6' → '1.0.6', '当前版本：13.8.2' → '13.8.2', '版本 v2.3.0-beta' → '2.3.0-beta'."""
    if value in (None, ""):
        return None
    m = _VERSION.search(str(value))
    return m.group(1) if m else None


_AGE = re.compile(r"(\d{1,2})\s*(?:\+|岁|周岁|years?|yrs?)")
_ALL_AGES = re.compile(r"全年龄|所有年龄|所有人|适合所有|老少皆宜|\b(?:E|Everyone)\b|^4\+$")


def normalise_age_rating(value: Any) -> str | None:
    """'3岁以上' → '3+', '适用年龄 8岁以上' → '8+', '12+' → '12+', '18岁及以上' → '18+', '全年龄' → '0+'."""
    if value in (None, ""):
        return None
    text = str(value)
    m = _AGE.search(text)
    if m:
        return f"{int(m.group(1))}+"
    if _ALL_AGES.search(text):
        return "0+"
    return None


# -- price ---------------------------------------------------------------------
_NUM = r"(\d[\d,]*(?:\.\d{1,2})?)"
# What the buyer pays now, strongest first: a promotion's price over the plain
# 价格/售价 beside it (淘宝 shows 价格 ¥98.00 struck, then 促销价 ¥49.90)
_SELLING = re.compile(r"(?:促销价|券后价|到手价|活动价|秒杀价|折后价|拼单价|拼团价|团购价|特价|优惠价|限时价)"
                      r"\s*[:：]?\s*[¥￥]?\s*" + _NUM)
_PLAIN_PRICE = re.compile(r"(?:现价|售价|会员价|价格)\s*[:：]?\s*[¥￥]?\s*" + _NUM)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000\xa0]+(?=[\u4e00-\u9fff])")
_LIST = re.compile(r"(?:定价|原价|市场价|标价|吊牌价|参考价|划线价)\s*[:：]?\s*[¥￥]?\s*" + _NUM)
_THRESHOLD = re.compile(r"满\s*[¥￥]?\s*\d[\d,.]*\s*元?\s*(?:包邮|减|可用|立减|送|返)|[¥￥]?\s*\d[\d,.]*\s*元?\s*(?:包邮|免运费|起包邮)|"
                        r"(?:运费|邮费|快递)\s*[:：]?\s*[¥￥]?\s*\d[\d,.]*\s*元?|减\s*\d+\s*元?|\d+\s*元\s*(?:券|优惠券)")
_ANY_PRICE = re.compile(r"[¥￥]\s*" + _NUM + r"|" + _NUM + r"\s*元")


def _f(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def normalise_price(value: Any) -> float | None:
    """The current selling price: 促销价/券后价/现价 over 定价/原价; never a shipping
    threshold (满99元包邮) or a coupon. '¥39.80 定价¥59.00' → 39.8."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _CJK_GAP.sub("", str(value))  # '到 手 价' as 京东 spaces it
    m = _SELLING.search(text) or _PLAIN_PRICE.search(text)
    if m:
        return _f(m.group(1))
    text = _THRESHOLD.sub(" ", text)
    text = _LIST.sub(" ", text)  # a list price is shown struck through beside the selling one
    m = _ANY_PRICE.search(text)
    if m:
        return _f(m.group(1) or m.group(2))
    m = re.fullmatch(r"\s*" + _NUM + r"\s*", text)
    return _f(m.group(1)) if m else None


# -- licence numbers -------------------------------------------------------------
# 出版物经营许可证: 新出发京批字第直110084号, 新出发沪零字第宝山1234号 (the form the checks expect)
SHOP_LICENCE = re.compile(r"新出发\s*[\u4e00-\u9fff]{1,2}\s*[\u4e00-\u9fff]{0,2}字\s*第\s*"
                          r"[\u4e00-\u9fffA-Za-z]{0,4}\s*\d{3,10}\s*号")
SHOP_LICENCE_LABEL = re.compile(r"出版物经营许可证?(?:编号|号)?\s*[:：]?\s*")
# 互联网新闻信息服务许可证: 11 digits after its label
NEWS_LICENCE = re.compile(r"(?:互联网新闻信息服务许可证?|新闻信息服务许可证)(?:编号|号)?\s*[:：]?\s*(\d{11})(?!\d)")
ICP = re.compile(r"[\u4e00-\u9fff]{1,2}\s*ICP\s*[备证]\s*\d+\s*号?(?:\s*-\s*\d+)?", re.I)
CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_SEGMENT_END = re.compile(r"[|｜丨;；。]|\s{2,}|[\u4e00-\u9fff]?\s*ICP|统一社会信用代码|营业执照|备案|公网安备|增值电信")


def normalise_shop_licence(value: Any) -> str | None:
    """The 出版物经营许可证 a shop shows: its number when it has the number's form; else
    the claim as worded after the label ('出版物经营许可证：办理中'), never an ICP number
    or a 统一社会信用代码, never the rest of the footer line."""
    if value in (None, ""):
        return None
    text = str(value)
    m = SHOP_LICENCE.search(text)
    if m:
        return re.sub(r"\s+", "", m.group(0))
    m = SHOP_LICENCE_LABEL.search(text)
    if not m:
        return None
    rest = text[m.end():]
    end = _SEGMENT_END.search(rest)
    claim = rest[:end.start()] if end else rest
    claim = ICP.sub("", CREDIT_CODE.sub("", claim)).strip(" ，,：:")[:40]
    return f"出版物经营许可证：{claim}" if claim else "出版物经营许可证"


def normalise_news_licence(value: Any) -> str | None:
    """'… 互联网新闻信息服务许可证编号：11120180003 | 京ICP备…' → the licence statement
    '互联网新闻信息服务许可证编号：11120180003'; an ICP number alone is never a licence."""
    if value in (None, ""):
        return None
    text = str(value)
    found = [re.sub(r"\s+", "", m.group(0)) for m in NEWS_LICENCE.finditer(text)]
    if found:
        return " ".join(dict.fromkeys(found))
    # other claims (刊号, 新闻记者证, "国家级新闻门户"…) as worded, ICP numbers cut out:
    # the fake-media check judges the claim itself
    claim = re.sub(r"\s+", " ", ICP.sub(" ", text)).strip(" ，,|｜")
    return claim[:300] or None


# -- byline --------------------------------------------------------------------
_ROLE = (r"本报记者|本台记者|本网记者|特约记者|实习记者|见习记者|首席记者|记者|通讯员|特约撰稿人|撰稿|"
         r"作者|撰文|文字|文(?=\s*[/／:：|丨｜])|来源|编译|综合|报道|"
         r"本報記者|記者|通訊員|報導|報道|來源|編譯")
_NOT_REPORTER = re.compile(r"(?:责任编辑|責任編輯|责编|编辑|編輯|主编|攝影|审核|审校|校对|监制|摄影|摄像|图片|视频|制图|设计|美编|"
                           r"策划|统筹|出品|翻译|实习生|(?<!文/)(?<!文／)图)\s*[:：/|丨｜]?\s*[\u4e00-\u9fff·]{2,4}")
_ROLE_RE = re.compile(r"(?:" + _ROLE + r")\s*[:：/|丨｜]?\s*")
_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}(?:·[\u4e00-\u9fff]{2,6})?|[A-Z][a-z]+(?: [A-Z][a-z]+)+")
_EMAIL = re.compile(r"\S+@\S+")
_BAD_NAME = re.compile(r"^(?:本人|本报|本网|本台|新华|记者|编辑|通讯|来源|作者|发布|责任|日报|晚报|网站|客户端|"
                       r"了解|今年|获悉|报道|介绍|表示|近日|日前|昨日|今天)|[的了是在和与从对将说称为]|"
                       r"(?:报|网|社|台|站|号|讯|刊|中心|频道|新闻|日报|晚报|时报|部|局|办|委|处|厅|院|所|队|会|室|组|科)$|"
                       r"观点|声明|上传|平台")
_SPLIT = re.compile(r"[、，,/ 和及\s]+")


_SPACED_NAME = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000\xa0]{1,2}([\u4e00-\u9fff])(?![\u4e00-\u9fff])")


def join_spaced_names(text: str) -> str:
    """'本报记者  王 浩' → '本报记者  王浩': a two-character name spaced out to the width of three."""
    return _SPACED_NAME.sub(r"\1\2", text)


_BY_EN = re.compile(r"^\s*(?:by|written by|reporter:?)\s+(.+)$", re.I)
_EN_WORD = r"(?!(?:Published|Updated|Posted|Source|Editor|Photo|Date|Time|From|PUBLISHED|UPDATED)\b)(?:[A-Z][a-z]+|[A-Z]{2,})"
_EN_NAMES = re.compile(_EN_WORD + r"(?: " + _EN_WORD + r"){1,2}")


def normalise_byline(value: Any, outlet: str | None = None) -> str | None:
    """The reporters' names: '本报记者 王敏' → '王敏', '记者 李明 通讯员 张华' → '李明、张华',
    'By Li Qiang and Zhou Min' → 'Li Qiang、Zhou Min';
    never an editor or photographer (责任编辑：…, 摄影：…), never the outlet or an e-mail."""
    if value in (None, ""):
        return None
    text = join_spaced_names(_EMAIL.sub(" ", str(value)))
    english = _BY_EN.match(text)
    if english:
        # 'By ZHANG WEI in Beijing | China Daily': the names end at the place or the outlet
        names_part = re.split(r"\s+(?:in|from|at|for)\s+|[|｜]", english.group(1))[0]
        names = [n for n in _EN_NAMES.findall(names_part) if not (outlet and n in outlet)]
        return "、".join(dict.fromkeys(names[:6])) or None
    text = _NOT_REPORTER.sub(" ", text)
    text = re.sub(r"[（(【\[].*?[）)】\]]", " ", text)  # (实习生), 【来源】
    names: list[str] = []
    has_role = bool(_ROLE_RE.search(text))
    chunks = _ROLE_RE.split(text) if has_role else [text]
    for chunk in chunks:
        for piece in _SPLIT.split(chunk.strip()):
            piece = piece.strip("：:·|丨 ")
            if not piece:
                continue
            m = _NAME.fullmatch(piece)
            if not m or _BAD_NAME.search(piece):
                continue
            if outlet and (piece in outlet or outlet in piece):
                continue
            if piece not in names:
                names.append(piece)
    return "、".join(names[:6]) or None
