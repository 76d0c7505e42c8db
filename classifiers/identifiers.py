"""Identifiers a seller or an outlet leaves in a page: phone numbers, QQ and
WeChat ids, e-mail, URLs and their registrable domains, 网盘 share links and
codes, payment accounts, 统一社会信用代码, ICP 备案 numbers, publication and
news licence numbers, company names.

Plain text in, typed and normalised identifiers out, each with the offsets of
the original text it came from, so a console can highlight it. Nothing is
looked up anywhere: numbers are checked by their own rules (phonenumbers'
metadata, the USCC check digit of python-stdnum), domains against the public
suffix list bundled with tldextract (no download).

Evasions are folded before matching, in a copy of the text that keeps the
index of every original character (``Folded``): full-width forms (NFKC),
zero-width characters, digits written in Chinese (一三八…, digit by digit as
sellers write them, in runs of five or more), digits spaced or dashed apart
("138 1234 5678"), and the stand-in names "V信", "薇", "扣扣", "企鹅".

Bad input: every candidate is validated before it is kept, and an item keeps
at most ``MAX_PER_TYPE`` identifiers of a type and ``MAX_PER_ITEM`` in all;
what is dropped is counted (``Extraction.dropped``), so a price list or an
ISBN table cannot become a thousand "phone numbers".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from stdnum import luhn
from stdnum.cn import uscc

TYPES = ("phone", "qq", "wechat", "email", "url", "domain", "netdisk", "netdisk_code", "payment",
         "uscc", "icp", "pub_licence", "news_licence", "company")
# Types too short or too generic to join two items on their own (a 4-character
# extraction code is shared by chance); they are kept and shown, never linked by.
WEAK_TYPES = frozenset({"netdisk_code"})
MAX_PER_TYPE = 20
MAX_PER_ITEM = 100
MAX_TEXT = 200_000           # characters of one field read at most
PASSAGE_CONTEXT = 40         # characters each side kept as the identifier's passage

NETDISK_HOSTS = ("pan.baidu.com", "yun.baidu.com", "aliyundrive.com", "alipan.com", "pan.quark.cn",
                 "123pan.com", "cloud.189.cn", "pan.xunlei.com", "weiyun.com", "lanzoui.com",
                 "lanzoux.com", "lanzou.com", "115.com", "caiyun.139.com", "mega.nz")

_ZERO_WIDTH = set("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
                  "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\ufeff")
# Digit by digit, as phone numbers are written out to dodge filters; 幺 is the
# spoken "one" of phone numbers. (cn2an converts quantities — 一百三十八 — which
# is not how a number to dial is written, so a table is the right tool here.)
_CN_DIGITS = {ch: str(n) for n, chars in enumerate(
    ["零〇○洞", "一壹幺", "二贰两", "三叁", "四肆", "五伍", "六陆", "七柒拐", "八捌", "九玖"])
    for ch in chars}
_CN_RUN = re.compile("[" + "".join(_CN_DIGITS) + r"0-9]{5,}")
_DIGIT_SEP = " \t\u3000-‐‑–—_"


@dataclass(frozen=True)
class Identifier:
    type: str
    value: str        # normalised: what two items must share to be linked
    raw: str          # the original text it was read from
    start: int        # offsets into the original text of ``field``
    end: int
    field: str = "text"

    @property
    def key(self) -> str:
        return f"{self.type}:{self.value}"

    def as_dict(self) -> dict:
        return {"type": self.type, "value": self.value, "raw": self.raw, "start": self.start,
                "end": self.end, "field": self.field}


@dataclass
class Extraction:
    identifiers: list[Identifier] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)   # {type or "invalid/<type>": n}

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + n


class Folded:
    """``text`` with evasions folded; ``src[i]`` is the original index of ``text[i]``."""

    def __init__(self, original: str):
        chars: list[str] = []
        src: list[int] = []
        for i, ch in enumerate(original):
            if ch in _ZERO_WIDTH:
                continue
            out = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7f else ch
            for o in out:
                chars.append(o)
                src.append(i)
        text = "".join(chars)
        # Chinese digits, only in runs of five or more (never the 一 of a sentence).
        for m in _CN_RUN.finditer(text):
            if any(c in _CN_DIGITS for c in m.group()):
                for j in range(m.start(), m.end()):
                    chars[j] = _CN_DIGITS.get(chars[j], chars[j])
        # Digits split by spaces or dashes: drop separators between short digit groups.
        keep = [True] * len(chars)
        j, n = 0, len(chars)
        while j < n:
            if chars[j].isdigit() and chars[j].isascii():
                k = j
                groups = []
                while True:
                    g = k
                    while k < n and chars[k].isascii() and chars[k].isdigit():
                        k += 1
                    groups.append((g, k))
                    s = k
                    while s < n and s - k < 2 and chars[s] in _DIGIT_SEP:
                        s += 1
                    if s > k and s < n and chars[s].isascii() and chars[s].isdigit():
                        k = s
                        continue
                    break
                if len(groups) > 1 and all(b - a <= 4 for a, b in groups) \
                        and sum(b - a for a, b in groups) <= 12:
                    for (a, b), (c2, _) in zip(groups, groups[1:]):
                        for x in range(b, c2):
                            keep[x] = False
                j = k
            else:
                j += 1
        self.text = "".join(c for c, kp in zip(chars, keep) if kp).lower()
        self.src = [s for s, kp in zip(src, keep) if kp]
        self.original = original

    def span(self, start: int, end: int) -> tuple[int, int]:
        if start >= end or not self.src:
            return 0, 0
        return self.src[start], self.src[end - 1] + 1


_QQ = re.compile(r"(?:qq|扣扣|企鹅|q号|球球)(?:号码|号|群|群号)?\s*[:=]?\s*([1-9][0-9]{4,10})(?![0-9])")
_WECHAT = re.compile(r"(?:微信|威信|薇信|v信|维信|vx|wx|weixin|wechat|加薇|薇|微|加v|\+v)"
                     r"(?:号|id)?\s*[:=]?\s*([a-z][-_a-z0-9]{5,19}|1[3-9][0-9]{9})(?![-_a-z0-9])")
_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}")
_URL = re.compile(r"(?:https?://|www\.)[a-z0-9\-._~%]+(?::[0-9]{1,5})?(?:/[a-z0-9\-._~%/?#=&+:@!*]*)?")
_BARE_DOMAIN = re.compile(r"(?<![a-z0-9@.\-/])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,18}"
                          r"(?:/[a-z0-9\-._~%/?=&+]*)?(?![a-z0-9@\-])")
_CODE = re.compile(r"(?:提取码|提取碼|密码|访问码|取件码|pwd=|pwd)\s*[:=]?\s*([a-z0-9]{4})(?![a-z0-9])")
_PAY = re.compile(r"(支付宝|alipay|微信支付|收款账号|收款账户|收款码|银行卡号?|卡号|对公账户|账号)"
                  r"\s*[:=]?\s*([a-z0-9@._+-]{5,40})")
_USCC = re.compile(r"(?<![0-9a-z])[0-9a-hj-npqrtuwxy][0-9][0-9]{6}[0-9a-hj-npqrtuwxy]{10}(?![0-9a-z])")
_ICP = re.compile(r"([京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新])\s*icp\s*"
                  r"(备|证)?\s*([0-9]{6,10})\s*号?(?:-[0-9]{1,3})?")
_PUB = re.compile(r"出版物经营许可证\s*(?:号|编号)?\s*[:]?\s*([\u4e00-\u9fffa-z0-9()\-]{3,30}?号?)"
                  r"(?=[\s,;。，；)]|$)")
_NEWS = re.compile(r"互联网新闻信息服务许可证\s*(?:号|编号)?\s*[:]?\s*([0-9]{11})(?![0-9])")
_COMPANY = re.compile(r"[\u4e00-\u9fff()]{2,24}?(?:有限责任公司|股份有限公司|有限公司|集团)")
_COMPANY_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,6}(?:[:]|由|是|为|归|属于|版权所有|主办单位|主办方|运营方|运营主体|运营|"
    r"主办|公司名称|单位名称|名称|所属|隶属于|隶属|我们是|欢迎|联系|本站|本网|本店|本公司|投资方|"
    r"承办|合作方|授权|委托|签约))+")


@lru_cache(maxsize=1)
def _tld():
    import tldextract
    # suffix_list_urls=() and no cache dir: the snapshot inside the package, never a download.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(host: str) -> str:
    """``pan.baidu.com`` -> ``baidu.com``; "" for a host under no known public suffix."""
    r = _tld()(host)
    return r.top_domain_under_public_suffix if r.suffix and r.domain else ""


def normalise_url(url: str) -> tuple[str, str]:
    """(normalised url, host): scheme and host lower case, no fragment or trailing punctuation."""
    url = url.rstrip(".,;:!?)]}'\"")
    if not url.startswith(("http://", "https://")):
        url = "http://" + url
    scheme, _, rest = url.partition("://")
    host_port, slash, path = rest.partition("/")
    host = host_port.split(":")[0].strip(".")
    path = path.split("#")[0]
    return f"{scheme}://{host_port}{slash}{path}".rstrip("/"), host


def _phone(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in phonenumbers.PhoneNumberMatcher(text, "CN", leniency=phonenumbers.Leniency.VALID,
                                              max_tries=2000):
        digits = re.sub(r"[^0-9+]", "", m.raw_string)
        # A number to dial is written as a mobile (1…), with its area code (0…) or
        # with a country code; "9.9 5.8 19.9" is a price list, however valid it parses.
        if "." in m.raw_string or "/" in m.raw_string or not digits.startswith(("1", "0", "+", "86")):
            out.append((m.start, m.end, "?"))
            continue
        out.append((m.start, m.end, phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)))
    return out


def _as_phone(digits: str) -> str | None:
    try:
        n = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) \
        if phonenumbers.is_valid_number(n) else None


def _candidates(f: Folded) -> list[tuple[str, str, int, int]]:
    """(type, value, start, end) in the folded text, not yet validated or capped."""
    t = f.text
    out: list[tuple[str, str, int, int]] = []
    for a, b, value in _phone(t):
        out.append(("phone", value, a, b))
    for m in _QQ.finditer(t):
        out.append(("qq", m.group(1), m.start(1), m.end(1)))
    for m in _WECHAT.finditer(t):
        v = m.group(1)
        out.append(("wechat", _as_phone(v) or "?" if v[0].isdigit() else v, m.start(1), m.end(1)))
    emails = []
    for m in _EMAIL.finditer(t):
        emails.append((m.start(), m.end()))
        out.append(("email", m.group(), m.start(), m.end()))
    seen_hosts = []
    for rx in (_URL, _BARE_DOMAIN):
        for m in rx.finditer(t):
            if any(a <= m.start() < b for a, b in emails + seen_hosts):
                continue
            seen_hosts.append((m.start(), m.end()))
            url, host = normalise_url(m.group())
            domain = registrable_domain(host)
            if not domain:
                continue
            if any(host == h or host.endswith("." + h) for h in NETDISK_HOSTS):
                if "/" in url.split("://", 1)[1]:
                    out.append(("netdisk", url.split("://", 1)[1], m.start(), m.end()))
            elif rx is _URL or "/" in m.group():
                out.append(("url", url.split("://", 1)[1], m.start(), m.end()))
            out.append(("domain", domain, m.start(), m.end()))
    for m in _CODE.finditer(t):
        out.append(("netdisk_code", m.group(1), m.start(1), m.end(1)))
    for m in _PAY.finditer(t):
        channel = {"支付宝": "alipay", "alipay": "alipay", "微信支付": "wechatpay"}.get(m.group(1), "account")
        v = m.group(2).strip(".-_")
        if v.isdigit() and 15 <= len(v) <= 19 and luhn.is_valid(v):
            value = f"bank:{v}"
        elif _as_phone(v):
            value = f"{channel}:{_as_phone(v)}"
        elif "@" in v and _EMAIL.fullmatch(v):
            value = f"{channel}:{v}"
        elif channel != "account" and len(v) >= 6:
            value = f"{channel}:{v}"
        else:
            value = "?"
        out.append(("payment", value, m.start(2), m.start(2) + len(v)))
    for m in _USCC.finditer(t):
        out.append(("uscc", m.group().upper() if uscc.is_valid(m.group().upper()) else "?",
                    m.start(), m.end()))
    for m in _ICP.finditer(t):
        kind = m.group(2) or "备"
        out.append(("icp", f"{m.group(1)}ICP{kind}{m.group(3)}号", m.start(), m.end()))
    for m in _PUB.finditer(t):
        out.append(("pub_licence", m.group(1).upper(), m.start(1), m.end(1)))
    for m in _NEWS.finditer(t):
        out.append(("news_licence", m.group(1), m.start(1), m.end(1)))
    for m in _COMPANY.finditer(t):
        name = m.group()
        cut = _COMPANY_PREFIX.match(name)
        start = m.start() + (cut.end() if cut else 0)
        name = t[start:m.end()].strip("()")
        core = name[:-4] if name.endswith("有限公司") else name
        out.append(("company", name if len(core) >= 4 else "?", start, m.end()))
    return out


def extract(text: str, *, field: str = "text", offset: int = 0,
            result: Extraction | None = None) -> Extraction:
    """Identifiers of ``text`` (offsets shifted by ``offset``), added to ``result``
    with its caps: one identifier per (type, value) per item, the first seen."""
    result = result if result is not None else Extraction()
    if not isinstance(text, str) or not text:
        return result
    if len(text) > MAX_TEXT:
        result.drop("truncated")
        text = text[:MAX_TEXT]
    f = Folded(text)
    have = {i.key for i in result.identifiers}
    per_type: dict[str, int] = {}
    for i in result.identifiers:
        per_type[i.type] = per_type.get(i.type, 0) + 1
    for typ, value, a, b in sorted(_candidates(f), key=lambda c: (c[2], TYPES.index(c[0]))):
        if value == "?":
            result.drop(f"invalid/{typ}")
            continue
        key = f"{typ}:{value}"
        if key in have:
            continue
        if per_type.get(typ, 0) >= MAX_PER_TYPE or len(result.identifiers) >= MAX_PER_ITEM:
            result.drop(typ)
            continue
        s, e = f.span(a, b)
        have.add(key)
        per_type[typ] = per_type.get(typ, 0) + 1
        result.identifiers.append(Identifier(typ, value, text[s:e], s + offset, e + offset, field))
    return result


def passage(text: str, start: int, end: int, context: int = PASSAGE_CONTEXT) -> str:
    """The identifier with ``context`` characters either side, on one line."""
    a, b = max(0, start - context), min(len(text), end + context)
    return ("…" if a else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")
