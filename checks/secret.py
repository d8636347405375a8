"""``secret``: classification marks, internal and draft marks, credentials, intranet addresses.

Rules and default severities (a site's policy may override any of them):

- ``secret.classification`` — block. A 国家秘密 mark: 绝密/机密/秘密 with ★ (or a look-alike
  ☆ ✩ ＊ followed by a period) and a period or condition (机密★5年, 秘密★1年, 绝密★启用前),
  "密级：机密", or a bare 绝密/机密/秘密 standing alone on one of the first lines of a field
  (where GB/T 9704 puts it), attachments included. Prose such as 防止泄露国家秘密 has no mark.
- ``secret.internal_mark`` — block for marks that forbid circulation (工作秘密, 涉密, 不得外传,
  严禁外传, 内部明电), warn for handling notes (内部资料, 内部使用, 注意保存, 内部参考). A phrase
  is a mark only where marks are written: in brackets, as a line of marks on its own, or
  at the start of one of the first lines. "坚决防止泄露国家秘密、工作秘密和敏感信息" in a
  paragraph is not a mark.
- ``secret.draft_mark`` — warn. 过程性信息 (《政府信息公开条例》 第十六条): 征求意见稿, 讨论稿,
  送审稿, 审议稿, 修改稿, 草案 … as a document mark: in brackets, at the end of the title or
  of one of the first lines, or alone on a line. Not reported when the channel is a
  consultation channel (``Policy.consultation_channels``) or the title announces a
  consultation (关于…公开征求意见的通知), nor inside 《》 (a cited document's name), nor in
  prose (公开征求意见的期限, 决策草案全文).
- ``secret.credential`` — block (warn for a documented 初始密码/默认密码). 密码/口令/password
  followed by a value, AccessKeyId/AccessKeySecret and similar key words with a value,
  cloud access key ids (LTAI…, AKIA…, AKID…), PEM private keys, JWT-shaped tokens, and
  high-entropy tokens after token/secret/key. The value is masked completely.
- ``secret.intranet`` — block (warn for loopback). Private IPv4 (10/8, 172.16/12,
  192.168/16, 169.254/16, 127/8), host names under the site's intranet suffixes (*.local,
  *.intra, *.lan …), UNC paths (\\\\server\\share) and ``file://`` URLs, in the text and in
  the body's link targets.
"""

from __future__ import annotations

import bisect
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Iterator

from checks import defaults
from checks.base import Check, CheckContext
from checks.finding import Finding, Severity
from checks.policy import Policy
from checks.privacy import cap_findings
from checks.privacy.text import fold
from checks.registry import register
from checks.textmodel import TextField

CHECK_NAME = "secret"

# --- classification ------------------------------------------------------------------
_STAR = "★☆✩✪✭⭐"
CLASSIFICATION_STAR = re.compile(
    rf"(绝密|机密|秘密)[ \t]{{0,2}}(?:[{_STAR}]|[*＊](?=[ \t]{{0,2}}(?:[0-9]|长期|启用|解密|公布)))"
)
CLASSIFICATION_LABEL = re.compile(r"密[ \t]{0,2}级[ \t]{0,2}[：:]?[ \t]{0,2}(绝密|机密|秘密)")
BARE_LEVEL_LINE = re.compile(r"[ \t]*(?:[0-9]{6}[ \t]*)?(绝密|机密|秘密)[ \t]*")

# --- internal marks --------------------------------------------------------------------
STRICT_MARKS = ("工作秘密", "涉密", "不得外传", "严禁外传", "内部明电", "禁止外传")
SOFT_MARKS = ("内部资料", "内部使用", "注意保存", "内部参考", "内部文件", "仅供内部参考", "内部传阅", "内部")
_MARK_WORDS = "|".join(sorted({*STRICT_MARKS, *SOFT_MARKS}, key=len, reverse=True))
INTERNAL = re.compile(_MARK_WORDS)
# A line that is nothing but marks ("内部资料  注意保存", "【工作秘密】"). The separators
# and the words share no first character, so the repetition cannot backtrack.
MARK_LINE = re.compile(
    rf"[ \t【\[（(]*(?:{_MARK_WORDS})(?:[ \t，,、。·：:★】\]）)【\[（(]*(?:{_MARK_WORDS}))*[ \t。】\]）)]*"
)
MARK_FOLLOWERS = frozenset(" \t：:，,、。★】]）)")
OPEN_BRACKETS = "（(【[〔"
CLOSE_BRACKETS = "）)】]〕"

