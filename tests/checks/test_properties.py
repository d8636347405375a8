"""Property tests: offsets survive normalisation, and marks never change the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.matcher import Matcher
from checks.normalize import Normalizer
from checks.textmodel import annotate_html, extract_text, html_field, strip_marks
from tests.checks.conftest import make_lexicon

TERMS = ["法轮", "再接再励", "赌场网址", "bet365", "八九六四"]
LEXICON = make_lexicon(*[(t, "deny", "测试", "warn", "", "n") for t in TERMS])
MATCHER = Matcher(LEXICON, Normalizer())
FILLER = "政务公开工作要点通知各单位加强领导落实责任，。、；：“”《》（）\n 0123456789abcdefxyz"
NOISE = " *·.-_/~|"


@st.composite
def text_with_terms(draw):
    pieces: list[str] = []
    inserted = []
    for _ in range(draw(st.integers(0, 6))):
        pieces.append(draw(st.text(alphabet=FILLER, max_size=30)))
        term = draw(st.sampled_from(TERMS))
        disguised = term[0]
        # White space inside a Latin word is ordinary English, not an evasion.
        noise = NOISE.replace(" ", "") if term.isascii() else NOISE
        for ch in term[1:]:
            disguised += draw(st.text(alphabet=noise, max_size=3)) + ch
        if term.isascii():
            disguised = draw(st.sampled_from([disguised, disguised.upper()]))
            pieces.append(" ")  # Latin terms need word boundaries around them
        pieces.append(disguised)
        inserted.append(term)
        if term.isascii():
            pieces.append(" ")
    pieces.append(draw(st.text(alphabet=FILLER, max_size=30)))
    return "".join(pieces), inserted


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_with_terms())
def test_when_terms_are_hidden_in_noise_then_each_hit_maps_back_to_the_term(case) -> None:
    text, inserted = case
    normalizer = MATCHER.normalizer
    hits = MATCHER.find(normalizer.normalize(text))
    for hit in hits:
        assert normalizer.fold_term(text[hit.start : hit.end]) == normalizer.fold_term(hit.entries[0].term)
        assert not text[hit.start].isspace() and not text[hit.end - 1].isspace()
    assert sorted(h.entries[0].term for h in hits) == sorted(inserted)


TAGS = [
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    "<div>",
    "</div>",
    "<br>",
    "<td>",
    "<tr>",
    "<!-- c -->",
    "<span style='x'>",
    "</span>",
]
TEXTS = ["甲", "乙丙", "&amp;", "&lt;", "&#x4E2D;", " ", "  \n ", "abc", "&nbsp;", "<", ">"]


@st.composite
def html_and_spans(draw):
    source = "".join(draw(st.lists(st.sampled_from(TAGS + TEXTS), max_size=40)))
    text = extract_text(source)[0]
    spans = []
    if text:
        for i in range(draw(st.integers(0, 5))):
            a = draw(st.integers(0, len(text) - 1))
            b = draw(st.integers(a + 1, len(text)))
            spans.append((f"f{i + 1}", a, b))
    return source, spans


@settings(max_examples=400, deadline=None)
@given(html_and_spans())
def test_when_marks_are_stripped_then_html_and_text_are_unchanged(case) -> None:
    source, spans = case
    fld = html_field("body", source)
    annotated = annotate_html(fld, spans)
    assert strip_marks(annotated) == source
    assert extract_text(annotated)[0] == fld.text
