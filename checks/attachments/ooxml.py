"""Office Open XML containers (docx, xlsx): parts, relationships, properties, safe parsing.

Parts are parsed with lxml's ``iterparse`` so large sheets stream; entities are never
resolved, no DTD is loaded and nothing is fetched from the network. OOXML never carries a
DOCTYPE, so a part with one is refused outright (billion-laughs style payloads).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO

from lxml import etree

from checks.attachments.limits import unreadable

PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CORE_PROPS = "docProps/core.xml"
APP_PROPS = "docProps/app.xml"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def _guarded(stream: IO[bytes]) -> IO[bytes]:
    head = stream.read(2048)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise unreadable("附件的XML部件含DTD声明，不是正常的Office文件")
    return _Prefixed(head, stream)


class _Prefixed:
    """A stream with its first bytes already read (to look for a DOCTYPE) put back."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0:
                data, self.head = self.head + self.rest.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.rest.read(size)


def iterparse(
    archive: zipfile.ZipFile,
    name: str,
    events: tuple[str, ...] = ("end",),
    tag: tuple[str, ...] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Events of one part; ``tag`` limits them to those elements (much faster for sheets)."""
    with archive.open(name) as raw:
        stream = _guarded(raw)
        parser = etree.iterparse(
            stream,
            events=events,
            tag=tag,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            yield from parser
        except etree.XMLSyntaxError as exc:
            raise unreadable(f"附件部件 {name} 不是有效的XML（{str(exc)[:60]}）") from None


def parse(archive: zipfile.ZipFile, name: str) -> etree._Element:
    """A small part (workbook, relationships, properties) as a tree."""
    root = None
    for _, element in iterparse(archive, name):
        root = element
    if root is None:
        raise unreadable(f"附件部件 {name} 为空")
    while root.getparent() is not None:
        root = root.getparent()
    return root


def has_part(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, bool]]:
    """Relationship id → (type suffix, target part name, external) for ``part``."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if not has_part(archive, rels_name):
        return {}
    result = {}
    for rel in parse(archive, rels_name).iter(f"{PKG_REL}Relationship"):
        rel_type = rel.get("Type", "").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        external = rel.get("TargetMode") == "External"
        if not external:
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
        result[rel.get("Id", "")] = (rel_type, target, external)
    return result


def main_part(archive: zipfile.ZipFile, fallback: str) -> str:
    for rel_type, target, external in relationships(archive, "").values():
        if rel_type == "officeDocument" and not external and has_part(archive, target):
            return target
    if has_part(archive, fallback):
        return fallback
    raise unreadable("附件缺少主文档部件，文件已损坏")


def properties(archive: zipfile.ZipFile) -> dict[str, str]:
    """Author-like document properties (core: creator, lastModifiedBy; app: Manager)."""
    found: dict[str, str] = {}
    if has_part(archive, CORE_PROPS):
        root = parse(archive, CORE_PROPS)
        for tag, key in ((f"{_DC}creator", "creator"), (f"{_CP}lastModifiedBy", "lastModifiedBy")):
            element = root.find(tag)
            if element is not None and element.text and element.text.strip():
                found[key] = element.text.strip()
    if has_part(archive, APP_PROPS):
        element = parse(archive, APP_PROPS).find(f"{_EP}Manager")
        if element is not None and element.text and element.text.strip():
            found["Manager"] = element.text.strip()
    return found


class StopParsing(Exception):
    """Raised by a handler to end an ``expat_parse`` early (the character budget ran out)."""


def _refuse_dtd(*args: object) -> None:
    raise unreadable("附件的XML部件含DTD声明，不是正常的Office文件")


def expat_parse(archive: zipfile.ZipFile, name: str, handler: object, chunk_size: int = 1 << 20) -> None:
    """Stream one part through expat, calling ``handler.start(name, attrs)``, ``handler.end(name)``
    and ``handler.text(data)``. Element names are ``"namespace}local"`` (``expat_name``).

    expat hands over plain dicts and strings, which costs a third of lxml's element proxies per
    cell on large sheets. DTDs and entity declarations are refused outright.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler = handler.start  # type: ignore[attr-defined]
    parser.EndElementHandler = handler.end  # type: ignore[attr-defined]
    parser.CharacterDataHandler = handler.text  # type: ignore[attr-defined]
    try:
        with archive.open(name) as stream:
            while True:
                chunk = stream.read(chunk_size)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    except StopParsing:
        return
    except expat.ExpatError as exc:
        raise unreadable(f"附件部件 {name} 不是有效的XML（{str(exc)[:60]}）") from None


def expat_name(lxml_name: str) -> str:
    """``{namespace}local`` → expat's ``namespace}local``."""
    return lxml_name[1:] if lxml_name.startswith("{") else lxml_name
