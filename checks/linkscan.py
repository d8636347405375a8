"""Links in a draft's HTML, with what a reader would actually see of them.

A single forward scan over the markup (no tree, no recursion) keeps a stack of open
elements with their computed inline style, closing elements the way browsers do for the
common implied end tags (a new block closes an open ``<p>``, ``<li>`` closes ``<li>``, …).
Only inline ``style`` attributes, presentational attributes and simple rules in ``<style>``
blocks of the body are known; the site's own stylesheets are not, so this errs on the side
of "visible".

A link is hidden when all of its content (text runs and images) is hidden, or when it has
no content and its box is hidden. Text is hidden by ``display:none``, ``visibility``,
``opacity:0``, zero size, off-screen positioning, ``text-indent``, ``font-size:0`` or a
colour equal to the background; images only by the first group and ``text-indent``.
"""

from __future__ import annotations

import bisect
import html
import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checks import defaults

if TYPE_CHECKING:
    from checks.textmodel import TextField, TextModel

ZERO_WIDTH_CHARS = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e\u2061\u2062\u2063\u2064")

# Elements that carry a URL a reader or a crawler follows, and the attribute holding it.
URL_ATTRIBUTE = {
    "a": "href",
    "area": "href",
    "iframe": "src",
    "frame": "src",
    "embed": "src",
    "img": "src",
    "script": "src",
    "object": "data",
}

VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta param source track wbr keygen".split())
# Content up to the matching end tag is text, not markup.
RAW_TEXT_ELEMENTS = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed"})
# A start tag of one of these closes an open <p> (HTML's "close a p element").
P_CLOSERS = frozenset(
    """address article aside blockquote center details dialog dir div dl fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section
    summary table ul li dd dt""".split()
)
# Start tag → elements it closes, and the elements that stop the search (scope boundaries).
_IMPLIED_CLOSE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "table", "td", "th"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "thead", "tbody", "tfoot"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "thead": (frozenset({"thead", "tbody", "tfoot"}), frozenset({"table"})),
    "tbody": (frozenset({"thead", "tbody", "tfoot"}), frozenset({"table"})),
    "tfoot": (frozenset({"thead", "tbody", "tfoot"}), frozenset({"table"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist"})),
    "a": (frozenset({"a"}), frozenset({"table", "td", "th", "caption"})),
}
_P_SCOPE_BOUNDARY = frozenset({"button", "table", "td", "th", "caption", "html", "object", "marquee"})
# Implied closes look this far down the stack: constant work per tag keeps the scan linear
# even for 10,000 nested elements.
_IMPLIED_SEARCH_DEPTH = 64

# Class names that conventionally mean "not shown" in CSS frameworks.
HIDDEN_CLASS_NAMES = frozenset(
    {"hidden", "hide", "invisible", "d-none", "sr-only", "visually-hidden", "display-none", "hid"}
)

_MARKUP = re.compile(
    r"""
      (?P<comment><!--.*?(?:-->|\Z))
    | (?P<decl><[!?][^>]*(?:>|\Z))
    | (?P<tag></?(?P<name>[A-Za-z][A-Za-z0-9:_-]*)(?:[^>"']|"[^"]*"|'[^']*')*(?:>|\Z))
    """,
    re.S | re.X,
)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_RAW_END = {name: re.compile(rf"</{name}(?![A-Za-z0-9])", re.I) for name in RAW_TEXT_ELEMENTS}
_STYLE_BLOCK = re.compile(r"<style(?![A-Za-z0-9])[^>]*>(.*?)(?:</style\s*>|\Z)", re.S | re.I)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^([A-Za-z][A-Za-z0-9]*)?((?:[.#][-_a-zA-Z0-9]+)*)$")
_ZERO_OPACITY_FILTER = re.compile(r"opacity\s*(?:=\s*0(?![.\d])|\(\s*0(?:\.0+)?%?\s*\))")
_DECLARATION = re.compile(r"""([-a-zA-Z]+)\s*:\s*((?:[^;"'(]|"[^"]*"|'[^']*'|\([^)]*\))*)""")
_LENGTH = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+))(px|pt|em|rem|%|vw|vh|cm|mm|in|ex|ch)?$")
_TRANSLATE = re.compile(r"translate(x|y|3d)?\(([^)]*)\)")
_CLIP_RECT = re.compile(r"rect\(([^)]*)\)")
_WHITESPACE = " \t\n\r\f\u00a0\u3000"

_UNIT_PX = {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0, "cm": 37.8, "mm": 3.78, "in": 96.0}


@dataclass(frozen=True, slots=True)
class Style:
    """Computed style, only the parts that can hide content. Shared by unstyled children."""

    box: str | None = None  # hides the element and everything in it; children cannot undo it
    visibility: str | None = None  # inherited, a child may set visibility:visible again
    font_zero: str | None = None  # inherited, a child may set a font size again
    indent: str | None = None  # inherited text-indent that pushes text off screen
    color: tuple[int, int, int, float] | None = None
    background: tuple[int, int, int, float] | None = None

    def text_reason(self) -> str | None:
        reason = self.box or self.visibility or self.font_zero or self.indent
        if reason:
            return reason
        color = self.color
        if color is None:
            return None
        if color[3] <= 0.05:
            return "文字颜色透明"
        background = self.background or _DEFAULT_BACKGROUND
        if _same_colour(color, background):
            return "文字颜色与背景色相同"
        return None

    def image_reason(self) -> str | None:
        return self.box or self.visibility or self.indent


@dataclass(slots=True)
class Link:
    tag: str
    url: str  # the attribute value, entities decoded, surrounding white space removed
    start: int  # source offset of the start tag
    inner_start: int  # source offset just after the start tag
    inner_end: int = -1  # source offset where the element's content ends
    box_reason: str | None = None
    hidden_reasons: list[str] = field(default_factory=list)
    hidden_classes: list[str] = field(default_factory=list)
    visible_content: bool = False
    zero_width: bool = False  # zero-width characters in the link text
    in_link: bool = False  # an image inside an anchor: the anchor is what is reported
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def hidden(self) -> list[str]:
        """Why no reader sees this link (empty when someone does)."""
        if self.tag in ("a", "area"):
            if self.visible_content:
                return ["链接文字含零宽字符"] if self.zero_width else []
            reasons = list(dict.fromkeys(self.hidden_reasons))
            if self.box_reason and self.box_reason not in reasons:
                reasons.insert(0, self.box_reason)
            if self.zero_width:
                reasons.append("链接文字只有零宽字符")
            return reasons
        return [self.box_reason] if self.box_reason else []

    @property
    def empty(self) -> bool:
        """An anchor with nothing inside it: nothing to click, but crawlers follow it."""
        return self.tag == "a" and not self.visible_content and not self.hidden


@dataclass(slots=True)
class ScanResult:
    links: list[Link]
    base_href: str | None = None
    refresh: list[Link] = field(default_factory=list)


def _parse_colour(value: str) -> tuple[int, int, int, float] | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in _NAMED_COLOURS:
        return _NAMED_COLOURS[value]
    if value.startswith("#"):
        digits = value[1:]
        if not re.fullmatch(r"[0-9a-f]{3,8}", digits) or len(digits) not in (3, 4, 6, 8):
            return None
        if len(digits) in (3, 4):
            digits = "".join(ch * 2 for ch in digits)
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha
    m = re.fullmatch(r"rgba?\(([^)]*)\)", value)
    if m:
        parts = [p for p in re.split(r"[\s,/]+", m.group(1).strip()) if p]
        if len(parts) < 3:
            return None
        try:
            channels = [round(float(p[:-1]) * 2.55) if p.endswith("%") else round(float(p)) for p in parts[:3]]
            alpha = 1.0
            if len(parts) > 3:
                alpha = float(parts[3][:-1]) / 100 if parts[3].endswith("%") else float(parts[3])
        except ValueError:
            return None
        return channels[0], channels[1], channels[2], alpha
    return None


_NAMED_COLOURS: dict[str, tuple[int, int, int, float]] = {
    "white": (255, 255, 255, 1.0),
    "black": (0, 0, 0, 1.0),
    "red": (255, 0, 0, 1.0),
    "green": (0, 128, 0, 1.0),
    "blue": (0, 0, 255, 1.0),
    "yellow": (255, 255, 0, 1.0),
    "gray": (128, 128, 128, 1.0),
    "grey": (128, 128, 128, 1.0),
    "silver": (192, 192, 192, 1.0),
    "maroon": (128, 0, 0, 1.0),
    "navy": (0, 0, 128, 1.0),
    "purple": (128, 0, 128, 1.0),
    "teal": (0, 128, 128, 1.0),
    "olive": (128, 128, 0, 1.0),
    "lime": (0, 255, 0, 1.0),
    "aqua": (0, 255, 255, 1.0),
    "fuchsia": (255, 0, 255, 1.0),
    "orange": (255, 165, 0, 1.0),
    "transparent": (0, 0, 0, 0.0),
}
_DEFAULT_BACKGROUND = _parse_colour(defaults.DEFAULT_PAGE_BACKGROUND) or (255, 255, 255, 1.0)
# Browsers draw unvisited links in this colour unless a style says otherwise.
_LINK_COLOUR = (0, 0, 238, 1.0)


def _same_colour(a: tuple[int, int, int, float], b: tuple[int, int, int, float]) -> bool:
    if b[3] <= 0.05:  # a transparent background shows the page
        b = _DEFAULT_BACKGROUND
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2])) <= defaults.SAME_COLOUR_DISTANCE


