"""A running sandbox for tests, and official SDK clients pointed at it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from armstui.sandbox.server import SandboxServer
from armstui.sandbox.state import SandboxState

# service -> (SDK module, version)
SDK_CLIENTS = {
    "ram": "alibabacloud_ram20150501.client",
    "sts": "alibabacloud_sts20150401.client",
    "arms": "alibabacloud_arms20190808.client",
    "cs": "alibabacloud_cs20151215.client",
    "ecs": "alibabacloud_ecs20140526.client",
    "resourcemanager": "alibabacloud_resourcemanager20200331.client",
}


@dataclass
class RunningSandbox:
    state: SandboxState
    server: SandboxServer
    accounts: dict[str, dict[str, str]]  # alias -> uid, access_key_id, access_key_secret

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    def uid(self, alias: str) -> str:
        return self.accounts[alias]["uid"]

    def write_description(self, directory: Path) -> Path:
        """Write ``sandbox.json`` for this sandbox into ``directory`` (as `sandbox serve` does)."""
        from armstui.sandbox.describe import FILE_NAME, write_description

        return write_description(directory / FILE_NAME, self.state, self.endpoint)

    def client(
        self,
        service: str,
        alias: str | None = None,
        *,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        security_token: str | None = None,
    ) -> Any:
        """An official SDK client for ``service``, as an account's root (``alias``) or with
        the given credentials."""
        from alibabacloud_tea_openapi.models import Config

        if alias is not None:
            access_key_id = self.accounts[alias]["access_key_id"]
            access_key_secret = self.accounts[alias]["access_key_secret"]
        config = Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            security_token=security_token,
            endpoint=self.endpoint,
            protocol="http",
            region_id=self.state.region,
        )
        return importlib.import_module(SDK_CLIENTS[service]).Client(config)
