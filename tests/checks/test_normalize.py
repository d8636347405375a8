from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.normalize import Normalizer


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ＡＢＣ１２３", "abc123"),
        ("Hello", "hello"),
        ("國務院辦公廳", "国务院办公厅"),
        ("①②③", "123"),
        ("⑴", "(1)"),
        ("㈠㊁", "12"),
        ("a\u200bb\ufeffc\u00add", "abcd"),
        ("法 * 轮", "法轮"),
        ("，。；", ",。;"),
        ("Ⅻ", "xii"),
    ],
)
def test_when_text_is_normalised_then_it_is_folded(text: str, folded: str) -> None:
    assert Normalizer().normalize(text).text == folded


@pytest.mark.parametrize("text", ["國務院 ①法*轮Ｘ", "ａ\u200bｂ", "Ⅻ世纪", "纯中文文本", ""])
def test_when_text_is_normalised_then_every_character_maps_back(text: str) -> None:
    norm = Normalizer().normalize(text)
    assert len(norm.index) == len(norm.text)
    assert list(norm.index) == sorted(norm.index)
    for i, ch in enumerate(norm.text):
        assert ch in Normalizer().fold_char(text[norm.index[i]])


def test_when_noise_set_is_configured_then_it_is_used() -> None:
    assert Normalizer(noise="#").normalize("法 #轮").text == "法 轮"


def _one_character_at_a_time(normalizer: Normalizer, text: str) -> tuple[str, list[int]]:
    """The definition the vectorised normaliser must agree with."""
    folds = [normalizer.fold_char(ch) for ch in text]
    return "".join(folds), [i for i, fold in enumerate(folds) for _ in fold]


@pytest.mark.parametrize(
    "text",
    [
        "𝐀𝐁 bold",  # outside the BMP, folds to one character each
        "ﬁle ㎡ ½",  # BMP characters that fold to several
        "a\ud800b\udfffc",  # lone surrogates stay as they are
        "表情😀符号",  # outside the BMP, no fold
        "国\u200b务①院 ⑽ ㈩",
        "\U000e0041tag",  # a tag character: dropped
    ],
)
def test_when_text_has_unusual_characters_then_it_folds_like_one_character_at_a_time(text: str) -> None:
    normalizer = Normalizer()
    norm = normalizer.normalize(text)
    assert (norm.text, list(norm.index)) == _one_character_at_a_time(normalizer, text)


@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=200))
@settings(max_examples=300, deadline=None)
def test_when_any_text_is_normalised_then_it_matches_the_character_by_character_fold(text: str) -> None:
    normalizer = Normalizer()
    norm = normalizer.normalize(text)
    assert (norm.text, list(norm.index)) == _one_character_at_a_time(normalizer, text)
