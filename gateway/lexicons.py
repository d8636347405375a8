"""Lexicon administration: overlays over the shipped files, publications, and the tools around them.

Admins keep **overlay entries** in the database (``LexiconEntryRow``): for one site, or for
all sites (``site_id`` None). The enabled rows are the *draft*; nothing reaches the checks
until it is **published**: a ``LexiconPublication`` snapshots the overlay entries, every
process swaps to it (``gateway.checking``), and every change is in the audit log.

Rules:

* an entry is validated by ``checks.lexicon.parse_entry`` — the rules of the shipped TSV
  files — plus the database's field lengths and the matcher's minimum term length;
* every add, edit, disable and enable carries a note (the entry's basis, or the reason for
  the change), and goes to the audit log;
* one term has one kind: an entry whose term is already another non-allow kind in the
  shipped files or an overlay is refused (an import dry run lists it and skips it);
* a site's entries are edited and published by that site's admins; entries for all sites
  only by a user who is admin on every site. The CLI acts with full rights as ``cli``.
* a publication by a site admin changes only the sites in their scope; the other sites'
  entries are carried over from the previous publication unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from markupsafe import escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from checks.engine import Engine, Report
from checks.exceptions import LexiconError
from checks.lexicon import COLUMNS, Entry, Lexicon
from checks.policy import Policy
from checks.textmodel import Draft, TextModel
from gateway import audit
from gateway.auth import roles_by_site
from gateway.checking import (
    build_engine,
    engine_for,
    entry_from_dict,
    merged_lexicon,
    overlay_source,
    overlays_of,
    shipped_lexicon,
    site_policy,
)
from gateway.models import (
    AuditEntry,
    FindingRecord,
    LexiconEntryRow,
    LexiconPublication,
    Review,
    Revision,
    Site,
    User,
    utcnow,
)
from gateway.schemas import ReviewRequest

KIND_LABELS = {"deny": "敏感词", "typo": "错别字", "term": "规范表述", "allow": "白名单"}
SEVERITIES = ("info", "warn", "block")
SEVERITY_LABELS = {"info": "提示", "warn": "警告", "block": "拦截"}
FIELD_LABELS = {
    "term": "词条",
    "kind": "类型",
    "category": "类别",
    "severity": "级别",
    "suggestion": "建议",
    "note": "说明",
}
# The checks whose findings depend on the lexicon: what the sandbox and the impact run.
LEXICON_CHECKS = ("sensitive", "typo")
# Rules an allow entry can suppress (lexicon hits, and English words for ASCII allow terms).
SUPPRESSIBLE_RULES = ("sensitive.term", "typo.confusion", "typo.term", "typo.doubled", "typo.english")
MAX_LENGTHS = {"term": 200, "category": 40, "suggestion": 200, "note": 1000}
MAX_IMPORT_LINES = 20000
DEFAULT_IMPACT_DOCUMENTS = 50
PUBLISH_LOCK = 7317  # PostgreSQL advisory lock serialising publications (audit uses 7316)
GLOBAL = "*"  # how "all sites" is written in forms, URLs, the CLI and exports


class LexiconAdminError(Exception):
    """A lexicon change cannot be made; the message is Chinese and safe to show."""


class LexiconPermissionError(LexiconAdminError):
    """The user may not change entries of this scope."""


Item = dict[str, Any]  # an overlay entry as stored in a publication: site, term, kind, …
ItemKey = tuple[str, str, str]  # (site or "*", term, kind)


# -- permissions -----------------------------------------------------------------------


def actor_name(user: User | None) -> str:
    return user.username if user is not None else "cli"


def all_site_ids(session: Session) -> set[str]:
    return set(session.execute(select(Site.id)).scalars())


def admin_site_ids(session: Session, user: User | None) -> set[str]:
    sites = all_site_ids(session)
    if user is None:
        return sites
    return {site for site, roles in roles_by_site(user).items() if "admin" in roles} & sites


def readable_site_ids(session: Session, user: User | None) -> set[str]:
    """Sites whose overlays the user may see: admin or auditor there."""
    sites = all_site_ids(session)
    if user is None:
        return sites
    return {site for site, roles in roles_by_site(user).items() if roles & {"admin", "auditor"}} & sites


def may_read(session: Session, user: User | None) -> bool:
    return bool(readable_site_ids(session, user))


def may_edit_global(session: Session, user: User | None) -> bool:
    sites = all_site_ids(session)
    return bool(sites) and sites <= admin_site_ids(session, user)


def editable_scopes(session: Session, user: User | None) -> list[str | None]:
    """Where the user may change entries: None (all sites) first when allowed, then sites."""
    scopes: list[str | None] = [None] if may_edit_global(session, user) else []
    return scopes + sorted(admin_site_ids(session, user))


def require_edit(session: Session, user: User | None, site_id: str | None) -> None:
    if site_id is None:
        if not may_edit_global(session, user):
            raise LexiconPermissionError("只有所有站点的管理员才能修改全局词条")
    elif site_id not in admin_site_ids(session, user):
        raise LexiconPermissionError(f"您不是站点 {site_id} 的管理员")


def parse_scope(value: str | None) -> str | None:
    """A scope from a form or the CLI: "*" or empty means all sites."""
    value = (value or "").strip()
    return None if value in ("", GLOBAL) else value


def scope_label(site_id: str | None) -> str:
    return "全部站点" if site_id is None else site_id


# -- validation ------------------------------------------------------------------------

_TRANSLATIONS = (
    (r"empty term", "词条不能为空"),
    (r"kind .* is not one of", "类型必须是 deny（敏感词）、typo（错别字）、term（规范表述）、allow（白名单）之一"),
    (r"category is required", "类别必填"),
    (r"note is required", "说明必填（写明词条的依据）"),
    (r"allow entries take no severity", "白名单词条不设级别"),
    (r"severity .* is not one of", "级别必须是 info（提示）、warn（警告）、block（拦截）之一"),
    (r"needs a suggestion", "错别字和规范表述词条必须填写建议（正确写法）"),
    (r"suggestion equals the term", "建议不能与词条相同"),
    (r"allow entries take no suggestion", "白名单词条不设建议"),
    (r"too short", "词条规范化后不足 2 个字，会到处误报"),
)


def _chinese(exc: LexiconError) -> str:
    message = str(exc)
    for pattern, chinese in _TRANSLATIONS:
        if re.search(pattern, message):
            return chinese
    return message


def clean_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """Form or file values, trimmed; kind and severity lower-cased; allow entries lose severity."""
    cleaned = {key: str(fields.get(key) or "").strip() for key in COLUMNS}
    cleaned["kind"] = cleaned["kind"].lower()
    cleaned["severity"] = cleaned["severity"].lower()
    if cleaned["kind"] == "allow":
        cleaned["severity"] = ""
    return cleaned


def validate(fields: Mapping[str, Any], site_id: str | None) -> Entry:
    """The entry these fields describe, or LexiconAdminError with the reason in Chinese."""
    cleaned = clean_fields(fields)
    for key, value in cleaned.items():
        if any(ch in value for ch in "\t\r\n"):
            raise LexiconAdminError(f"{FIELD_LABELS[key]}不能包含制表符或换行")
        if len(value) > MAX_LENGTHS.get(key, 200):
            raise LexiconAdminError(f"{FIELD_LABELS[key]}过长（最多 {MAX_LENGTHS.get(key, 200)} 字）")
    try:
        return entry_from_dict({**cleaned, "site": site_id})
    except LexiconError as exc:
        raise LexiconAdminError(_chinese(exc)) from None


# -- items: overlay entries as plain data ----------------------------------------------


def _new_row(site_id: str | None, item: dict[str, Any], user: User | None) -> LexiconEntryRow:
    """An enabled overlay row from an entry item, created and last changed by ``user``."""
    return LexiconEntryRow(
        site_id=site_id,
        term=item["term"],
        kind=item["kind"],
        category=item["category"],
        severity=item["severity"],
        suggestion=item["suggestion"],
        note=item["note"],
        enabled=True,
        created_by=actor_name(user),
        updated_by=actor_name(user),
    )


def _refresh_row(row: LexiconEntryRow, item: dict[str, Any], user: User | None) -> None:
    """Overwrite an existing row with an entry item and enable it."""
    row.category, row.severity, row.suggestion, row.note = (
        item["category"],
        item["severity"],
        item["suggestion"],
        item["note"],
    )
    row.enabled = True
    row.updated_by, row.updated_at = actor_name(user), utcnow()


def entry_item(entry: Entry, site_id: str | None) -> Item:
    return {
        "site": site_id,
        "term": entry.term,
        "kind": entry.kind,
        "category": entry.category,
        "severity": "" if entry.kind == "allow" else str(entry.severity),
        "suggestion": entry.suggestion,
        "note": entry.note,
    }


def row_item(row: LexiconEntryRow) -> Item:
    return {
        "site": row.site_id,
        "term": row.term,
        "kind": row.kind,
        "category": row.category,
        "severity": row.severity,
        "suggestion": row.suggestion,
        "note": row.note,
    }


def item_key(item: Mapping[str, Any]) -> ItemKey:
    return (item.get("site") or GLOBAL, item["term"], item["kind"])


def _sorted(items: Iterable[Item]) -> list[Item]:
    return sorted(items, key=item_key)


def _in_scope(item: Mapping[str, Any], scope: set[str | None]) -> bool:
    return item.get("site") in scope


def draft_items(session: Session, scope: set[str | None] | None = None) -> list[Item]:
    """Enabled overlay rows (all, or those of the scope)."""
    rows = session.execute(select(LexiconEntryRow).where(LexiconEntryRow.enabled.is_(True))).scalars()
    return _sorted(row_item(r) for r in rows if scope is None or r.site_id in scope)


def latest_publication(session: Session) -> LexiconPublication | None:
    return session.execute(
        select(LexiconPublication).order_by(LexiconPublication.id.desc()).limit(1)
    ).scalar_one_or_none()


def published_items(session: Session) -> list[Item]:
    publication = latest_publication(session)
    return list(publication.entries or []) if publication is not None else []


@dataclass
class Change:
    site: str | None
    term: str
    kind: str
    before: Item | None
    after: Item | None

    @property
    def status(self) -> str:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"

    @property
    def status_label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改"}[self.status]

    @property
    def fields(self) -> list[str]:
        """The fields that differ (for a change)."""
        if self.before is None or self.after is None:
            return []
        return [key for key in ("category", "severity", "suggestion", "note") if self.before[key] != self.after[key]]


def diff(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Added, removed and changed overlay entries between two item lists."""
    before = {item_key(i): dict(i) for i in old}
    after = {item_key(i): dict(i) for i in new}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a != b:
            site = None if key[0] == GLOBAL else key[0]
            changes.append(Change(site, key[1], key[2], a, b))
    return changes


