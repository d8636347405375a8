"""bench/load.py end to end on a tiny load: it starts the real gateway, drives it, counts the
stored reviews and writes its timeline (no timing is asserted: that is the benchmark's job)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_LEXICONS

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"


def test_when_the_load_bench_runs_briefly_then_every_answer_is_stored_and_timed(tmp_path: Path) -> None:
    timeline = tmp_path / "timeline.csv"
    command = [sys.executable, str(LOAD), "--seconds", "2", "--rate", "10,5", "--clients", "4"]
    command += ["--chars", "800", "--lexicons", str(TEST_LEXICONS), "--timeline", str(timeline)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr[-2000:]
    rows = [line for line in finished.stdout.splitlines() if line.startswith("| 10/s") or line.startswith("| 5/s")]
    assert len(rows) == 2
    assert "| 20 / 20 |" in rows[0] and "| 10 / 10 |" in rows[1]  # stored / accepted
    assert "2 gunicorn workers × 1 threads" in finished.stdout
    with timeline.open(encoding="utf-8") as handle:
        requests = list(csv.DictReader(handle))
    assert [sum(r["rate"] == rate for r in requests) for rate in ("10", "5")] == [20, 10]
    assert {r["status"] for r in requests} == {"200"}
    assert all(float(r["latency_ms"]) >= float(r["service_ms"]) > 0 for r in requests)
