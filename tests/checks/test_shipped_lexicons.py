"""The shipped lexicon files: the build fails on a malformed row, a duplicate term with
conflicting kinds, or an entry whose wrong form equals its suggestion."""

from __future__ import annotations

from checks.lexicon import Lexicon, conflicts, default_directory, load_directory
from checks.matcher import Matcher
from checks.normalize import Normalizer


def test_when_shipped_lexicons_load_then_every_row_is_valid() -> None:
    entries, leaders = load_directory(default_directory())  # raises LexiconError with file:line
    assert len(entries) > 3000
    assert leaders, "leaders.tsv must ship the national leaders"
    assert all(e.suggestion != e.term for e in entries)


def test_when_shipped_lexicons_merge_then_no_term_has_conflicting_kinds() -> None:
    entries, _ = load_directory(default_directory())
    assert conflicts(entries) == []


def test_when_shipped_lexicons_build_then_every_term_is_matchable() -> None:
    Matcher(Lexicon.from_directory(default_directory()), Normalizer())


def test_when_lexicon_files_are_counted_then_each_meets_its_minimum() -> None:
    entries, _ = load_directory(default_directory())
    by_file: dict[str, int] = {}
    for entry in entries:
        name = entry.source.split(":")[0]
        by_file[name] = by_file.get(name, 0) + 1
    assert by_file["typo.tsv"] >= 2000
    assert by_file["terms.tsv"] >= 300
    assert by_file["allow.tsv"] >= 150
    assert by_file["sensitive.tsv"] >= 150
    assert by_file["spam.tsv"] >= 120


def test_when_allow_entry_exists_then_it_covers_some_flagged_term() -> None:
    """An allow entry that contains no flagged term protects nothing and is dead data."""
    entries, _ = load_directory(default_directory())
    normalizer = Normalizer()
    flagged = {normalizer.fold_term(e.term) for e in entries if e.kind != "allow"}
    dead = [
        e.source for e in entries if e.kind == "allow" and not any(t in normalizer.fold_term(e.term) for t in flagged)
    ]
    assert dead == []
