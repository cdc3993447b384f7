"""Domain code imports neither Telegram nor aiohttp, not even through an adapter module."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("telegram", "aiohttp", "aiohttp_jinja2")
# Adapters: the only places allowed to talk to the network libraries.
ADAPTERS = (
    "admin",
    "bot.channels.telegram",
    "bot.cli",
    "bot.demo",
    "bot.emulator",
    "bot.service",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_adapter(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ADAPTERS)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def domain_modules() -> list[Path]:
    files = [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("flows").rglob("*.py")]
    return [f for f in files if not _is_adapter(_module_name(f)) and "migrations" not in f.parts]


def test_there_is_domain_code_to_check():
    modules = {_module_name(f) for f in domain_modules()}
    assert {"bot.clock", "bot.storage.db", "bot.channels.base"} <= modules


def test_domain_code_does_not_import_network_libraries_or_adapters():
    offenders = []
    for path in domain_modules():
        for name in _imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN or _is_adapter(name):
                offenders.append(f"{_module_name(path)} imports {name}")
    assert offenders == []


def test_the_checker_catches_an_offender(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from telegram import Bot\nimport aiohttp.web\n")
    assert {"telegram", "aiohttp.web"} <= _imports(sample)
