"""The house rules of DESIGN §2 and STYLE.md, checked on every run.

- core imports neither desktop nor sync_server, nor Qt, nor aiohttp;
- desktop and sync_server never import each other;
- desktop never touches SQL: no sqlalchemy, no core.store;
- every module declares ``__all__``; no module past 600 lines; no grab-bag module names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "desktop", "sync_server")

FORBIDDEN = {
    "core": ("desktop", "sync_server", "PySide6", "aiohttp", "shiboken6"),
    "desktop": ("sync_server", "sqlalchemy", "core.store", "aiohttp"),
    "sync_server": ("desktop", "PySide6", "shiboken6"),
}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _breaches(package: str) -> list[str]:
    found = []
    for path in _modules(package):
        for name in _imports(path):
            for banned in FORBIDDEN[package]:
                if name == banned or name.startswith(banned + "."):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_layering(package: str) -> None:
    assert _breaches(package) == []


def test_the_layering_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sync_server.app\nfrom PySide6 import QtCore\n")
    assert _imports(bad) == {"sync_server.app", "PySide6"}


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_declare_their_public_api(package: str) -> None:
    missing = [
        str(p.relative_to(ROOT))
        for p in _modules(package)
        if p.name != "__init__.py" and "__all__" not in p.read_text("utf-8")
    ]
    assert missing == []


@pytest.mark.parametrize("package", [*PACKAGES, "tests", "bench", "scripts"])
def test_no_module_past_600_lines(package: str) -> None:
    root = ROOT / package
    long = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in (root.rglob("*.py") if root.exists() else [])
        if (n := len(p.read_text("utf-8").splitlines())) > 600
    ]
    assert long == []


def test_no_grab_bag_modules() -> None:
    names = {"utils.py", "helpers.py", "manager.py", "misc.py", "common.py"}
    found = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in _modules(pkg) if p.name in names]
    assert found == []
