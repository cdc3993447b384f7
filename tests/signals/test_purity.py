"""The signal, crisis and escalation packages stay pure: no adapters, no clock reads, no logs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "bot"
FILES = sorted(p for pkg in ("signals", "crisis", "escalation") for p in (ROOT / pkg).glob("*.py"))
FORBIDDEN_MODULES = {"telegram", "aiohttp", "sqlalchemy", "sqlmodel", "logging", "structlog"}
FORBIDDEN_CALLS = {("datetime", "now"), ("date", "today"), ("time", "time"), ("datetime", "utcnow")}


def test_the_packages_exist() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name):
                assert (target.id, node.func.attr) not in FORBIDDEN_CALLS, (
                    f"{path.name} reads the clock: {target.id}.{node.func.attr}()"
                )
        assert not (isinstance(node, ast.Name) and node.id in {"eval", "exec"}), path.name