def _length_px(value: str) -> float | None:
    """A CSS length in px; percentages and viewport units as huge values only when huge."""
    m = _LENGTH.match(value.strip().lower())
    if not m:
        return None
    number = float(m.group(1))
    unit = m.group(2)
    if unit is None:
        return number
    if unit in ("%", "vw", "vh"):
        # 100% of anything is at most a screen away; -200vw is certainly off screen.
        return number * 10 if abs(number) >= 100 else number
    return number * _UNIT_PX[unit]


def _font_shorthand_size(value: str) -> str:
    """The font-size in a ``font`` shorthand: ``bold 0/0 a`` gives ``0``; ``700`` is a weight."""
    for token in re.split(r"[\s/]+", value):
        m = _LENGTH.match(token)
        if m and (m.group(2) or float(m.group(1)) == 0):
            return token
    return ""


def parse_declarations(style: str) -> list[tuple[str, str]]:
    style = _CSS_COMMENT.sub(" ", style)
    result = []
    for m in _DECLARATION.finditer(style):
        value = m.group(2).strip().lower()
        value = value.replace("!important", "").strip()
        result.append((m.group(1).lower(), value))
    return result


def _first_colour(value: str) -> tuple[int, int, int, float] | None:
    """The colour in a ``background`` shorthand (``#fff url(x.png) no-repeat``)."""
    colour = _parse_colour(value)
    if colour is not None:
        return colour
    for token in re.findall(r"rgba?\([^)]*\)|#[0-9a-f]{3,8}|[a-z]+", value):
        colour = _parse_colour(token)
        if colour is not None:
            return colour
    return None