def pending_changes(session: Session, scope: Iterable[str | None]) -> list[Change]:
    """What publishing would change for the scope: published versus draft."""
    wanted = set(scope)
    return diff(
        [i for i in published_items(session) if _in_scope(i, wanted)],
        draft_items(session, wanted),
    )


# -- the lexicons a site would use -----------------------------------------------------


def draft_overlays(session: Session) -> dict[str | None, tuple[Entry, ...]]:
    return overlays_of(draft_items(session))


def published_overlays(session: Session) -> dict[str | None, tuple[Entry, ...]]:
    return overlays_of(published_items(session))


def draft_lexicon(app: Flask, session: Session, site_id: str | None) -> Lexicon:
    return merged_lexicon(shipped_lexicon(app), draft_overlays(session), site_id)


# -- conflicts -------------------------------------------------------------------------


@dataclass
class Conflict:
    """An entry that clashes with one already in force (shipped, all sites, or the site)."""

    kind: str  # "kind": same term with another kind (refused) | "severity": severity would change
    term: str
    new_kind: str
    existing_kind: str
    existing_origin: str
    message: str
    line: int | None = None


def _origin(source: str) -> str:
    if source.startswith("site:*"):
        return "全局自定义词条"
    if source.startswith("site:"):
        return f"站点 {source[5:]} 的自定义词条"
    return f"内置词库 {source}"


