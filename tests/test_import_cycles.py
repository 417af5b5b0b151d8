"""No runtime import cycle inside armstui: the modules import each other as a tree.

Only the imports that run when a module is first imported count: those at module level
(also inside ``try``/``if``/``with`` there), not those under ``if TYPE_CHECKING:`` and not
those inside a function or a class body's methods. Importing ``a.b.c`` runs ``a/__init__``
and ``a/b/__init__`` too, so those are edges as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import armstui


def _module_names(root: Path, package: str) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([package, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(
    tree: ast.Module, *, deferred: bool = False
) -> list[ast.Import | ast.ImportFrom]:
    """The import statements run at import time (module level, TYPE_CHECKING excluded);
    ``deferred``: those inside functions too (they run on the first call)."""
    if deferred:
        return [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            and not _under_type_checking(tree, node)
        ]
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody):
                    visit(block)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.With):
                visit(node.body)
            elif isinstance(node, ast.ClassDef):
                visit(node.body)  # a class body runs at import time; its methods do not

    visit(tree.body)
    return found


def _under_type_checking(tree: ast.Module, target: ast.stmt) -> bool:
    return any(
        isinstance(node, ast.If)
        and _is_type_checking(node.test)
        and any(child is target for stmt in node.body for child in ast.walk(stmt))
        for node in ast.walk(tree)
    )


def _with_parents(name: str, modules: dict[str, Path]) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(modules)


def import_graph(root: Path, package: str, *, deferred: bool = False) -> dict[str, set[str]]:
    """Each module of ``package`` (its folder ``root``) -> the package's modules it runs
    (``deferred``: counting the imports inside functions too)."""
    modules = _module_names(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _runtime_imports(tree, deferred=deferred):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets |= _with_parents(alias.name, modules)
                continue
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets |= _with_parents(base, modules)
            for alias in node.names:  # `from pkg import sub` imports the submodule pkg.sub
                targets |= _with_parents(f"{base}.{alias.name}", modules)
        targets.discard(name)
        # Importing a module runs its parent packages first; they are not its imports.
        graph[name] = targets - _with_parents(name, modules)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_stack:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in done:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_armstui_has_no_runtime_import_cycle() -> None:
    root = Path(armstui.__file__).parent
    graph = import_graph(root, "armstui")
    assert "armstui.secrets.redaction" in graph["armstui.model"]  # the graph sees real edges
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


# The accounts' and secrets' modules once imported each other inside functions (the model
# asked the vault's redactor, the vault asked the settings for its file's path, ...): among
# them not even a deferred import may close a cycle.
ACCOUNT_CORE = (
    "armstui.model",
    "armstui.credentials",
    "armstui.profiles",
    "armstui.paths",
    "armstui.vault",
    "armstui.secrets",
)


def test_the_account_core_has_no_cycle_even_through_deferred_imports() -> None:
    graph = import_graph(Path(armstui.__file__).parent, "armstui", deferred=True)
    core = {
        name: {t for t in targets if t.startswith(ACCOUNT_CORE)}
        for name, targets in graph.items()
        if name.startswith(ACCOUNT_CORE)
    }
    assert "armstui.secrets.file_vault" in core["armstui.vault"]  # a deferred edge is seen
    cycle = find_cycle(core)
    assert cycle is None, " -> ".join(cycle or [])


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "members"),
    [
        pytest.param(
            {
                "a.py": "from pkg import b\n",
                "b.py": "import pkg.sub.c\n",
                "sub/__init__.py": "",
                "sub/c.py": "from ..a import thing\n",
            },
            {"pkg.a", "pkg.b", "pkg.sub.c"},
            id="module-level",
        ),
        pytest.param(
            {
                "a.py": "from pkg.sub.c import x\n",
                "sub/__init__.py": "from pkg import a\n",
                "sub/c.py": "",
            },
            {"pkg.a", "pkg.sub"},
            id="through-a-package-init",
        ),
    ],
)
def test_the_detector_finds_a_cycle(
    tmp_path: Path, files: dict[str, str], members: set[str]
) -> None:
    root = _write(tmp_path / "pkg", {"__init__.py": "", **files})
    cycle = find_cycle(import_graph(root, "pkg"))
    assert cycle is not None and set(cycle) == members


def test_the_detector_ignores_type_checking_and_function_imports(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg import a\n"
                "def later():\n    from pkg import a\n"
                "class K:\n    def m(self):\n        import pkg.a\n"
            ),
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == set()
    assert find_cycle(graph) is None
    deferred = import_graph(root, "pkg", deferred=True)  # the function's import counts now
    assert deferred["pkg.b"] == {"pkg.a"} and find_cycle(deferred) is not None