# --- draft marks -----------------------------------------------------------------------
DRAFT = re.compile(r"征求意见稿|公开征求意见稿|讨论稿|送审稿|审议稿|修改稿|修订稿|代拟稿|报审稿|初稿|草稿|草案")
NEWS_VERBS = re.compile(r"审议|通过|听取|解读|说明|表决|起草|修改|发布会")
TITLE_LIKE_LINE = 40
CONSULTATION_TITLE = re.compile(r"征求.{0,12}?意见(?:的|稿的)?(?:通知|公告|启事|函)|意见征集")

# --- credentials -----------------------------------------------------------------------
_VALUE = r"[ \t]{0,2}[\"'“”‘’「]?(?P<value>[!-~]{1,200})"
PASSWORD = re.compile(
    r"(?P<key>初始密码|默认密码|登录密码|管理员密码|账户密码|账号密码|密码|口令|(?i:password|passwd|pwd))"
    r"[ \t]{0,2}(?:为|是)?[ \t]{0,2}(?:[:=：]|(?<=为)|(?<=是))" + _VALUE
)
KEYWORD = re.compile(
    r"(?P<key>(?i:access[_-]?key[_-]?(?:id|secret)|accesskey(?:id|secret)|secret[_-]?(?:access[_-]?)?key"
    r"|client[_-]?secret|api[_-]?key|api[_-]?secret|access[_-]?token|auth[_-]?token|private[_-]?key|token|secret)"
    r"|密钥|秘钥|令牌)[ \t]{0,2}(?:[:=：]|为)" + _VALUE
)
CLOUD_KEY_ID = re.compile(r"LTAI[A-Za-z0-9]{12,20}|AKIA[0-9A-Z]{16}|AKID[A-Za-z0-9]{32}")
PEM_PRIVATE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
WEAK_DEFAULT_KEYS = ("初始密码", "默认密码")
_TRAILING = ",.;:!?)]}>\"'，。；：！？）】」”’"