def _existing(app: Flask, session: Session, site_id: str | None) -> list[tuple[Entry, str | None]]:
    """Entries in force that an entry of ``site_id`` meets, with their scope ("shipped",
    None for all sites, or a site id): for a site the shipped files, the all-sites overlay
    and its own overlay; for all sites also every site's overlay."""
    found: list[tuple[Entry, str | None]] = [(entry, "shipped") for entry in shipped_lexicon(app).entries]
    for scope, entries in draft_overlays(session).items():
        if site_id is None or scope in (None, site_id):
            found.extend((entry, scope) for entry in entries)
    return found


def conflicts_of(
    entries: Sequence[tuple[int | None, Entry]],
    existing: Iterable[tuple[Entry, str | None]],
    site_id: str | None,
) -> list[Conflict]:
    """Kind clashes with any entry in force, and severity changes of the entries the new
    ones override (the shipped files, and the all-sites overlay for a site's entry)."""
    by_term: dict[str, list[tuple[Entry, str | None]]] = {}
    for entry, scope in existing:
        by_term.setdefault(entry.term, []).append((entry, scope))
    found = []
    for line, entry in entries:
        for other, scope in by_term.get(entry.term, []):
            if scope == site_id and other.kind == entry.kind:
                continue  # the scope's own row: an update, reported as such
            overridden = scope == "shipped" or (scope is None and site_id is not None)
            if entry.kind != "allow" and other.kind != "allow" and other.kind != entry.kind:
                found.append(
                    Conflict(
                        "kind",
                        entry.term,
                        entry.kind,
                        other.kind,
                        _origin(other.source),
                        f"“{entry.term}”已作为{KIND_LABELS[other.kind]}存在于{_origin(other.source)}，"
                        f"同一词条只能有一种类型",
                        line,
                    )
                )
            elif overridden and other.kind == entry.kind != "allow" and other.severity != entry.severity:
                found.append(
                    Conflict(
                        "severity",
                        entry.term,
                        entry.kind,
                        other.kind,
                        _origin(other.source),
                        f"“{entry.term}”在{_origin(other.source)}中级别为{SEVERITY_LABELS[str(other.severity)]}，"
                        f"将改为{SEVERITY_LABELS[str(entry.severity)]}",
                        line,
                    )
                )
    return found


# -- single entries --------------------------------------------------------------------


def _audit_entry(session: Session, user: User | None, action: str, row: LexiconEntryRow, **details: Any) -> None:
    audit.append(
        session,
        actor_name(user),
        action,
        f"lexicon:{row.id}",
        {"site": row.site_id or GLOBAL, "term": row.term, "kind": row.kind, **details},
    )


def _find_row(session: Session, site_id: str | None, term: str, kind: str) -> LexiconEntryRow | None:
    site_clause = LexiconEntryRow.site_id.is_(None) if site_id is None else LexiconEntryRow.site_id == site_id
    return session.execute(
        select(LexiconEntryRow).where(site_clause, LexiconEntryRow.term == term, LexiconEntryRow.kind == kind)
    ).scalar_one_or_none()


def add_entry(
    app: Flask, session: Session, user: User | None, site_id: str | None, fields: Mapping[str, Any]
) -> tuple[LexiconEntryRow, list[Conflict]]:
    """Add an overlay entry (the note is the entry's basis). Returns the row and notices
    (severity overrides of entries in force); a clash of kinds is refused."""
    require_edit(session, user, site_id)
    entry = validate(fields, site_id)
    existing_row = _find_row(session, site_id, entry.term, entry.kind)
    if existing_row is not None:
        state = "已存在" if existing_row.enabled else "已存在（已停用），请在该词条页面启用或修改"
        raise LexiconAdminError(f"“{entry.term}”（{KIND_LABELS[entry.kind]}）在{scope_label(site_id)}{state}")
    found = conflicts_of([(None, entry)], _existing(app, session, site_id), site_id)
    refused = [c for c in found if c.kind == "kind"]
    if refused:
        raise LexiconAdminError(refused[0].message)
    item = entry_item(entry, site_id)
    row = _new_row(site_id, item, user)
    session.add(row)
    session.flush()
    _audit_entry(session, user, "lexicon.add", row, entry=item)
    return row, found


def get_row(session: Session, row_id: int) -> LexiconEntryRow:
    row = session.get(LexiconEntryRow, row_id)
    if row is None:
        raise LexiconAdminError("词条不存在")
    return row


