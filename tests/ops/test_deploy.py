"""deploy/: the compose file, Dockerfile, gunicorn config, systemd units and nginx example
are consistent with each other and with the code. Docker itself does not run here; the
gunicorn config does, for real."""

from __future__ import annotations

import configparser
import json
import os
import re
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from gateway import defaults
from tests.conftest import REDIS, TEST_LEXICONS, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# Settings read outside gateway/defaults.py (config.load, checks/, the Dockerfile's ENV).
EXTRA_SETTINGS = {"INSTANCE_PATH", "LEXICON_DIR", "HANLP_MODEL", "SENTRY_DSN"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text("utf-8"))


def _command(service: dict) -> list[str]:
    command = service["command"]
    return command if isinstance(command, list) else command.split()


def test_when_compose_is_parsed_then_services_commands_and_order_are_right(compose) -> None:
    services = compose["services"]
    assert set(services) == {"gateway", "worker", "migrate", "redis", "postgres"}
    assert _command(services["migrate"]) == ["sanshen", "db", "upgrade"]
    assert _command(services["gateway"]) == ["gunicorn", "-c", "/etc/sanshen/gunicorn.conf.py", "gateway:create_app()"]
    assert _command(services["worker"]) == ["sanshen", "worker"]
    for name in ("gateway", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / services[name]["build"]["context"] / "deploy" / "Dockerfile").is_file()
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    # The gateway publishes on loopback only: TLS is nginx's job.
    assert all(str(port).startswith("127.0.0.1:") for port in services["gateway"]["ports"])


