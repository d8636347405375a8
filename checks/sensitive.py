"""``sensitive``: deny-list terms from the lexicon, by category, with per-entry severity."""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext
from checks.finding import Finding
from checks.registry import register


@register
class SensitiveCheck(Check):
    name = "sensitive"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for fld in ctx.fields():
            for hit in ctx.hits(fld):
                for entry in hit.entries:
                    if entry.kind != "deny":
                        continue
                    yield Finding(
                        check=self.name,
                        rule="sensitive.term",
                        severity=entry.severity,
                        field=fld.name,
                        start=hit.start,
                        end=hit.end,
                        text=fld.text[hit.start : hit.end],
                        message=f"敏感或禁用内容（{entry.category}）：{entry.note}",
                        suggestion=entry.suggestion or None,
                        category=entry.category,
                        details={"source": entry.source},
                    )
                    break  # one finding per span, from the first deny entry