def _apply(parent: Style, tag: str, attrs: dict[str, str], decls: list[tuple[str, str]]) -> Style:
    """The element's computed style from its parent's and its own declarations."""
    box = parent.box
    visibility = parent.visibility
    font_zero = parent.font_zero
    indent = parent.indent
    color = parent.color
    background = parent.background
    position = ""
    offsets: list[tuple[str, float]] = []
    limit = defaults.OFFSCREEN_PX
    if "hidden" in attrs:
        box = box or "hidden属性"
    if tag == "a" and "href" in attrs:
        color = _LINK_COLOUR
    for attr in ("width", "height"):
        if attr in attrs:
            px = _length_px(attrs[attr])
            tiny = 1 if tag in ("iframe", "frame", "embed", "object") else 0
            if px is not None and px <= tiny:
                box = box or f"{attr}={attrs[attr]}"
    if "color" in attrs and tag == "font":
        color = _parse_colour(attrs["color"]) or color
    if "bgcolor" in attrs:
        background = _parse_colour(attrs["bgcolor"]) or background
    for prop, value in decls:
        if prop == "display":
            if value == "none":
                box = box or "display:none"
        elif prop == "visibility":
            if value in ("hidden", "collapse"):
                visibility = f"visibility:{value}"
            elif value == "visible":
                visibility = None
        elif prop == "opacity":
            try:
                opaque = float(value[:-1]) / 100 if value.endswith("%") else float(value)
            except ValueError:
                continue
            if opaque <= 0.01:
                box = box or "opacity:0"
        elif prop == "filter":
            if _ZERO_OPACITY_FILTER.search(value):
                box = box or "filter:opacity(0)"
        elif prop in ("font-size", "font"):
            size = value if prop == "font-size" else _font_shorthand_size(value)
            px = _length_px(size) if size else None
            if px is None:
                continue
            font_zero = f"{prop}:{value}" if px <= 0.5 else None
        elif prop in ("width", "height", "max-width", "max-height"):
            if _length_px(value) == 0:
                box = box or f"{prop}:{value}"
        elif prop == "position":
            position = value
        elif prop in ("left", "top", "right", "bottom"):
            px = _length_px(value)
            if px is not None:
                offsets.append((prop, px))
        elif prop in ("margin-left", "margin-top", "margin"):
            for token in value.split():
                px = _length_px(token)
                if px is not None and px <= -limit:
                    box = box or f"{prop}:{value}"
                    break
        elif prop == "text-indent":
            px = _length_px(value)
            if px is None:
                continue
            off = px <= -defaults.HIDDEN_TEXT_INDENT_PX or px >= limit
            indent = f"text-indent:{value}" if off else None
        elif prop == "transform":
            for m in _TRANSLATE.finditer(value):
                for token in m.group(2).split(","):
                    px = _length_px(token)
                    if px is not None and abs(px) > limit:
                        box = box or f"transform:{m.group(0)}"
            if re.search(r"scale[xy]?\(\s*0(?:\.0*)?\s*[,)]", value):
                box = box or "transform:scale(0)"
        elif prop == "clip":
            m = _CLIP_RECT.search(value)
            if m:
                numbers = [_length_px(t) for t in re.split(r"[\s,]+", m.group(1).strip()) if t]
                if numbers and all(n == 0 for n in numbers):
                    box = box or "clip:rect(0,0,0,0)"
        elif prop == "clip-path":
            if re.search(r"(circle|ellipse)\(\s*0", value) or "inset(50%" in value:
                box = box or f"clip-path:{value}"
        elif prop == "color":
            color = _parse_colour(value) or color
        elif prop in ("background-color", "background"):
            background = _first_colour(value) or background
    if position in ("absolute", "fixed"):
        for prop, px in offsets:
            if abs(px) > limit:
                box = box or f"position:{position};{prop}:{px:g}px"
                break
    if tag in ("noscript", "template"):
        box = box or f"<{tag}>中的内容不显示"
    new = Style(box, visibility, font_zero, indent, color, background)
    return parent if new == parent else new


class _Stylesheet:
    """Declarations from ``<style>`` blocks, for simple selectors only (tag, .class, #id)."""

    def __init__(self, source: str) -> None:
        self.rules: list[tuple[str | None, frozenset[str], str | None, list[tuple[str, str]]]] = []
        if "<style" not in source and "<STYLE" not in source and "<Style" not in source:
            return
        for block in _STYLE_BLOCK.finditer(source):
            css = _CSS_COMMENT.sub(" ", block.group(1))
            for rule in _CSS_RULE.finditer(css):
                decls = parse_declarations(rule.group(2))
                if not decls:
                    continue
                for selector in rule.group(1).split(","):
                    parsed = _parse_selector(selector.strip())
                    if parsed is not None:
                        self.rules.append((*parsed, decls))

    def declarations(self, tag: str, attrs: dict[str, str]) -> list[tuple[str, str]]:
        if not self.rules:
            return []
        classes = frozenset(attrs.get("class", "").split())
        element_id = attrs.get("id")
        result: list[tuple[str, str]] = []
        for rule_tag, rule_classes, rule_id, decls in self.rules:
            if rule_tag is not None and rule_tag != tag:
                continue
            if rule_id is not None and rule_id != element_id:
                continue
            if not rule_classes <= classes:
                continue
            result.extend(decls)
        return result


def _parse_selector(selector: str) -> tuple[str | None, frozenset[str], str | None] | None:
    m = _SIMPLE_SELECTOR.match(selector)
    if not m or not selector:
        return None
    tag = m.group(1).lower() if m.group(1) else None
    classes = frozenset(re.findall(r"\.([-_a-zA-Z0-9]+)", m.group(2)))
    ids = re.findall(r"#([-_a-zA-Z0-9]+)", m.group(2))
    if len(ids) > 1:
        return None
    return tag, classes, ids[0] if ids else None


