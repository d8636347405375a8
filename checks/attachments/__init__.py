"""Attachment text for the checks: ``add_attachment_fields`` reads every attachment of a
draft into ``TextField``s of the model, so all text checks run on them unchanged.

The type comes from the file's bytes first (zip/PDF/OLE signatures) and its name second.
A file that cannot be read — corrupt, encrypted, too large, a zip bomb, a format we do not
read — becomes a ``warn`` finding (a human must look at it), never an exception.
"""

from __future__ import annotations

import logging
import posixpath
import re

from checks.attachments import docx, pdf, plain, xlsx
from checks.attachments.common import Extraction, file_finding
from checks.attachments.limits import AttachmentProblem, Budget, Limits, open_zip, unreadable
from checks.finding import Finding, Severity
from checks.textmodel import Attachment, TextModel

__all__ = ["Limits", "add_attachment_fields", "read_attachment"]

log = logging.getLogger("sanshen.checks.attachments")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_EXTENSIONS = {"txt": "txt", "text": "txt", "md": "txt", "log": "txt", "csv": "csv",
                    "html": "html", "htm": "html", "xhtml": "html"}  # fmt: skip
_IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "svg"})
_LEGACY_OFFICE = frozenset({"doc", "xls", "ppt", "wps", "et", "dps"})


def add_attachment_fields(model: TextModel, limits: Limits | None = None) -> list[Finding]:
    """Add one field per readable attachment part to ``model``; findings for the rest."""
    limits = limits or Limits()
    findings: list[Finding] = []
    used: set[str] = set()
    for index, attachment in enumerate(model.draft.attachments or []):
        label = _label(attachment, index, used)
        try:
            extraction = read_attachment(attachment, label, limits)
        except AttachmentProblem as problem:
            findings.append(file_finding(label, problem.rule, Severity.WARN, problem.message))
            continue
        except Exception as exc:  # fail closed: an unexpected reader error is a finding
            log.error("attachment reader failed with %s", type(exc).__name__)
            findings.append(
                file_finding(
                    label,
                    "attachment.unreadable",
                    Severity.WARN,
                    f"附件无法读取（{type(exc).__name__}），需人工审核",
                )
            )
            continue
        for fld in extraction.fields:
            model.add(fld)
        findings.extend(extraction.findings)
    return findings


def read_attachment(attachment: Attachment, label: str, limits: Limits) -> Extraction:
    """The fields and findings of one attachment; raises ``AttachmentProblem`` when unreadable."""
    data = attachment.data
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise unreadable("附件内容缺失或不是二进制数据")
    if not data:
        return Extraction(findings=[file_finding(label, "attachment.empty", Severity.INFO, "附件是空文件")])
    if len(data) > limits.max_bytes:
        raise AttachmentProblem(
            "attachment.oversized",
            f"附件大小 {len(data) // (1024 * 1024)} MB 超过上限 "
            f"{limits.max_bytes // (1024 * 1024)} MB，未检查，需人工审核",
        )
    budget = Budget(limits.max_chars)
    kind = sniff(label, attachment.content_type, data)
    if kind in ("docx", "xlsx"):
        archive = open_zip(data, limits)
        reader = docx.extract if kind == "docx" else xlsx.extract
        try:
            extraction = reader(archive, label, budget)
        finally:
            archive.close()
    elif kind == "pdf":
        extraction = pdf.extract(data, label, budget, limits)
    elif kind == "txt":
        extraction = plain.extract_text_file(data, label, budget)
    elif kind == "csv":
        extraction = plain.extract_csv(data, label, budget)
    elif kind == "html":
        extraction = plain.extract_html(data, label, budget)
    else:
        return Extraction(findings=[_unsupported(label, kind)])
    if budget.exhausted:
        extraction.findings.append(
            file_finding(
                label,
                "attachment.truncated",
                Severity.WARN,
                f"附件文字超过{limits.max_chars}字，超出部分未检查",
            )
        )
    return extraction


def sniff(name: str, content_type: str | None, data: bytes) -> str:
    """docx | xlsx | pdf | txt | csv | html | zip | legacy | image | binary (or raises)."""
    ext = extension(name)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        head = data[:65536] + data[-65536:]
        if b"word/document.xml" in head or b"word/_rels" in head:
            return "docx"
        if b"xl/workbook.xml" in head or b"xl/_rels" in head:
            return "xlsx"
        if ext in ("docx", "xlsx", "docm", "xlsm"):
            return "docx" if ext.startswith("doc") else "xlsx"  # the readers find the damage
        return "zip"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise AttachmentProblem("attachment.encrypted", "附件是加密的Office文件（需要密码），无法检查内容")
        return "legacy"
    if ext in ("docx", "xlsx", "docm", "xlsm", "pdf"):
        raise unreadable(f"附件扩展名为.{ext}，但内容不是该格式，文件已损坏或类型不符")
    if ext in _TEXT_EXTENSIONS:
        return _TEXT_EXTENSIONS[ext]
    if ext in _IMAGE_EXTENSIONS or (content_type or "").startswith("image/"):
        return "image"
    if ext in _LEGACY_OFFICE:
        return "legacy"
    if (content_type or "").startswith("text/") or _looks_like_text(data):
        return "html" if "html" in (content_type or "") else "txt"
    return "binary"


def extension(name: str) -> str:
    base = posixpath.basename(name.replace("\\", "/"))
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut at the 4096-byte boundary
    return True


def _unsupported(label: str, kind: str) -> Finding:
    if kind == "image":
        return file_finding(label, "attachment.unsupported", Severity.INFO, "图片附件的文字未检查（不做文字识别）")
    messages = {
        "legacy": "旧版Office/WPS格式（.doc/.xls等）无法读取，请转存为docx/xlsx/pdf或人工审核",
        "zip": "压缩包内的文件未检查，需人工审核",
        "binary": "无法识别的附件格式，内容未检查，需人工审核",
    }
    return file_finding(label, "attachment.unsupported", Severity.WARN, messages.get(kind, messages["binary"]))


def _label(attachment: Attachment, index: int, used: set[str]) -> str:
    """A unique, path-free display name: "名单.xlsx", a second one "名单(2).xlsx"."""
    name = attachment.name if isinstance(attachment.name, str) else ""
    name = posixpath.basename(name.replace("\\", "/")).strip()
    name = re.sub(r"[\x00-\x1f]", "", name) or f"附件{index + 1}"
    label = name
    counter = 2
    while label in used:
        stem, dot, ext = name.rpartition(".")
        label = f"{stem}({counter}).{ext}" if dot and stem else f"{name}({counter})"
        counter += 1
    used.add(label)
    return label
