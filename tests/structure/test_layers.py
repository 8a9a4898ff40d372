"""Import rules that keep the apps layered (issue 15, item 2), checked on the source with ``ast``.

What is checked, precisely (Python imports only; templates and migrations' ``dependencies`` are not code imports):

1. ``portal/masters`` (every ``.py`` file, migrations included, at any depth — module level or inside a
   function) imports no other ``portal`` package (it knows no office data) and nothing from
   ``linkage.exchange``.
2. ``portal/clients`` (every ``.py`` file, any depth) imports nothing from ``portal.schedules``:
   schedules depends on clients, never the reverse.
3. Among the ``portal`` apps, the imports made at module level (statements outside any function or class
   body, including those under ``if``/``try``) form no cycle. Imports inside functions are the
   deliberate late-bound exceptions and are not counted; migrations are not counted, nor is the main
   navigation ``portal/core/navigation.py``, which sits above every app by design (it lists their pages
   and asks ``portal.offices.permissions`` who may see them).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
SHELL = {PORTAL / "core" / "navigation.py"}  # above every app (see 3.)


def _imported(node: ast.AST, module: str) -> list[str]:
    """Absolute names an import statement brings in (relative imports resolved against ``module``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")[: -node.level]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # ``from portal import schedules`` imports the package portal.schedules
        return [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
    return []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _all_imports(path: Path) -> list[str]:
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [name for node in ast.walk(tree) for name in _imported(node, module)]


def _module_level_imports(path: Path) -> list[str]:
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[str] = []

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            out.extend(_imported(node, module))
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []) or [])

    visit(tree.body)
    return out


def _app_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "portal" and len(parts) > 1 else None


def _sources(package: Path, *, migrations: bool = True):
    for path in sorted(package.rglob("*.py")):
        if not migrations and "migrations" in path.parts:
            continue
        yield path


def forbidden(package: Path, allowed, *, migrations: bool = True) -> list[str]:
    """``file: name`` for every import in ``package`` that ``allowed(name)`` refuses."""
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _sources(package, migrations=migrations)
        for name in _all_imports(path)
        if not allowed(name)
    ]


def module_level_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for app_dir in sorted(p for p in PORTAL.iterdir() if (p / "__init__.py").exists()):
        edges = graph.setdefault(app_dir.name, set())
        for path in _sources(app_dir, migrations=False):
            if path in SHELL:
                continue
            for name in _module_level_imports(path):
                other = _app_of(name)
                if other and other != app_dir.name and (PORTAL / other).is_dir():
                    edges.add(other)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_masters_knows_no_office_data_and_not_the_exchange():
    def allowed(name: str) -> bool:
        app = _app_of(name)
        if name == "portal" or (app is not None and app != "masters"):
            return False
        return not (name == "linkage.exchange" or name.startswith("linkage.exchange."))

    assert forbidden(PORTAL / "masters", allowed) == []


def test_clients_does_not_import_schedules():
    assert forbidden(PORTAL / "clients", lambda name: _app_of(name) != "schedules") == []


def test_no_cycle_between_portal_apps_at_module_level():
    assert find_cycle(module_level_graph()) is None


def test_the_checker_sees_a_cycle_and_a_late_forbidden_import():
    """The rules above can fail: a made-up cycle is found, and an import inside a function counts for 1 and 2
    (but not for 3)."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    path = PORTAL / "clients" / "services.py"  # parsed from a string below, the file is not read
    source = (
        "import os\n\n\ndef f():\n    from portal.schedules.models import ServiceSchedule\n    return ServiceSchedule\n"
    )
    tree = ast.parse(source)
    late = [n for node in ast.walk(tree) for n in _imported(node, _module_name(path))]
    assert "portal.schedules.models" in late
    assert _app_of("portal.schedules.models") == "schedules"
