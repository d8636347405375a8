"""``disclosure``: 公开属性 and the 政府信息公开 metadata of a draft.

Rules (seeds: "印发公文时要明确标注公开属性"; "发文没有明确公开属性建议或者没有依法依规说明不公开
理由的……予以退文"; "集中公开……行政规范性文件，明确标题、正文、文号、成文日期、发布日期、有效性";
"政策解读材料与政策文件同步起草、同步审签、同步发布"):

* 公开属性 is one of 主动公开 / 依申请公开 / 不予公开; only 主动公开 may be published.
* 不予公开 needs a stated reason (依申请公开 should have one too).
* A printed 附注 such as "（此件主动公开）" must agree with the metadata.
* 规范性文件 need 文号, 成文日期, 发布日期 and 有效性; policy documents need a 解读.
* Dates must exist, must not lie in the future, and 发布日期 is not before 成文日期.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from checks.base import Check, CheckContext
from checks.echo import echo
from checks.finding import Finding, Severity
from checks.registry import register

ACTIVE = "主动公开"
ON_REQUEST = "依申请公开"
WITHHELD = "不予公开"

# CMS spellings seen in 信息公开目录 exports, folded (NFKC, no spaces, simplified, lower case).
_SPELLINGS = {
    ACTIVE: ("主动公开", "主动", "公开", "公开发布", "此件公开发布", "此件主动公开", "public", "active"),
    ON_REQUEST: ("依申请公开", "依申请", "申请公开", "依申请予以公开", "此件依申请公开", "on_request",
                 "upon_request", "request"),
    WITHHELD: ("不予公开", "不公开", "非公开", "免予公开", "不宜公开", "此件不予公开", "此件不公开",
               "not_public", "private", "withheld"),
}  # fmt: skip
_BY_SPELLING = {spelling: attr for attr, spellings in _SPELLINGS.items() for spelling in spellings}

# The 附注 printed under the 成文日期: "（此件主动公开）". Traditional forms are folded first.
_MARKING = re.compile(r"[（(]\s*(此件(?:主动公开|公开发布|依申请公开|不予公开|不公开))\s*[）)]")
_MARKING_MEANS = {
    "此件主动公开": ACTIVE,
    "此件公开发布": ACTIVE,
    "此件依申请公开": ON_REQUEST,
    "此件不予公开": WITHHELD,
    "此件不公开": WITHHELD,
}

VALIDITY = {
    "有效": ("有效", "现行有效", "生效", "现行", "valid"),
    "失效": ("失效", "已失效", "无效", "expired"),
    "废止": ("废止", "已废止", "repealed"),
    "修改": ("修改", "已修改", "已被修改", "修订", "已修订", "amended"),
}
_VALIDITY_BY_SPELLING = {s: v for v, spellings in VALIDITY.items() for s in spellings}

_ISO_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

NORMATIVE = "规范性文件"


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("t2s").convert


def fold(value: str) -> str:
    """NFKC, no white space, lower case, traditional (主動公開) folded to simplified."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(ch for ch in text if not ch.isspace()).lower()
    return _t2s()(text[:200])


def parse_attribute(value: Any) -> str | None:
    """The canonical 公开属性 for a CMS value, or None when it is not one."""
    if not isinstance(value, str):
        return None
    folded = fold(value).strip("()（）[]【】")
    return _BY_SPELLING.get(folded)


