"""Prometheus metrics at /metrics: requests, per-check latency, verdicts, queue, callbacks,
lexicon; and multiprocess aggregation under the real `sanshen serve` (gunicorn, 2 workers)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from gateway import jobs
from gateway.queue import job_queue
from tests.conftest import TEST_LEXICONS, dumps, free_port, review_body, run_worker
from tests.ops.conftest import post_review

SYNC_CHECKS = ("sensitive", "typo", "disclosure", "format", "link", "privacy", "secret")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


def test_when_reviews_are_answered_then_metrics_count_requests_checks_verdicts_and_lexicon(
    app, client, site, signed
) -> None:
    _, secret = site
    before = scrape(client)
    answer = post_review(client, signed, secret)
    assert answer.status_code == 200
    verdict = answer.json["verdict"]
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("sanshen_http_requests_total", endpoint="/v1/reviews", method="POST", status="200") == 1
    assert delta("sanshen_http_request_duration_seconds_count", endpoint="/v1/reviews") == 1
    for check in SYNC_CHECKS:
        assert delta("sanshen_check_duration_seconds_count", check=check) == 1, check
    assert delta("sanshen_verdicts_total", site="qd-mzj", verdict=verdict) == 1
    assert delta("sanshen_findings_total", site="qd-mzj", check="privacy", severity="block") >= 1
    assert value(after, "sanshen_lexicon_info", version=answer.json["lexicon_version"]) == 1
    assert value(after, "sanshen_lexicon_build_seconds") > 0
    queue = app.config["QUEUE_NAME"]
    assert value(after, "sanshen_queue_jobs", queue=queue, state="queued") == 0
    assert value(after, "sanshen_redis_up") == 1 and value(after, "sanshen_database_up") == 1


def test_when_callbacks_fail_and_jobs_fail_then_metrics_show_both(app, client, site, signed, cms, monkeypatch) -> None:
    _, secret = site
    before = scrape(client)
    cms.replies.extend([(500, {}), (503, {}), (500, {})])  # the schedule (0.2, 0.4) allows three attempts
    payload = {**review_body(body_html="<p>希望再接再励</p>"), "callback_url": cms.url}
    payload["document"]["attachments"] = [
        {"name": "a.txt", "content_type": "text/plain", "content_base64": "5q2j5paH"}  # 正文
    ]
    body = dumps(payload)
    assert client.post("/v1/reviews", data=body, headers=signed(secret, body)).status_code == 202
    pending = scrape(client)
    assert value(pending, "sanshen_reviews_pending") == 1
    assert value(pending, "sanshen_queue_jobs", queue=app.config["QUEUE_NAME"], state="queued") == 1
    run_worker(app, lambda: len(cms.received) >= 3)
    after = scrape(client)
    assert value(after, "sanshen_reviews_pending") == 0
    assert value(after, "sanshen_callback_deliveries", status="failed") == 1
    failures = value(after, "sanshen_callback_delivery_failures_total", site="qd-mzj", reason="http_5xx") - value(
        before, "sanshen_callback_delivery_failures_total", site="qd-mzj", reason="http_5xx"
    )
    assert failures == 3
    exhausted = value(after, "sanshen_callback_deliveries_exhausted_total", site="qd-mzj") - value(
        before, "sanshen_callback_deliveries_exhausted_total", site="qd-mzj"
    )
    assert exhausted == 1

    # A job that raises is counted from RQ's failed registry at scrape time.
    def explode(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "complete", explode)
    second = dumps({**payload, "document": {**payload["document"], "id": "cms-2"}})
    assert client.post("/v1/reviews", data=second, headers=signed(secret, second)).status_code == 202
    with app.app_context():
        failed = job_queue.queue().failed_job_registry
        run_worker(app, lambda: failed.count >= 1)
    assert value(scrape(client), "sanshen_queue_jobs", queue=app.config["QUEUE_NAME"], state="failed") == 1


def test_when_served_by_gunicorn_then_metrics_add_up_over_workers_and_logs_are_json(tmp_path: Path) -> None:
    from tests.conftest import REDIS

    port = free_port()
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "SANSHEN_INSTANCE_PATH": str(instance),
        "SANSHEN_LEXICON_DIR": str(TEST_LEXICONS),
        "SANSHEN_REDIS_URL": "redis://127.0.0.1:6379/0" if REDIS else "",
        "SANSHEN_QUEUE_NAME": f"serve-{port}",
    }
    # A leftover of an earlier run must not be added to this one's counts.
    stale = instance / "prometheus"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"garbage")
    command = [str(Path(sys.executable).parent / "sanshen"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    process = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "sanshen serve did not start"
            time.sleep(0.2)
        for _ in range(40):
            # A new connection each time, so both workers get some.
            assert requests.get(f"{base}/healthz", timeout=5, headers={"Connection": "close"}).status_code == 200
        scrape_text = requests.get(f"{base}/metrics", timeout=5).text
        counted = samples(scrape_text)
        total = value(counted, "sanshen_http_requests_total", endpoint="/healthz", method="GET", status="200")
        assert total >= 41  # the 40 plus the successful readiness poll(s)
        files = {p.name.split("_")[-1] for p in (instance / "prometheus").glob("counter_*.db")}
        assert len(files) == 2, files  # both workers wrote their counts, the stale file is gone
        assert "sanshen_lexicon_info" in scrape_text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
    lines = [line for line in stderr.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert parsed and len(parsed) == len(lines), [line for line in lines if not line.startswith("{")][:5]
    assert any(p["logger"] == "gunicorn.error" for p in parsed)
