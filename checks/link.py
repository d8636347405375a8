"""``link``: hidden links (暗链), spam links, and URLs that should not be published.

Works on the structure of ``body_html`` only; nothing here touches the network (the 错链
reachability job is ``checks.reachability``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from checks import defaults
from checks.base import Check, CheckContext
from checks.echo import echo
from checks.finding import Finding, Severity
from checks.lexicon import Entry
from checks.linkscan import Link, links_of, text_span
from checks.registry import register

_TAG_NAMES = {
    "a": "链接",
    "area": "热区链接",
    "iframe": "内嵌框架",
    "frame": "框架",
    "embed": "嵌入对象",
    "object": "嵌入对象",
    "img": "图片",
    "script": "脚本",
    "meta": "页面跳转",
}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SCHEME_TYPO = re.compile(r"^(?:h{1,2}t{1,3}p{1,2}s?|ttps?)\s*[:;：]?\s*/+", re.I)
_GOOD_HTTP = re.compile(r"^https?://[^/\s]", re.I)
_LOCAL_FILE = re.compile(r"^(?:file:|[A-Za-z]:[\\/]|\\\\)", re.I)
_BAD_HOST_CHARS = re.compile(r"[\s，。：；、\u3000]")
_KNOWN_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp", "sms", "javascript", "data"})


@dataclass(frozen=True, slots=True)
class SpamHit:
    where: str  # "网址" or "文字"
    term: str
    category: str


def is_spam_entry(entry: Entry) -> bool:
    return entry.kind == "deny" and (
        entry.category in defaults.LINK_SPAM_CATEGORIES or entry.source.startswith("spam.tsv")
    )


def spam_hits(ctx: CheckContext, text: str, where: str) -> list[SpamHit]:
    """Spam lexicon terms in ``text``, found with the engine's own noise-tolerant matcher."""
    if not text:
        return []
    norm = ctx.state.normalizer.normalize(text)
    found = []
    for hit in ctx.state.matcher.find(norm):
        for entry in hit.entries:
            if is_spam_entry(entry):
                found.append(SpamHit(where, text[hit.start : hit.end], entry.category))
                break
    return found


