"""Where armstui keeps its files: the settings (config.toml) and its data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from armstui.secrets.private_files import ensure_private_dir

CONFIG_ENV = "ARMSTUI_CONFIG"


def config_path() -> Path:
    """``$ARMSTUI_CONFIG``, else ``config.toml`` in the user's config folder."""
    override = os.environ.get(CONFIG_ENV)
    return (
        Path(override).expanduser()
        if override
        else platformdirs.user_config_path("armstui") / "config.toml"
    )


def data_dir() -> Path:
    """Where armstui keeps its own files (journal, encrypted vault); created 0700."""
    return ensure_private_dir(platformdirs.user_data_path("armstui"))


def vault_file_path() -> Path:
    return data_dir() / "vault.enc"


def journal_path() -> Path:
    return data_dir() / "journal.db"
