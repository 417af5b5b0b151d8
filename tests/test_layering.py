"""Dependencies point down only: checked on the import statements of each module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "armstui"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).rglob("*.py"))


def _violations(
    subpackage: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> list[str]:
    found = []
    for path in _modules(subpackage):
        for name in _imports(path):
            if name.startswith(forbidden) and not name.startswith(allowed):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


@pytest.mark.parametrize("subpackage", ["flows", "cloud", "sandbox"])
def test_core_never_imports_textual(subpackage: str) -> None:
    assert _modules(subpackage), f"armstui/{subpackage} has no modules"
    assert _violations(subpackage, ("textual", "rich")) == []


def test_sandbox_imports_nothing_else_from_armstui() -> None:
    # armstui.policy is the RAM policy evaluator the sandbox shares with the doctor.
    allowed = ("armstui.sandbox", "armstui.policy")
    assert _violations("sandbox", ("armstui",), allowed=allowed) == []


def test_policy_evaluator_imports_nothing_from_armstui() -> None:
    found = [n for n in _imports(PACKAGE / "policy.py") if n.startswith("armstui")]
    assert found == []


def test_tui_never_imports_an_sdk() -> None:
    assert _violations("tui", ("alibabacloud_", "darabonba", "Tea")) == []


def test_flows_never_import_an_sdk() -> None:
    assert _violations("flows", ("alibabacloud_", "darabonba", "Tea")) == []


# The one place for accounts, secrets and the workspace's opening, called by both the CLI
# and the app: it prints nothing and draws nothing.
UI_FREE = [
    "accounts.py",
    "identity.py",
    "paths.py",
    "vault.py",
    "credentials.py",
    "profiles.py",
    "model.py",
    "secrets",
]


@pytest.mark.parametrize("where", UI_FREE)
def test_accounts_and_secrets_import_no_ui_and_no_sdk(where: str) -> None:
    paths = [PACKAGE / where] if where.endswith(".py") else _modules(where)
    assert paths and all(p.exists() for p in paths), where
    found = [
        f"{p.relative_to(PACKAGE.parent)} imports {name}"
        for p in paths
        for name in _imports(p)
        if name.startswith(("textual", "rich", "click", "armstui.tui", "armstui.cli"))
        or name.startswith(("alibabacloud_", "darabonba", "Tea"))
    ]
    assert found == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import textual\nfrom alibabacloud_ram20150501 import client\n")
    assert _imports(bad) == {"textual", "alibabacloud_ram20150501"}
