from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from gateway.cli import main


@pytest.fixture
def cli(app, monkeypatch):
    """Run `sanshen …` against the test app's database, queue and instance folder."""
    for key in ("DATABASE_URL", "REDIS_URL", "QUEUE_NAME", "LEXICON_DIR"):
        monkeypatch.setenv(f"SANSHEN_{key}", app.config[key])
    monkeypatch.setenv("SANSHEN_INSTANCE_PATH", app.instance_path)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def test_when_site_is_added_then_it_is_listed_and_its_secret_rotates(cli) -> None:
    added = cli("site", "add", "jn-zwb", "--name", "济南政务办", "--callback-host", "cms.jinan.gov.cn")
    assert added.exit_code == 0
    secret = added.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    listed = cli("site", "list")
    assert "jn-zwb\t济南政务办\tsecrets=1\tintranet=False\tcallback_hosts=cms.jinan.gov.cn" in listed.output
    rotated = cli("site", "secret", "rotate", "jn-zwb")
    assert rotated.output.strip().startswith("whsec_") and rotated.output.strip() != secret
    assert "secrets=2" in cli("site", "list").output
    cli("site", "secret", "rotate", "jn-zwb", "--retire-old")
    assert "secrets=1" in cli("site", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("site", "add", "Bad Id"), "site id must be lower-case"),
        (("site", "add", "x", "--policy", '{"colour": 1}'), "unknown policy keys: colour"),
        (("site", "secret", "rotate", "missing"), "no site missing"),
    ],
)
def test_when_site_command_is_wrong_then_exit_3_with_reason(cli, args, message) -> None:
    result = cli(*args)
    assert result.exit_code == 3
    assert message in result.output


def test_when_deliveries_are_listed_and_retried_then_cli_reports_them(cli, app) -> None:
    assert cli("deliveries", "list").output == ""
    assert cli("deliveries", "retry", "--all-failed").output.strip() == "0 deliveries queued"


def test_when_sign_prints_curl_then_the_command_carries_a_valid_signature(cli, tmp_path, site) -> None:
    from tests.conftest import hmac_signature

    _, secret = site
    body = tmp_path / "d.json"
    body.write_text('{"site": "qd-mzj"}', "utf-8")
    command = cli("sign", "--secret", secret, str(body)).output.strip()
    import shlex

    parts = shlex.split(command)
    headers = dict(parts[i + 1].split(": ", 1) for i, p in enumerate(parts) if p == "-H")
    expected = hmac_signature(secret, headers["webhook-id"], headers["webhook-timestamp"], body.read_bytes())
    assert headers["webhook-signature"] == expected
    assert subprocess.run(["sh", "-n", "-c", command], check=False).returncode == 0
