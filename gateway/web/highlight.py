"""Drafts shown to reviewers: plain text with every finding marked in place, all escaped.

The CMS's own HTML is never rendered here (it could carry scripts); marks are built from
the findings' offsets into the plain text, like ``annotate_html`` but on text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

from checks.textmodel import covered_pieces


def highlight(text: str, findings: Iterable[dict[str, Any]]) -> Markup:
    by_id = {f["id"]: f for f in findings}
    out: list[str] = []
    position = 0
    for a, b, covering in covered_pieces(((f["id"], f["start"], f["end"]) for f in findings), len(text)):
        out.append(str(escape(text[position:a])))
        piece = str(escape(text[a:b]))
        for f in (by_id[fid] for fid in reversed(covering)):
            label = f"{f['rule']}：{f['message']}" + (f"；建议：{f['suggestion']}" if f.get("suggestion") else "")
            piece = (
                f'<mark class="finding check-{escape(f["check"])} sev-{escape(f["severity"])}" '
                f'data-finding="{escape(f["id"])}" tabindex="0" title="{escape(label)}" '
                f'aria-label="{escape(label)}">{piece}</mark>'
            )
        out.append(piece)
        position = b
    out.append(str(escape(text[position:])))
    return Markup("".join(out))
