"""txt, csv and html attachments: decoded (UTF-8, UTF-16 with BOM, GB18030), one field each;
csv cells are segments labelled like spreadsheet cells (``…!C7``)."""

from __future__ import annotations

import csv
import io

from checks.attachments.common import Extraction, FieldBuilder, file_finding
from checks.attachments.limits import Budget
from checks.attachments.xlsx import column_letters
from checks.finding import Finding, Severity
from checks.textmodel import TextField, extract_text


def decode(data: bytes) -> tuple[str, bool]:
    """Text and whether it decoded cleanly."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), True
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), True
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), True
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), False


def _decode_finding(label: str) -> Finding:
    return file_finding(
        label,
        "attachment.encoding",
        Severity.WARN,
        "附件文字编码无法识别，部分字符可能未被检查",
    )


def extract_text_file(data: bytes, label: str, budget: Budget) -> Extraction:
    result = Extraction()
    text, clean = decode(data)
    if not clean:
        result.findings.append(_decode_finding(label))
    builder = FieldBuilder(f"attachment:{label}", budget)
    builder.add(text.replace("\r\n", "\n"))
    built = builder.build()
    if built is not None:
        result.fields.append(built)
    return result


def extract_html(data: bytes, label: str, budget: Budget) -> Extraction:
    result = Extraction()
    source, clean = decode(data)
    if not clean:
        result.findings.append(_decode_finding(label))
    source = budget.take(source)
    text, starts, ends = extract_text(source)
    if text.strip():
        result.fields.append(
            TextField(name=f"attachment:{label}", text=text, source=source, src_start=starts, src_end=ends)
        )
    return result


def extract_csv(data: bytes, label: str, budget: Budget) -> Extraction:
    result = Extraction()
    text, clean = decode(data)
    if not clean:
        result.findings.append(_decode_finding(label))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    builder = FieldBuilder(f"attachment:{label}", budget)
    try:
        for row_number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            first = True
            for column, value in enumerate(row, start=1):
                if not value:
                    continue
                if not first:
                    builder.add("\t")
                first = False
                builder.segment(f"attachment:{label}!{column_letters(column)}{row_number}")
                builder.add(value.replace("\t", " "))
            builder.add("\n")
            if budget.exhausted:
                break
    except csv.Error:
        # Not really CSV after all (or a field beyond csv's size limit): check it as text.
        return extract_text_file(data, label, budget)
    built = builder.build()
    if built is not None:
        result.fields.append(built)
    return result