# --- intranet --------------------------------------------------------------------------
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = re.compile(rf"(?<![0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9])(?!\.[0-9])")
HOST_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
# Full-width punctuation is folded to ASCII before matching, so "，" ends a path as ",".
UNC = re.compile(r"\\\\[A-Za-z0-9][A-Za-z0-9._$-]*\\[^\s\\/:*?\"<>|,;，。；]+")
FILE_URL = re.compile(r"(?i:file):(?://|\\\\)[^\s\"'<>,;，。；]*")
# Cheap tests run before the expensive scans: most drafts mention no password, key, IP or
# intranet host at all, and a substring test costs a fraction of a regex scan.
IP_HINT = re.compile(r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")
PASSWORD_HINTS = ("密码", "口令", "pass", "pwd")
KEYWORD_HINTS = ("key", "secret", "token", "密钥", "秘钥", "令牌")
CLOUD_HINTS = ("LTAI", "AKIA", "AKID", "-----BEGIN", "eyJ")
ATTRIBUTE_URL = re.compile(r"(?i:href|src|action)[ \t]*=[ \t]*[\"']?(?P<url>[^\"'\s>]{1,2048})")
BOOK_TITLE_REACH = 120
NOT_IP_BEFORE = ("第", "版本", "版本号", "V", "v", "version", "Version")
NOT_IP_AFTER = tuple("条款节章版项")

_MESSAGES = {
    "secret.classification": "国家秘密标志（密级），涉密内容严禁公开",
    "secret.internal_mark": "内部标注（{mark}），不宜公开发布",
    "secret.draft_mark": "过程性信息标注（{mark}），一般不予公开",
    "secret.credential": "公开了密码或密钥",
    "secret.intranet": "暴露内网地址或内部路径",
}


def _head_lines(text: str, count: int) -> list[tuple[int, int]]:
    """Spans of the first ``count`` non-empty lines."""
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos <= n and len(spans) < count:
        end = text.find("\n", pos)
        end = n if end < 0 else end
        if text[pos:end].strip():
            spans.append((pos, end))
        pos = end + 1
    return spans


class _Lines:
    """Line spans of one field, found by bisection (a field may be one 200,000-char line)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._mark_line: dict[int, bool] = {}

    def span(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, pos) - 1
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
        return self.starts[i], end

    def is_mark_line(self, pos: int) -> bool:
        ls, le = self.span(pos)
        cached = self._mark_line.get(ls)
        if cached is None:
            cached = self._mark_line[ls] = MARK_LINE.fullmatch(self.text, ls, le) is not None
        return cached


def _in_book_title(text: str, line_start: int, pos: int) -> bool:
    # A cited title is short: look back a bounded distance, never over the whole line.
    lo = max(line_start, pos - BOOK_TITLE_REACH)
    return text.rfind("《", lo, pos) > text.rfind("》", lo, pos)


def _bracketed(text: str, start: int, end: int) -> bool:
    """The phrase sits directly inside brackets, maybe with other marks: （草案）, 【内部资料】."""
    i = start - 1
    while i >= 0 and text[i] in " \t" and start - i < 4:
        i -= 1
    j = end
    while j < len(text) and text[j] in " \t" and j - end < 4:
        j += 1
    return i >= 0 and text[i] in OPEN_BRACKETS and j < len(text) and text[j] in CLOSE_BRACKETS


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


@register
class SecretCheck(Check):
    name = CHECK_NAME

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        consultation = ctx.draft.channel in ctx.policy.consultation_channels or bool(
            CONSULTATION_TITLE.search(ctx.draft.title or "")
        )
        for fld in ctx.fields():
            if not fld.text:
                continue
            folded = fold(fld.text)
            found: list[Finding] = []
            found += self._classification(fld, folded)
            found += self._internal(fld)
            if not consultation:
                found += self._draft(fld)
            lower = folded.lower()
            found += self._credentials(fld, folded, lower, ctx.policy)
            found += self._intranet(fld, folded, lower, ctx.policy)
            yield from cap_findings(found)

    # -- helpers ----------------------------------------------------------------------
    def _finding(
        self,
        fld: TextField,
        rule: str,
        severity: Severity,
        start: int,
        end: int,
        *,
        text: str | None = None,
        mark: str = "",
        category: str,
        details: dict | None = None,
    ) -> Finding:
        return Finding(
            check=self.name,
            rule=rule,
            severity=severity,
            field=fld.name,
            start=start,
            end=end,
            text=fld.text[start:end] if text is None else text,
            message=_MESSAGES[rule].format(mark=mark),
            category=category,
            details=details or {},
        )

    def _classification(self, fld: TextField, folded: str) -> Iterator[Finding]:
        text = fld.text
        seen: set[int] = set()
        for pattern in (CLASSIFICATION_STAR, CLASSIFICATION_LABEL):
            for m in pattern.finditer(folded):
                if m.start() in seen:
                    continue
                seen.add(m.start())
                end = m.end()
                # Take the period or condition with the mark: 机密★5年, 绝密★启用前.
                tail = re.match(
                    r"[ \t]{0,2}(?:[0-9]{1,3}[ \t]{0,2}(?:年|个月)|长期|启用前|[^\s，。；]{0,12}?解密)",
                    folded[end : end + 20],
                )
                if tail:
                    end += tail.end()
                yield self._finding(
                    fld,
                    "secret.classification",
                    Severity.BLOCK,
                    m.start(),
                    end,
                    category="保密",
                    details={"level": m.group(1)},
                )
        for a, b in _head_lines(text, defaults.MARK_HEAD_LINES):
            m = BARE_LEVEL_LINE.fullmatch(folded, a, b)
            if m and m.start(1) not in seen:
                yield self._finding(
                    fld,
                    "secret.classification",
                    Severity.BLOCK,
                    m.start(1),
                    m.end(1),
                    category="保密",
                    details={"level": m.group(1)},
                )

    def _is_mark_position(self, lines: _Lines, start: int, end: int, heads: list[tuple[int, int]]) -> bool:
        text = lines.text
        if _bracketed(text, start, end):
            return True
        if lines.is_mark_line(start):
            return True
        ls, le = lines.span(start)
        # A label at the start of one of the first lines: "内部资料：XXX工作情况". A phrase
        # that goes on (涉密人员管理办法) is a title, not a mark.
        if (ls, le) not in heads or text[ls:start].strip(" \t【[（(") != "":
            return False
        return end == le or text[end] in MARK_FOLLOWERS

    def _internal(self, fld: TextField) -> Iterator[Finding]:
        text = fld.text
        heads = _head_lines(text, defaults.MARK_HEAD_LINES)
        lines = _Lines(text)
        for m in INTERNAL.finditer(text):
            word = m.group()
            if word == "内部" and not _bracketed(text, m.start(), m.end()):
                continue  # bare 内部 only as a bracketed mark: 【内部】
            if not self._is_mark_position(lines, m.start(), m.end(), heads):
                continue
            severity = Severity.BLOCK if word in STRICT_MARKS else Severity.WARN
            yield self._finding(fld, "secret.internal_mark", severity, m.start(), m.end(), mark=word, category="保密")

    def _draft(self, fld: TextField) -> Iterator[Finding]:
        text = fld.text
        heads = _head_lines(text, defaults.MARK_HEAD_LINES)
        is_title = fld.name == "title"
        lines = _Lines(text)
        for m in DRAFT.finditer(text):
            start, end = m.span()
            ls, le = lines.span(start)
            if _in_book_title(text, ls, start):
                continue
            line_tail = text[end : min(le, end + 4)].strip(" \t）)】]") if le - end <= 4 else "x"
            line = text[ls : min(le, ls + 4 * TITLE_LIKE_LINE)] if (is_title or le - ls <= TITLE_LIKE_LINE) else ""
            at_title_end = (
                (is_title or ((ls, le) in heads and le - ls <= TITLE_LIKE_LINE))
                and line_tail == ""
                and not NEWS_VERBS.search(line)
            )
            mark = _bracketed(text, start, end) or line.strip(" \t（()）【】[]") == m.group() or at_title_end
            if not mark:
                continue
            yield self._finding(
                fld,
                "secret.draft_mark",
                Severity.WARN,
                start,
                end,
                mark=m.group(),
                category="过程性信息",
            )

    def _credentials(self, fld: TextField, folded: str, lower: str, policy: Policy) -> Iterator[Finding]:
        candidates: list[tuple[int, int, str, Severity]] = []
        if any(h in folded for h in CLOUD_HINTS):
            for pattern, kind in ((PEM_PRIVATE, "private_key"), (JWT, "jwt"), (CLOUD_KEY_ID, "access_key_id")):
                candidates += [(m.start(), m.end(), kind, Severity.BLOCK) for m in pattern.finditer(folded)]
        passwords = PASSWORD.finditer(folded) if any(h in lower for h in PASSWORD_HINTS) else ()
        keywords = KEYWORD.finditer(folded) if any(h in lower for h in KEYWORD_HINTS) else ()
        for m in passwords:
            value_start, value_end = self._value_span(folded, m)
            value = folded[value_start:value_end]
            if len(value) < defaults.CREDENTIAL_MIN_LENGTH or not any(c.isalnum() for c in value):
                continue
            severity = Severity.WARN if m.group("key") in WEAK_DEFAULT_KEYS else Severity.BLOCK
            candidates.append((value_start, value_end, "password", severity))
        for m in keywords:
            value_start, value_end = self._value_span(folded, m)
            value = folded[value_start:value_end]
            generic = m.group("key").lower() in ("token", "secret", "令牌")
            if len(value) < (16 if generic else defaults.CREDENTIAL_MIN_LENGTH):
                continue
            if generic and entropy(value) < defaults.CREDENTIAL_MIN_ENTROPY:
                continue
            if not (any(c.isdigit() for c in value) or entropy(value) >= defaults.CREDENTIAL_MIN_ENTROPY):
                continue
            candidates.append((value_start, value_end, "key", Severity.BLOCK))
        # Leftmost first, the longer of two that start together; overlapping ones are dropped.
        candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
        last_end = -1
        for start, end, kind, severity in candidates:
            if start < last_end:
                continue
            last_end = end
            value = folded[start:end]
            masked = policy.mask("credential", value)
            if any(a == b for a, b in zip(masked, value, strict=False)):
                masked = "*" * len(value)  # a site rule may not reveal any part of a secret
            yield self._finding(
                fld,
                "secret.credential",
                severity,
                start,
                end,
                text=masked,
                category="密码密钥",
                details={"kind": kind},
            )

    @staticmethod
    def _value_span(folded: str, m: re.Match[str]) -> tuple[int, int]:
        start, end = m.span("value")
        while end > start and folded[end - 1] in _TRAILING:
            end -= 1
        return start, end

    def _intranet(self, fld: TextField, folded: str, lower: str, policy: Policy) -> Iterator[Finding]:
        spans = list(self._intranet_spans(folded, policy, lower))
        for start, end, kind, severity in spans:
            yield self._finding(
                fld, "secret.intranet", severity, start, end, category="内网暴露", details={"kind": kind}
            )
        if fld.source is not None and fld.src_start is not None:
            yield from self._intranet_in_links(fld, policy)

    def _intranet_spans(
        self, folded: str, policy: Policy, lower: str | None = None
    ) -> Iterator[tuple[int, int, str, Severity]]:
        taken_starts: list[int] = []
        taken_ends: list[int] = []
        lower = folded.lower() if lower is None else lower
        paths = []
        if "file:" in lower:
            paths.append((FILE_URL, "file_url"))
        if "\\\\" in folded:
            paths.append((UNC, "unc_path"))
        for pattern, kind in paths:
            for m in pattern.finditer(folded):
                taken_starts.append(m.start())
                taken_ends.append(m.end())
                yield m.start(), m.end(), kind, Severity.BLOCK
        order = sorted(range(len(taken_starts)), key=taken_starts.__getitem__)
        taken_starts = [taken_starts[i] for i in order]
        taken_ends = [taken_ends[i] for i in order]

        def inside_path(pos: int) -> bool:
            i = bisect.bisect_right(taken_starts, pos) - 1
            return i >= 0 and pos < taken_ends[i]

        for m in IPV4.finditer(folded) if IP_HINT.search(folded) else ():
            if inside_path(m.start()):
                continue
            severity = _private_ip_severity(m.group())
            if severity is None:
                continue
            before = folded[max(0, m.start() - 4) : m.start()].rstrip(" \t:：")
            if before.endswith(NOT_IP_BEFORE) or folded[m.end() : m.end() + 1] in NOT_IP_AFTER:
                continue
            yield m.start(), m.end(), "private_ip", severity
        suffixes = tuple(s.lower() for s in policy.intranet_suffixes)
        hosts = HOST_RUN.finditer(folded) if any(s in lower for s in suffixes) else ()
        for m in hosts:
            host = m.group().rstrip(".-").lower()
            if "." not in host or inside_path(m.start()):
                continue
            # An e-mail address on an intranet domain is an exposure too.
            if host.endswith(suffixes) and not host.startswith("."):
                yield m.start(), m.start() + len(host), "intranet_host", Severity.BLOCK

    def _intranet_in_links(self, fld: TextField, policy: Policy) -> Iterator[Finding]:
        """Link targets are not in the plain text; report them at the link's first character."""
        assert fld.source is not None and fld.src_start is not None
        lower = fld.source.lower()
        suffixes = tuple(s.lower() for s in policy.intranet_suffixes)
        if not ("file:" in lower or "\\\\" in lower or IP_HINT.search(lower) or any(s in lower for s in suffixes)):
            return
        for m in ATTRIBUTE_URL.finditer(fld.source):
            url = fold(m.group("url"))
            found = next(iter(self._intranet_spans(url, policy)), None)
            if found is None:
                continue
            at = bisect.bisect_left(fld.src_start, m.end())
            at = min(at, max(len(fld.text) - 1, 0))
            yield self._finding(
                fld,
                "secret.intranet",
                found[3],
                at,
                min(at + 1, len(fld.text)),
                text="（链接地址）",
                category="内网暴露",
                details={"kind": found[2], "in": "link"},
            )


def _private_ip_severity(address: str) -> Severity | None:
    ip = ipaddress.IPv4Address(address)
    if ip.is_loopback:
        return Severity.WARN
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"):
        if ip in ipaddress.IPv4Network(net):
            return Severity.BLOCK
    return None
