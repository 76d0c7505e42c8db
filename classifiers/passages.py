"""Passages of a page and the context features of a passage.

A long page is judged passage by passage: windows of ``WINDOW`` characters, a
new one every ``STEP`` characters, so any stretch of up to ``STEP`` characters
lies whole inside some window and one bad paragraph inside 20,000 clean
characters is scored on its own, not diluted by the rest (300-character windows
were still diluted on long real pages: 100/50 is what held). A text of at most
``PARAGRAPH_MAX`` characters is one passage, itself; in a longer text each
paragraph (line) of up to ``PARAGRAPH_MAX`` characters is a passage whole, and a
longer paragraph is cut into windows. Cutting short texts into windows too
separated a quoted lure from the crackdown report around it (hard negatives
flagged rose from 4 % to 7 %), and a paragraph whole is judged as the same text
alone would be.

Context features (reported speech and enforcement): a crackdown report, a
court ruling, a police notice or a commentary quotes the offending phrases; the
model gets, per passage, whether enforcement vocabulary and a reporting verb
occur in it, and per category the share of lexicon hits that stand inside
quotation marks. The word lists are data the linear model weighs; they only
describe the context, they never cancel a hit by themselves.
"""

from __future__ import annotations

import re

import numpy as np

WINDOW = 100
STEP = 50

ENFORCEMENT = re.compile(
    "警方|公安|派出所|民警|刑警|网警|法院|检察院|检察机关|判决|判处|一审|二审|终审|宣判|庭审|被告人?|起诉|公诉|"
    "立案|侦查|刑事拘留|刑拘|行政拘留|逮捕|抓获|落网|涉嫌|犯罪嫌疑人|依法|查处|查获|查封|取缔|整治|专项行动|"
    "专项整治|打击|严打|扫黄打非|净网|清朗|网信办|网信部门|市场监管|文化执法|执法|罚款|处罚|下架|封禁|约谈|"
    "通报|警示|提醒|谨防|提防|警惕|举报|曝光台|案件|案例|涉案|受害人|诈骗|违法|违规|非法|侵权|版权局|"
    "police|court|judge|ruling|sentenced|convicted|arrested|crackdown|prosecutors?|charged|illegal|regulators?|"
    "banned|fined|investigation|warns?|warning|scam")
REPORTING = re.compile(
    "称|表示|指出|介绍|透露|据悉|据了解|报道|记者了解到|获悉|坦言|直言|认为|说道|提到|告诉记者|回应|声明|"
    "公告|发布|通告|所谓|号称|打着|以.{0,6}为名|以.{0,6}为幌子|噱头|"
    "said|says|told|reported|according to|claimed|so-called|quoted")
OPEN_QUOTES = "“「『\"《'‘【"
CLOSE_QUOTES = "”」』\"》'’】"
QUOTE_REACH = 8  # a quotation mark within this many characters before and after the hit


PARAGRAPH_MAX = 300  # a paragraph up to this long is judged whole
MIN_PASSAGE = 40     # a shorter first line (a title) is judged with the line after it
N_LEXICON_FEATURES = 3 * 3 + 2  # per category (3) lexicon score, evasion, quoted share; then 2 context flags


def lexicon_feature_names() -> list[str]:
    from classifiers.lexicon import CATEGORIES
    return ([f"{kind}_{cat}" for cat in CATEGORIES for kind in ("lexicon", "evasion", "quoted")]
            + ["context_enforcement", "context_reporting"])


def spans(n: int, window: int = WINDOW, step: int = STEP) -> list[tuple[int, int]]:
    """[start, end) of the windows of a text of length ``n`` (the last one ends at ``n``)."""
    if n <= window:
        return [(0, n)]
    out = [(s, s + window) for s in range(0, n - window, step)]
    out.append((n - window, n))
    return out


def page_passages(text: str) -> list[tuple[int, int]]:
    """The passages of a model input: the whole of a text up to ``PARAGRAPH_MAX``
    characters; else each paragraph (line) up to ``PARAGRAPH_MAX`` whole, and the
    windows of each longer one. A paragraph keeps its own context (a crackdown
    report's "警方通报" and the lure it quotes stand in one paragraph), and no
    paragraph is diluted by the rest of the page.

    The first line, when shorter than ``MIN_PASSAGE``, is judged with the line
    after it: it is the title (the model input is "title\ntext") or a heading,
    and a text alone is judged with its title too. Alone, a generic title such
    as "用户评论" has so few features that TF-IDF's length normalisation gives
    each full weight (out-of-fold, clean app reviews inside news pages scored
    vulgar 0.998 on their title line alone)."""
    if len(text) <= PARAGRAPH_MAX:
        return [(0, len(text))]
    groups: list[list[int]] = []
    pos, lines = 0, 0
    for line in text.split("\n"):
        n = len(line)
        if n and line.strip():
            lines += 1
            if lines == 2 and groups[0][1] - groups[0][0] < MIN_PASSAGE:
                groups[0][1] = pos + n
            else:
                groups.append([pos, pos + n])
        pos += n + 1
    out = []
    for start, end in groups:
        if end - start > PARAGRAPH_MAX:
            out += [(start + s, start + e) for s, e in spans(end - start)]
        else:
            out.append((start, end))
    return out or [(0, len(text))]


