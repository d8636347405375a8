"""pdf: the text of every page (one field per document, ``#page=N`` segments) and the
Author property. Encrypted files open only when the user password is empty (permissions-only
encryption); otherwise they are reported. pypdf bounds stream decompression itself."""

from __future__ import annotations

import io
import logging

from checks.attachments.common import Extraction, FieldBuilder, file_finding, property_findings
from checks.attachments.limits import Budget, Limits, encrypted, unreadable
from checks.finding import Severity

# pypdf logs every malformed object it recovers from; a hostile PDF would flood the log.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def extract(data: bytes, label: str, budget: Budget, limits: Limits) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    result = Extraction()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # an unsupported cipher is as closed as a password
                opened = 0
            if not opened:
                raise encrypted("附件PDF已加密（需要密码），无法检查内容")
        pages = reader.pages
        count = len(pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise unreadable(f"附件PDF已损坏，无法读取（{type(exc).__name__}）") from None
    builder = FieldBuilder(f"attachment:{label}", budget)
    failed = 0
    for number in range(min(count, limits.max_pdf_pages)):
        try:
            text = (pages[number].extract_text() or "").rstrip("\n")
        except Exception:  # one broken page must not hide the others
            failed += 1
            continue
        if builder.length:
            builder.add("\n")
        builder.segment(f"attachment:{label}#page={number + 1}")
        builder.add(text)
        if budget.exhausted:
            break
    built = builder.build()
    if built is not None:
        result.fields.append(built)
    elif count:
        result.findings.append(
            file_finding(
                label,
                "attachment.no_text",
                Severity.WARN,
                "附件PDF没有可提取的文字（可能是扫描件），内容需人工审核",
                details={"pages": count},
            )
        )
    if failed:
        result.findings.append(
            file_finding(
                label,
                "attachment.unreadable",
                Severity.WARN,
                f"附件PDF有{failed}页无法提取文字，需人工审核",
                details={"pages": failed},
            )
        )
    if count > limits.max_pdf_pages:
        result.findings.append(
            file_finding(
                label,
                "attachment.truncated",
                Severity.WARN,
                f"附件PDF共{count}页，只检查了前{limits.max_pdf_pages}页",
            )
        )
    try:
        metadata = reader.metadata or {}
        author = metadata.get("/Author")
    except Exception:  # a broken info dictionary is not worth a finding of its own
        author = None
    if isinstance(author, str):
        result.findings.extend(property_findings(label, [("Author", str(author))]))
    return result