def host_of(url: str) -> str:
    """Lower-case host of an absolute URL, punycode decoded; "" when there is none."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def resolve(base: str, url: str) -> str:
    try:
        return urljoin(base, url) if base else url
    except ValueError:
        return url


def base_url(ctx: CheckContext, base_href: str | None) -> str:
    page = ctx.draft.url if isinstance(ctx.draft.url, str) else ""
    return resolve(page, base_href) if base_href else page


def is_non_public_host(host: str, intranet_suffixes: tuple[str, ...]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "." not in host or host.endswith(tuple(intranet_suffixes))
    return not address.is_global


def _scheme(url: str) -> str:
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else ""


@register
class LinkCheck(Check):
    name = "link"

    def wants(self, ctx: CheckContext) -> bool:
        body = ctx.draft.body_html
        return isinstance(body, str) and "<" in body

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        scan = links_of(ctx.model)
        base = base_url(ctx, scan.base_href)
        site_host = host_of(ctx.draft.url) if isinstance(ctx.draft.url, str) else ""
        counts: Counter[str] = Counter()
        for finding in self._findings(ctx, scan.links, scan.refresh, base, site_host):
            counts[finding.rule] += 1
            if counts[finding.rule] <= defaults.LINK_MAX_FINDINGS_PER_RULE:
                yield finding
        dropped = {rule: n - defaults.LINK_MAX_FINDINGS_PER_RULE for rule, n in counts.items()}
        dropped = {rule: n for rule, n in dropped.items() if n > 0}
        if dropped:
            yield Finding(
                check=self.name,
                rule="link.truncated",
                severity=Severity.INFO,
                field="body",
                start=0,
                end=0,
                text="",
                message=f"链接问题过多，另有{sum(dropped.values())}处未逐一列出",
                details={"not_listed": dropped},
            )

    def _findings(
        self, ctx: CheckContext, links: list[Link], refresh: list[Link], base: str, site_host: str
    ) -> Iterator[Finding]:
        body = ctx.model.body
        for link in refresh:
            target = resolve(base, link.url)
            yield self._finding(
                ctx,
                link,
                "link.meta_refresh",
                Severity.BLOCK,
                "正文含自动跳转（meta refresh），页面会被劫持到其他网址",
                details={"url": target[:500]},
            )
        for link in links:
            span = text_span(body, link.inner_start, link.inner_end) if link.tag == "a" else (0, 0)
            target = resolve(base, link.url) if link.url else ""
            scheme = _scheme(target or link.url)
            host = host_of(target) if scheme in ("http", "https") else ""
            yield from self._hidden(ctx, link, span, target)
            yield from self._spam(ctx, link, span, target, host, site_host)
            yield from self._url_rules(ctx, link, span, target, scheme, host)

    def _hidden(self, ctx: CheckContext, link: Link, span: tuple[int, int], target: str) -> Iterator[Finding]:
        if link.tag == "script" or link.in_link:
            return
        reasons = link.hidden
        if reasons:
            block = link.tag not in ("img",)
            yield self._finding(
                ctx,
                link,
                "link.hidden",
                Severity.BLOCK if block else Severity.WARN,
                f"隐藏{_TAG_NAMES.get(link.tag, '链接')}（暗链）：{'；'.join(reasons)}",
                span=span,
                details={"url": target[:500], "reasons": reasons},
            )
        elif link.empty and link.url and not link.url.startswith("#"):
            yield self._finding(
                ctx,
                link,
                "link.empty",
                Severity.WARN,
                "链接没有可见文字或图片，读者看不到但搜索引擎会收录",
                details={"url": target[:500]},
            )
        elif link.hidden_classes:
            yield self._finding(
                ctx,
                link,
                "link.hidden_class",
                Severity.WARN,
                f"链接使用了常用于隐藏内容的样式类（{' '.join(link.hidden_classes)}），请确认是否可见",
                span=span,
                details={"url": target[:500]},
            )

    def _spam(
        self,
        ctx: CheckContext,
        link: Link,
        span: tuple[int, int],
        target: str,
        host: str,
        site_host: str,
    ) -> Iterator[Finding]:
        url_text = unquote(target or link.url, errors="replace")
        hits = spam_hits(ctx, url_text, "网址")
        if host and host not in url_text:
            hits += spam_hits(ctx, host, "网址")
        if span[1] > span[0]:
            hits += spam_hits(ctx, ctx.model.body.text[span[0] : span[1]], "文字")
        for key in ("title", "alt"):
            hits += spam_hits(ctx, link.attrs.get(key, ""), "文字")
        if not hits:
            return
        in_url = any(h.where == "网址" for h in hits)
        trusted = not host or host == site_host or host.endswith(defaults.GOVERNMENT_HOST_SUFFIXES)
        severity = Severity.BLOCK if in_url or not trusted else Severity.WARN
        first = hits[0]
        yield self._finding(
            ctx,
            link,
            "link.spam",
            severity,
            f"{_TAG_NAMES.get(link.tag, '链接')}{first.where}含{first.category}类垃圾信息“{echo(first.term, 40)}”",
            span=span,
            category=first.category,
            details={"url": target[:500], "terms": sorted({echo(h.term, 80) for h in hits})},
        )

    def _url_rules(
        self,
        ctx: CheckContext,
        link: Link,
        span: tuple[int, int],
        target: str,
        scheme: str,
        host: str,
    ) -> Iterator[Finding]:
        raw = link.url
        if link.tag == "script":
            where = f"（{echo(host, 80)}）" if host else ""
            message = f"正文含外部脚本{where}" if raw else "正文含内嵌脚本"
            yield self._finding(ctx, link, "link.script", Severity.WARN, message, details={"url": target[:500]})
        if not raw:
            return
        raw_scheme = _scheme(raw)
        if raw_scheme == "javascript":
            yield self._finding(
                ctx,
                link,
                "link.javascript",
                Severity.WARN,
                "javascript: 链接，发布后不能正常打开",
                span=span,
                details={"url": raw[:200]},
            )
            return
        if raw_scheme == "data":
            image = link.tag == "img" and raw[5:].lstrip().lower().startswith("image/")
            yield self._finding(
                ctx,
                link,
                "link.data_url",
                Severity.INFO if image else Severity.WARN,
                "图片以 data: 网址内嵌在正文中" if image else "data: 网址可夹带任意内容",
                span=span,
                details={"url": raw[:80]},
            )
            return
        problem = _malformed(raw, raw_scheme)
        if problem:
            yield self._finding(
                ctx,
                link,
                "link.malformed",
                Severity.WARN,
                problem,
                span=span,
                details={"url": raw[:500]},
            )
            return
        if raw_scheme == "http" and ctx.policy.https_site:
            yield self._finding(
                ctx,
                link,
                "link.insecure",
                Severity.WARN,
                "本站使用https，链接使用不安全的http协议",
                span=span,
                suggestion="https" + raw[4:] if len(raw) < 2000 else None,
                details={"url": raw[:500]},
            )
        if host and is_non_public_host(host, ctx.policy.intranet_suffixes):
            yield self._finding(
                ctx,
                link,
                "link.intranet",
                Severity.WARN,
                f"链接指向内网或保留地址（{echo(host, 80)}），公众无法访问",
                span=span,
                details={"url": target[:500]},
            )

    def _finding(
        self,
        ctx: CheckContext,
        link: Link,
        rule: str,
        severity: Severity,
        message: str,
        *,
        span: tuple[int, int] = (0, 0),
        suggestion: str | None = None,
        category: str | None = None,
        details: dict | None = None,
    ) -> Finding:
        start, end = span
        text = ctx.model.body.text[start:end] if end > start else (link.url or f"<{link.tag}>")
        return Finding(
            check=self.name,
            rule=rule,
            severity=severity,
            field="body",
            start=start,
            end=end,
            text=echo(text),
            message=message,
            suggestion=echo(suggestion, 2000) if suggestion else None,
            category=category,
            details={"tag": link.tag, **_echo_details(details or {})},
        )


def _echo_details(details: dict) -> dict:
    return {k: echo(v, 500) if isinstance(v, str) else v for k, v in details.items()}


def _malformed(raw: str, scheme: str) -> str | None:
    """Why ``raw`` cannot work as published, or None."""
    if _LOCAL_FILE.match(raw):
        return "链接指向本机文件，读者无法打开"
    if scheme in ("http", "https") or _SCHEME_TYPO.match(raw):
        if not _GOOD_HTTP.match(raw) or scheme not in ("http", "https"):
            return "网址协议写法错误（应为 http:// 或 https://）"
        try:
            netloc = urlsplit(raw).netloc
            urlsplit(raw).port  # noqa: B018 - raises on a bad port
        except ValueError:
            return "网址格式错误"
        if _BAD_HOST_CHARS.search(netloc):
            return "网址的域名中含空格或全角符号"
        return None
    if raw.lower().startswith("www."):
        return "网址缺少 http:// 或 https://，会被当作本站的相对路径"
    if scheme and scheme not in _KNOWN_SCHEMES and len(scheme) > 1:
        return f"未知的网址协议“{scheme}:”"
    return None
