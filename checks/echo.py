"""Draft text echoed back in a finding, made safe to store and show.

Findings quote metadata values, URLs and link text as the CMS sent them. A NUL or other
control character there would be rejected by PostgreSQL's JSON type and garble a reviewer's
screen, so such characters are replaced; very long values are cut.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def echo(value: object, limit: int = 200) -> str:
    """``value`` as display text: strings as they are, anything else as its repr."""
    text = value if isinstance(value, str) else repr(value)
    return _CONTROL.sub("\ufffd", text[:limit])
