"""Resource limits for reading attachments, and the errors that report hitting them.

Every reader gets a ``Limits`` and a character ``Budget``: a file that is too large, a zip
container whose members would inflate beyond the limits (zip bomb), or text beyond the
budget stops the reader with a finding instead of exhausting memory.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from checks import defaults


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = defaults.ATTACHMENT_MAX_BYTES
    max_uncompressed: int = defaults.ATTACHMENT_MAX_UNCOMPRESSED_BYTES
    max_members: int = defaults.ATTACHMENT_MAX_MEMBERS
    max_ratio: float = defaults.ATTACHMENT_MAX_RATIO
    ratio_min_bytes: int = defaults.ATTACHMENT_RATIO_MIN_BYTES
    max_chars: int = defaults.ATTACHMENT_MAX_CHARS
    max_pdf_pages: int = defaults.ATTACHMENT_MAX_PDF_PAGES


class AttachmentProblem(Exception):
    """A file that cannot be read as a whole; ``rule`` and a Chinese ``message`` for the finding."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.message = message


def unreadable(message: str) -> AttachmentProblem:
    return AttachmentProblem("attachment.unreadable", message)


def encrypted(message: str = "附件已加密，无法检查内容") -> AttachmentProblem:
    return AttachmentProblem("attachment.encrypted", message)


def oversized(message: str) -> AttachmentProblem:
    return AttachmentProblem("attachment.oversized", message)


class Budget:
    """Characters still allowed for one attachment; readers stop when it runs out."""

    def __init__(self, limit: int) -> None:
        self.remaining = limit
        self.exhausted = False

    def take(self, text: str) -> str:
        if len(text) <= self.remaining:
            self.remaining -= len(text)
            return text
        kept = text[: max(self.remaining, 0)]
        self.remaining = 0
        self.exhausted = True
        return kept


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """A zip container checked against the limits *before* any member is decompressed.

    The central directory gives every member's sizes. ``zipfile`` never returns more bytes
    for a member than its declared size (and checks the CRC), so vetting the declared sizes
    bounds the real decompression too.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError) as exc:
        raise unreadable(f"附件已损坏，无法解压（{type(exc).__name__}）") from None
    if len(infos) > limits.max_members:
        raise oversized(f"附件包含{len(infos)}个部件，超过上限{limits.max_members}（疑似压缩炸弹）")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise encrypted()
        total += info.file_size
        if info.file_size >= limits.ratio_min_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise oversized(f"附件部件 {info.filename[:60]} 压缩比 {ratio:.0f}:1 异常（疑似压缩炸弹），未解压")
    if total > limits.max_uncompressed:
        raise oversized(
            f"附件解压后共 {total // (1024 * 1024)} MB，超过上限 "
            f"{limits.max_uncompressed // (1024 * 1024)} MB（疑似压缩炸弹），未解压"
        )
    return archive
