from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from checks import registry
from checks.engine import Engine
from checks.lexicon import Leader, Lexicon, parse_tsv

HEADER = "term\tkind\tcategory\tseverity\tsuggestion\tnote\n"


def tsv(*rows: Sequence[str]) -> str:
    return HEADER + "".join("\t".join(row) + "\n" for row in rows)


def make_lexicon(*rows: Sequence[str], leaders: Sequence[Leader] = ()) -> Lexicon:
    return Lexicon(parse_tsv(tsv(*rows), "test.tsv"), leaders)


@pytest.fixture
def engine_for() -> Callable[..., Engine]:
    """An engine over the given TSV rows, running only the named checks."""

    def build(*rows: Sequence[str], checks: Sequence[str] = ("sensitive", "typo"), leaders=()) -> Engine:
        return Engine(make_lexicon(*rows, leaders=leaders), checks=registry.create(checks))

    return build
