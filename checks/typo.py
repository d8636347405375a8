"""``typo``: confusion and 规范表述 entries, doubled characters, paired punctuation,
English spelling and leaders' names and titles."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from checks.base import Check, CheckContext
from checks.brackets import find_bracket_problems
from checks.finding import Finding, Severity
from checks.leaders import LeaderIndex
from checks.lexicon import Lexicon
from checks.registry import register
from checks.spelling import find_misspellings
from checks.textmodel import TextField

DOUBLED_CATEGORY = "重复字"

_BRACKET_MESSAGES = {
    "unclosed": "“{char}”没有配对的“{expected}”",
    "unopened": "“{char}”前面没有配对的“{expected}”",
    "mismatched": "“{char}”与“{expected}”以外的符号配对（全角半角或括号种类不一致）",
}


@lru_cache(maxsize=4)
def _leader_index(lexicon: Lexicon) -> LeaderIndex:
    return LeaderIndex(lexicon.leaders)


@lru_cache(maxsize=4)
def _ascii_allow_terms(lexicon: Lexicon) -> frozenset[str]:
    return frozenset(e.term for e in lexicon.entries if e.kind == "allow" and e.term.isascii() and e.term.isalpha())


@register
class TypoCheck(Check):
    name = "typo"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        leaders = _leader_index(ctx.state.lexicon)
        allowed_words = _ascii_allow_terms(ctx.state.lexicon)
        for fld in ctx.fields():
            yield from self._lexicon_findings(ctx, fld)
            yield from self._bracket_findings(fld)
            yield from self._spelling_findings(fld, allowed_words)
            yield from self._leader_findings(ctx, fld, leaders)

    def _lexicon_findings(self, ctx: CheckContext, fld: TextField) -> Iterator[Finding]:
        for hit in ctx.hits(fld):
            entry = next((e for e in hit.entries if e.kind in ("typo", "term")), None)
            if entry is None:
                continue
            if entry.kind == "term":
                rule, message = "typo.term", f"不规范表述（{entry.category}），应为“{entry.suggestion}”"
            elif entry.category == DOUBLED_CATEGORY:
                rule, message = "typo.doubled", "疑似多打了重复的字"
            else:
                rule, message = "typo.confusion", f"疑似错别字（{entry.category}），应为“{entry.suggestion}”"
            yield Finding(
                check=self.name,
                rule=rule,
                severity=entry.severity,
                field=fld.name,
                start=hit.start,
                end=hit.end,
                text=fld.text[hit.start : hit.end],
                message=message,
                suggestion=entry.suggestion,
                category=entry.category,
                details={"note": entry.note, "source": entry.source},
            )

    def _bracket_findings(self, fld: TextField) -> Iterator[Finding]:
        for problem in find_bracket_problems(fld.text):
            yield Finding(
                check=self.name,
                rule="typo.bracket",
                severity=Severity.WARN,
                field=fld.name,
                start=problem.start,
                end=problem.start + 1,
                text=problem.char,
                message=_BRACKET_MESSAGES[problem.kind].format(char=problem.char, expected=problem.expected),
                category="标点配对",
            )

    def _spelling_findings(self, fld: TextField, allowed: frozenset[str]) -> Iterator[Finding]:
        for miss in find_misspellings(fld.text, allowed):
            yield Finding(
                check=self.name,
                rule="typo.english",
                severity=Severity.WARN,
                field=fld.name,
                start=miss.start,
                end=miss.end,
                text=miss.word,
                message="英文单词疑似拼写错误",
                suggestion=miss.correction,
                category="英文拼写",
            )

    def _leader_findings(self, ctx: CheckContext, fld: TextField, leaders: LeaderIndex) -> Iterator[Finding]:
        if leaders.empty:
            return
        norm = ctx.normalized(fld)
        for problem in leaders.find(norm.text):
            start, end = norm.original_span(problem.start, problem.end)
            if problem.kind == "title":
                message = f"“{problem.leader.name}”与职务“{problem.found_title}”不匹配"
                suggestion = "、".join(problem.leader.titles)
                rule = "typo.leader_title"
            else:
                message = f"领导人姓名疑似错误，职务“{problem.found_title}”对应“{problem.leader.name}”"
                suggestion = problem.leader.name
                rule = "typo.leader_name"
            yield Finding(
                check=self.name,
                rule=rule,
                severity=Severity.BLOCK,
                field=fld.name,
                start=start,
                end=end,
                text=fld.text[start:end],
                message=message,
                suggestion=suggestion,
                category="领导人",
                details={"source": problem.leader.source},
            )
