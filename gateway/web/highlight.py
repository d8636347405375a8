"""Drafts shown to reviewers: plain text with every finding marked in place, all escaped.

The CMS's own HTML is never rendered here (it could carry scripts); marks are built from
the findings' offsets into the plain text, like ``annotate_html`` but on text.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape


def highlight(text: str, findings: Iterable[dict[str, Any]]) -> Markup:
    spans = [f for f in findings if 0 <= f["start"] < f["end"] <= len(text)]
    cuts = sorted({0, len(text), *(p for f in spans for p in (f["start"], f["end"]))})
    out: list[str] = []
    for a, b in itertools.pairwise(cuts):
        piece = str(escape(text[a:b]))
        covering = [f for f in spans if f["start"] <= a and b <= f["end"]]
        for f in reversed(covering):
            label = f"{f['rule']}：{f['message']}" + (f"；建议：{f['suggestion']}" if f.get("suggestion") else "")
            piece = (
                f'<mark class="finding check-{escape(f["check"])} sev-{escape(f["severity"])}" '
                f'data-finding="{escape(f["id"])}" tabindex="0" title="{escape(label)}" '
                f'aria-label="{escape(label)}">{piece}</mark>'
            )
        out.append(piece)
    return Markup("".join(out))
