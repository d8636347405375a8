"""Reading drafts from files for ``sanshen check``: html, txt, json requests, office files."""

from __future__ import annotations

import json
import mimetypes
from html import escape
from pathlib import Path

from pydantic import ValidationError

from checks.exceptions import DraftError
from checks.textmodel import Attachment, Draft
from gateway.schemas import ReviewRequest

ATTACHMENT_SUFFIXES = {".docx", ".xlsx", ".pdf", ".csv"}


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DraftError(f"{path.name}: neither UTF-8 nor GB18030 text")


def describe_validation_error(exc: ValidationError) -> str:
    """First schema error as ``field: reason`` — the field path, never the offending value."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def draft_from_file(path: Path, metadata: dict | None = None) -> Draft:
    """A draft from a file; ``metadata`` stands in for the CMS's for non-JSON files."""
    draft = _read_draft(path)
    if metadata is not None and path.suffix.lower() != ".json":
        draft.metadata = dict(metadata)
    return draft


def has_metadata(draft: Draft) -> bool:
    return any(value not in (None, "") for value in draft.metadata.values())


def _read_draft(path: Path) -> Draft:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError(f"{path}: cannot read ({exc.strerror})") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            body = json.loads(_decode(data, path))
        except json.JSONDecodeError as exc:
            raise DraftError(f"{path.name}: malformed JSON at line {exc.lineno} column {exc.colno}") from None
        try:
            return ReviewRequest.model_validate(body).to_draft()
        except ValidationError as exc:
            raise DraftError(f"{path.name}: {describe_validation_error(exc)}") from None
    if suffix in (".html", ".htm"):
        text = _decode(data, path)
        return Draft(title="", body_html=text, document_id=path.name)
    if suffix == ".txt":
        text = _decode(data, path)
        lines = text.splitlines()
        # A plain-text draft: first line is the title, the rest the body, one paragraph a line.
        title = lines[0].strip() if lines else ""
        body = "".join(f"<p>{escape(line)}</p>" for line in lines[1:])
        return Draft(title=title, body_html=body, document_id=path.name)
    if suffix in ATTACHMENT_SUFFIXES:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Draft(
            title=path.stem,
            attachments=[Attachment(path.name, content_type, data)],
            document_id=path.name,
        )
    raise DraftError(f"{path.name}: unsupported file type {suffix or '(none)'}")
