"""The house rules of DESIGN §2 and STYLE.md, checked on every run.

- core imports neither desktop nor sync_server, nor Qt, nor aiohttp;
- inside core, every import — module-level or inside a function — goes down the layers
  of :data:`CORE_LAYERS` (docs/ARCHITECTURE.md), never up or sideways;
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


# The layers of core, lowest first. A unit (a package or a top-level module of core) may
# import itself and any unit of a lower layer; an import of its own layer or above is an
# upward import, whether it sits at the top of the file or inside a function.
CORE_LAYERS: tuple[tuple[str, ...], ...] = (
    ("canonical_json", "ids", "errors", "money", "collector"),
    ("audit", "domain", "allocation"),
    ("distribution_classes", "fund_math"),
    ("ops",),
    ("keys", "store"),
    ("visibility",),
    ("positions",),
    ("redaction",),
    ("reducers",),
    ("verification",),
    ("commands",),
    ("reports",),
    ("views",),
    ("documents",),
    ("extraction",),
    ("sync",),
    ("operations",),
    ("demo",),
    ("onboarding",),
    ("cli",),
)
_RANK = {unit: rank for rank, units in enumerate(CORE_LAYERS) for unit in units}


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


def _core_unit(module: str) -> str | None:
    """``reports`` for ``core.reports.notices``; None outside core or for ``core`` itself."""
    parts = module.split(".")
    return parts[1] if parts[0] == "core" and len(parts) > 1 else None


def _upward_imports(paths: list[Path], root: Path) -> list[str]:
    found = []
    for path in paths:
        unit = path.relative_to(root).parts[1].removesuffix(".py")
        for name in sorted(_imports(path)):
            target = _core_unit(name)
            if target is None or target == unit:
                continue
            if _RANK.get(target, len(CORE_LAYERS)) >= _RANK.get(unit, -1):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


def test_every_core_unit_has_a_layer() -> None:
    units = {
        p.name.removesuffix(".py")
        for p in (ROOT / "core").iterdir()
        if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").exists()
    }
    assert sorted(units - set(_RANK)) == []


def test_core_imports_only_down_its_layers() -> None:
    assert _upward_imports(_modules("core"), ROOT) == []


def test_the_core_layer_check_sees_function_level_upward_imports(tmp_path: Path) -> None:
    low = tmp_path / "core" / "reducers" / "capital.py"
    low.parent.mkdir(parents=True)
    low.write_text(
        "from core.money import Money\n"
        "def f():\n"
        "    from core.views.capital_view import drafts\n"
        "    import core.sync.engine\n"
    )
    assert _upward_imports([low], tmp_path) == [
        "core/reducers/capital.py imports core.sync.engine",
        "core/reducers/capital.py imports core.views.capital_view",
    ]


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


def test_every_test_helper_and_test_module_has_a_name_of_its_own() -> None:
    """pytest imports each test folder's modules by their bare names (rootdir/prepend), so
    two files of one name in different folders collide: the second is not collected or
    imports the first's helpers."""
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name in ("conftest.py", "__init__.py"):
            continue
        seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}
