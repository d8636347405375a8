"""``link_reachability``: 错链 — does every link of the body still answer?

The only network code in ``checks/``; it runs in the worker (``asynchronous``). Each hop of
a request is SSRF-safe: the host is resolved here, every address it resolves to must be
public (not private, loopback, link-local, reserved, multicast, …) unless the site's
``link_allowed_hosts`` lists the host or its network, and the connection then goes to the
very address that was checked, with the original name in the Host header and for TLS
(SNI and certificate check). A second DNS answer cannot swap in an internal address
(DNS rebinding), and redirects are followed by hand so each target is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from checks import defaults
from checks.base import Check, CheckContext
from checks.echo import echo
from checks.finding import Finding, Severity
from checks.link import base_url, resolve, spam_hits
from checks.linkscan import links_of, text_span
from checks.registry import register

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Tags whose URL a reader opens or the browser loads with the page.
CHECKED_TAGS = frozenset({"a", "area", "img", "iframe", "frame", "embed"})


@dataclass(frozen=True, slots=True)
class ProbeResult:
    outcome: str  # ok | broken | unreachable | refused | redirects | invalid
    status: int | None = None
    detail: str = ""
    final_url: str = ""


Resolver = Callable[[str, int], list[str]]
# (method, scheme, address, port, host name, path) → (status, Location header or None)
Opener = Callable[[str, str, str, int, str, str, float], tuple[int, str | None]]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


class AllowList:
    """``link_allowed_hosts``: host names, ``.suffix`` domains, IPs and CIDR networks."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.hosts: set[str] = set()
        self.suffixes: list[str] = []
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            entry = str(entry).strip().lower()
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith("."):
                self.suffixes.append(entry)
            else:
                self.hosts.add(entry)

    def allows(self, host: str, address: str) -> bool:
        host = host.lower().rstrip(".")
        if host in self.hosts or any(host.endswith(s) or host == s[1:] for s in self.suffixes):
            return True
        if self.networks:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            return any(ip in net for net in self.networks)
        return False