def parse_attributes(tag_text: str, name_length: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    body = tag_text[1 + name_length :]
    if body.endswith(">"):
        body = body[:-1]
    for m in _ATTRIBUTE.finditer(body):
        key = m.group(1).lower()
        if key in attrs:
            continue  # browsers keep the first of duplicated attributes
        value = m.group(2) if m.group(2) is not None else m.group(3)
        if value is None:
            value = m.group(4) or ""
        attrs[key] = html.unescape(value) if "&" in value else value
    return attrs


def clean_url(value: str) -> str:
    """A URL as a browser reads it: no surrounding space, no tabs or newlines inside."""
    return re.sub(r"[\t\n\r]", "", value).strip(" \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c")


class _Scanner:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sheet = _Stylesheet(source)
        # Stack entries: [tag, style, link or None]
        self.stack: list[list] = []
        self.counts: dict[str, int] = {}
        self.links: list[Link] = []
        self.refresh: list[Link] = []
        self.base_href: str | None = None
        self.open_link: Link | None = None
        # CMS bodies repeat the same tags (<p style="…">) thousands of times: parse each
        # distinct tag text once, and compute each (parent style, tag) combination once.
        self.tags: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {}
        self.styles: dict[tuple[Style, str], Style] = {}

    def style(self) -> Style:
        return self.stack[-1][1] if self.stack else _ROOT

    def scan(self) -> ScanResult:
        source = self.source
        n = len(source)
        pos = 0
        while pos < n:
            lt = source.find("<", pos)
            if lt < 0:
                self._text(pos, n)
                break
            m = _MARKUP.match(source, lt)
            if m is None:
                self._text(pos, lt + 1)
                pos = lt + 1
                continue
            if lt > pos:
                self._text(pos, lt)
            pos = m.end()
            name = m.group("name")
            if not name:
                continue
            lname = name.lower()
            if source[lt + 1] == "/":
                self._end(lname, lt)
                continue
            pos = self._start(lname, m.group(), lt, pos)
        self._pop_to(0, n)
        return ScanResult(self.links, self.base_href, self.refresh)

    def _text(self, start: int, end: int) -> None:
        link = self.open_link
        if link is None:
            return
        chunk = self.source[start:end]
        if "&" in chunk:
            chunk = html.unescape(chunk)
        if any(ch in ZERO_WIDTH_CHARS for ch in chunk):
            link.zero_width = True
        if not chunk.strip(_WHITESPACE + "".join(ZERO_WIDTH_CHARS)):
            return
        reason = self.style().text_reason()
        if reason:
            link.hidden_reasons.append(reason)
        else:
            link.visible_content = True

    def _start(self, lname: str, tag_text: str, lt: int, pos: int) -> int:
        parsed = self.tags.get(tag_text)
        if parsed is None:
            has_attrs = len(tag_text) > len(lname) + 2
            attrs = parse_attributes(tag_text, len(lname)) if has_attrs else {}
            decls = self.sheet.declarations(lname, attrs)
            if "style" in attrs:
                decls = decls + parse_declarations(attrs["style"])
            parsed = (attrs, decls)
            if len(self.tags) < _MEMO_SIZE:
                self.tags[tag_text] = parsed
        attrs, decls = parsed
        self._implied_close(lname, lt)
        parent = self.style()
        if attrs or decls or lname in ("noscript", "template", "a"):
            key = (parent, tag_text)
            style = self.styles.get(key)
            if style is None:
                style = _apply(parent, lname, attrs, decls)
                if len(self.styles) < _MEMO_SIZE:
                    self.styles[key] = style
        else:
            style = parent
        link = self._link(lname, attrs, style, lt, pos)
        if lname == "base" and self.base_href is None and attrs.get("href"):
            self.base_href = clean_url(attrs["href"])
        if lname in VOID_ELEMENTS:
            if lname == "img" and self.open_link is not None:
                reason = style.image_reason()
                if reason:
                    self.open_link.hidden_reasons.append(reason)
                else:
                    self.open_link.visible_content = True
            if link is not None:
                link.inner_end = pos
            return pos
        if lname in RAW_TEXT_ELEMENTS:
            end_tag = _RAW_END[lname].search(self.source, pos)
            content_end = end_tag.start() if end_tag else len(self.source)
            if link is not None:
                link.inner_end = content_end
            if end_tag is None:
                return len(self.source)
            close = self.source.find(">", end_tag.end())
            return len(self.source) if close < 0 else close + 1
        self.stack.append([lname, style, link])
        self.counts[lname] = self.counts.get(lname, 0) + 1
        if link is not None and lname in ("a", "area"):
            self.open_link = link
        return pos

    def _link(self, lname: str, attrs: dict[str, str], style: Style, lt: int, pos: int) -> Link | None:
        if lname == "meta":
            if attrs.get("http-equiv", "").strip().lower() == "refresh":
                content = attrs.get("content", "")
                m = re.search(r"url\s*=\s*['\"]?([^'\"]*)", content, re.I)
                link = Link("meta", clean_url(m.group(1)) if m else "", lt, pos, pos)
                self.refresh.append(link)
            return None
        attribute = URL_ATTRIBUTE.get(lname)
        if attribute is None:
            return None
        if attribute not in attrs and lname != "script":
            return None
        link = Link(lname, clean_url(attrs.get(attribute, "")), lt, pos)
        link.box_reason = style.box or style.visibility
        link.hidden_classes = [c for c in attrs.get("class", "").split() if c.lower() in HIDDEN_CLASS_NAMES]
        link.attrs = {k: attrs[k] for k in ("title", "alt", "rel", "target") if k in attrs}
        link.in_link = self.open_link is not None
        self.links.append(link)
        return link

    def _implied_close(self, lname: str, lt: int) -> None:
        if not self.stack:
            return
        if lname in P_CLOSERS and self.counts.get("p"):
            self._close_in_scope(frozenset({"p"}), _P_SCOPE_BOUNDARY, lt)
        rule = _IMPLIED_CLOSE.get(lname)
        if rule and any(self.counts.get(t) for t in rule[0]):
            self._close_in_scope(rule[0], rule[1], lt)

    def _close_in_scope(self, targets: frozenset[str], boundary: frozenset[str], at: int) -> None:
        stack = self.stack
        lowest = max(len(stack) - _IMPLIED_SEARCH_DEPTH, 0)
        for i in range(len(stack) - 1, lowest - 1, -1):
            tag = stack[i][0]
            if tag in targets:
                self._pop_to(i, at)
                return
            if tag in boundary:
                return

    def _end(self, lname: str, lt: int) -> None:
        if not self.counts.get(lname):
            return  # a stray end tag: browsers ignore it
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == lname:
                self._pop_to(i, lt)
                return

    def _pop_to(self, index: int, at: int) -> None:
        """Close stack entries from the top down to ``index`` (inclusive) at source offset ``at``."""
        stack = self.stack
        while len(stack) > index:
            tag, _, link = stack.pop()
            self.counts[tag] -= 1
            if link is not None:
                link.inner_end = at
                if link is self.open_link:
                    self.open_link = None


_ROOT = Style()
_MEMO_SIZE = 20_000


# Start tags that can put something in a scan result. Most drafts are paragraphs of prose
# with none of them, and one regex search then replaces walking every tag.
_RESULT_TAG = re.compile(
    "<(?:" + "|".join(sorted({*URL_ATTRIBUTE, "base", "meta"})) + ")(?![A-Za-z0-9:_-])", re.IGNORECASE
)


def scan_links(source: str) -> ScanResult:
    """Every URL-bearing element of an HTML body, in document order, with visibility."""
    if not source or _RESULT_TAG.search(source) is None:
        return ScanResult([], None, [])
    return _Scanner(source).scan()


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def links_of(model: TextModel) -> ScanResult:
    """The scan of ``model``'s body, computed once and shared by the link and format checks."""
    source = model.draft.body_html or ""
    cached = _CACHE.get(model)
    if cached is not None and cached[0] is source:
        return cached[1]
    result = scan_links(source)
    _CACHE[model] = (source, result)
    return result


def text_span(fld: TextField, src_start: int, src_end: int) -> tuple[int, int]:
    """The plain-text span of ``fld`` made from source characters in [src_start, src_end).

    White space at either end is trimmed; an empty span (start == end) means the link has
    no text of its own.
    """
    if fld.src_start is None or src_end <= src_start:
        return 0, 0
    starts = fld.src_start
    a = bisect.bisect_left(starts, src_start)
    b = bisect.bisect_left(starts, src_end)
    text = fld.text
    while a < b and text[a] in _WHITESPACE:
        a += 1
    while b > a and text[b - 1] in _WHITESPACE:
        b -= 1
    if a >= b:
        return 0, 0
    return a, b
