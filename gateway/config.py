"""Configuration: gateway.defaults, then SANSHEN_* environment variables, then test_config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from gateway import defaults

ENV_PREFIX = "SANSHEN_"


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, tuple):
        return tuple(float(part) for part in raw.split(",") if part.strip())
    return raw


def load(instance_path: Path, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    for name, default in list(config.items()):
        raw = os.environ.get(ENV_PREFIX + name)
        if raw is not None:
            try:
                config[name] = _coerce(default, raw)
            except ValueError:
                raise SystemExit(f"{ENV_PREFIX}{name}: cannot read {raw!r} as {type(default).__name__}") from None
    for name in ("SENTRY_DSN", "HANLP_MODEL"):
        config.setdefault(name, os.environ.get(ENV_PREFIX + name, ""))
    if test_config:
        config.update(test_config)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'sanshen.db'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance_path)
    return config


def _instance_secret(instance_path: Path) -> str:
    """A stable random key kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text("ascii").strip()
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key, "ascii")
    return key