def matches(pattern: re.Pattern, text: str) -> np.ndarray:
    """Start offsets of the matches of ``pattern`` in ``text`` (sorted)."""
    return np.fromiter((m.start() for m in pattern.finditer(text)), dtype=np.int64)


def any_in(starts: np.ndarray, lo: int, hi: int) -> bool:
    if not len(starts):
        return False
    i = int(np.searchsorted(starts, lo))
    return i < len(starts) and starts[i] < hi


def starts_in(starts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per span [lo, hi): whether some offset of ``starts`` (sorted) lies inside it (``any_in`` of many spans)."""
    if not len(starts):
        return np.zeros(len(lo), dtype=bool)
    i = np.searchsorted(starts, lo)
    return (i < len(starts)) & (starts[np.minimum(i, len(starts) - 1)] < hi)


def quoted(text: str, start: int, end: int) -> bool:
    """Whether the hit [start, end) of ``text`` stands inside quotation marks."""
    before = text[max(0, start - QUOTE_REACH):start]
    after = text[end:end + QUOTE_REACH]
    return any(q in before for q in OPEN_QUOTES) and any(q in after for q in CLOSE_QUOTES)


NEGATION = re.compile(
    "(?:不|没|勿|拒绝|禁止|严禁|杜绝|从不|绝不|并不|没有|并非)[\u4e00-\u9fff]{0,2}$|"
    "(?<![a-z])(?:no|not|never|without|cannot|can't|don't|doesn't|won't|isn't|aren't|nor)(?![a-z])[a-z '-]{0,24}$")
NEGATION_REACH = 8  # characters before a hit searched for a negation


def negated(text: str, start: int) -> bool:
    """Whether a negation stands right before the hit starting at ``start`` ("不卖电子版",
    "没有擦边的内容", "no need to buy scanned copies"), in the same clause."""
    before = re.split(r"[。！？!?；;，,\n]", text[max(0, start - NEGATION_REACH - 16):start])[-1]
    return NEGATION.search(before[-(NEGATION_REACH + 16):]) is not None


def distanced(text: str, start: int, end: int) -> bool:
    """Whether the writer distances himself from the hit [start, end): it stands inside
    quotation marks (reported speech) or after a negation. The lexicon features give per
    category the share of such hits (a shop that says it sells no PDF, a review that says
    an app has no 擦边 content)."""
    return quoted(text, start, end) or negated(text, start)


def lexicon_rows(hits_per_doc: list[dict], quoted_per_doc: list[dict] | None = None, context=None):
    """The lexicon features of texts (``classifiers.features.LexiconFeatures``) from their
    lexicon hits (``Lexicon.match`` results), per hit whether it is quoted, and per text
    (enforcement, reporting) (a list of pairs or an (n, 2) array): per category the
    lexicon score, whether an evasive form hit and the share of hits the writer distances
    himself from (``distanced``: inside quotes or after a negation); then the two context
    flags."""
    from scipy import sparse

    from classifiers.lexicon import CATEGORIES, Lexicon

    out = np.zeros((len(hits_per_doc), N_LEXICON_FEATURES), dtype=np.float32)
    for i, hits in enumerate(hits_per_doc):
        if not any(hits.values()):
            continue
        for k, cat in enumerate(CATEGORIES):
            if hits[cat]:
                out[i, 3 * k] = Lexicon.score(hits[cat])
                out[i, 3 * k + 1] = float(any(h.evasion for h in hits[cat]))
                if quoted_per_doc is not None:
                    q = quoted_per_doc[i][cat]
                    out[i, 3 * k + 2] = sum(q) / len(q) if q else 0.0
    if context is not None and len(hits_per_doc):
        out[:, 3 * len(CATEGORIES):] = np.asarray(context, dtype=np.float32).reshape(len(hits_per_doc), 2)
    return sparse.csr_matrix(out)


def text_lexicon_features(lexicon, texts: list[str]):
    """The lexicon features of whole (normalised) texts, each matched once."""
    from classifiers.lexicon import CATEGORIES
    from classifiers.normalise import Normalised

    hits = [lexicon.match(Normalised(text, text)) for text in texts]
    quotes = [{c: [distanced(t, h.start, h.end) for h in hs[c]] for c in CATEGORIES} for t, hs in zip(texts, hits)]
    context = [(ENFORCEMENT.search(t) is not None, REPORTING.search(t) is not None) for t in texts]
    return lexicon_rows(hits, quotes, context)

