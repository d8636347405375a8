"""``privacy_ner``: person names from a HanLP NER model, in the worker.

The model is optional (extra ``[nlp]``). ``SANSHEN_HANLP_MODEL`` names a *local directory*
holding a saved HanLP component (``config.json`` + weights); it is loaded once per process
with ``hanlp.load``. Pretrained model ids and URLs are refused: HanLP resolves them through
its downloader, which has no timeout and hangs for ever on a network without internet.
For production, download a pretrained NER model once on a connected machine, copy the
unpacked directory (under ``HANLP_HOME``) to the server and point the variable at it.

The check is asynchronous: NER on a long text costs far more than the synchronous budget.
It only reads the lines that hold an identifier or a special-category word (as the rule-
based detector does), and it only reports people the rules missed; the identifiers
themselves are reported by the synchronous ``privacy`` check.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from checks import defaults
from checks.base import Check, CheckContext
from checks.exceptions import ModelLoadError
from checks.finding import Finding
from checks.privacy.person import DEIDENTIFIED_MARKS, NameSpan, is_official
from checks.privacy.text import FieldText, is_cjk
from checks.registry import register

PERSON_TYPES = frozenset({"PER", "PERSON", "NR", "nr", "per", "person"})
_PIECE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

_lock = threading.Lock()
_models: dict[str, Any] = {}


def model_directory(value: str | None = None) -> Path | None:
    """The configured model directory, validated; None when no model is configured."""
    raw = value if value is not None else os.environ.get(defaults.HANLP_MODEL_ENV, "")
    raw = raw.strip()
    if not raw:
        return None
    if _URL.match(raw):
        raise ModelLoadError(
            f"{defaults.HANLP_MODEL_ENV} must be a local directory, not a URL: "
            "HanLP downloads have no timeout; copy the model to the server instead"
        )
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ModelLoadError(
            f"{defaults.HANLP_MODEL_ENV}={raw!r} is not a directory. Give the path of an unpacked "
            "HanLP model (a folder with config.json), never a pretrained model id"
        )
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{defaults.HANLP_MODEL_ENV}={raw!r} has no config.json: not a HanLP model")
    return path.resolve()


def load_model(value: str | None = None) -> Any:
    """The HanLP component for the configured directory, loaded once per process."""
    path = model_directory(value)
    if path is None:
        raise ModelLoadError(f"no NER model configured ({defaults.HANLP_MODEL_ENV} is empty)")
    key = str(path)
    with _lock:
        model = _models.get(key)
        if model is None:
            # Whatever the saved config references must already be on disk.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import hanlp
            except ImportError as exc:
                raise ModelLoadError("HanLP is not installed: pip install 'sanshen-gateway[nlp]'") from exc
            try:
                model = hanlp.load(key, verbose=False)
            except Exception as exc:
                raise ModelLoadError(f"could not load the HanLP model in {key}: {type(exc).__name__}") from exc
            _models[key] = model
    return model


def _pieces(text: str, lo: int, hi: int, limit: int) -> Iterator[tuple[int, int]]:
    for m in _PIECE.finditer(text, lo, hi):
        a, b = m.span()
        while b - a > limit:
            yield a, a + limit
            a += limit
        if b > a:
            yield a, b


def ner_names(model: Any, text: str, regions: list[tuple[int, int]]) -> list[NameSpan]:
    """Person names the model finds in ``regions`` of ``text``, as private-name candidates."""
    pieces = [p for lo, hi in regions for p in _pieces(text, lo, hi, defaults.NER_MAX_CHARS)]
    if not pieces:
        return []
    outputs = model.predict([list(text[a:b]) for a, b in pieces])
    names: list[NameSpan] = []
    for (a, _), entities in zip(pieces, outputs, strict=True):
        for entity in entities:
            _, label, b, e = entity[:4]
            if label not in PERSON_TYPES:
                continue
            start, end = a + b, a + e
            surface = text[start:end]
            if not 2 <= len(surface) <= 4 or not all(is_cjk(ch) for ch in surface):
                continue
            if any(ch in DEIDENTIFIED_MARKS for ch in surface) or text[end : end + 1] in DEIDENTIFIED_MARKS:
                continue
            if is_official(text, start, end):
                continue
            names.append(NameSpan(start, end, "ner"))
    return names


@register
class PrivacyNerCheck(Check):
    """Names next to identifiers that only a statistical model recognises."""

    name = "privacy_ner"
    asynchronous = True

    def wants(self, ctx: CheckContext) -> bool:
        return bool(os.environ.get(defaults.HANLP_MODEL_ENV, "").strip())

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        from checks.privacy import analyse

        model = load_model()

        def finder(doc: FieldText, regions: list[tuple[int, int]]) -> list[NameSpan]:
            return ner_names(model, doc.text, regions)

        for fld in ctx.fields():
            if fld.text:
                yield from analyse(fld, ctx.policy, ctx.today, check=self.name, name_finder=finder)
