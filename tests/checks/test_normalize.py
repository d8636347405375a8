from __future__ import annotations

import pytest

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