def edit_entry(
    session: Session, user: User | None, row_id: int, fields: Mapping[str, Any], reason: str
) -> LexiconEntryRow:
    """Change category, severity, suggestion or note of a row (term, kind and site stay)."""
    row = get_row(session, row_id)
    require_edit(session, user, row.site_id)
    if not reason.strip():
        raise LexiconAdminError("请填写修改原因")
    before = row_item(row)
    entry = validate({**before, **{k: v for k, v in fields.items() if k not in ("term", "kind", "site")}}, row.site_id)
    after = entry_item(entry, row.site_id)
    if after == before:
        raise LexiconAdminError("没有修改")
    row.category, row.severity, row.suggestion, row.note = (
        after["category"],
        after["severity"],
        after["suggestion"],
        after["note"],
    )
    row.updated_by, row.updated_at = actor_name(user), utcnow()
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    _audit_entry(session, user, "lexicon.edit", row, reason=reason.strip(), changed=changed)
    return row


def set_enabled(session: Session, user: User | None, row_id: int, enabled: bool, reason: str) -> LexiconEntryRow:
    row = get_row(session, row_id)
    require_edit(session, user, row.site_id)
    if not reason.strip():
        raise LexiconAdminError("请填写停用原因" if not enabled else "请填写启用原因")
    if row.enabled == enabled:
        raise LexiconAdminError("词条已是启用状态" if enabled else "词条已停用")
    row.enabled = enabled
    row.updated_by, row.updated_at = actor_name(user), utcnow()
    _audit_entry(session, user, "lexicon.enable" if enabled else "lexicon.disable", row, reason=reason.strip())
    return row


def entry_history(session: Session, row_id: int) -> list[AuditEntry]:
    return list(
        session.execute(
            select(AuditEntry).where(AuditEntry.subject == f"lexicon:{row_id}").order_by(AuditEntry.id)
        ).scalars()
    )


# -- listing ---------------------------------------------------------------------------


@dataclass
class Listed:
    """One row of the list page: a shipped entry (read-only) or an overlay row."""

    source: str  # "shipped" | "overlay"
    site_id: str | None
    term: str
    kind: str
    category: str
    severity: str
    suggestion: str
    note: str
    origin: str  # "typo.tsv:12" for shipped entries
    row_id: int | None = None
    enabled: bool = True
    state: str = ""  # overlay rows: 已发布 | 待发布 | 已停用 | 停用待发布


def published_state(row: LexiconEntryRow, published: Mapping[ItemKey, Item]) -> str:
    live = published.get(item_key(row_item(row)))
    if not row.enabled:
        return "停用待发布" if live is not None else "已停用"
    return "已发布" if live == row_item(row) else "待发布"


def list_entries(
    app: Flask, session: Session, user: User | None, filters: Mapping[str, str]
) -> tuple[list[Listed], list[str]]:
    """Entries matching the filters (overlays first, then shipped), and all categories.

    Filters: ``q`` (text in term, suggestion or note), ``kind``, ``category``, ``severity``,
    ``site`` ("" all, "*" all-sites overlay, "shipped" the files, or a site id), ``state``.
    """
    readable = readable_site_ids(session, user)
    published = {item_key(i): i for i in published_items(session)}
    listed: list[Listed] = []
    rows = session.execute(
        select(LexiconEntryRow).order_by(LexiconEntryRow.site_id, LexiconEntryRow.kind, LexiconEntryRow.term)
    ).scalars()
    for row in rows:
        if row.site_id is not None and row.site_id not in readable:
            continue
        listed.append(
            Listed(
                "overlay",
                row.site_id,
                row.term,
                row.kind,
                row.category,
                row.severity,
                row.suggestion,
                row.note,
                overlay_origin(row.site_id),
                row.id,
                row.enabled,
                published_state(row, published),
            )
        )
    for entry in shipped_lexicon(app).entries:
        listed.append(
            Listed(
                "shipped",
                None,
                entry.term,
                entry.kind,
                entry.category,
                "" if entry.kind == "allow" else str(entry.severity),
                entry.suggestion,
                entry.note,
                entry.source,
            )
        )
    categories = sorted({item.category for item in listed})
    return [item for item in listed if _matches(item, filters)], categories


def overlay_origin(site_id: str | None) -> str:
    return "全部站点" if site_id is None else f"站点 {site_id}"


def _matches(item: Listed, filters: Mapping[str, str]) -> bool:
    q = (filters.get("q") or "").strip()
    if q and not any(q in value for value in (item.term, item.suggestion, item.note)):
        return False
    for key in ("kind", "category", "severity"):
        wanted = (filters.get(key) or "").strip()
        if wanted and getattr(item, key) != wanted:
            return False
    site = (filters.get("site") or "").strip()
    if site == "shipped" and item.source != "shipped":
        return False
    if site == GLOBAL and not (item.source == "overlay" and item.site_id is None):
        return False
    if site not in ("", "shipped", GLOBAL) and item.site_id != site:
        return False
    state = (filters.get("state") or "").strip()
    return not state or item.state == state


# -- import ----------------------------------------------------------------------------

_HEADER_ALIASES = {
    "term": "term",
    "词条": "term",
    "kind": "kind",
    "类型": "kind",
    "category": "category",
    "类别": "category",
    "severity": "severity",
    "级别": "severity",
    "suggestion": "suggestion",
    "建议": "suggestion",
    "note": "note",
    "说明": "note",
}
FORMATS = {"auto": "自动识别", "tsv": "TSV（制表符分隔）", "csv": "CSV（逗号分隔）", "lines": "每行一个词条"}


