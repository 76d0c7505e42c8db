from classifiers.normalise import normalise


def original_of(n, fragment):
    i = n.text.index(fragment)
    s, e = n.span(i, i + len(fragment))
    return n.original[s:e]


def test_traditional_to_simplified():
    assert normalise("網盤鏈接 記者證 盜版書籍").text == "网盘链接 记者证 盗版书籍"


def test_full_width_and_case_folded():
    assert normalise("ＰＤＦ電子版１２３").text == "pdf电子版123"


def test_zero_width_removed_and_offsets_point_into_original():
    n = normalise("出售记\u200b者\u2060证，联系我")
    assert n.text == "出售记者证,联系我"
    assert original_of(n, "记者证") == "记\u200b者\u2060证"


def test_spaced_and_symbol_split_characters_rejoined():
    assert normalise("网 盘 链 接 自动发货").text == "网盘链接自动发货"
    assert normalise("办理记-者-证").text == "办理记者证"
    assert normalise("全本 t.x.t 下载").text == "全本 txt 下载"
    n = normalise("★网★盘★链★接★")
    assert original_of(n, "网盘链接") == "网★盘★链★接"


def test_ordinary_sentences_not_glued():
    text = "今天天气很好，我们去公园。版本 1.2.3"
    assert normalise(text).text == "今天天气很好,我们去公园。版本 1.2.3"


def test_stand_ins_replaced_with_offsets():
    n = normalise("加Ｖ信领取，有偿删tie服务")
    assert "加微信" in n.text and "删帖" in n.text
    assert original_of(n, "删帖") == "删tie"
    assert original_of(n, "微信") == "Ｖ信"
    assert normalise("s3x p0rn").text == "sex porn"


def test_identity_offsets_for_clean_text():
    n = normalise("普通的评论文本")
    assert n.offsets is None and n.span(2, 4) == (2, 4)



def test_same_length_replacements_keep_the_identity_map():
    n = normalise("记者正办理")  # a stand-in of the same length
    assert n.text == "记者证办理" and n.offsets is None


def test_width_fold_equals_the_translate_table():
    from classifiers.normalise import _WIDTH, _fold_width

    for text in ("ＡＢＣ，ｐｄｆ　全本", "Ａ\U0001D400ｂ①", "\ud800ab\udfff", "plain 中文", "\U0001F130x"):
        assert _fold_width(text) == text.translate(_WIDTH)