def urllib3_opener(
    method: str, scheme: str, address: str, port: int, host: str, path: str, timeout: float
) -> tuple[int, str | None]:
    """One request to ``address`` (already vetted) for ``host``; the body is never read."""
    import certifi
    import urllib3

    host_header = host if port in (80, 443) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port in (80, 443) else f"[{host}]:{port}"
    common = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **common,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **common)
    try:
        response = pool.urlopen(
            method,
            path,
            headers={"Host": host_header, "User-Agent": defaults.LINK_USER_AGENT, "Accept": "*/*"},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            return response.status, response.headers.get("Location")
        finally:
            response.close()
    finally:
        pool.close()


class Prober:
    def __init__(
        self,
        allowed: Iterable[str] = (),
        *,
        timeout: float = defaults.LINK_TIMEOUT_SECONDS,
        max_redirects: int = defaults.LINK_MAX_REDIRECTS,
        resolver: Resolver = system_resolver,
        opener: Opener = urllib3_opener,
    ) -> None:
        self.allow = AllowList(allowed)
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.resolver = resolver
        self.opener = opener

    def vet(self, url: str) -> tuple[ProbeResult | None, tuple[str, str, int, str, str] | None]:
        """Resolve and check one hop: (refusal, None) or (None, (scheme, address, port, host, path))."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return ProbeResult("invalid", detail="网址格式错误", final_url=url), None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return ProbeResult("invalid", detail="不是http(s)网址", final_url=url), None
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            return ProbeResult("invalid", detail="域名格式错误", final_url=url), None
        port = port or (443 if scheme == "https" else 80)
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError):
            return ProbeResult("unreachable", detail="域名无法解析", final_url=url), None
        if not addresses:
            return ProbeResult("unreachable", detail="域名无法解析", final_url=url), None
        for address in addresses:
            try:
                public = is_public_address(address)
            except ValueError:
                return ProbeResult("refused", detail=f"无法识别的地址 {address}", final_url=url), None
            if not public and not self.allow.allows(host, address):
                return ProbeResult("refused", detail=f"{host} 解析到内网或保留地址", final_url=url), None
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return None, (scheme, addresses[0], port, host, path)

    def probe(self, url: str) -> ProbeResult:
        current = url
        for _ in range(self.max_redirects + 1):
            refusal, target = self.vet(current)
            if refusal is not None:
                return refusal
            assert target is not None
            scheme, address, port, host, path = target
            try:
                status, location = self._head_then_get(scheme, address, port, host, path)
            except TimeoutError:
                return ProbeResult("unreachable", detail="访问超时", final_url=current)
            except Exception as exc:  # any transport failure is "unreachable"
                return ProbeResult("unreachable", detail=_describe(exc), final_url=current)
            if status in REDIRECT_STATUSES and location:
                current = urljoin(current, location.strip())
                continue
            if status >= 400:
                return ProbeResult("broken", status, f"HTTP {status}", current)
            return ProbeResult("ok", status, "", current)
        return ProbeResult("redirects", detail=f"重定向超过{self.max_redirects}次", final_url=current)

    def _head_then_get(self, scheme: str, address: str, port: int, host: str, path: str) -> tuple[int, str | None]:
        try:
            status, location = self.opener("HEAD", scheme, address, port, host, path, self.timeout)
        except TimeoutError:
            raise
        except Exception as exc:  # some servers drop HEAD; GET decides
            if _is_timeout(exc):
                raise TimeoutError from exc
            status, location = 0, None
        if status == 0 or status >= 400:
            # Many servers answer HEAD with 403/404/405/501 but serve GET fine.
            try:
                return self.opener("GET", scheme, address, port, host, path, self.timeout)
            except Exception as exc:
                if _is_timeout(exc):
                    raise TimeoutError from exc
                raise
        return status, location


def _is_timeout(exc: BaseException) -> bool:
    name = type(exc).__name__
    return isinstance(exc, TimeoutError | socket.timeout) or "Timeout" in name


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if "SSL" in name or "Certificate" in name:
        return "HTTPS证书或加密连接错误"
    if "NewConnection" in name or "Refused" in name or isinstance(exc, ConnectionError):
        return "无法建立连接"
    return f"访问失败（{name}）"


def registrable_domain(host: str) -> str:
    """The site a host belongs to, without the public suffix list: good enough for .gov.cn."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in {
        "com", "net", "org", "gov", "edu", "ac", "co", "mil",
    }:  # fmt: skip
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


@dataclass(slots=True)
class _Target:
    url: str
    field: str
    start: int
    end: int
    text: str


