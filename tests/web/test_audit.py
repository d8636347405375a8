"""The hash-chained audit log: tampering is evident and named."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from gateway.cli import main
from gateway.db import db
from tests.web.conftest import act


@pytest.fixture
def audit_cli(app, monkeypatch):
    for key in ("DATABASE_URL", "REDIS_URL", "QUEUE_NAME", "LEXICON_DIR"):
        monkeypatch.setenv(f"SANSHEN_{key}", app.config[key])
    monkeypatch.setenv("SANSHEN_INSTANCE_PATH", app.instance_path)
    return lambda: CliRunner().invoke(main, ["audit", "verify"])


def execute(app, sql: str) -> None:
    with app.app_context(), db.session() as s:
        s.execute(text(sql))


@pytest.fixture
def history(app, users, login, flagged) -> None:
    """Logins, site and user changes and a review action: a chain of several entries."""
    review_id = flagged()
    act(login("chu"), review_id, "approve", comment="同意")


def test_when_log_is_untouched_then_verify_passes(history, audit_cli) -> None:
    result = audit_cli()
    assert result.exit_code == 0
    assert "audit log intact" in result.output


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_log SET actor = 'mallory' WHERE id = 3", "entry 3: edited"),
        ('UPDATE audit_log SET details = \'{"note": "forged"}\' WHERE id = 2', "entry 2: edited"),
        ("DELETE FROM audit_log WHERE id = 4", "entry 5: deleted before"),
        (
            "INSERT INTO audit_log (id, at, actor, action, subject, details, prev_hash, hash) "
            "SELECT 1000, at, 'mallory', 'review.approve', 'x', '{}', hash, hash FROM audit_log WHERE id = 2",
            "entry 1000",
        ),
    ],
)
def test_when_a_row_is_edited_inserted_or_deleted_then_verify_names_it(
    app, history, audit_cli, tamper, expected
) -> None:
    execute(app, tamper)
    result = audit_cli()
    assert result.exit_code == 1
    assert expected in result.output


def test_when_auditor_opens_the_log_then_chain_state_and_csv_are_shown(app, history, login) -> None:
    client = login("audit")
    page = client.get("/audit").get_data(as_text=True)
    assert "哈希链完整" in page and "review.approve" in page
    csv_text = client.get("/audit.csv?action=review.").get_data(as_text=True)
    assert csv_text.splitlines()[0].lstrip("\ufeff").startswith("id,at,actor,action")
    assert "review.approve" in csv_text and "user.add" not in csv_text
    execute(app, "UPDATE audit_log SET subject = 'x' WHERE id = 1")
    assert "哈希链校验失败" in client.get("/audit").get_data(as_text=True)


def test_when_reviewer_opens_the_audit_page_then_403(app, history, login) -> None:
    assert login("chu").get("/audit").status_code == 403
