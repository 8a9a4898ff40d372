"""Import rules of issue 15, read from the source files (AST; nothing is imported or run).

1. Forms do not know how they are sent: no module under ``portal/`` imports ``linkage.exchange``
   (only the navigation may name it, and it does so by URL name). What a portal app needs of the
   exchange it declares as a port in its ``ports.py``; the exchange provides it (``test_ports.py``).
3. Signing and packaging are pure: ``linkage/signing`` and ``linkage/standard`` import no Django,
   nothing from ``portal`` and nothing from ``linkage.exchange`` / ``linkage.hub``; the hub imports only
   pure packages and itself (no ``linkage.exchange``, no ``portal``); the signing tests import no Django.
4. Who sends is the office's business: one ``sender_kind_of``, in ``portal/offices``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The navigation may know the exchange (it links to its pages).
NAVIGATION = {"portal/core/navigation.py", "portal/offices/context_processors.py"}


def _py_files(folder: str):
    return sorted(p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` / ``from … import`` names, also inside functions (lazy imports)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offenders(folder: str, forbidden: tuple[str, ...], allowed: set[str] = frozenset()) -> dict[str, list[str]]:
    found = {}
    for path in _py_files(folder):
        if _rel(path) in allowed:
            continue
        bad = sorted(m for m in imported_modules(path) if any(_under(m, f) for f in forbidden))
        if bad:
            found[_rel(path)] = bad
    return found


def test_no_portal_module_but_the_navigation_imports_the_exchange():
    assert offenders("portal", ("linkage.exchange",), NAVIGATION) == {}


def test_pure_packages_import_no_django_portal_or_django_apps():
    forbidden = ("django", "portal", "linkage.exchange", "linkage.hub", "rest_framework", "celery")
    assert offenders("linkage/signing", forbidden) == {}
    assert offenders("linkage/standard", forbidden) == {}


def test_signing_tests_import_no_django():
    assert offenders("tests/signing", ("django", "pytest_django", "portal", "linkage.exchange")) == {}


def test_hub_depends_only_on_pure_packages_and_itself():
    assert offenders("linkage/hub", ("linkage.exchange", "portal")) == {}


def test_one_sender_kind_of_and_it_belongs_to_the_office():
    definitions = [
        _rel(path)
        for folder in ("portal", "linkage")
        for path in _py_files(folder)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "sender_kind_of"
    ]
    assert len(definitions) == 1 and definitions[0].startswith("portal/offices/"), definitions