@register
class LinkReachabilityCheck(Check):
    name = "link_reachability"
    asynchronous = True

    def __init__(self, prober_factory: Callable[[CheckContext], Prober] | None = None) -> None:
        self._prober_factory = prober_factory or (lambda ctx: Prober(ctx.policy.link_allowed_hosts))

    def wants(self, ctx: CheckContext) -> bool:
        return bool(self._targets(ctx, limit=1))

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        targets = self._targets(ctx, limit=None)
        by_url: dict[str, list[_Target]] = {}
        for target in targets:
            by_url.setdefault(target.url, []).append(target)
        urls = list(by_url)
        checked, skipped = urls[: defaults.LINK_MAX_URLS], urls[defaults.LINK_MAX_URLS :]
        prober = self._prober_factory(ctx)
        results = _probe_all(prober, checked)
        for url in checked:
            result = results.get(url)
            for target in by_url[url]:
                if result is None:
                    skipped.append(url)
                    break
                yield from self._report(target, result)
        if skipped:
            yield Finding(
                check=self.name,
                rule="link.not_checked",
                severity=Severity.INFO,
                field="body",
                start=0,
                end=0,
                text="",
                message=f"{len(set(skipped))}个链接超出检查数量或时间限制，未检查可访问性",
                details={"urls": sorted(set(skipped))[:50]},
            )

    def _targets(self, ctx: CheckContext, limit: int | None) -> list[_Target]:
        found: list[_Target] = []
        body = ctx.draft.body_html
        if isinstance(body, str) and "<" in body:
            scan = links_of(ctx.model)
            base = base_url(ctx, scan.base_href)
            for link in scan.links:
                if link.tag not in CHECKED_TAGS or not link.url or link.url.startswith("#"):
                    continue
                url = resolve(base, link.url).split("#", 1)[0]
                if not url.lower().startswith(("http://", "https://")):
                    continue
                if link.tag == "a":
                    start, end = text_span(ctx.model.body, link.inner_start, link.inner_end)
                else:
                    start = end = 0
                text = ctx.model.body.text[start:end] if end > start else link.url
                # Never fetch a spam site from a government network; the link check blocks it.
                if spam_hits(ctx, url, "网址") or (end > start and spam_hits(ctx, text, "文字")):
                    continue
                found.append(_Target(url, "body", start, end, text[:200]))
                if limit is not None and len(found) >= limit:
                    return found
        metadata = ctx.draft.metadata if isinstance(ctx.draft.metadata, dict) else {}
        interpretation = metadata.get("interpretation_url")
        if isinstance(interpretation, str) and interpretation.strip().lower().startswith(("http://", "https://")):
            value = interpretation.strip()
            found.append(_Target(value, "metadata.interpretation_url", 0, 0, value))
        return found

    def _report(self, target: _Target, result: ProbeResult) -> Iterator[Finding]:
        messages = {
            "broken": (
                "link.broken",
                f"链接无法打开（{result.detail}）",
            ),
            "unreachable": ("link.unreachable", f"链接无法访问：{result.detail}"),
            "refused": (
                "link.private_address",
                f"链接指向内网或保留地址，公众无法访问（{result.detail}），未发起访问",
            ),
            "redirects": ("link.redirects", f"链接{result.detail}"),
        }
        if result.outcome in messages:
            rule, message = messages[result.outcome]
            yield self._finding(target, rule, Severity.WARN, message, result)
        elif result.outcome == "ok":
            first, last = _host(target.url), _host(result.final_url)
            if first and last and registrable_domain(first) != registrable_domain(last):
                yield self._finding(
                    target,
                    "link.redirect_offsite",
                    Severity.WARN,
                    f"链接被重定向到其他网站（{last}），可能已失效或被劫持",
                    result,
                )

    def _finding(self, target: _Target, rule: str, severity: Severity, message: str, result: ProbeResult) -> Finding:
        return Finding(
            check=self.name,
            rule=rule,
            severity=severity,
            field=target.field,
            start=target.start,
            end=target.end,
            text=echo(target.text),
            message=message,
            details={
                "url": echo(target.url, 500),
                "status": result.status,
                "final_url": echo(result.final_url, 500),
            },
        )


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _probe_all(prober: Prober, urls: list[str]) -> dict[str, ProbeResult]:
    """Probe in parallel within the job's time budget; URLs left over are simply absent."""
    if not urls:
        return {}
    results: dict[str, ProbeResult] = {}
    deadline = time.monotonic() + defaults.LINK_BUDGET_SECONDS
    pool = ThreadPoolExecutor(max_workers=min(defaults.LINK_WORKERS, len(urls)))
    try:
        futures = {pool.submit(prober.probe, url): url for url in urls}
        pending = set(futures)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            done, pending = wait(pending, timeout=remaining, return_when=FIRST_EXCEPTION)
            for future in done:
                url = futures[future]
                try:
                    results[url] = future.result()
                except Exception as exc:  # one bad URL must not sink the job
                    results[url] = ProbeResult("unreachable", detail=_describe(exc), final_url=url)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results