def test_when_compose_is_parsed_then_redis_keeps_an_aof_and_data_has_volumes(compose) -> None:
    services = compose["services"]
    redis_command = _command(services["redis"])
    assert redis_command[0] == "redis-server"
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert "redisdata:/data" in services["redis"]["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert {"pgdata", "redisdata", "instance"} <= set(compose["volumes"])


def test_when_compose_is_parsed_then_every_service_has_a_healthcheck_that_probes_it(compose) -> None:
    services = compose["services"]
    for name in ("postgres", "redis", "gateway", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "/readyz" in " ".join(services["gateway"]["healthcheck"]["test"])
    worker_env = services["worker"]["environment"]
    port = worker_env["SANSHEN_WORKER_METRICS_BIND"].rpartition(":")[2]
    assert f":{port}/metrics" in " ".join(services["worker"]["healthcheck"]["test"])


def test_when_compose_names_settings_then_the_code_knows_them(compose) -> None:
    env = compose["services"]["gateway"]["environment"]
    assert env["SANSHEN_DATABASE_URL"].startswith("postgresql+psycopg://sanshen:")
    assert env["SANSHEN_DATABASE_URL"].endswith("@postgres:5432/sanshen")
    assert env["SANSHEN_REDIS_URL"] == "redis://redis:6379/0"
    texts = [(DEPLOY / name).read_text("utf-8") for name in ("docker-compose.yml", ".env.example", "Dockerfile")]
    texts += [p.read_text("utf-8") for p in (DEPLOY / "systemd").glob("*.service")]
    named = {m for text in texts for m in re.findall(r"SANSHEN_([A-Z_]+)", text)}
    known = {name for name in dir(defaults) if name.isupper()} | EXTRA_SETTINGS
    assert named - known == set()


def test_when_the_dockerfile_is_read_then_it_is_slim_non_root_with_hanlp_optional() -> None:
    text = (DEPLOY / "Dockerfile").read_text("utf-8")
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", text)
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "ARG WITH_HANLP=0" in text and "ARG TORCH_VERSION=2.13.0" in text
    # torch first, from the CPU index, then the [nlp] extra.
    torch_at = text.index('pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX_URL}"')
    assert torch_at < text.index('pip install ".[nlp]"')
    assert "download.pytorch.org/whl/cpu" in text
    for source in re.findall(r"^COPY (?!--from)(\S+)", text, flags=re.MULTILINE):
        assert (ROOT / source).exists(), source
    assert 'CMD ["gunicorn", "-c", "/etc/sanshen/gunicorn.conf.py", "gateway:create_app()"]' in text
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text("utf-8").split()
    assert ".venv" in ignored and ".git" in ignored


def test_when_the_gunicorn_config_is_imported_then_gunicorn_accepts_sane_values(monkeypatch) -> None:
    from gunicorn.config import Config

    for name in ("SANSHEN_SERVE_BIND", "SANSHEN_SERVE_WORKERS", "SANSHEN_SERVE_THREADS", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ  # importing has no side effects
    config = Config()
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)  # gunicorn's own validators
    assert config.worker_class_str == "sync"  # one thread per process (defaults.SERVE_THREADS)
    assert (config.workers, config.threads) == (defaults.SERVE_WORKERS, defaults.SERVE_THREADS)
    assert config.address == [("127.0.0.1", 8700)]
    assert config.preload_app is True
    assert 30 <= config.timeout <= 120 and config.graceful_timeout <= config.timeout
    assert config.max_requests > 0 and config.max_requests_jitter > 0
    assert config.accesslog is None
    handlers = config.logconfig_dict["handlers"]
    assert config.logconfig_dict["formatters"]["sanshen"]["()"] == "gateway.observability.logs.JsonFormatter"
    assert handlers["sanshen"]["class"] == "logging.StreamHandler"
    for hook in ("on_starting", "when_ready", "child_exit"):
        assert callable(namespace[hook])
    monkeypatch.setenv("SANSHEN_SERVE_WORKERS", "5")
    monkeypatch.setenv("SANSHEN_SERVE_THREADS", "4")
    threaded = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (threaded["workers"], threaded["threads"], threaded["worker_class"]) == (5, 4, "gthread")


def test_when_gunicorn_runs_with_the_config_then_the_gateway_is_ready_and_logs_json(tmp_path: Path) -> None:
    port = free_port()
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "SANSHEN_SERVE_BIND": f"127.0.0.1:{port}",
        "SANSHEN_INSTANCE_PATH": str(instance),
        "SANSHEN_LEXICON_DIR": str(TEST_LEXICONS),
        "SANSHEN_REDIS_URL": "redis://127.0.0.1:6379/0" if REDIS else "",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py"), "gateway:create_app()"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = requests.get(f"{base}/readyz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        assert ready.status_code == 200, ready.text
        assert ready.json()["lexicon"].startswith("sha256:")
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert 'sanshen_http_requests_total{endpoint="/readyz",method="GET",status="200"}' in metrics
        assert list((instance / "prometheus").glob("counter_*.db"))  # multiprocess mode
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines), lines[:5]
    assert any("Booting worker" in json.loads(line)["message"] for line in lines)


def test_when_the_nginx_example_is_read_then_tls_body_size_and_timeouts_fit_the_gateway() -> None:
    text = (DEPLOY / "nginx" / "sanshen.conf").read_text("utf-8")
    assert re.search(r"listen 443 ssl;", text) and "ssl_certificate " in text
    assert re.search(r"ssl_protocols TLSv1\.2 TLSv1\.3;", text)
    size = re.search(r"client_max_body_size (\d+)m;", text)
    assert size and int(size.group(1)) * 1024 * 1024 == defaults.MAX_CONTENT_LENGTH
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", text).group(1))
    gunicorn_timeout = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["timeout"]
    assert read_timeout > gunicorn_timeout  # gunicorn, not nginx, decides a request is stuck
    assert "proxy_set_header X-Request-Id $request_id;" in text
    assert "$request " not in text.split("log_format", 1)[1].split(";", 1)[0]  # no query strings logged


def test_when_the_systemd_units_are_read_then_they_run_the_right_commands_unprivileged() -> None:
    units = {}
    for path in (DEPLOY / "systemd").glob("*.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # keys are case-sensitive
        parser.read_string(path.read_text("utf-8"))
        units[path.name] = parser
    gateway = units["sanshen-gateway.service"]["Service"]
    worker = units["sanshen-worker@.service"]["Service"]
    assert gateway["ExecStart"].endswith('-c /etc/sanshen/gunicorn.conf.py "gateway:create_app()"')
    assert gateway["ExecStartPre"] == "/opt/sanshen/bin/sanshen db upgrade"
    assert worker["ExecStart"] == "/opt/sanshen/bin/sanshen worker"
    for service in (gateway, worker):
        assert service["User"] == "sanshen" and service["NoNewPrivileges"] == "yes"
        assert service["EnvironmentFile"] == "/etc/sanshen/sanshen.env"
        assert service["Restart"] in ("on-failure", "always")
    # Longer than the RQ job timeout, so a warm shutdown can finish the job in hand.
    assert int(worker["TimeoutStopSec"]) > defaults.REVIEW_JOB_TIMEOUT_SECONDS
