"""Lexicons: TSV files of terms, their loader, merging, versions.

Columns: ``term kind category severity suggestion note``. ``kind`` is one of

* ``deny``  – a sensitive or banned term (``sensitive`` check);
* ``typo``  – a wrong written form, ``suggestion`` is the right one (``typo`` check);
* ``term``  – a non-standard expression (规范表述), ``suggestion`` the standard one;
* ``allow`` – a correct phrase; it suppresses every hit it covers.

A lexicon is data: sites extend it with overlays, and every verdict records its version.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checks.exceptions import LexiconError
from checks.finding import Severity

KINDS = ("deny", "typo", "term", "allow")
COLUMNS = ("term", "kind", "category", "severity", "suggestion", "note")
LEADER_COLUMNS = ("name", "titles", "note")


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    kind: str
    category: str
    severity: Severity
    suggestion: str
    note: str
    source: str = ""  # "typo.tsv:12" or "site:qd-mzj"

    @property
    def key(self) -> tuple[str, str]:
        return (self.term, self.kind)

    def canonical(self) -> str:
        return "\t".join((self.term, self.kind, self.category, str(self.severity), self.suggestion, self.note))


@dataclass(frozen=True, slots=True)
class Leader:
    name: str
    titles: tuple[str, ...]
    note: str
    source: str = ""


def parse_entry(row: dict[str, str], where: str) -> Entry:
    """Validate one row; ``where`` is ``file:line`` for the error message."""
    term = (row.get("term") or "").strip()
    kind = (row.get("kind") or "").strip()
    category = (row.get("category") or "").strip()
    severity_text = (row.get("severity") or "").strip()
    suggestion = (row.get("suggestion") or "").strip()
    note = (row.get("note") or "").strip()
    if not term:
        raise LexiconError(f"{where}: empty term")
    if kind not in KINDS:
        raise LexiconError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not category:
        raise LexiconError(f"{where}: category is required")
    if not note:
        raise LexiconError(f"{where}: note is required (give the basis of the entry)")
    if kind == "allow":
        if severity_text:
            raise LexiconError(f"{where}: allow entries take no severity")
        severity = Severity.INFO
    else:
        try:
            severity = Severity.parse(severity_text)
        except ValueError:
            raise LexiconError(f"{where}: severity {severity_text!r} is not one of info, warn, block") from None
    if kind in ("typo", "term") and not suggestion:
        raise LexiconError(f"{where}: a {kind} entry needs a suggestion (the correct form)")
    if suggestion and suggestion == term:
        raise LexiconError(f"{where}: suggestion equals the term")
    if kind == "allow" and suggestion:
        raise LexiconError(f"{where}: allow entries take no suggestion")
    return Entry(term, kind, category, severity, suggestion, note, where)


def _rows(text: str, name: str, columns: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    lines = text.splitlines()
    header_seen = False
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader(io.StringIO(line), delimiter="\t", quoting=csv.QUOTE_NONE))
        if not header_seen:
            if tuple(c.strip() for c in cells) != tuple(columns):
                raise LexiconError(f"{name}:{lineno}: header must be {' '.join(columns)!r} separated by tabs")
            header_seen = True
            continue
        if len(cells) != len(columns):
            raise LexiconError(f"{name}:{lineno}: expected {len(columns)} tab-separated columns, got {len(cells)}")
        yield lineno, dict(zip(columns, cells, strict=True))
    if not header_seen:
        raise LexiconError(f"{name}:1: missing header row")


def parse_tsv(text: str, name: str) -> list[Entry]:
    """Entries of one TSV text. Rejects malformed rows and in-file duplicates."""
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for lineno, row in _rows(text, name, COLUMNS):
        entry = parse_entry(row, f"{name}:{lineno}")
        if entry.key in seen:
            raise LexiconError(f"{name}:{lineno}: duplicate of line {seen[entry.key]} ({entry.kind} entry)")
        seen[entry.key] = lineno
        entries.append(entry)
    return entries


def load_tsv(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path.name}:0: not UTF-8 (byte {exc.start})") from None
    return parse_tsv(text, path.name)


def parse_leaders(text: str, name: str) -> list[Leader]:
    leaders = []
    for lineno, row in _rows(text, name, LEADER_COLUMNS):
        where = f"{name}:{lineno}"
        leader_name = row["name"].strip()
        titles = tuple(t.strip() for t in row["titles"].split("|") if t.strip())
        if len(leader_name) < 2:
            raise LexiconError(f"{where}: a leader's name needs at least two characters")
        if not titles:
            raise LexiconError(f"{where}: at least one title is required")
        if not row["note"].strip():
            raise LexiconError(f"{where}: note is required")
        leaders.append(Leader(leader_name, titles, row["note"].strip(), where))
    return leaders


LEADERS_FILE = "leaders.tsv"


def load_directory(directory: Path) -> tuple[list[Entry], list[Leader]]:
    """All ``*.tsv`` files of a directory in name order; ``leaders.tsv`` is read apart."""
    entries: list[Entry] = []
    leaders: list[Leader] = []
    for path in sorted(directory.glob("*.tsv")):
        if path.name == LEADERS_FILE:
            leaders = parse_leaders(path.read_text(encoding="utf-8"), path.name)
        else:
            entries.extend(load_tsv(path))
    return entries, leaders


def conflicts(entries: Iterable[Entry]) -> list[str]:
    """Shipped-lexicon lint: one term with two different non-allow kinds is ambiguous."""
    kinds: dict[str, Entry] = {}
    problems = []
    for entry in entries:
        if entry.kind == "allow":
            continue
        other = kinds.get(entry.term)
        if other is not None and other.kind != entry.kind:
            problems.append(f"{entry.source}: {entry.kind} entry conflicts with {other.kind} entry at {other.source}")
        kinds.setdefault(entry.term, entry)
    return problems


class Lexicon:
    """A merged, versioned set of entries: later layers override earlier ones per (term, kind)."""

    def __init__(self, entries: Iterable[Entry] = (), leaders: Iterable[Leader] = ()) -> None:
        merged: dict[tuple[str, str], Entry] = {}
        for entry in entries:
            merged[entry.key] = entry
        self.entries: tuple[Entry, ...] = tuple(merged.values())
        self.leaders: tuple[Leader, ...] = tuple(leaders)
        self.version = self._hash()

    @classmethod
    def from_directory(cls, directory: Path) -> Lexicon:
        entries, leaders = load_directory(directory)
        return cls(entries, leaders)

    def overlay(self, entries: Iterable[Entry], leaders: Iterable[Leader] = ()) -> Lexicon:
        """A new lexicon with ``entries`` layered on top (a site's own additions)."""
        return Lexicon((*self.entries, *entries), (*self.leaders, *leaders))

    def _hash(self) -> str:
        digest = hashlib.sha256()
        for line in sorted(e.canonical() for e in self.entries):
            digest.update(line.encode("utf-8"))
            digest.update(b"\n")
        for leader in sorted(self.leaders, key=lambda item: item.name):
            digest.update(f"L\t{leader.name}\t{'|'.join(leader.titles)}\n".encode())
        return "sha256:" + digest.hexdigest()

    def __len__(self) -> int:
        return len(self.entries)


def default_directory() -> Path:
    """The shipped ``lexicons/`` folder next to the packages (override: SANSHEN_LEXICON_DIR)."""
    import os

    configured = os.environ.get("SANSHEN_LEXICON_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "lexicons"
