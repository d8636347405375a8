"""The check registry: name → check class, filled by the built-in modules on first use."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from checks.base import Check

BUILTIN_MODULES = (
    "checks.sensitive",
    "checks.typo",
    "checks.disclosure",
    "checks.docformat",
    "checks.link",
    "checks.reachability",
    "checks.privacy",
    "checks.secret",
)

_REGISTRY: dict[str, type[Check]] = {}
_loaded = False


def register(cls: type[Check]) -> type[Check]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two checks are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        _loaded = True


def check_names() -> list[str]:
    _load_builtins()
    return list(_REGISTRY)


def create(names: Iterable[str] | None = None) -> list[Check]:
    """Instances of the named checks (all registered ones when ``names`` is None)."""
    _load_builtins()
    if names is None:
        return [cls() for cls in _REGISTRY.values()]
    result = []
    for name in names:
        if name not in _REGISTRY:
            raise KeyError(f"unknown check {name!r}; known: {', '.join(_REGISTRY)}")
        result.append(_REGISTRY[name]())
    return result
