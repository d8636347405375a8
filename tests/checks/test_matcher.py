from __future__ import annotations

import pytest

from checks.matcher import Matcher
from checks.normalize import Normalizer
from tests.checks.conftest import make_lexicon

DENY = [
    ("法轮", "deny", "邪教", "block", "", "测试"),
    ("共产", "deny", "政治", "warn", "", "测试"),
    ("共产党", "allow", "正确用法", "", "", "测试"),
    ("sm", "deny", "色情", "block", "", "测试"),
    ("248", "deny", "测试", "warn", "", "测试"),
    ("8964", "deny", "政治", "block", "", "测试"),
    ("中华人民", "deny", "测试", "warn", "", "测试"),
    ("人民共和国", "deny", "测试", "warn", "", "测试"),
    ("bet365", "deny", "赌博", "block", "", "测试"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(make_lexicon(*DENY), Normalizer())


def spans(matcher: Matcher, text: str) -> list[tuple[str, str]]:
    norm = matcher.normalizer.normalize(text)
    return [(text[h.start : h.end], h.entries[0].term) for h in matcher.find(norm)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("练习法轮功", [("法轮", "法轮")]),
        ("法*轮", [("法*轮", "法轮")]),
        ("法 轮", [("法 轮", "法轮")]),
        ("法·轮", [("法·轮", "法轮")]),
        ("法\u200b轮", [("法\u200b轮", "法轮")]),
        ("法\u3000轮", [("法\u3000轮", "法轮")]),
        ("法-_-轮", [("法-_-轮", "法轮")]),
        ("灋輪", []),  # 灋 is not folded to 法 by t2s; 輪 alone is not enough
        ("法輪", [("法輪", "法轮")]),
        ("ＢＥＴ３６５", [("ＢＥＴ３６５", "bet365")]),
        ("BeT365.com", [("BeT365", "bet365")]),
        ("⑧⑨⑥④", [("⑧⑨⑥④", "8964")]),
        ("㈧㈨㈥㈣", [("㈧㈨㈥㈣", "8964")]),
    ],
)
def test_when_term_is_disguised_then_it_is_found_on_the_original_span(matcher, text, expected) -> None:
    assert spans(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("法    轮", []),  # four noise characters apart is not an evasion
        ("依法。轮流", []),  # sentence punctuation is not noise
        ("“依法”轮流", []),  # nor are quotes
        ("法\n轮", []),  # nor a line break
        ("smile", []),
        ("is my", []),  # white space does not join Latin letters
        ("asm", []),
        ("sm", [("sm", "sm")]),
        ("（sm）", [("sm", "sm")]),
        ("中文sm中文", [("sm", "sm")]),
        ("12480", []),
        ("248", [("248", "248")]),
        ("编号248号", [("248", "248")]),
        ("１２４８０", []),
        ("xbet365", []),
    ],
)
def test_when_context_is_honest_then_there_is_no_hit(matcher, text, expected) -> None:
    assert spans(matcher, text) == expected


def test_when_allow_entry_covers_hit_then_hit_is_suppressed(matcher) -> None:
    assert spans(matcher, "中国共产党") == []
    assert spans(matcher, "中国共 产党") == []
    assert spans(matcher, "共产主义") == [("共产", "共产")]


def test_when_terms_overlap_then_leftmost_longest_wins(matcher) -> None:
    assert spans(matcher, "中华人民共和国") == [("中华人民", "中华人民")]


def test_when_several_entries_share_a_term_then_one_hit_carries_them_all() -> None:
    lexicon = make_lexicon(
        ("再接再励", "typo", "成语", "warn", "再接再厉", "a"),
        ("再 接再励", "deny", "测试", "info", "", "b"),
    )
    matcher = Matcher(lexicon, Normalizer())
    [hit] = matcher.find(matcher.normalizer.normalize("要再接再励"))
    assert {e.kind for e in hit.entries} == {"typo", "deny"}


def test_when_a_term_is_one_character_after_folding_then_building_fails() -> None:
    from checks.exceptions import LexiconError

    with pytest.raises(LexiconError, match=r"test.tsv:2: term is shorter"):
        Matcher(make_lexicon(("法*", "deny", "测试", "warn", "", "x")), Normalizer())


def test_when_lexicon_is_empty_then_nothing_matches() -> None:
    matcher = Matcher(make_lexicon(), Normalizer())
    assert matcher.find(matcher.normalizer.normalize("任何文本")) == []


def test_when_text_is_adversarial_then_matching_is_linear() -> None:
    lexicon = make_lexicon(("aaaaab", "deny", "测试", "warn", "", "x"), ("a*a", "deny", "测试", "warn", "", "x"))
    matcher = Matcher(lexicon, Normalizer())
    text = "a*" * 100_000
    hits = matcher.find(matcher.normalizer.normalize(text))
    # Every other "a*a" is a hit (noise skipped, '*' is a word boundary); overlaps resolve.
    assert len(hits) == 50_000
    assert all(text[h.start : h.end] == "a*a" for h in hits)


def test_when_term_bytes_straddle_two_characters_then_there_is_no_hit() -> None:
    """中文 is 4E2D 6587; 乎ⵥ蟀 is 4E4E 2D65 87C0, whose bytes hold 4E 2D 65 87 at an odd offset."""
    matcher = Matcher(make_lexicon(("中文", "deny", "测试", "warn", "", "n")), Normalizer())
    assert matcher.find(matcher.normalizer.normalize("乎\u2d65\u87c0")) == []
    assert [(h.start, h.end) for h in matcher.find(matcher.normalizer.normalize("乎中文"))] == [(1, 3)]
