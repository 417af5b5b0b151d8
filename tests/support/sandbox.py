"""A running sandbox for tests, and official SDK clients and CloudSessions pointed at it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from armstui.cloud.session import SDK_MODULES, CloudSession
from armstui.model import Credentials
from armstui.sandbox.server import SandboxServer
from armstui.sandbox.state import SandboxState


@dataclass
class RunningSandbox:
    state: SandboxState
    server: SandboxServer
    # alias -> uid, access_key_id, access_key_secret (the root's), users: {name: its key}
    accounts: dict[str, dict[str, Any]]

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    def uid(self, alias: str) -> str:
        return str(self.accounts[alias]["uid"])

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
        return importlib.import_module(SDK_MODULES[service]).Client(config)

    def cluster_id(self, alias: str, name: str) -> str:
        """The id of ``alias``'s ACK cluster called ``name``, as DescribeClustersV1 lists it."""
        from alibabacloud_cs20151215 import models as cs

        listed = self.client("cs", alias).describe_clusters_v1(cs.DescribeClustersV1Request())
        return str(next(c.cluster_id for c in listed.body.clusters if c.name == name))

    def user_key(self, alias: str, name: str, *policies: str | tuple[str, str]) -> dict[str, str]:
        """A new RAM user ``name`` of ``alias`` with ``policies`` attached (a name: a system
        policy; else ``(type, name)``) and one AccessKey, as :meth:`client`'s keyword
        arguments: ``access_key_id``, ``access_key_secret``."""
        from alibabacloud_ram20150501 import models as ram

        root = self.client("ram", alias)
        root.create_user(ram.CreateUserRequest(user_name=name))
        for policy in policies:
            policy_type, policy_name = ("System", policy) if isinstance(policy, str) else policy
            root.attach_policy_to_user(
                ram.AttachPolicyToUserRequest(
                    user_name=name, policy_type=policy_type, policy_name=policy_name
                )
            )
        key = root.create_access_key(ram.CreateAccessKeyRequest(user_name=name)).body.access_key
        return {"access_key_id": key.access_key_id, "access_key_secret": key.access_key_secret}

    def session(
        self, alias: str, *, user: str | None = None, endpoint: str | None = None, **options: Any
    ) -> CloudSession:
        """armstui's CloudSession as ``alias``'s root or, with ``user``, its seeded RAM user
        (``admin``: root keys may not assume roles), on this sandbox or on ``endpoint`` (a relay
        in front of it); ``options`` are CloudSession's (``retry``, ``call_log``...)."""
        account = self.accounts[alias]
        key = account if user is None else account["users"][user]
        return CloudSession(
            alias,
            account["uid"],
            self.state.region,
            Credentials(key["access_key_id"], key["access_key_secret"]),
            endpoint=endpoint or self.endpoint,
            **options,
        )


@contextmanager
def serving(state: SandboxState, **server_options: Any) -> Iterator[RunningSandbox]:
    """``state`` served on a loopback port until the block ends; ``server_options`` are
    SandboxServer's (``tls``, ``header_timeout``...)."""
    from armstui.sandbox.world import accounts_by_alias

    server = SandboxServer(state, **server_options)
    server.start_in_thread()
    try:
        yield RunningSandbox(state, server, accounts_by_alias(state))
    finally:
        server.stop_thread()


def root_arn(uid: str) -> str:
    """An account's root identity as a trust policy names it: the account, and whoever in it
    the account allows to call AssumeRole."""
    return f"acs:ram::{uid}:root"


def trust_statement(*principals: str) -> dict[str, Any]:
    """A trust-policy statement letting ``principals`` (RAM ARNs) assume the role."""
    return {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": list(principals)}}


def trusting(trusted_uid: str) -> dict[str, Any]:
    """A role's trust policy (AssumeRolePolicyDocument) trusting account ``trusted_uid``."""
    return {"Version": "1", "Statement": [trust_statement(root_arn(trusted_uid))]}


def add_admin_account(sandbox: RunningSandbox, state_dir: Path, alias: str) -> str:
    """An account ``<alias>-admin`` in ``state_dir``'s sandbox.json: the same cloud account,
    signing with its seeded RAM user ``admin`` (STS refuses AssumeRole with a root key).
    Returns the new alias."""
    import json

    user = sandbox.accounts[alias]["users"]["admin"]
    described = json.loads((state_dir / "sandbox.json").read_text())
    described["accounts"][f"{alias}-admin"] = {
        "uid": sandbox.uid(alias),
        "access_key_id": user["access_key_id"],
        "access_key_secret": user["access_key_secret"],
    }
    (state_dir / "sandbox.json").write_text(json.dumps(described))
    return f"{alias}-admin"


def set_reporting_key_status(sandbox: RunningSandbox, status: str) -> None:
    """As A's admin (``monitoring``), set the first key of the ACK flow's reporting user
    ``armstui-reporter`` to ``Active`` or ``Inactive``."""
    from alibabacloud_ram20150501 import models as ram_models

    ram = sandbox.client("ram", "monitoring")
    key = ram.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="armstui-reporter")
    ).body.access_keys.access_key[0]
    ram.update_access_key(
        ram_models.UpdateAccessKeyRequest(
            user_name="armstui-reporter", user_access_key_id=key.access_key_id, status=status
        )
    )


def reporter_policies(sandbox: RunningSandbox) -> set[str]:
    """The names of the policies attached to the ACK flow's reporting user
    ``armstui-reporter`` in A (``monitoring``)."""
    from alibabacloud_ram20150501 import models as ram_models

    listed = (
        sandbox.client("ram", "monitoring")
        .list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name="armstui-reporter"))
        .body.policies
    )
    return {p.policy_name for p in listed.policy}


def apps_in_a(sandbox: RunningSandbox) -> set[str]:
    """The names of the apps ARMS lists in the monitoring account (region cn-hangzhou)."""
    from alibabacloud_arms20190808 import models as arms_models

    arms = sandbox.client("arms", "monitoring")
    return {
        a.app_name
        for a in arms.list_trace_apps(
            arms_models.ListTraceAppsRequest(region_id="cn-hangzhou")
        ).body.trace_apps
    }
