"""Coverage-guided fuzzing with atheris (libFuzzer), beside the hypothesis fuzzing in the suite.

Optional: ``pip install atheris`` (a manylinux wheel for CPython 3.11). Targets:

    python bench/fuzz_atheris.py html         -max_total_time=60   # extract_text + annotate_html
    python bench/fuzz_atheris.py normalize    -max_total_time=60
    python bench/fuzz_atheris.py attachments  -max_total_time=60   # add_attachment_fields, any type
    python bench/fuzz_atheris.py request      -max_total_time=60   # POST /v1/reviews, signed

Any exception that escapes is a crash: libFuzzer writes the input to ``crash-<sha1>`` and
exits non-zero. The request target counts a 500 answer as a crash.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports():
    from checks.attachments import add_attachment_fields
    from checks.normalize import Normalizer
    from checks.textmodel import Attachment, Draft, TextModel, annotate_html, html_field

_KINDS = ["名单.docx", "名单.xlsx", "通知.pdf", "说明.txt", "表.csv", "页.html", "无扩展名"]


def fuzz_html(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    source = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    fld = html_field("body", source)
    n = len(fld.text)
    if n:
        annotate_html(fld, [("f1", 0, n), ("f2", n // 3, max(n // 3 + 1, n // 2))])


_normalizer = Normalizer()


def fuzz_normalize(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    text = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    folded = _normalizer.normalize(text)
    if folded.text:
        folded.original_span(0, len(folded.text))


def fuzz_attachments(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    name = _KINDS[provider.ConsumeIntInRange(0, len(_KINDS) - 1)]
    model = TextModel(Draft(title="通知", attachments=[Attachment(name, "", provider.ConsumeBytes(1 << 20))]))
    add_attachment_fields(model)


def _request_target():
    import tempfile
    import time
    import uuid

    with atheris.instrument_imports():
        from gateway import api, create_app, schemas  # noqa: F401 - instrumented for coverage
    from gateway.db import db
    from gateway.sites import add_site
    from tests.conftest import TEST_LEXICONS, dumps, hmac_signature, review_body

    folder = tempfile.mkdtemp(prefix="sanshen-atheris-")
    app = create_app({"INSTANCE_PATH": folder, "LEXICON_DIR": str(TEST_LEXICONS), "TESTING": True})
    with app.app_context():
        db.upgrade()
    secret = add_site(app, "qd-mzj", "fuzz", ["127.0.0.1"])
    client = app.test_client()
    # Seed corpus: valid bodies, so mutations start from requests that reach every layer.
    seeds = Path(folder) / "seeds"
    seeds.mkdir()
    (seeds / "plain").write_bytes(dumps(review_body(body_html="<p>希望再接再励。</p>")))
    attachment = {"name": "a.txt", "content_type": "text/plain", "content_base64": "5q2j5paH"}
    (seeds / "attachment").write_bytes(dumps(review_body(attachments=[attachment])))
    sys.argv.append(str(seeds))

    def fuzz_request(data: bytes) -> None:
        msg_id, timestamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": hmac_signature(secret, msg_id, timestamp, data),
        }
        response = client.post("/v1/reviews", data=data, headers=headers)
        if response.status_code >= 500:
            raise RuntimeError(f"HTTP {response.status_code}")

    return fuzz_request


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("html", "normalize", "attachments", "request"):
        raise SystemExit(__doc__)
    target = sys.argv.pop(1)
    function = {
        "html": fuzz_html,
        "normalize": fuzz_normalize,
        "attachments": fuzz_attachments,
        "request": _request_target() if target == "request" else None,
    }[target]
    atheris.Setup(sys.argv, function)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
