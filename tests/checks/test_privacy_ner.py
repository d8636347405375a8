"""HanLP NER: train a tiny model on tests/data/ner with HanLP's own API, save it, load it with
``hanlp.load(dir)`` in a fresh process and check that it finds names it never saw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("hanlp")

pytestmark = pytest.mark.nlp

DATA = Path(__file__).resolve().parents[1] / "data" / "ner"
ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 20


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from checks.privacy.hanlp_components import CRFBatchFirstRNNNamedEntityRecognizer

    torch.manual_seed(1)
    torch.set_num_threads(2)
    save = tmp_path_factory.mktemp("ner") / "model"
    started = time.perf_counter()
    CRFBatchFirstRNNNamedEntityRecognizer().fit(
        str(DATA / "train.tsv"),
        str(DATA / "dev.tsv"),
        str(save),
        epochs=EPOCHS,
        embed=100,  # random embeddings: no pretrained vectors to download
        rnn_hidden=128,
        batch_size=32,
        patience=5,
        tagging_scheme="BIO",
        verbose=False,
        seed=1,
    )
    print(f"trained tiny NER model in {time.perf_counter() - started:.1f}s")
    assert (save / "config.json").is_file()
    return save


def _fresh_process(code: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON line last."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_when_tiny_model_loaded_in_fresh_process_then_finds_unseen_names(model_dir: Path) -> None:
    code = f"""
import json, hanlp
from hanlp.utils.span_util import bio_tags_to_spans
model = hanlp.load({str(model_dir)!r})
sents, golds, chars, tags = [], [], [], []
for line in open({str(DATA / "heldout.tsv")!r}, encoding="utf-8"):
    line = line.rstrip("\\n")
    if not line:
        if chars:
            sents.append(chars); golds.append(tags)
        chars, tags = [], []
        continue
    c, t = line.split("\\t"); chars.append(c); tags.append(t)
out = model.predict(sents)
tp = fp = fn = 0
for gold, pred in zip(golds, out):
    g = {{(b, e + 1) for _, (b, e) in bio_tags_to_spans(gold)}}
    p = {{(b, e) for _, label, b, e in pred if label == "PER"}}
    tp += len(g & p); fp += len(p - g); fn += len(g - p)
print(json.dumps({{"tp": tp, "fp": fp, "fn": fn, "classpath": type(model).__name__}}))
"""
    result = _fresh_process(code)
    recall = result["tp"] / (result["tp"] + result["fn"])
    precision = result["tp"] / (result["tp"] + result["fp"])
    assert result["classpath"] == "CRFBatchFirstRNNNamedEntityRecognizer"
    # Held-out names use given-name characters absent from the training data.
    assert recall >= 0.8, result
    assert precision >= 0.8, result


def test_when_names_unseen_then_training_data_does_not_contain_them() -> None:
    train = (DATA / "train.tsv").read_text(encoding="utf-8")
    train_chars = {line.split("\t")[0] for line in train.splitlines() if line}
    held = (DATA / "heldout.tsv").read_text(encoding="utf-8").splitlines()
    given = {line.split("\t")[0] for line in held if line.endswith("I-PER")}
    assert given - train_chars  # at least some given-name characters are new to the model


def test_when_model_configured_then_privacy_ner_reports_name_rules_miss(model_dir: Path) -> None:
    code = """
import json
from datetime import date
from checks import registry
from checks.engine import Engine
from checks.lexicon import Lexicon
from checks.textmodel import Draft
engine = Engine(Lexicon([]), checks=registry.create(["privacy", "privacy_ner"]))
body = "<p>经群众举报，侯霖辉在青岛市市南区香港中路12号3号楼2单元501室违规搭建。</p>"
draft = Draft(title="通知", body_html=body)
sync = engine.check(draft, today=date(2024, 6, 1))
full = engine.check(draft, today=date(2024, 6, 1), include_async=True)
print(json.dumps({
    "pending": sync.pending_checks,
    "sync": [(f.check, f.rule) for f in sync.findings],
    "full": [(f.check, f.rule, f.text, f.details.get("name_source")) for f in full.findings],
}, ensure_ascii=False))
"""
    result = _fresh_process(code, {"SANSHEN_HANLP_MODEL": str(model_dir)})
    assert result["pending"] == ["privacy_ner"]
    assert result["sync"] == [["privacy", "privacy.address"]]
    ner = [f for f in result["full"] if f[0] == "privacy_ner"]
    assert ner and ner[0][1] == "privacy.person" and ner[0][3] == "ner"
    assert ner[0][2].startswith("侯**")