def parse_date(value: Any) -> tuple[date | None, str | None]:
    """(date, None), or (None, problem) where problem is "missing", "format" or "impossible"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "missing"
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if not isinstance(value, str):
        return None, "format"
    text = unicodedata.normalize("NFKC", value).strip()
    m = _ISO_DATE.match(text) or _CN_DATE.match(text) or _COMPACT_DATE.match(text)
    if not m:
        return None, "format"
    year, month, day = (int(g) for g in m.groups())
    try:
        return date(year, month, day), None
    except ValueError:
        return None, "impossible"


@register
class DisclosureCheck(Check):
    name = "disclosure"
    needs_metadata = True

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        metadata = ctx.draft.metadata
        if not isinstance(metadata, dict):
            metadata = {}
        markings = list(self._markings(ctx))
        attribute = yield from self._attribute(metadata, markings)
        yield from self._marking_conflicts(markings, attribute)
        yield from self._normative(ctx, metadata)
        yield from self._interpretation(ctx, metadata)
        yield from self._dates(ctx, metadata)

    # --- 公开属性 -------------------------------------------------------------------------

    def _attribute(self, metadata: dict[str, Any], markings: list[tuple[str, int, int, str, str]]) -> Iterator[Finding]:
        raw = metadata.get("disclosure")
        marked = markings[0][4] if markings else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            yield self._meta(
                "disclosure",
                "disclosure.missing",
                Severity.BLOCK,
                "未标注公开属性（主动公开/依申请公开/不予公开），按规定退文",
                "",
                suggestion=marked,
                overridable=False,
            )
            return None
        attribute = parse_attribute(raw)
        if attribute is None:
            shown, end = _as_shown(raw)
            yield self._meta(
                "disclosure",
                "disclosure.invalid",
                Severity.BLOCK,
                "公开属性不是主动公开、依申请公开、不予公开之一，按规定退文",
                shown[:100],
                end=end,
                suggestion=marked,
                overridable=False,
                details={"value_type": type(raw).__name__},
            )
            return None
        value_end = len(raw)
        if attribute != ACTIVE:
            yield self._meta(
                "disclosure",
                "disclosure.not_public",
                Severity.BLOCK,
                f"公开属性为“{attribute}”，只有主动公开的信息可以发布，按规定退文",
                raw,
                end=value_end,
                overridable=False,
                details={"attribute": attribute},
            )
        reason = metadata.get("non_disclosure_reason")
        has_reason = isinstance(reason, str) and len(reason.strip()) >= 2
        if attribute == WITHHELD and not has_reason:
            yield self._meta(
                "non_disclosure_reason",
                "disclosure.reason_missing",
                Severity.BLOCK,
                "不予公开未依法依规说明理由，按规定退文",
                "",
                overridable=False,
            )
        elif attribute == ON_REQUEST and not has_reason:
            yield self._meta(
                "non_disclosure_reason",
                "disclosure.reason_missing",
                Severity.WARN,
                "依申请公开未说明不主动公开的理由",
                "",
            )
        if attribute != raw.strip():
            yield self._meta(
                "disclosure",
                "disclosure.spelling",
                Severity.INFO,
                f"公开属性应写作“{attribute}”",
                raw,
                end=value_end,
                suggestion=attribute,
            )
        return attribute

    def _markings(self, ctx: CheckContext) -> Iterator[tuple[str, int, int, str, str]]:
        """(field, start, end, text, attribute) of every printed 附注 such as （此件主动公开）."""
        for fld in ctx.fields():
            if fld.name.startswith("metadata") or "此件" not in fld.text:
                continue
            norm = ctx.normalized(fld)
            # Folded text: 此件主動公開 and full-width brackets match too; offsets map back.
            for m in _MARKING.finditer(norm.text):
                start, end = norm.original_span(m.start(), m.end())
                yield fld.name, start, end, fld.text[start:end], _MARKING_MEANS[m.group(1)]

    def _marking_conflicts(
        self, markings: list[tuple[str, int, int, str, str]], attribute: str | None
    ) -> Iterator[Finding]:
        seen = {m[4] for m in markings}
        for field, start, end, text, meant in markings:
            if attribute is not None and meant != attribute:
                severity = Severity.BLOCK if meant != ACTIVE else Severity.WARN
                yield Finding(
                    check=self.name,
                    rule="disclosure.marking_conflict",
                    severity=severity,
                    field=field,
                    start=start,
                    end=end,
                    text=echo(text),
                    message=f"正文标注“{text.strip('（）()')}”与公开属性“{attribute}”不一致",
                    overridable=severity is not Severity.BLOCK,
                    details={"marking": meant, "metadata": attribute},
                )
            elif attribute is None and len(seen) > 1:
                yield Finding(
                    check=self.name,
                    rule="disclosure.marking_conflict",
                    severity=Severity.WARN,
                    field=field,
                    start=start,
                    end=end,
                    text=echo(text),
                    message="正文中的公开属性标注前后不一致",
                    details={"markings": sorted(seen)},
                )

    # --- 规范性文件, 解读 -------------------------------------------------------------------

    def _normative(self, ctx: CheckContext, metadata: dict[str, Any]) -> Iterator[Finding]:
        doc_type = metadata.get("doc_type")
        if not isinstance(doc_type, str) or NORMATIVE not in fold(doc_type):
            return
        if _is_consultation(ctx):
            return  # a draft for comment has no 文号 or dates yet
        required = {
            "doc_number": "文号",
            "written_date": "成文日期",
            "publish_date": "发布日期",
            "validity": "有效性",
        }
        for key, label in required.items():
            value = metadata.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                yield self._meta(
                    key,
                    "disclosure.normative_missing",
                    Severity.WARN,
                    f"规范性文件须明确{label}",
                    "",
                )
        validity = metadata.get("validity")
        if validity is None or (isinstance(validity, str) and not validity.strip()):
            return
        canonical = _VALIDITY_BY_SPELLING.get(fold(validity)) if isinstance(validity, str) else None
        if canonical is None:
            shown, end = _as_shown(validity)
            yield self._meta(
                "validity",
                "disclosure.validity_invalid",
                Severity.WARN,
                "有效性应为有效、失效、废止或修改",
                shown[:100],
                end=end,
            )

    def _interpretation(self, ctx: CheckContext, metadata: dict[str, Any]) -> Iterator[Finding]:
        doc_type = metadata.get("doc_type")
        url = metadata.get("interpretation_url")
        if url is not None and not (isinstance(url, str) and not url.strip()):
            if not isinstance(url, str) or not re.match(r"^(https?://\S+|/\S*)$", url.strip()):
                shown, end = _as_shown(url)
                yield self._meta(
                    "interpretation_url",
                    "disclosure.interpretation_invalid",
                    Severity.WARN,
                    "政策解读链接不是有效网址",
                    shown[:200],
                    end=end,
                )
            return
        if not isinstance(doc_type, str) or _is_consultation(ctx):
            return
        folded = fold(doc_type)
        if any(fold(t) in folded for t in ctx.policy.interpretation_exempt_types if t):
            return
        if not any(fold(t) in folded for t in ctx.policy.policy_document_types if t):
            return
        yield self._meta(
            "interpretation_url",
            "disclosure.interpretation_missing",
            Severity.WARN,
            "政策文件未关联政策解读（解读材料应与政策文件同步发布）",
            "",
            details={"doc_type": doc_type},
        )

    # --- dates -----------------------------------------------------------------------------

    def _dates(self, ctx: CheckContext, metadata: dict[str, Any]) -> Iterator[Finding]:
        parsed: dict[str, date] = {}
        labels = {"written_date": "成文日期", "publish_date": "发布日期"}
        for key, label in labels.items():
            raw = metadata.get(key)
            value, problem = parse_date(raw)
            shown, end = _as_shown(raw)
            if problem == "format":
                yield self._meta(
                    key,
                    "disclosure.date_invalid",
                    Severity.WARN,
                    f"{label}无法识别（应为YYYY-MM-DD或YYYY年M月D日）",
                    shown[:50],
                    end=end,
                )
            elif problem == "impossible":
                yield self._meta(key, "disclosure.date_impossible", Severity.WARN, f"{label}不存在", shown, end=end)
            elif value is not None:
                parsed[key] = value
                if value > ctx.today:
                    yield self._meta(
                        key,
                        "disclosure.date_future",
                        Severity.WARN,
                        f"{label}晚于今天（{ctx.today.isoformat()}）",
                        shown,
                        end=end,
                    )
        written, published = parsed.get("written_date"), parsed.get("publish_date")
        if written and published and published < written:
            raw = metadata.get("publish_date")
            yield self._meta(
                "publish_date",
                "disclosure.date_order",
                Severity.WARN,
                f"发布日期早于成文日期（{written.isoformat()}）",
                raw if isinstance(raw, str) else published.isoformat(),
                end=len(raw) if isinstance(raw, str) else 0,
            )

    def _meta(
        self,
        key: str,
        rule: str,
        severity: Severity,
        message: str,
        text: str,
        *,
        end: int = 0,
        suggestion: str | None = None,
        overridable: bool = True,
        details: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            check=self.name,
            rule=rule,
            severity=severity,
            field=f"metadata.{key}",
            start=0,
            end=end,
            text=echo(text),
            message=message,
            suggestion=suggestion,
            overridable=overridable,
            details=details or {},
        )


def _is_consultation(ctx: CheckContext) -> bool:
    channel = ctx.draft.channel
    return isinstance(channel, str) and bool(channel) and channel.strip() in ctx.policy.consultation_channels


def _as_shown(value: Any) -> tuple[str, int]:
    """A metadata value as a finding shows it, and the finding's end offset in it
    (0 when the value is not text: there is nothing to highlight)."""
    if isinstance(value, str):
        return value, len(value)
    return ("" if value is None else repr(value)), 0
