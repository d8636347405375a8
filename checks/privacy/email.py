"""E-mail addresses.

ASCII local part and domain only: Unicode ``\\w`` would swallow the Chinese label in front
(邮箱zhang@163.com). Found without backtracking regexes: the text is cut into runs of
e-mail characters, and each ``@`` in a run is read with the pieces on either side.

Classification by domain:
- government, education and non-profit domains (gov.cn, .gov, .org, .org.cn, .edu, .edu.cn,
  .ac.cn, and any configured extra suffix) are institutional mailboxes that agencies must
  publish (咨询、投诉邮箱): no finding;
- free personal mail providers (qq.com, 163.com, 126.com, gmail.com …) are personal: ``warn``
  on their own, part of a blocking ``privacy.person`` finding next to a private name. A
  personal-provider mailbox announced as an agency's channel (投诉邮箱：xxzf@163.com, which
  township offices do use) is ``info``;
- any other domain is most likely a company's: ``info``, never linked to a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText

_AT = re.compile("@")
_LOCAL_TAIL = re.compile(r"[A-Za-z0-9._%+-]+\Z")
_DOMAIN_HEAD = re.compile(r"[A-Za-z0-9.-]+")
_LOCAL_OK = re.compile(r"[A-Za-z0-9%+_-][A-Za-z0-9._%+-]*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
INSTITUTIONAL_SUFFIXES = (".gov.cn", ".gov", ".org", ".org.cn", ".edu", ".edu.cn", ".ac.cn", ".mil.cn")
PERSONAL_PROVIDERS = frozenset(
    """qq.com vip.qq.com foxmail.com 163.com vip.163.com 126.com yeah.net 188.com sina.com sina.cn
    sohu.com 139.com 189.cn wo.cn aliyun.com tom.com 21cn.com gmail.com hotmail.com outlook.com
    live.com yahoo.com icloud.com msn.com""".split()
)
# Words before a provider mailbox that make it an agency's published channel.
CHANNEL_CONTEXT = re.compile(r"投诉|举报|监督|咨询|受理|办公室|政务|信箱|来信|报名|征集|意见")
CONTEXT_WINDOW = 16
MAX_LOCAL = 64
MAX_DOMAIN = 253
PRIORITY = 40


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253:
        return False
    if not all(_LABEL.fullmatch(label) for label in labels):
        return False
    tld = labels[-1]
    return tld.isalpha() and len(tld) >= 2


class EmailRecognizer(Recognizer):
    name = "email"

    def __init__(self, extra_institutional: tuple[str, ...] = ()) -> None:
        self.institutional = INSTITUTIONAL_SUFFIXES + tuple(extra_institutional)

    def validate_result(self, value: str) -> bool:
        local, _, domain = value.rpartition("@")
        return bool(local) and _LOCAL_OK.fullmatch(local) is not None and _valid_domain(domain)

    def find(self, doc: FieldText) -> Iterator[Match]:
        text, folded = doc.text, doc.folded
        if "@" not in folded:
            return
        # From each @, read the local part back and the domain forward, both bounded: no
        # scan over every ASCII run of the text and nothing that can backtrack.
        for at in _AT.finditer(folded):
            i = at.start()
            left = _LOCAL_TAIL.search(folded, max(0, i - MAX_LOCAL), i)
            right = _DOMAIN_HEAD.match(folded, i + 1, min(len(folded), i + 1 + MAX_DOMAIN))
            if left is None or right is None:
                continue
            local = left.group().lstrip(".")
            domain = right.group().rstrip(".-")
            if not local or not domain or not self.validate_result(f"{local}@{domain}"):
                continue
            start, end = i - len(local), i + 1 + len(domain)
            match = self._classify(text, start, end, local, domain.lower())
            if match is not None:
                yield match

    def _classify(self, text: str, start: int, end: int, local: str, domain: str) -> Match | None:
        if domain.endswith(self.institutional) or any(domain == s.lstrip(".") for s in self.institutional):
            return None
        value = f"{local}@{domain}"
        if domain in PERSONAL_PROVIDERS:
            channel = CHANNEL_CONTEXT.search(text[max(0, start - CONTEXT_WINDOW) : start]) is not None
            severity = Severity.INFO if channel else Severity.WARN
            return Match(
                recognizer=self.name,
                rule="privacy.email",
                start=start,
                end=end,
                value=value,
                severity=severity,
                priority=PRIORITY,
                mask_kind="email",
                label="个人邮箱",
                personal=not channel,
                facts={"provider": "personal", "channel": channel},
            )
        return Match(
            recognizer=self.name,
            rule="privacy.email",
            start=start,
            end=end,
            value=value,
            severity=Severity.INFO,
            priority=PRIORITY,
            mask_kind="email",
            label="邮箱",
            personal=False,
            facts={"provider": "other"},
        )


def mask_email(value: str, mask_local) -> str:
    local, _, domain = value.rpartition("@")
    return f"{mask_local(local)}@{domain}"