def decode_upload(data: bytes) -> str:
    """UTF-8 (with or without BOM); GB 18030 as spreadsheet software in China writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LexiconAdminError("文件既不是 UTF-8 也不是 GB18030 编码")


@dataclass
class ParsedImport:
    entries: list[tuple[int, Entry]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    format: str = "lines"


def _cells(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [line]
    if delimiter == ",":
        return next(csv.reader(io.StringIO(line)), [])
    return line.split("\t")


def parse_import(text: str, fmt: str, defaults: Mapping[str, str], site_id: str | None) -> ParsedImport:
    """Entries of an uploaded or pasted list, each validated, errors by line number.

    With a header row (``term`` or ``词条`` first; TSV or CSV) the named columns are read; a
    column left out or a cell left empty takes the value chosen in the form (kind,
    category, severity, note). Without a header each line is ``term[,suggestion[,note]]``
    (tab- or comma-separated) or, for ``lines``, one term.
    """
    if fmt not in FORMATS:
        raise LexiconAdminError("未知的导入格式")
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if len(lines) > MAX_IMPORT_LINES:
        raise LexiconAdminError(f"一次最多导入 {MAX_IMPORT_LINES} 行")
    numbered = [
        (n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.lstrip().startswith("#")
    ]
    result = ParsedImport()
    if not numbered:
        result.errors.append((0, "没有可导入的词条"))
        return result
    delimiter: str | None
    if fmt == "tsv":
        delimiter = "\t"
    elif fmt == "csv":
        delimiter = ","
    elif fmt == "lines":
        delimiter = None
    elif any("\t" in line for _, line in numbered):
        delimiter = "\t"
    elif any("," in line for _, line in numbered):
        delimiter = ","
    else:
        delimiter = None
    result.format = {"\t": "tsv", ",": "csv", None: "lines"}[delimiter]
    columns: list[str] = ["term", "suggestion", "note"] if delimiter else ["term"]
    first_line, first = numbered[0]
    first_cells = [c.strip().lower() for c in _cells(first, delimiter)]
    if first_cells and first_cells[0] in ("term", "词条"):
        unknown = [c for c in first_cells if c not in _HEADER_ALIASES]
        if unknown:
            result.errors.append((first_line, f"表头中有不认识的列：{'、'.join(unknown)}"))
            return result
        columns = [_HEADER_ALIASES[c] for c in first_cells]
        numbered = numbered[1:]
    seen: dict[tuple[str, str], int] = {}
    for lineno, line in numbered:
        cells = _cells(line, delimiter)
        if len(cells) > len(columns):
            result.errors.append((lineno, f"列数过多：应为 {len(columns)} 列，实为 {len(cells)} 列"))
            continue
        values = dict(defaults)
        for name, cell in zip(columns, cells, strict=False):
            if cell.strip():
                values[name] = cell.strip()
        try:
            entry = validate(values, site_id)
        except LexiconAdminError as exc:
            result.errors.append((lineno, str(exc)))
            continue
        if entry.key in seen:
            result.errors.append((lineno, f"与第 {seen[entry.key]} 行重复"))
            continue
        seen[entry.key] = lineno
        result.entries.append((lineno, entry))
    return result


@dataclass
class Impact:
    """Findings of the lexicon checks on a site's recent documents, before and after."""

    documents: int
    before: int
    after: int
    documents_changed: int
    added: list[tuple[str, str, int]]  # (rule, text, count) hits the change adds
    removed: list[tuple[str, str, int]]


