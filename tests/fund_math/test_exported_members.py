"""The public API of ``core.fund_math`` is deliberate: every module declares ``__all__``,
everything it defines publicly is listed, and the package re-exports only what exists."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import core.fund_math as package

MODULES = [
    importlib.import_module(f"core.fund_math.{info.name}")
    for info in pkgutil.iter_modules(package.__path__)
]


def test_the_package_reexports_only_real_names() -> None:
    assert sorted(package.__all__) == package.__all__
    for name in package.__all__:
        assert hasattr(package, name), name


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_each_module_lists_what_it_defines(module: object) -> None:
    exported = set(module.__all__)  # type: ignore[attr-defined]
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__  # type: ignore[attr-defined]
    }
    assert defined <= exported, defined - exported
    for name in exported:
        assert hasattr(module, name), name


def test_fund_math_imports_nothing_outside_core_and_the_standard_library() -> None:
    """Pure math: no storage, no Qt, no aiohttp, no pydantic in this package."""
    forbidden = ("sqlalchemy", "aiohttp", "PySide", "PyQt", "desktop", "sync_server", "pydantic")
    for module in MODULES:
        source = inspect.getsource(module)
        imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
        assert not [line for line in imports if any(f in line for f in forbidden)], module
