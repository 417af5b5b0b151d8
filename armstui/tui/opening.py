"""Opening the workspace for the app: the sandbox, or the saved accounts with a vault.

The real-cloud path mirrors :meth:`armstui.flows.workspace.Workspace._open_real`, except
that the vault is opened separately, so that when the keyring is locked or missing the app
can offer the encrypted-file / session-only choice (armstui/vault.py ``REMEDY``) instead
of stopping. Runs in a worker thread: opening the keyring may block (vault.py's timeout).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WorkspaceFactory = Callable[[], Any]


def sandbox_factory(sandbox: Any) -> WorkspaceFactory:
    def open_() -> Any:
        from armstui.flows.workspace import Workspace

        return Workspace.open(sandbox)

    return open_


def real_factory(vault_kind: str | None = None, passphrase: str | None = None) -> WorkspaceFactory:
    """Saved accounts (config.toml) with the configured vault, or ``vault_kind`` if given.

    Raises :class:`armstui.vault.VaultUnavailable` (say why, offer the choice) or
    :class:`armstui.profiles.ConfigError`.
    """

    def open_() -> Any:
        from armstui import profiles
        from armstui.flows.journal import Journal
        from armstui.flows.workspace import Workspace
        from armstui.vault import open_vault

        config = profiles.load()
        vault = open_vault(vault_kind or config.vault, passphrase)
        return Workspace(
            {a.alias: a for a in config.accounts},
            vault,
            Journal(paths.data_dir() / "journal.db"),
        )

    return open_