@dataclass
class ImportPlan:
    site_id: str | None
    parsed: ParsedImport
    new: list[tuple[int, Entry]] = field(default_factory=list)
    updates: list[tuple[int, Entry, Item]] = field(default_factory=list)  # (line, entry, row before)
    unchanged: list[tuple[int, Entry]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    impact: Impact | None = None

    @property
    def skipped_lines(self) -> set[int]:
        return {c.line for c in self.conflicts if c.kind == "kind" and c.line is not None}

    @property
    def to_apply(self) -> list[tuple[int, Entry]]:
        skipped = self.skipped_lines
        return [(n, e) for n, e in self.new if n not in skipped] + [
            (n, e) for n, e, _ in self.updates if n not in skipped
        ]


def plan_import(
    app: Flask,
    session: Session,
    user: User | None,
    site_id: str | None,
    parsed: ParsedImport,
    impact_documents: int = DEFAULT_IMPACT_DOCUMENTS,
) -> ImportPlan:
    """The dry run: what would be added or changed, what clashes, and the findings impact."""
    require_edit(session, user, site_id)
    plan = ImportPlan(site_id, parsed)
    for lineno, entry in parsed.entries:
        row = _find_row(session, site_id, entry.term, entry.kind)
        if row is None:
            plan.new.append((lineno, entry))
        elif row.enabled and row_item(row) == entry_item(entry, site_id):
            plan.unchanged.append((lineno, entry))
        else:
            plan.updates.append((lineno, entry, row_item(row)))
    changing = [(n, e) for n, e in plan.new] + [(n, e) for n, e, _ in plan.updates]
    plan.conflicts = conflicts_of(changing, _existing(app, session, site_id), site_id)
    for lineno, entry, before in plan.updates:
        if entry.kind != "allow" and before["severity"] != str(entry.severity):
            plan.conflicts.append(
                Conflict(
                    "severity",
                    entry.term,
                    entry.kind,
                    entry.kind,
                    _origin(overlay_source(site_id)),
                    f"“{entry.term}”在{_origin(overlay_source(site_id))}中级别为"
                    f"{SEVERITY_LABELS.get(before['severity'], before['severity'])}，"
                    f"将改为{SEVERITY_LABELS[str(entry.severity)]}",
                    lineno,
                )
            )
    plan.conflicts.sort(key=lambda c: c.line or 0)
    if plan.to_apply and impact_documents > 0:
        before = draft_overlays(session)
        after = {scope: list(entries) for scope, entries in before.items()}
        replaced = {e.key for _, e in plan.to_apply}
        after[site_id] = [e for e in after.get(site_id, []) if e.key not in replaced] + [e for _, e in plan.to_apply]
        plan.impact = impact(app, session, site_id, before, after, impact_documents)
    return plan


def apply_import(session: Session, user: User | None, plan: ImportPlan, source: str) -> dict[str, int]:
    """Write a planned import (refused while the file has errors); kind clashes are skipped."""
    require_edit(session, user, plan.site_id)
    if plan.parsed.errors:
        raise LexiconAdminError("文件有错误，请修正后重新导入")
    added = updated = 0
    terms = []
    for _, entry in plan.to_apply:
        item = entry_item(entry, plan.site_id)
        row = _find_row(session, plan.site_id, entry.term, entry.kind)
        if row is None:
            session.add(_new_row(plan.site_id, item, user))
            added += 1
        else:
            _refresh_row(row, item, user)
            updated += 1
        terms.append(entry.term)
    session.flush()
    counts = {"added": added, "updated": updated, "skipped": len(plan.skipped_lines), "unchanged": len(plan.unchanged)}
    audit.append(
        session,
        actor_name(user),
        "lexicon.import",
        f"site:{plan.site_id or GLOBAL}",
        {**counts, "source": source[:200], "terms": terms[:100]},
    )
    return counts


# -- impact on recent documents --------------------------------------------------------


def recent_revisions(session: Session, site_id: str | None, limit: int) -> list[tuple[Revision, Site]]:
    """The revisions of the last ``limit`` reviews of the site (of every site for None)."""
    query = select(Review).order_by(Review.created_at.desc(), Review.id.desc()).limit(limit)
    if site_id is not None:
        query = query.where(Review.site_id == site_id)
    out = []
    for review in session.execute(query).scalars():
        revision = session.get(Revision, review.revision_id)
        site = session.get(Site, review.site_id)
        if revision is not None and site is not None:
            out.append((revision, site))
    return out


def impact(
    app: Flask,
    session: Session,
    site_id: str | None,
    before: Mapping[str | None, Iterable[Entry]],
    after: Mapping[str | None, Iterable[Entry]],
    limit: int = DEFAULT_IMPACT_DOCUMENTS,
) -> Impact:
    shipped = shipped_lexicon(app)
    engines: dict[tuple[str, str | None], Engine] = {}

    def engine(which: str, site: str | None):
        key = (which, site)
        if key not in engines:
            overlays = {k: tuple(v) for k, v in (before if which == "before" else after).items()}
            engines[key] = build_engine(merged_lexicon(shipped, overlays, site))
        return engines[key]

    documents = before_total = after_total = changed = 0
    added: Counter[tuple[str, str]] = Counter()
    removed: Counter[tuple[str, str]] = Counter()
    for revision, site in recent_revisions(session, site_id, limit):
        try:
            draft = ReviewRequest.model_validate_json(revision.request_body).to_draft()
        except ValueError:
            continue
        policy = site_policy(site)
        scope = site.id if site_id is not None else None
        model = TextModel(draft)
        old = engine("before", scope).check(draft, policy, only=LEXICON_CHECKS, model=model)
        new = engine("after", scope).check(draft, policy, only=LEXICON_CHECKS, model=model)
        old_hits = Counter((f.rule, f.text) for f in old.findings)
        new_hits = Counter((f.rule, f.text) for f in new.findings)
        documents += 1
        before_total += len(old.findings)
        after_total += len(new.findings)
        if old_hits != new_hits:
            changed += 1
        added.update(new_hits - old_hits)
        removed.update(old_hits - new_hits)
    return Impact(
        documents,
        before_total,
        after_total,
        changed,
        [(rule, hit, n) for (rule, hit), n in added.most_common(20)],
        [(rule, hit, n) for (rule, hit), n in removed.most_common(20)],
    )


# -- export ----------------------------------------------------------------------------


def to_tsv(items: Iterable[Mapping[str, Any]], comment: str = "") -> str:
    """Items in the shipped file format (header row, tab-separated, UTF-8)."""
    lines = ["\t".join(COLUMNS)]
    if comment:
        lines.append(f"# {comment}")
    for item in items:
        severity = "" if item["kind"] == "allow" else item["severity"]
        lines.append(
            "\t".join((item["term"], item["kind"], item["category"], severity, item["suggestion"] or "", item["note"]))
        )
    return "\n".join(lines) + "\n"


def export_overlay(session: Session, site_id: str | None) -> str:
    """The enabled overlay entries of one scope (the draft), importable as they are."""
    items = [i for i in draft_items(session, {site_id})]
    return to_tsv(items, f"自定义词条：{scope_label(site_id)}，导出于 {utcnow():%Y-%m-%d %H:%M} UTC")


def export_merged(app: Flask, session: Session, site_id: str | None, published: bool = True) -> str:
    """Everything a site's checks use: shipped files plus overlays (published or draft)."""
    overlays = published_overlays(session) if published else draft_overlays(session)
    lexicon = merged_lexicon(shipped_lexicon(app), overlays, site_id)
    items = _sorted(entry_item(e, None) for e in lexicon.entries)
    state = "已发布" if published else "草稿"
    return to_tsv(items, f"{scope_label(site_id)} 的完整词库（{state}），版本 {lexicon.version}")


# -- publications ----------------------------------------------------------------------


def publish(
    session: Session, user: User | None, note: str, scope: Iterable[str | None] | None = None
) -> LexiconPublication:
    """Snapshot the draft of the scope (default: everything the user may edit) into a new
    publication; other sites keep their published entries. Announce it after commit
    (``gateway.checking.announce``)."""
    if not note.strip():
        raise LexiconAdminError("请填写发布说明")
    allowed = set(editable_scopes(session, user))
    wanted = allowed if scope is None else set(scope)
    if not wanted or not wanted <= allowed:
        raise LexiconPermissionError("您没有发布这些词条的权限")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({PUBLISH_LOCK})"))
    # Insert first: on SQLite that takes the write lock before we read the previous snapshot.
    publication = LexiconPublication(published_by=actor_name(user), note=note.strip(), entries=[])
    session.add(publication)
    session.flush()
    previous_row = session.execute(
        select(LexiconPublication)
        .where(LexiconPublication.id < publication.id)
        .order_by(LexiconPublication.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    previous = list(previous_row.entries or []) if previous_row is not None else []
    items = _sorted([i for i in previous if not _in_scope(i, wanted)] + draft_items(session, wanted))
    changes = diff(previous, items)
    if not changes:
        raise LexiconAdminError("没有需要发布的修改")
    publication.entries = items
    session.flush()
    counts = Counter(c.status for c in changes)
    audit.append(
        session,
        actor_name(user),
        "lexicon.publish",
        f"publication:{publication.id}",
        {
            "note": publication.note,
            "scope": sorted(s or GLOBAL for s in wanted),
            "previous": previous_row.id if previous_row is not None else None,
            "entries": len(items),
            "added": counts["added"],
            "removed": counts["removed"],
            "changed": counts["changed"],
            "sha256": hashlib.sha256(to_tsv(items).encode("utf-8")).hexdigest(),
        },
    )
    return publication


def publications(session: Session, limit: int = 200) -> list[LexiconPublication]:
    return list(
        session.execute(select(LexiconPublication).order_by(LexiconPublication.id.desc()).limit(limit)).scalars()
    )


def get_publication(session: Session, publication_id: int) -> LexiconPublication:
    publication = session.get(LexiconPublication, publication_id)
    if publication is None:
        raise LexiconAdminError(f"没有版本 #{publication_id}")
    return publication


def previous_publication_id(session: Session, publication_id: int) -> int:
    """The publication before ``publication_id`` (0 when it is the first)."""
    return (
        session.execute(
            select(LexiconPublication.id)
            .where(LexiconPublication.id < publication_id)
            .order_by(LexiconPublication.id.desc())
            .limit(1)
        ).scalar()
        or 0
    )


def publication_diff(session: Session, old_id: int | None, new_id: int) -> list[Change]:
    """Changes from publication ``old_id`` (None or 0: nothing published) to ``new_id``."""
    old = get_publication(session, old_id).entries if old_id else []
    return diff(old or [], get_publication(session, new_id).entries or [])


def rollback(session: Session, user: User | None, publication_id: int, note: str) -> LexiconPublication:
    """Restore the overlay rows of the user's scope to an older publication and publish
    that as a new publication. Unpublished edits of the scope are overwritten."""
    if not note.strip():
        raise LexiconAdminError("请填写回滚说明")
    target = get_publication(session, publication_id)
    scope = set(editable_scopes(session, user))
    if not scope:
        raise LexiconPermissionError("您没有回滚词库的权限")
    wanted = {item_key(i): i for i in target.entries or [] if _in_scope(i, scope)}
    restored = disabled = 0
    for row in session.execute(select(LexiconEntryRow)).scalars():
        if row.site_id not in scope:
            continue
        key = item_key(row_item(row))
        item = wanted.pop(key, None)
        if item is None:
            if row.enabled:
                row.enabled = False
                row.updated_by, row.updated_at = actor_name(user), utcnow()
                disabled += 1
            continue
        if not row.enabled or row_item(row) != item:
            _refresh_row(row, item, user)
            restored += 1
    for item in wanted.values():
        session.add(_new_row(item.get("site"), item, user))
        restored += 1
    session.flush()
    audit.append(
        session,
        actor_name(user),
        "lexicon.rollback",
        f"publication:{publication_id}",
        {"note": note.strip(), "restored": restored, "disabled": disabled, "scope": sorted(s or GLOBAL for s in scope)},
    )
    return publish(session, user, f"回滚到版本 #{publication_id}：{note.strip()}", scope)


# -- the sandbox -----------------------------------------------------------------------


def text_draft(text: str) -> Draft:
    """Plain text as a draft body: one paragraph per line."""
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    return Draft(body_html=paragraphs)


@dataclass
class SandboxResult:
    model: TextModel
    published: Report
    draft: Report
    published_version: str
    draft_version: str


def sandbox(app: Flask, session: Session, site_id: str | None, text_value: str) -> SandboxResult:
    """The lexicon checks on a text, with the site's published lexicon and with its draft."""
    draft = text_draft(text_value)
    model = TextModel(draft)
    site = session.get(Site, site_id) if site_id else None
    policy = site_policy(site) if site is not None else Policy()
    published_engine = engine_for(app, site_id)
    draft_engine = build_engine(draft_lexicon(app, session, site_id))
    return SandboxResult(
        model,
        published_engine.check(draft, policy, only=LEXICON_CHECKS, model=model),
        draft_engine.check(draft, policy, only=LEXICON_CHECKS, model=TextModel(draft)),
        published_engine.lexicon_version,
        draft_engine.lexicon_version,
    )


# -- false-positive suggestions --------------------------------------------------------


@dataclass
class Suggestion:
    """Findings of one term that reviewers marked as false positives on one site."""

    site_id: str
    term: str
    reviews: set[str] = field(default_factory=set)
    marks: int = 0
    rules: set[str] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)
    samples: list[tuple[str, str, str]] = field(default_factory=list)  # (before, hit, after)
    _sample_refs: list[tuple[str, str, int, int]] = field(default_factory=list)  # (revision, field, start, end)

    @property
    def count(self) -> int:
        return len(self.reviews)


DISMISS_ACTION = "lexicon.suggestion.dismiss"
SAMPLE_CONTEXT = 20


def suggestions(session: Session, site_ids: Iterable[str], samples: int = 3) -> list[Suggestion]:
    """Allow-list suggestions: per site and marked text, from the stored findings, without
    terms already allowed (in the draft) and dismissed ones that gained no new marks."""
    sites = set(site_ids)
    if not sites:
        return []
    rows = session.execute(
        select(FindingRecord, Review.site_id, Review.revision_id)
        .join(Review, FindingRecord.review_id == Review.id)
        .where(
            Review.site_id.in_(sites),
            FindingRecord.disposition == "false_positive",
            FindingRecord.rule.in_(SUPPRESSIBLE_RULES),
        )
        .order_by(FindingRecord.id.desc())
    ).all()
    found: dict[tuple[str, str], Suggestion] = {}
    for record, site_id, revision_id in rows:
        term = str((record.data or {}).get("text") or "").strip()
        if not term:
            continue
        suggestion = found.setdefault((site_id, term), Suggestion(site_id, term))
        suggestion.reviews.add(record.review_id)
        suggestion.marks += 1
        suggestion.rules.add(record.rule)
        if record.disposition_reason:
            suggestion.reasons[record.disposition_reason.strip()] += 1
        data = record.data or {}
        if len(suggestion._sample_refs) < samples:
            suggestion._sample_refs.append(
                (revision_id, data.get("field", ""), data.get("start", 0), data.get("end", 0))
            )
    allowed = {(r.site_id, r.term) for r in _allow_rows(session)}
    dismissed = _dismissed(session)
    result = []
    for (site_id, term), suggestion in found.items():
        if (site_id, term) in allowed or (None, term) in allowed:
            continue
        if dismissed.get((site_id, term), -1) >= suggestion.count:
            continue
        suggestion.samples = _samples(session, suggestion._sample_refs)
        result.append(suggestion)
    result.sort(key=lambda s: (-s.count, s.site_id, s.term))
    return result


def _allow_rows(session: Session) -> list[LexiconEntryRow]:
    return list(
        session.execute(
            select(LexiconEntryRow).where(LexiconEntryRow.kind == "allow", LexiconEntryRow.enabled.is_(True))
        ).scalars()
    )


def _dismissed(session: Session) -> dict[tuple[str, str], int]:
    """(site, term) → review count at the latest dismissal (kept in the audit log)."""
    result: dict[tuple[str, str], int] = {}
    for entry in session.execute(
        select(AuditEntry).where(AuditEntry.action == DISMISS_ACTION).order_by(AuditEntry.id)
    ).scalars():
        details = entry.details or {}
        result[(entry.subject, str(details.get("term", "")))] = int(details.get("count", 0))
    return result


def _samples(session: Session, refs: list[tuple[str, str, int, int]]) -> list[tuple[str, str, str]]:
    out = []
    models: dict[str, TextModel | None] = {}
    for revision_id, field_name, start, end in refs:
        if revision_id not in models:
            revision = session.get(Revision, revision_id)
            try:
                models[revision_id] = (
                    TextModel(ReviewRequest.model_validate_json(revision.request_body).to_draft())
                    if revision is not None
                    else None
                )
            except ValueError:
                models[revision_id] = None
        model = models[revision_id]
        value = model.text_of(field_name) if model is not None else None
        if value is None or not 0 <= start < end <= len(value):
            continue
        out.append(
            (
                value[max(0, start - SAMPLE_CONTEXT) : start].replace("\n", " "),
                value[start:end],
                value[end : end + SAMPLE_CONTEXT].replace("\n", " "),
            )
        )
    return out


def find_suggestion(session: Session, site_id: str, term: str) -> Suggestion:
    for suggestion in suggestions(session, [site_id], samples=0):
        if suggestion.term == term:
            return suggestion
    raise LexiconAdminError("该建议已处理或不存在")


def accept_suggestion(
    app: Flask, session: Session, user: User | None, site_id: str, term: str, allow_term: str, note: str = ""
) -> LexiconEntryRow:
    """Create (or enable) an allow entry for the site; the note cites the false-positive marks.

    ``allow_term`` may widen the term to a phrase around it (it must contain the term).
    """
    require_edit(session, user, site_id)
    suggestion = find_suggestion(session, site_id, term)
    allow_term = (allow_term or term).strip()
    if term not in allow_term:
        raise LexiconAdminError(f"白名单词条必须包含“{term}”，否则无法覆盖该命中")
    reasons = "；".join(reason for reason, _ in suggestion.reasons.most_common(3))
    basis = f"误报建议：{suggestion.count} 篇稿件中被审核人员标记为误报" + (f"（{reasons}）" if reasons else "")
    full_note = (basis + ("；" + note.strip() if note.strip() else ""))[: MAX_LENGTHS["note"]]
    fields = {"term": allow_term, "kind": "allow", "category": "误报白名单", "note": full_note}
    row = _find_row(session, site_id, allow_term, "allow")
    if row is None:
        row, _ = add_entry(app, session, user, site_id, fields)
    else:
        entry = validate(fields, site_id)
        row.note, row.category, row.enabled = entry.note, entry.category, True
        row.updated_by, row.updated_at = actor_name(user), utcnow()
        _audit_entry(session, user, "lexicon.enable", row, reason=full_note)
    audit.append(
        session,
        actor_name(user),
        "lexicon.suggestion.accept",
        site_id,
        {"term": term, "allow": allow_term, "count": suggestion.count, "entry": row.id},
    )
    return row


def dismiss_suggestion(session: Session, user: User | None, site_id: str, term: str, reason: str = "") -> None:
    require_edit(session, user, site_id)
    suggestion = find_suggestion(session, site_id, term)
    audit.append(
        session,
        actor_name(user),
        DISMISS_ACTION,
        site_id,
        {"term": term, "count": suggestion.count, "reason": reason.strip()},
    )
